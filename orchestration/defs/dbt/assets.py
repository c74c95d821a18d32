"""dbt models as Dagster assets, split in two around the Python linkage step.

`dbt_staging` builds seeds, staging, `int_person_names` and `int_person_records` (the linkage input);
`dbt_marts` builds everything that needs identifiers. Each run passes the partition as the dbt var `period`.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetsDefinition, BackfillPolicy, Output, RetryRequested
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.common import WAREHOUSE_POOL, is_lock_error
from orchestration.defs.dbt import parse_cache
from orchestration.defs.dbt.project import dbt_project, prepare_manifest, staging_fingerprint
from orchestration.defs.dbt.translator import CanbaoDbtTranslator
from orchestration.partitions import monthly_partitions
from orchestration.resources import WarehouseResource

STAGING_SELECT = "resource_type:seed tag:staging int_person_names int_person_records"
# Audit and evaluation marts need the Python-drawn audit sample, which needs the ledger: a third dbt step.
AUDIT_SELECT = "path:models/marts/audit path:models/marts/evaluation"
# `dbt build` also runs the unit tests of the models it builds: they check the rules on mocked rows (pytest
# tests/test_dbt_unit_tests.py), not a month's data, so production runs leave them out (dbt's advice).
PRODUCTION_BUILD_FLAGS = ("--exclude-resource-type", "unit_test")

prepare_manifest()
translator = CanbaoDbtTranslator()


def _row_counts(warehouse: WarehouseResource, relations: list[tuple[str, str]], period: str) -> dict:
    """Rows per built relation for this period, counted after dbt has exited (see STACK.md: dagster-dbt's
    own row counting opens a DuckDB connection that later ones then conflict with)."""
    counts: dict[tuple[str, str], int] = {}
    with warehouse.connect(read_only=True) as con:
        for schema, name in relations:
            cols = {
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_schema=? and table_name=?",
                    [schema, name],
                ).fetchall()
            }
            if not cols:
                continue
            where = " where period = ?" if "period" in cols else ""
            params = [period] if where else []
            counts[(schema, name)] = con.execute(f'select count(*) from "{schema}"."{name}"{where}', params).fetchone()[
                0
            ]
    return counts


def _run_dbt(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, step: str
) -> Iterator[Any]:
    period = context.partition_key
    dbt_vars = {"period": period, "staging_fingerprint": staging_fingerprint()}
    project_dir = Path(dbt_project.project_dir)
    target_path = parse_cache.new_target_path(project_dir, step, context.run.run_id)
    if parse_cache.seed(project_dir, target_path, dbt_vars):
        context.log.debug("dbt partial-parse state reused for %s", dbt_vars)
    invocation = dbt.cli(
        ["build", "--vars", json.dumps(dbt_vars), *PRODUCTION_BUILD_FLAGS], context=context, target_path=target_path
    )
    held: list[Any] = []
    try:
        try:
            for event in invocation.stream():
                held.append(event)
        finally:
            parse_cache.store(project_dir, target_path, dbt_vars)
    except Exception as exc:
        # dbt failed (a model error or a failing test): still record what it did build, then fail the step —
        # retried only when the cause is another process holding the warehouse file.
        yield from held
        log_file = Path(invocation.target_path) / "dbt.log"
        log_tail = log_file.read_text(encoding="utf-8", errors="replace")[-20000:] if log_file.exists() else ""
        if is_lock_error(exc) or is_lock_error(Exception(log_tail)):
            raise RetryRequested(max_retries=3, seconds_to_wait=5.0) from exc
        raise
    relations = [tuple(key.path[-2:]) for key in context.selected_asset_keys if len(key.path) >= 2]
    counts = _row_counts(warehouse, relations, period)  # type: ignore[arg-type]
    for event in held:
        if isinstance(event, Output):
            key = context.asset_key_for_output(event.output_name)
            n = counts.get(tuple(key.path[-2:]))  # type: ignore[arg-type]
            if n is not None:
                event = event.with_metadata({**event.metadata, "rows_in_period": n})
        yield event


def _dbt_step(name: str, select: str, exclude: str | None = None) -> AssetsDefinition:
    """One dbt invocation as a partitioned multi-asset in the writer pool; the three steps differ only in what
    they select."""

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=select,
        exclude=exclude,
        name=name,
        partitions_def=monthly_partitions,
        dagster_dbt_translator=translator,
        backfill_policy=BackfillPolicy.multi_run(1),
        pool=WAREHOUSE_POOL,
    )
    def _step(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        yield from _run_dbt(context, dbt, warehouse, name)

    return _step


dbt_staging = _dbt_step("dbt_staging", STAGING_SELECT)
dbt_marts = _dbt_step("dbt_marts", "fqn:*", exclude=f"{STAGING_SELECT} {AUDIT_SELECT}")
dbt_audit = _dbt_step("dbt_audit", AUDIT_SELECT)
