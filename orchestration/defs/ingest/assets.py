"""One ingest asset per contract source: landing/<source>/<period>/ → raw.<source>."""

from __future__ import annotations

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from canbao.contract import load_contract
from canbao.errors import DeliveryRejected
from canbao.ingest import ingest_source_period
from orchestration.defs.common import LOCK_RETRY, OWNER, WAREHOUSE_POOL
from orchestration.partitions import monthly_partitions
from orchestration.settings import Settings


def _ingest_asset(source: str, description: str) -> AssetsDefinition:
    @asset(
        key=AssetKey(["raw", source]),
        group_name="ingest",
        partitions_def=monthly_partitions,
        kinds={"python", "duckdb"},
        owners=[OWNER],
        pool=WAREHOUSE_POOL,
        retry_policy=LOCK_RETRY,
        description=description,
        tags={"layer": "ingest"},
    )
    def _ingest(context: AssetExecutionContext) -> MaterializeResult:
        settings = Settings.from_env()
        period = context.partition_key
        try:
            result = ingest_source_period(settings.warehouse, settings.landing, source, period)
        except DeliveryRejected as exc:
            # The whole delivery is refused: fail this source's partition with the one-line reason; the
            # other sources' ingest steps still run.
            raise Failure(description=str(exc), allow_retries=False) from None
        files = result.files
        table = [
            {
                k: getattr(f, k, f.get(k) if isinstance(f, dict) else None)
                for k in ("file", "status", "rows_loaded")
            }
            for f in files
        ]
        metadata = {
            "status": result.status,
            "rows_read": result.rows_read,
            "rows_loaded": result.rows_loaded,
            "rows_rejected": result.rows_rejected,
            "message": result.message or "",
        }
        if table:
            import pandas as pd

            metadata["files"] = MetadataValue.md(pd.DataFrame(table).to_markdown(index=False))
        context.log.info(f"{source} {period}: {result.status}, {result.rows_loaded} rows loaded")
        return MaterializeResult(metadata=metadata)

    _ingest.__name__ = f"raw_{source}"
    return _ingest


def build_ingest_assets() -> list[AssetsDefinition]:
    contract = load_contract()
    return [
        _ingest_asset(name, f"{spec.owner}: {spec.kind} delivery, raw rows as text with lineage")
        for name, spec in contract.items()
    ]
