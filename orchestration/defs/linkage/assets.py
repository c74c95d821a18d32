"""Thin Dagster wrappers around linkage/: identifiers for the period's person records, and evaluation."""

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from orchestration.defs.common import OWNER, WAREHOUSE_POOL, retry_on_lock
from orchestration.partitions import monthly_partitions
from orchestration.settings import Settings

INPUT_KEY = AssetKey(["intermediate", "int_person_records"])


def _staged_keys() -> list[AssetKey]:
    """Every staged table: linkage depends on them directly so that their blocking quality gates (asset checks
    on the staging models) hold linkage back — int_person_records is built in the same dbt step as they are."""
    from canbao.contract import load_contract

    return [AssetKey(["staging", spec.model]) for spec in load_contract().values() if spec.model]


LINKAGE_TABLES = ["record_links", "identifier_registry", "identifier_history", "clerical_review"]


def linkage_config(settings: Settings):  # noqa: ANN201 - LinkageConfig imported lazily (Splink import is slow)
    from linkage import LinkageConfig

    return LinkageConfig(
        memory_limit=settings.memory_limit,
        temp_directory=settings.tmp / "linkage",
        reports_dir=settings.reports / "linkage",
        backend=settings.linkage_backend,
        spark_master=settings.spark_master,
    )


@multi_asset(
    specs=[
        AssetSpec(
            AssetKey(["linkage", t]),
            deps=[INPUT_KEY, *_staged_keys()],
            group_name="linkage",
            kinds={"splink", "duckdb"},
            owners=[OWNER],
            description=desc,
        )
        for t, desc in zip(
            LINKAGE_TABLES,
            [
                "Every person record of the period → its stable insurance identifier (参保标识).",
                "Every identifier ever issued: active or alias of another (never reused).",
                "Identifier events: created / merged_into / split_from, with period and run.",
                "Pairs in the uncertain band, for clerical review.",
            ],
            strict=True,
        )
    ],
    name="person_linkage",
    partitions_def=monthly_partitions,
    pool=WAREHOUSE_POOL,
)
def person_linkage(context: AssetExecutionContext):
    from linkage import run_period
    from linkage.memory import release_freed_memory

    settings = Settings.from_env()
    with retry_on_lock():
        result = run_period(settings.warehouse, context.partition_key, linkage_config(settings), context.run_id)
    rss_before, rss_after = release_freed_memory()
    context.log.info(f"linkage freed memory: resident {rss_before:.0f} MB -> {rss_after:.0f} MB")
    metrics = result.to_dict()
    flat = {k: v for k, v in metrics.items() if isinstance(v, int | float | str)}
    flat["rss_mb_after_release"] = round(rss_after)
    md = pd.DataFrame([{"metric": k, "value": v} for k, v in flat.items()]).to_markdown(index=False)
    for table in LINKAGE_TABLES:
        yield MaterializeResult(
            asset_key=AssetKey(["linkage", table]),
            metadata={
                **{k: v for k, v in flat.items() if k in ("records", "distinct_records", "clusters")},
                "linkage_metrics": MetadataValue.md(md),
            },
        )


@asset(
    key=AssetKey(["linkage", "evaluation"]),
    deps=[AssetKey(["linkage", "record_links"])],
    group_name="linkage",
    kinds={"python", "duckdb"},
    owners=[OWNER],
    partitions_def=monthly_partitions,
    pool=WAREHOUSE_POOL,
    description="Linkage quality against the ground truth (synthetic city only) vs the naive one-ID baseline.",
)
def linkage_evaluation(context: AssetExecutionContext) -> MaterializeResult:
    settings = Settings.from_env()
    if settings.truth is None:
        context.log.info("no ground truth configured: evaluation skipped")
        return MaterializeResult(metadata={"evaluated": False})
    from linkage import evaluate_period

    with retry_on_lock():
        df = evaluate_period(settings.warehouse, context.partition_key, settings.truth, context.run_id)
    return MaterializeResult(metadata={"evaluated": True, "metrics": MetadataValue.md(df.to_markdown(index=False))})
