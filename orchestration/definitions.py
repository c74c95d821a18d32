"""The ONE Dagster entry point: `Definitions` built from the defs/ areas."""

from __future__ import annotations

from dagster import Definitions, colored_console_logger, in_process_executor
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.assets import dbt_audit, dbt_marts, dbt_staging
from orchestration.defs.dbt.project import dbt_executable, dbt_project
from orchestration.defs.ingest.assets import build_ingest_assets, delivery_log
from orchestration.defs.linkage.assets import linkage_evaluation, person_linkage
from orchestration.defs.publish.assets import publish_assets
from orchestration.defs.quality.checks import build_quality_checks
from orchestration.defs.schedules import deliveries_complete_sensor, monthly_job, monthly_schedule
from orchestration.event_storage import install as tune_event_storage
from orchestration.loggers import progress_logger
from orchestration.resources import warehouse_resource
from orchestration.settings import Settings, apply_to_environ

settings = Settings.from_env()
apply_to_environ(settings)
# every process that loads the definitions (the CLI, `make ui`'s code server and run workers) stores events
tune_event_storage()

defs = Definitions(
    assets=[
        *build_ingest_assets(),
        delivery_log,
        dbt_staging,
        person_linkage,
        linkage_evaluation,
        dbt_marts,
        dbt_audit,
        *publish_assets,
    ],
    asset_checks=build_quality_checks(),
    jobs=[monthly_job],
    schedules=[monthly_schedule],
    sensors=[deliveries_complete_sensor],
    resources={
        "dbt": DbtCliResource(
            project_dir=dbt_project, profiles_dir=str(dbt_project.project_dir), dbt_executable=dbt_executable()
        ),
        "warehouse": warehouse_resource(),
    },
    loggers={"console": colored_console_logger, "progress": progress_logger},
    # On 2 cores a process per step is ~10x slower than running the steps in-process (STACK.md).
    executor=in_process_executor,
)
