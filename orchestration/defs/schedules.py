"""The monthly job, its schedule, and the sensor that starts a period once its deliveries are complete."""

from pathlib import Path

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    build_schedule_from_partitioned_job,
    define_asset_job,
    sensor,
)

from canbao.contract import load_contract
from orchestration.partitions import monthly_partitions
from orchestration.settings import Settings

# survey_returns and audit_verdicts answer what the platform itself published: a period is complete without
# them. Every other source of the contract must have delivered (at least one file) for the period.
OPTIONAL_SOURCES = frozenset({"survey_returns", "audit_verdicts"})

monthly_job = define_asset_job(
    name="monthly_pipeline",
    selection=AssetSelection.all(),
    partitions_def=monthly_partitions,
    description="One delivery period end to end: ingest → staging → linkage → marts → quality gates → publish.",
)

monthly_schedule = build_schedule_from_partitioned_job(
    monthly_job,
    day_of_month=10,
    hour_of_day=2,
    default_status=DefaultScheduleStatus.STOPPED,
    name="monthly_pipeline_schedule",
)


def required_sources() -> list[str]:
    return sorted(s for s in load_contract() if s not in OPTIONAL_SOURCES)


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() and not p.name.startswith((".", "~$")) for p in folder.iterdir())


def complete_periods(landing: Path) -> list[str]:
    """Periods for which every required source has delivered, oldest first."""
    if not landing.is_dir():
        return []
    required = required_sources()
    periods: set[str] = set()
    for source_dir in landing.iterdir():
        if source_dir.is_dir():
            periods.update(p.name for p in source_dir.iterdir() if p.is_dir())
    return sorted(p for p in periods if all(_has_files(landing / s / p) for s in required))


@sensor(
    job=monthly_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description="Starts the monthly pipeline for a period as soon as every required source has delivered it.",
)
def deliveries_complete_sensor(context: SensorEvaluationContext):
    settings = Settings.from_env()
    done = set((context.cursor or "").split(",")) - {""}
    keys = set(monthly_partitions.get_partition_keys())
    new = [p for p in complete_periods(settings.landing) if p not in done and p in keys]
    if not new:
        yield SkipReason("no newly completed delivery period in landing/")
        return
    for period in new:  # oldest first: periods must be processed in order (identifiers build on the last one)
        yield RunRequest(run_key=f"period-{period}", partition_key=period, tags={"canbao/trigger": "deliveries"})
    context.update_cursor(",".join(sorted(done | set(new))))
