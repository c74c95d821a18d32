"""Great Expectations 1.x side: assert the aggregated outcomes and publish Data Docs.

The database work is done in `compute.py`; GE gets a one-row pandas frame per validation (one column per
check: its unexpected share, or the volume ratio) and one expectation per check whose bounds encode `mostly`.
So GE decides pass/fail, keeps the result history and renders the pages, without copying the table.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from expectations.compute import CheckOutcome
from expectations.specs import Suite

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402  (analytics must be off before import)
import great_expectations.expectations as gxe  # noqa: E402
from great_expectations.expectations.expectation import FailureSeverity  # noqa: E402

log = logging.getLogger(__name__)

SITE = "canbao"
DATASOURCE = "canbao_quality"


def get_context(gx_root: Path, docs_dir: Path) -> Any:
    """A file context under `gx_root` whose only Data Docs site is `docs_dir`."""
    gx_root.mkdir(parents=True, exist_ok=True)
    docs_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(gx_root))
    site_config: Any = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
    }
    sites = context.list_data_docs_sites()
    for name in list(sites):
        if name != SITE:
            context.delete_data_docs_site(name)  # the default local_site would duplicate every page
    if SITE in sites:
        if sites[SITE].get("store_backend", {}).get("base_directory") != str(docs_dir):
            context.update_data_docs_site(SITE, site_config)
    else:
        context.add_data_docs_site(SITE, site_config)
    return context


def column_for(outcome: CheckOutcome) -> str:
    return outcome.check.name


def _expectation(outcome: CheckOutcome) -> Any:
    check = outcome.check
    severity = FailureSeverity.CRITICAL if check.blocking else FailureSeverity.WARNING
    meta = {
        "blocking": check.blocking,
        "kind": check.kind,
        "column": check.column or ",".join(check.columns),
        "mostly": check.mostly,
        "why": check.why,
        "element_count": outcome.element_count,
        "unexpected_count": outcome.unexpected_count,
        "examples": outcome.examples,
        "skipped": outcome.skipped,
        "error": outcome.error,
    }
    tag = "BLOCKING" if check.blocking else "warning"
    if check.kind == "volume":
        bounds = f"[{check.min_ratio}, {check.max_ratio}]"
        desc = f"[{tag}] {check.name}: rows / previous period's rows within {bounds}"
        lo, hi = check.min_ratio, check.max_ratio
    elif check.kind == "row_count":
        desc = f"[{tag}] {check.name}: at least {check.min_rows} rows"
        lo, hi = float(check.min_rows), None
    else:
        # significantly above the tolerance, not merely above it: small deliveries scatter (tolerance.py)
        lo, hi = 0.0, outcome.tolerated_share
        desc = f"[{tag}] {check.name}: ≥ {check.mostly:.1%} of rows pass ({check.why})"
        if check.mostly < 1.0:
            desc += f"; fails above {hi:.2%} unexpected at {outcome.element_count or 0:,} rows"
        meta["tolerated_share"] = hi
    counts = ""
    if outcome.unexpected_count:
        counts = f" — {outcome.unexpected_count:,} of {outcome.element_count:,} rows unexpected"
        if outcome.examples:
            counts += ", e.g. " + ", ".join(outcome.examples)
    elif outcome.skipped or outcome.error:
        counts = f" — {outcome.skipped or outcome.error}"
    return gxe.ExpectColumnValuesToBeBetween(
        column=column_for(outcome),
        min_value=lo,
        max_value=hi,
        severity=severity,
        meta=meta,
        description=(desc + counts)[:900],
    )


def _frame(outcomes: list[CheckOutcome]) -> pd.DataFrame:
    row: dict[str, float | None] = {}
    for o in outcomes:
        if o.error:
            row[column_for(o)] = math.inf  # a spec/table mismatch fails the check visibly
        elif o.skipped:
            row[column_for(o)] = None  # GE ignores NULLs: a skipped check passes, its text says why
        else:
            row[column_for(o)] = o.observed
    return pd.DataFrame([row], dtype="float64")


def validate(
    context: Any, suite: Suite, period: str, outcomes: list[CheckOutcome]
) -> tuple[dict[str, bool], str | None]:
    """Run the GE checkpoint for one suite/period; returns success per check name and the page URL."""
    ds = context.data_sources.add_or_update_pandas(DATASOURCE)
    asset_name = suite.name
    try:
        asset = ds.get_asset(asset_name)
    except LookupError:
        asset = ds.add_dataframe_asset(asset_name)
    try:
        batch_def = asset.get_batch_definition("period")
    except (KeyError, LookupError):
        batch_def = asset.add_batch_definition_whole_dataframe("period")
    gx_suite = gx.ExpectationSuite(
        name=suite.name,
        expectations=[_expectation(o) for o in outcomes],
        meta={"table": suite.table, "description": suite.description},
    )
    gx_suite = context.suites.add_or_update(gx_suite)
    vd = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=f"{suite.name}__validation", data=batch_def, suite=gx_suite)
    )
    # No UpdateDataDocsAction: it renders the validation's page with a fresh Jinja environment per run (templates
    # compiled again: 0.3 s a suite, a third of the gates' time at 1 M persons). The page of a failed validation is
    # built here, so that the gate's link works at once; the others come with the whole site, built in one pass
    # by publish/data_docs after the gates (build_data_docs).
    cp = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=f"{suite.name}__checkpoint", validation_definitions=[vd], actions=[], result_format="SUMMARY"
        )
    )
    result = cp.run(
        batch_parameters={"dataframe": _frame(outcomes)},
        run_id=gx.RunIdentifier(run_name=f"{suite.name}__{period}"),
    )
    success: dict[str, bool] = {}
    url: str | None = None
    for identifier, vr in result.run_results.items():
        for er in vr.results:
            column = er.expectation_config.kwargs.get("column")
            success[str(column)] = bool(er.success)
        if not vr.success:
            context.build_data_docs(site_names=[SITE], resource_identifiers=[identifier])
        # the page of a passing validation is not built yet: its address all the same
        urls = context.get_docs_sites_urls(resource_identifier=identifier, site_name=SITE, only_if_exists=False)
        url = next((u["site_url"] for u in urls if u.get("site_url")), None)
    return success, url


def index_url(context: Any) -> str | None:
    urls = context.get_docs_sites_urls(site_name=SITE)
    return next((u["site_url"] for u in urls if u.get("site_url")), None)
