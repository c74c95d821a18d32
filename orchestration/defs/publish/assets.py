"""What leaves the warehouse: audit samples and sheets, worklists, extracts, Data Docs, dbt docs, the report.

Mart gates (blocking asset checks on the marts) stand between the marts and these assets: a failing gate
stops publishing.
"""

import hashlib
import json
import os
import shutil
import subprocess

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
from orchestration.defs.dbt.project import DBT_PROJECT_DIR, dbt_executable
from orchestration.partitions import monthly_partitions
from orchestration.settings import Settings


def _k(*path: str) -> AssetKey:
    return AssetKey(list(path))


def _file_url(path) -> MetadataValue:  # noqa: ANN001
    return MetadataValue.url(path.resolve().as_uri())


@multi_asset(
    specs=[
        AssetSpec(
            _k("marts", "audit_samples"),
            deps=[_k("marts", "person_ledger")],
            group_name="audit",
            kinds={"python", "duckdb"},
            owners=[OWNER],
            description="抽检样本: the period's reproducible stratified audit sample per district (strata: status).",
        ),
        AssetSpec(
            _k("marts", "audit_frames"),
            deps=[_k("marts", "person_ledger")],
            group_name="audit",
            kinds={"python", "duckdb"},
            owners=[OWNER],
            description="Sampling frames: stratum sizes, sample sizes, seed and frame hash per district.",
        ),
    ],
    name="audit_sampling",
    partitions_def=monthly_partitions,
    pool=WAREHOUSE_POOL,
)
def audit_sampling(context: AssetExecutionContext):
    from canbao.audit import draw_samples

    settings = Settings.from_env()
    with retry_on_lock():
        samples = draw_samples(settings.warehouse, context.partition_key, settings.reports)
    per_district = samples.groupby("district_code").size().rename("n").reset_index() if len(samples) else samples
    sheets = settings.reports / "audit" / context.partition_key
    yield MaterializeResult(
        asset_key=_k("marts", "audit_samples"),
        metadata={
            "rows": len(samples),
            "districts": int(samples["district_code"].nunique()) if len(samples) else 0,
            "per_district": MetadataValue.md(per_district.to_markdown(index=False) if len(samples) else "none"),
            "audit_sheets": _file_url(sheets),
        },
    )
    yield MaterializeResult(asset_key=_k("marts", "audit_frames"), metadata={"rows": len(samples)})


@asset(
    key=_k("publish", "township_worklists"),
    deps=[_k("marts", "survey_worklist")],
    group_name="publish",
    kinds={"excel"},
    owners=[OWNER],
    partitions_def=monthly_partitions,
    pool=WAREHOUSE_POOL,
    description="入户调查清单: one printable Excel workbook per township with the households to visit.",
)
def township_worklists(context: AssetExecutionContext) -> MaterializeResult:
    from canbao.publish.worklists import write_township_worklists

    settings = Settings.from_env()
    with retry_on_lock():
        files = write_township_worklists(
            settings.warehouse, settings.reports, context.partition_key, workers=settings.threads
        )
    folder = next(iter(files.values())).parent if files else settings.reports
    return MaterializeResult(metadata={"townships": len(files), "folder": _file_url(folder)})


@asset(
    key=_k("publish", "district_extracts"),
    deps=[_k("marts", "persons"), _k("marts", "survey_worklist"), _k("marts", "findings")],
    group_name="publish",
    kinds={"duckdb"},
    owners=[OWNER],
    partitions_def=monthly_partitions,
    pool=WAREHOUSE_POOL,
    description="One extract per district holding only its own persons, worklists and findings.",
)
def district_extracts(context: AssetExecutionContext) -> MaterializeResult:
    from canbao.publish.district_extracts import write_district_extracts

    settings = Settings.from_env()
    with retry_on_lock():
        files = write_district_extracts(settings.warehouse, settings.reports, context.partition_key)
    return MaterializeResult(metadata={"districts": len(files), "folder": _file_url(settings.reports / "districts")})


@asset(
    key=_k("publish", "department_extracts"),
    deps=[_k("marts", "findings")],
    group_name="publish",
    kinds={"csv"},
    owners=[OWNER],
    partitions_def=monthly_partitions,
    pool=WAREHOUSE_POOL,
    description="Findings routed to the department that must act (public security, civil affairs, tax, SI).",
)
def department_extracts(context: AssetExecutionContext) -> MaterializeResult:
    from canbao.publish.department_extracts import write_department_extracts

    settings = Settings.from_env()
    with retry_on_lock():
        files = write_department_extracts(settings.warehouse, settings.reports, context.partition_key)
    table = "\n".join(f"- {dept}: `{path.name}`" for dept, path in files.items())
    return MaterializeResult(metadata={"departments": len(files), "files": MetadataValue.md(table or "none")})


@asset(
    key=_k("publish", "dbt_docs"),
    deps=[_k("marts", "district_evaluations")],
    group_name="publish",
    kinds={"dbt"},
    owners=[OWNER],
    partitions_def=monthly_partitions,
    pool=WAREHOUSE_POOL,
    description="Static dbt docs site for analysts (marts and column meanings), in reports/dbt_docs/.",
)
def dbt_docs(context: AssetExecutionContext) -> MaterializeResult:
    settings = Settings.from_env()
    out = settings.reports / "dbt_docs"
    # The docs describe models and columns, which change with the code, not with the period: regenerate only
    # when the dbt project (its parsed manifest) changed since the last site was built.
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    fingerprint = hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.exists() else ""
    stamp = out / ".manifest.sha256"
    if (out / "index.html").exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return MaterializeResult(metadata={"docs": _file_url(out / "index.html"), "regenerated": False})
    target = settings.tmp / "dbt_docs_target"
    with retry_on_lock():
        proc = subprocess.run(
            [dbt_executable(), "docs", "generate", "--static", "--project-dir", str(DBT_PROJECT_DIR),
             "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target), "--quiet",
             "--vars", json.dumps({"period": context.partition_key})],
            capture_output=True, text=True, check=False, env={**os.environ, **settings.as_env()},
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError("dbt docs generate failed: " + (proc.stdout + proc.stderr).strip()[-500:])
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target / "static_index.html", out / "index.html")
    stamp.write_text(fingerprint)
    return MaterializeResult(metadata={"docs": _file_url(out / "index.html"), "regenerated": True})


@asset(
    key=_k("publish", "data_docs"),
    deps=[_k("marts", "district_evaluations")],
    group_name="publish",
    kinds={"great_expectations"},
    owners=[OWNER],
    partitions_def=monthly_partitions,
    pool=WAREHOUSE_POOL,
    description="Great Expectations Data Docs for every suite run, and the per-source quality summary.",
)
def data_docs(context: AssetExecutionContext) -> MaterializeResult:
    from expectations import build_data_docs, write_quality_summary

    settings = Settings.from_env()
    with retry_on_lock():
        index = build_data_docs(settings.gx_root, settings.reports / "data_docs")
        summary = write_quality_summary(settings.warehouse, context.partition_key)
    return MaterializeResult(
        metadata={
            "data_docs": _file_url(index),
            "summary": MetadataValue.md(summary.head(60).to_markdown(index=False) if len(summary) else "none"),
        }
    )


@asset(
    key=_k("publish", "bureau_report"),
    deps=[_k("marts", "district_evaluations"), _k("publish", "data_docs"), _k("linkage", "evaluation")],
    group_name="publish",
    kinds={"html"},
    owners=[OWNER],
    partitions_def=monthly_partitions,
    pool=WAREHOUSE_POOL,
    description="The bureau's static HTML report: coverage vs targets, district scores and ranks, audit error rates.",
)
def bureau_report(context: AssetExecutionContext) -> MaterializeResult:
    from canbao.report import build_report

    settings = Settings.from_env()
    with retry_on_lock():
        path = build_report(settings.warehouse, settings.reports, context.partition_key)
    return MaterializeResult(metadata={"report": _file_url(path), "index": _file_url(settings.reports / "index.html")})


publish_assets = [
    audit_sampling,
    township_worklists,
    district_extracts,
    department_extracts,
    dbt_docs,
    data_docs,
    bureau_report,
]
