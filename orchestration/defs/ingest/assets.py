"""One ingest asset per contract source: landing/<source>/<period>/ → raw.<source>."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from canbao.contract import load_contract
from canbao.errors import DeliveryRejected
from canbao.ingest import ingest_source_period
from orchestration.defs.common import OWNER, WAREHOUSE_POOL, retry_on_lock
from orchestration.partitions import monthly_partitions
from orchestration.resources import WarehouseResource
from orchestration.settings import Settings


def _ingest_asset(source: str, description: str) -> AssetsDefinition:
    @asset(
        key=AssetKey(["raw", source]),
        group_name="ingest",
        partitions_def=monthly_partitions,
        kinds={"python", "duckdb"},
        owners=[OWNER],
        pool=WAREHOUSE_POOL,
        description=description,
        tags={"layer": "ingest"},
    )
    def _ingest(context: AssetExecutionContext) -> MaterializeResult:
        settings = Settings.from_env()
        period = context.partition_key
        try:
            with retry_on_lock():
                result = ingest_source_period(settings.warehouse, settings.landing, source, period)
        except DeliveryRejected as exc:
            # The whole delivery is refused: fail this source's partition with the one-line reason; the
            # other sources' ingest steps still run.
            raise Failure(description=str(exc), allow_retries=False) from None
        files = result.files
        table = [
            {k: getattr(f, k, f.get(k) if isinstance(f, dict) else None) for k in ("file", "status", "rows_loaded")}
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


@multi_asset(
    specs=[
        AssetSpec(
            AssetKey(["raw", "_deliveries"]),
            deps=[AssetKey(["raw", s]) for s in load_contract()],
            group_name="ingest",
            kinds={"duckdb"},
            owners=[OWNER],
            description="Delivery log: one row per delivered file with its status (loaded / duplicate_file / "
            "rejected) and message.",
        ),
        AssetSpec(
            AssetKey(["raw", "_ingest_rejects"]),
            deps=[AssetKey(["raw", s]) for s in load_contract()],
            group_name="ingest",
            kinds={"duckdb"},
            owners=[OWNER],
            description="Rows that could not be split into the contract's fields (kept with their raw line).",
        ),
    ],
    name="delivery_log",
    partitions_def=monthly_partitions,
    pool=WAREHOUSE_POOL,
)
def delivery_log(context: AssetExecutionContext, warehouse: WarehouseResource):
    """Summarises the period's deliveries (the tables themselves are written by each source's ingest step)."""
    period = context.partition_key
    with warehouse.connect(read_only=True) as con:
        deliveries = con.execute(
            "select source, file, status, rows_read, rows_loaded, rows_rejected, message from raw._deliveries "
            "where period = ? order by source, file",
            [period],
        ).df()
        rejects = con.execute(
            "select source, reason, count(*) as n from raw._ingest_rejects where period = ? group by all "
            "order by source, reason",
            [period],
        ).df()
    yield MaterializeResult(
        asset_key=AssetKey(["raw", "_deliveries"]),
        metadata={
            "files": len(deliveries),
            "rejected_files": int((deliveries["status"] == "rejected").sum()) if len(deliveries) else 0,
            "deliveries": MetadataValue.md(deliveries.to_markdown(index=False) if len(deliveries) else "none"),
        },
    )
    yield MaterializeResult(
        asset_key=AssetKey(["raw", "_ingest_rejects"]),
        metadata={
            "rows": int(rejects["n"].sum()) if len(rejects) else 0,
            "by_reason": MetadataValue.md(rejects.to_markdown(index=False) if len(rejects) else "none"),
        },
    )
