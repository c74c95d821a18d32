"""A terse logger for the command line: one line per finished step, failed checks spelled out."""

from __future__ import annotations

import logging

from dagster import logger


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
            print(f"    start {step}", flush=True)
        elif kind == "STEP_SUCCESS":
            secs = getattr(event.event_specific_data, "duration_ms", 0) / 1000
            print(f"    ok    {step:<52} {secs:7.1f}s", flush=True)
        elif kind == "STEP_FAILURE":
            print(f"    FAIL  {step}", flush=True)
        elif kind == "STEP_SKIPPED":
            print(f"    skip  {step}", flush=True)
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if not data.passed:
                print(f"    check {data.asset_key.to_user_string()}:{data.check_name} failed", flush=True)


@logger(description="One line per finished step (used by `canbao run`).")
def progress_logger(_init_context) -> logging.Logger:  # noqa: ANN001
    lg = logging.getLogger("canbao.progress")
    lg.setLevel(logging.DEBUG)
    lg.propagate = False
    lg.handlers = [_StepLines()]
    return lg
