"""Great Expectations suites (expectations/) run as Dagster asset checks.

Every suite is one blocking asset check on the table it validates: a failing blocking expectation (severity
ERROR) stops everything downstream of that table — staging gates stop linkage, mart gates stop publishing —
and the check's metadata names the expectation, the rows that failed and examples. Warning-only failures pass
with severity WARN and stay visible in the UI.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from orchestration.defs.common import WAREHOUSE_POOL, retry_on_lock
from orchestration.partitions import monthly_partitions
from orchestration.settings import Settings


def _check_for(suite: str, table: str, description: str) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey(table.split(".")),
        name=f"gx_{suite}",
        blocking=True,
        description=description,
        partitions_def=monthly_partitions,
        pool=WAREHOUSE_POOL,
    )
    def _gate(context: AssetCheckExecutionContext) -> AssetCheckResult:
        from expectations import run_suite

        settings = Settings.from_env()
        with retry_on_lock():
            result = run_suite(
                settings.warehouse, suite, context.partition_key, settings.gx_root, settings.reports / "data_docs"
            )
        metadata = {
            "summary": MetadataValue.md(result.summary_markdown()),
            "evaluated": result.statistics.get("evaluated_expectations", 0),
            "failed": len(result.failures),
            "rows": result.statistics.get("rows", 0),
        }
        if result.docs_url:
            metadata["data_docs"] = MetadataValue.url(result.docs_url)
        failed = [f"{f['expectation']} ({f['unexpected_count']} rows)" for f in result.failures if f["blocking"]]
        return AssetCheckResult(
            passed=not result.blocking,
            severity=AssetCheckSeverity.ERROR if result.blocking else AssetCheckSeverity.WARN,
            description=("failed: " + ", ".join(failed)) if failed else result.message or None,
            metadata=metadata,
        )

    return _gate


def build_quality_checks() -> list[AssetChecksDefinition]:
    from expectations.suites import SUITES

    return [
        _check_for(name, suite.table, f"Great Expectations suite {name} on {suite.table}")
        for name, suite in sorted(SUITES.items())
    ]
