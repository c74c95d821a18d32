"""A terse logger for the command line: one line per finished step, failed checks spelled out."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from dagster import logger

# Where the step lines go: `canbao run` points it at the terminal while the run's own output goes to a log file.
STEP_LINES_STREAM: TextIO | None = None


def _line(text: str) -> None:
    print(text, file=STEP_LINES_STREAM or sys.stdout, flush=True)


class _StepLines(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None:
            return
        kind = event.event_type_value
        step = event.step_key or ""
        if kind == "STEP_START" and "_gx_" not in step and not step.startswith("raw__"):
            # long steps (dbt, linkage, publishing) announce themselves so a slow one is visible while it runs
            _line(f"    start {step}")
        elif kind == "STEP_SUCCESS":
            secs = getattr(event.event_specific_data, "duration_ms", 0) / 1000
            _line(f"    ok    {step:<52} {secs:7.1f}s")
        elif kind == "STEP_FAILURE":
            _line(f"    FAIL  {step}")
        elif kind == "STEP_SKIPPED":
            _line(f"    skip  {step}")
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if not data.passed:
                _line(f"    check {data.asset_key.to_user_string()}:{data.check_name} failed")


@logger(description="One line per finished step (used by `canbao run`).")
def progress_logger(_init_context) -> logging.Logger:  # noqa: ANN001
    lg = logging.getLogger("canbao.progress")
    lg.setLevel(logging.DEBUG)
    lg.propagate = False
    lg.handlers = [_StepLines()]
    return lg
