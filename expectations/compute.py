"""Evaluate a suite's checks for one period inside DuckDB: counts and a few examples, never a full copy.

Every row-level check becomes two `count(*) FILTER (...)` aggregates of ONE scan of the period's rows;
examples come from `LIMIT 5` queries only for checks that found something.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import duckdb

from expectations.specs import Check, Suite
from expectations.tolerance import tolerated_share

log = logging.getLogger(__name__)

PERIOD_RE = re.compile(r"^\d{4}-\d{2}$")
ROW_KINDS = {"not_null", "in_set", "between", "regex", "is_true", "expr", "in_table"}
MAX_EXAMPLES = 5


@dataclass
class CheckOutcome:
    """What the database says about one check; success is decided later by Great Expectations."""

    check: Check
    element_count: int = 0
    unexpected_count: int | None = 0
    observed: float | None = None  # unexpected share, or the volume ratio
    examples: list[str] = field(default_factory=list)
    skipped: str | None = None  # why it could not be evaluated (reference table not built, ...)
    error: str | None = None  # spec/table mismatch (missing column): counts as a failure

    @property
    def tolerated_share(self) -> float | None:
        """The unexpected share this check tolerates at its row count (tolerance.py); None for the volume and
        row-count checks, whose bounds are not shares. The one figure GE's bound and the reports both use."""
        if self.check.kind in ("volume", "row_count"):
            return None
        return tolerated_share(self.check.mostly, self.element_count)

    @property
    def unexpected_percent(self) -> float | None:
        if self.unexpected_count is None or self.element_count == 0:
            return 0.0 if self.unexpected_count == 0 else None
        return 100.0 * self.unexpected_count / self.element_count


def _q(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def _qt(table: str) -> str:
    return ".".join(_q(p) for p in table.split("."))


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def period_filter(column: str, period: str, data_type: str | None = None) -> str:
    """The rows of `period`. A text column is compared as it is, so that DuckDB prunes the other periods' row
    groups by their min/max (a function of the column, as in the fallback, is evaluated on every row of every
    period: the gates' scans grew with the number of periods held); a DATE column by its month's range."""
    if (data_type or "").upper() == "DATE":
        year, month = int(period[:4]), int(period[5:7])
        following = f"{year + month // 12:04d}-{month % 12 + 1:02d}-01"
        return f"{_q(column)} >= DATE '{period}-01' AND {_q(column)} < DATE '{following}'"
    return f"{period_text(column, data_type)} = {_lit(period)}"


def period_text(column: str, data_type: str | None) -> str:
    """The column's period as 'YYYY-MM' text: the column itself when it is text; otherwise left(...,7), which
    accepts both a 'YYYY-MM' text period and a date or timestamp."""
    if (data_type or "").upper() == "VARCHAR":
        return _q(column)
    return f"left(CAST({_q(column)} AS VARCHAR), 7)"


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".", 1)
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(row and row[0])


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name → DuckDB type name of `table` (empty when it does not exist)."""
    schema, name = table.split(".", 1)
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def _fmt(sql: str, period: str) -> str:
    start = f"DATE '{period}-01'"
    return sql.format(period_start=start, period_end=f"last_day({start})", period=_lit(period))


def _row_predicates(check: Check, period: str, ref_filter: str | None) -> tuple[str, str]:
    """(applies, bad) SQL predicates for a row-level check."""
    col = _q(check.column) if check.column else "NULL"
    applies = f"({_fmt(check.where, period)})" if check.where else "TRUE"
    notnull = f"{applies} AND {col} IS NOT NULL"
    if check.kind == "not_null":
        return applies, f"{col} IS NULL"
    if check.kind == "in_set":
        return notnull, f"CAST({col} AS VARCHAR) NOT IN ({', '.join(_lit(v) for v in check.values)})"
    if check.kind == "between":
        parts = []
        if check.min_sql is not None:
            parts.append(f"{col} < {_fmt(check.min_sql, period)}")
        if check.max_sql is not None:
            parts.append(f"{col} > {_fmt(check.max_sql, period)}")
        return notnull, "(" + " OR ".join(parts or ["FALSE"]) + ")"
    if check.kind == "regex":
        return notnull, f"NOT regexp_full_match(CAST({col} AS VARCHAR), {_lit(check.pattern or '')})"
    if check.kind == "is_true":
        return applies, f"NOT coalesce({col}, FALSE)"
    if check.kind == "expr":
        return applies, f"NOT coalesce(({_fmt(check.sql or 'TRUE', period)}), FALSE)"
    if check.kind == "in_table":
        ref = f"SELECT {_q(check.ref_column or check.column or '')} FROM {_qt(check.ref_table or '')}"
        if ref_filter:
            ref += f" WHERE {ref_filter}"
        return notnull, f"CAST({col} AS VARCHAR) NOT IN (SELECT CAST(r AS VARCHAR) FROM ({ref}) AS t(r))"
    raise ValueError(f"not a row-level check kind: {check.kind}")


def evaluate_suite(con: duckdb.DuckDBPyConnection, suite: Suite, period: str) -> list[CheckOutcome]:
    """Evaluate every check of `suite` for `period`. The table must exist."""
    if not PERIOD_RE.match(period):
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    cols = table_columns(con, suite.table)
    table = _qt(suite.table)
    where = (
        period_filter(suite.period_column, period, cols.get(suite.period_column)) if suite.period_column else "TRUE"
    )
    outcomes: list[CheckOutcome] = []
    row_checks: list[tuple[CheckOutcome, str, str]] = []
    for check in suite.checks:
        out = CheckOutcome(check)
        outcomes.append(out)
        missing = [c for c in check.referenced_columns if c not in cols]
        if missing:
            out.error = f"column(s) missing from {suite.table}: {', '.join(missing)}"
            out.unexpected_count = None
            continue
        if check.kind in ROW_KINDS:
            ref_filter = None
            if check.kind == "in_table":
                if not check.ref_table or not table_exists(con, check.ref_table):
                    out.skipped = f"reference table {check.ref_table} not built"
                    continue
                if check.ref_period:
                    ref_cols = table_columns(con, check.ref_table)
                    if "period" in ref_cols:
                        ref_filter = period_filter("period", period, ref_cols["period"])
            applies, bad = _row_predicates(check, period, ref_filter)
            row_checks.append((out, applies, bad))
        elif check.kind == "unique":
            _evaluate_unique(con, out, table, where)
        elif check.kind == "volume":
            _evaluate_volume(con, out, suite, table, period, cols)
        elif check.kind == "row_count":
            n = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()
            out.element_count = int(n[0]) if n else 0
            out.unexpected_count = None
            out.observed = float(out.element_count)
    if row_checks:
        _evaluate_rows(con, row_checks, table, where, cols)
    return outcomes


def _evaluate_rows(
    con: duckdb.DuckDBPyConnection,
    row_checks: list[tuple[CheckOutcome, str, str]],
    table: str,
    where: str,
    cols: dict[str, str],
) -> None:
    aggs = []
    for i, (_, applies, bad) in enumerate(row_checks):
        aggs.append(f"count(*) FILTER (WHERE {applies}) AS n{i}")
        aggs.append(f"count(*) FILTER (WHERE ({applies}) AND ({bad})) AS u{i}")
    row = con.execute(f"SELECT {', '.join(aggs)} FROM {table} WHERE {where}").fetchone()
    assert row is not None
    for i, (out, applies, bad) in enumerate(row_checks):
        out.element_count, out.unexpected_count = int(row[2 * i]), int(row[2 * i + 1])
        out.observed = out.unexpected_count / out.element_count if out.element_count else 0.0
        if out.unexpected_count:
            # A NULL is not an example; show the row's key instead (not_null, expr, flags).
            show = out.check.column if out.check.kind not in {"not_null", "expr", "is_true"} else None
            if show is None and "record_key" in cols:
                show = "record_key"
            if show:
                ex = con.execute(
                    f"SELECT DISTINCT CAST({_q(show)} AS VARCHAR) FROM {table} "
                    f"WHERE {where} AND ({applies}) AND ({bad}) LIMIT {MAX_EXAMPLES}"
                ).fetchall()
                out.examples = sorted(str(r[0]) for r in ex)


def _evaluate_unique(con: duckdb.DuckDBPyConnection, out: CheckOutcome, table: str, where: str) -> None:
    keys = ", ".join(_q(c) for c in out.check.referenced_columns)
    notnull = " AND ".join(f"{_q(c)} IS NOT NULL" for c in out.check.referenced_columns)
    groups = f"SELECT {keys}, count(*) AS c FROM {table} WHERE {where} AND {notnull} GROUP BY ALL"
    row = con.execute(f"SELECT coalesce(sum(c), 0), coalesce(sum(c) FILTER (WHERE c > 1), 0) FROM ({groups})")
    n, u = row.fetchone() or (0, 0)
    out.element_count, out.unexpected_count = int(n), int(u)
    out.observed = out.unexpected_count / out.element_count if out.element_count else 0.0
    if u:
        concat = " || '|' || ".join(f"CAST({_q(c)} AS VARCHAR)" for c in out.check.referenced_columns)
        ex = con.execute(
            f"SELECT {concat} FROM ({groups}) WHERE c > 1 ORDER BY c DESC, 1 LIMIT {MAX_EXAMPLES}"
        ).fetchall()
        out.examples = [str(r[0]) for r in ex]


def _evaluate_volume(
    con: duckdb.DuckDBPyConnection, out: CheckOutcome, suite: Suite, table: str, period: str, cols: dict[str, str]
) -> None:
    if not suite.period_column:
        out.skipped = "table has no period column"
        return
    pcol = period_text(suite.period_column, cols.get(suite.period_column))
    rows = con.execute(
        f"SELECT {pcol} AS p, count(*) FROM {table} WHERE {pcol} <= ? GROUP BY p ORDER BY p DESC LIMIT 2",
        [period],
    ).fetchall()
    current = next((int(c) for p, c in rows if p == period), 0)
    previous = next(((p, int(c)) for p, c in rows if p < period), None)
    out.element_count = current
    out.unexpected_count = None
    if previous is None or previous[1] == 0:
        out.skipped = "no previous period to compare with"
        return
    out.observed = current / previous[1]
    out.examples = [f"{period}: {current} rows", f"{previous[0]}: {previous[1]} rows"]
