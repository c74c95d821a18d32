"""Run the monthly Dagster job in-process, period by period (what `canbao run` does).

The runs are recorded in a persistent Dagster instance under `<home>/dagster`, so the platform team sees the
same runs in the UI (`make ui`) as were started from the command line.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from orchestration.settings import Settings, apply_to_environ

log = logging.getLogger(__name__)

DAGSTER_YAML = """\
# Written by canbao: one writer at a time on the DuckDB warehouse.
concurrency:
  pools:
    default_limit: 1
  runs:
    max_concurrent_runs: 1
telemetry:
  enabled: false
"""


@dataclass
class PeriodOutcome:
    period: str
    success: bool
    seconds: float
    failures: list[str] = field(default_factory=list)
    log: Path | None = None  # everything the run printed (dbt's console output, Dagster's log lines)


@contextmanager
def _output_to_log(log_path: Path) -> Iterator[TextIO]:
    """Send the process's stdout and stderr (file descriptors, so dbt's subprocess output that dagster-dbt echoes
    and library warnings too) to `log_path` for the block; yields a stream to the real stdout for the step
    lines."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(saved_out), "w", buffering=1, encoding="utf-8")
    try:
        with log_path.open("ab") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            try:
                yield terminal
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved_out, 1)
                os.dup2(saved_err, 2)
    finally:
        os.close(saved_out)
        os.close(saved_err)
        terminal.close()


def prepare_environment(settings: Settings) -> None:
    """Export the settings and give Dagster a persistent home before anything imports the definitions."""
    settings.ensure_dirs()
    apply_to_environ(settings)
    dagster_home = Path(os.environ.get("DAGSTER_HOME") or settings.home / "dagster")
    dagster_home.mkdir(parents=True, exist_ok=True)
    cfg = dagster_home / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TQDM_DISABLE", "1")  # GE's per-validation progress bars drown the step lines


def _failure_lines(result) -> list[str]:  # noqa: ANN001 - ExecuteInProcessResult
    lines = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            err = event.event_specific_data.error
            desc = None
            user = getattr(event.event_specific_data, "user_failure_data", None)
            if user is not None and user.description:
                desc = user.description
            msg = desc or (err.message.strip().splitlines()[-1] if err else "failed")
            lines.append(f"{event.step_key}: {msg}")
        elif event.event_type_value == "ASSET_CHECK_EVALUATION" and not event.event_specific_data.passed:
            data = event.event_specific_data
            if data.severity.value == "ERROR":
                desc = (data.description or "").splitlines()[0] if data.description else ""
                lines.append(f"quality gate {data.asset_key.to_user_string()}:{data.check_name} failed {desc}")
    return lines


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_dead_runs(instance) -> list[str]:  # noqa: ANN001 - DagsterInstance
    """Fail the CLI runs whose process died (killed, crashed, machine lost) and free their pool slots.

    A run killed mid-step keeps its claim on the `warehouse` pool (limit 1) in the instance: without this, the
    re-run of the period would wait for that slot forever. In-process runs have no daemon watching them, so the
    CLI checks the process that started each unfinished run (recorded in the run's tags).
    """
    from dagster import DagsterRunStatus, RunsFilter

    released = []
    unfinished = instance.get_runs(
        filters=RunsFilter(
            statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.NOT_STARTED],
            tags={"canbao/trigger": "cli"},
        )
    )
    for run in unfinished:
        pid, host = run.tags.get("canbao/pid"), run.tags.get("canbao/host")
        if host != socket.gethostname() or not pid or _alive(int(pid)):
            continue
        instance.report_run_failed(run, f"the canbao process {pid} running it ended without finishing the run")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
        log.warning("released run %s of a process that died (pid %s)", run.run_id, pid)
    return released


def run_periods(settings: Settings, periods: list[str], groups: list[str] | None = None) -> list[PeriodOutcome]:
    """Run the monthly job for each period in order; stop at the first failing period.

    `groups` restricts the run to those asset groups (e.g. everything but `publish`), as a backfill of part of
    the graph would; None runs the whole job.
    """
    prepare_environment(settings)
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    job = defs.resolve_job_def("monthly_pipeline")
    instance = DagsterInstance.get()
    release_dead_runs(instance)
    outcomes: list[PeriodOutcome] = []
    # The command line shows one line per step (progress logger) and a one-line reason on failure; the full
    # event log with stack traces stays in the Dagster instance, visible in the UI.
    run_config = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}, "progress": {}}}
    selection = None
    if groups is not None:
        graph = defs.resolve_asset_graph()
        selection = [k for k in graph.get_all_asset_keys() if graph.get(k).group_name in groups]
    from orchestration import loggers

    for period in periods:
        print(f"period {period}:", flush=True)
        started = time.perf_counter()
        log_path = settings.home / "logs" / f"run-{period}.log"
        with _output_to_log(log_path) as terminal:
            loggers.STEP_LINES_STREAM = terminal
            try:
                result = job.execute_in_process(
                    partition_key=period,
                    instance=instance,
                    raise_on_error=False,
                    run_config=run_config,
                    tags={"canbao/trigger": "cli", "canbao/pid": str(os.getpid()), "canbao/host": socket.gethostname()},
                    asset_selection=selection,
                )
            finally:
                loggers.STEP_LINES_STREAM = None
        outcome = PeriodOutcome(
            period, result.success, time.perf_counter() - started, _failure_lines(result), log=log_path
        )
        outcomes.append(outcome)
        if not result.success:
            break
    return outcomes


def stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
