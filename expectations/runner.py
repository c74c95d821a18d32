"""run_suite: the one entry point the orchestration wraps in a blocking asset check."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from expectations import gx_docs
from expectations.compute import CheckOutcome, evaluate_suite, table_exists
from expectations.store import write_results
from expectations.suites import SUITES

log = logging.getLogger(__name__)


@dataclass
class SuiteResult:
    """Outcome of one suite for one period.

    success: every expectation (blocking and warning) passed.
    blocking: a blocking expectation failed -> downstream assets must not run.
    skipped: the table is not built (nothing was validated; success True, blocking False).
    """

    suite: str
    table: str
    period: str
    success: bool
    blocking: bool
    statistics: dict[str, Any]
    failures: list[dict[str, Any]] = field(default_factory=list)
    docs_url: str | None = None
    skipped: bool = False
    message: str = ""
    expectations: list[dict[str, Any]] = field(default_factory=list)

    def summary_markdown(self) -> str:
        if self.skipped:
            return f"**{self.suite}** ({self.period}): skipped — {self.message}"
        state = (
            "passed" if self.success else ("FAILED (blocking)" if self.blocking else "passed with warnings")
        )
        s = self.statistics
        lines = [
            f"**{self.suite}** on `{self.table}` ({self.period}): {state} — "
            f"{s['successful_expectations']}/{s['evaluated_expectations']} expectations, "
            f"{s['rows']:,} rows, {s['seconds']:.1f} s",
        ]
        if self.failures:
            lines += [
                "",
                "| expectation | column | unexpected | % | mostly | tolerated % | blocking | examples |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for f in self.failures:
                pct = "" if f["unexpected_percent"] is None else f"{f['unexpected_percent']:.2f}"
                cnt = "" if f["unexpected_count"] is None else f"{f['unexpected_count']:,}"
                tol = "" if f.get("tolerated_share") is None else f"{100 * f['tolerated_share']:.2f}"
                ex = ", ".join(str(e) for e in f["examples"]).replace("|", "/")
                lines.append(
                    f"| {f['expectation']} | {f['column']} | {cnt} | {pct} | {f['mostly']} | {tol} | "
                    f"{'yes' if f['blocking'] else 'no'} | {ex} |"
                )
        if self.docs_url:
            lines += ["", f"[Data Docs]({self.docs_url})"]
        return "\n".join(lines)


def list_suites() -> list[str]:
    return sorted(SUITES)


def suites_for_table(table: str) -> list[str]:
    """Suites checking `table` ('schema.name' or just 'name')."""
    return sorted(n for n, s in SUITES.items() if table in (s.table, s.table.split(".", 1)[1]))


def _record(outcome: CheckOutcome, passed: bool) -> dict[str, Any]:
    c = outcome.check
    return {
        "expectation": c.name,
        "kind": c.kind,
        "column": c.column or ",".join(c.columns) or None,
        "success": passed,
        "element_count": outcome.element_count,
        "unexpected_count": outcome.unexpected_count,
        "unexpected_percent": outcome.unexpected_percent,
        "observed": outcome.observed,
        "examples": outcome.examples[:5],
        "mostly": c.mostly,
        # the unexpected share this check tolerated at this row count (expectations/tolerance.py)
        "tolerated_share": outcome.tolerated_share,
        "blocking": c.blocking,
        "note": outcome.error or outcome.skipped,
    }


def run_suite(warehouse: Path, suite: str, period: str, gx_root: Path, docs_dir: Path) -> SuiteResult:
    """Validate `suite` for `period`: read-only DuckDB scan, GE verdict + Data Docs, results stored."""
    spec = SUITES[suite]
    started = time.perf_counter()
    # Read-only and closed before anything else: dbt (another process) writes next.
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if not table_exists(con, spec.table):
            log.warning("suite %s: table %s not built, skipped", suite, spec.table)
            return SuiteResult(
                suite,
                spec.table,
                period,
                success=True,
                blocking=False,
                statistics={"evaluated_expectations": 0, "rows": 0},
                skipped=True,
                message=f"table {spec.table} not built",
            )
        outcomes = evaluate_suite(con, spec, period)
    finally:
        con.close()
    scanned = time.perf_counter() - started
    context = gx_docs.get_context(gx_root, docs_dir)
    verdicts, url = gx_docs.validate(context, spec, period, outcomes)
    records = [_record(o, verdicts.get(o.check.name, False)) for o in outcomes]
    failures = [r for r in records if not r["success"]]
    rows = max(
        (o.element_count for o in outcomes if o.check.kind in {"row_count", "volume", "unique"}),
        default=max((o.element_count for o in outcomes), default=0),
    )
    seconds = time.perf_counter() - started
    stats = {
        "evaluated_expectations": len(records),
        "successful_expectations": len(records) - len(failures),
        "unsuccessful_expectations": len(failures),
        "blocking_failures": sum(1 for f in failures if f["blocking"]),
        "rows": rows,
        "seconds": seconds,
        "scan_seconds": scanned,
    }
    result = SuiteResult(
        suite,
        spec.table,
        period,
        success=not failures,
        blocking=any(f["blocking"] for f in failures),
        statistics=stats,
        failures=failures,
        docs_url=url,
        expectations=records,
    )
    write_results(warehouse, spec, period, records, run_at=datetime.now())
    log.info(
        "suite %s %s: %d/%d passed, blocking=%s, %.1f s (scan %.1f s)",
        suite,
        period,
        stats["successful_expectations"],
        len(records),
        result.blocking,
        seconds,
        scanned,
    )
    return result


def build_data_docs(gx_root: Path, docs_dir: Path) -> Path:
    """Rebuild the whole Data Docs site from the stored results; returns index.html."""
    context = gx_docs.get_context(gx_root, docs_dir)
    context.build_data_docs(site_names=[gx_docs.SITE])
    return docs_dir / "index.html"
