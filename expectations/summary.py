"""Per source / period / district summary of data quality (rows, quarantined, expectations)."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pandas as pd

from expectations.compute import PERIOD_RE, period_filter, table_columns, table_exists
from expectations.suites import SUITES

log = logging.getLogger(__name__)

QUARANTINE = "staging.stg_quarantine"
COLUMNS = [
    "source",
    "period",
    "district_code",
    "rows",
    "quarantined",
    "invalid_ids",
    "expectations_passed",
    "expectations_failed",
    "blocking_failures",
]


def _counts(
    con: duckdb.DuckDBPyConnection, table: str, period: str, by_district: bool, flag: str | None,
    period_type: str | None,
) -> pd.DataFrame:
    dist = "CAST(district_code AS VARCHAR)" if by_district else "NULL::VARCHAR"
    invalid = f"count(*) FILTER (WHERE NOT coalesce({flag}, FALSE))" if flag else "NULL::BIGINT"
    sql = (
        f"SELECT {dist} AS district_code, count(*) AS rows, {invalid} AS invalid_ids "
        f"FROM {table} WHERE {period_filter('period', period, period_type)} GROUP BY ALL"
    )
    return con.execute(sql).df()


def quality_summary(warehouse: Path, period: str) -> pd.DataFrame:
    """One row per staged source (district_code NULL) plus one per source and district, for `period`.

    Expectation counts come from quality.validation_results and are source-level (NULL per district).
    """
    if not PERIOD_RE.match(period):
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    parts: list[pd.DataFrame] = []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        has_q = table_exists(con, QUARANTINE)
        qcols = table_columns(con, QUARANTINE) if has_q else {}
        has_results = table_exists(con, "quality.validation_results")
        for suite in SUITES.values():
            if not suite.source or not table_exists(con, suite.table):
                continue
            cols = table_columns(con, suite.table)
            flag = "id_is_valid" if "id_is_valid" in cols else None
            levels = [False, True] if "district_code" in cols else [False]
            for by_district in levels:
                df = _counts(con, suite.table, period, by_district, flag, cols.get("period"))
                df["quarantined"] = 0
                if has_q:
                    dist = (
                        "CAST(district_code AS VARCHAR)"
                        if by_district and "district_code" in qcols
                        else "NULL::VARCHAR"
                    )
                    q = con.execute(
                        f"SELECT {dist} AS district_code, count(*) AS n FROM {QUARANTINE} "
                        f"WHERE source = ? AND {period_filter('period', period, qcols.get('period'))} GROUP BY ALL",
                        [suite.source],
                    ).df()
                    df = df.merge(q, on="district_code", how="outer")
                    df["quarantined"] = df["n"].fillna(0).astype("int64")
                    df["rows"] = df["rows"].fillna(0).astype("int64")
                    df = df.drop(columns="n")
                df["source"], df["period"] = suite.source, period
                if not by_district and has_results:
                    r = con.execute(
                        "SELECT count(*) FILTER (WHERE success), count(*) FILTER (WHERE NOT success), "
                        "count(*) FILTER (WHERE NOT success AND blocking) FROM quality.validation_results "
                        "WHERE suite = ? AND period = ?",
                        [suite.name, period],
                    ).fetchone() or (0, 0, 0)
                    df["expectations_passed"], df["expectations_failed"], df["blocking_failures"] = r
                parts.append(df)
    finally:
        con.close()
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(parts, ignore_index=True).reindex(columns=COLUMNS)
    return out.sort_values(["source", "district_code"], na_position="first").reset_index(drop=True)


def write_quality_summary(warehouse: Path, period: str) -> pd.DataFrame:
    """Compute the summary (read-only) then replace the period's rows of quality.summary (short write)."""
    df = quality_summary(warehouse, period)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS quality")
        con.execute(
            "CREATE TABLE IF NOT EXISTS quality.summary (source VARCHAR, period VARCHAR, "
            "district_code VARCHAR, "
            "rows BIGINT, quarantined BIGINT, invalid_ids BIGINT, expectations_passed BIGINT, "
            "expectations_failed BIGINT, blocking_failures BIGINT)"
        )
        con.execute("BEGIN")
        con.execute("DELETE FROM quality.summary WHERE period = ?", [period])
        con.register("summary_df", df)
        con.execute("INSERT INTO quality.summary BY NAME SELECT * FROM summary_df")
        con.execute("COMMIT")
    finally:
        con.close()
    log.info("quality.summary %s: %d rows", period, len(df))
    return df
