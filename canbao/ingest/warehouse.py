"""The raw schema: DDL and the one-transaction writes of a source-period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from canbao.contract import SourceSpec

DELIVERIES_DDL = """
CREATE TABLE IF NOT EXISTS raw._deliveries (
    source VARCHAR, period VARCHAR, file VARCHAR, file_hash VARCHAR, size_bytes BIGINT, encoding VARCHAR,
    rows_read BIGINT, rows_loaded BIGINT, rows_rejected BIGINT, blank_rows BIGINT,
    status VARCHAR, message VARCHAR, loaded_at TIMESTAMP
)"""
REJECTS_DDL = """
CREATE TABLE IF NOT EXISTS raw._ingest_rejects (
    source VARCHAR, period VARCHAR, file VARCHAR, row_number INTEGER, reason VARCHAR, message VARCHAR,
    raw_line VARCHAR
)"""
DELIVERY_COLUMNS = (
    "source", "period", "file", "file_hash", "size_bytes", "encoding", "rows_read", "rows_loaded",
    "rows_rejected", "blank_rows", "status", "message", "loaded_at",
)  # fmt: skip
LOADED_STATUSES = ("loaded", "duplicate_file")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A short-lived read-write connection (DuckDB allows one writer process)."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(warehouse))


def ensure_tables(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(DELIVERIES_DDL)
    con.execute(REJECTS_DDL)
    cols = ", ".join(f"{quote(c)} VARCHAR" for c in spec.columns)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS raw.{quote(spec.name)} ({cols}, _period VARCHAR, _file VARCHAR, "
        "_row_number INTEGER, _file_hash VARCHAR, _loaded_at TIMESTAMP)"
    )


def loaded_file_set(con: duckdb.DuckDBPyConnection, source: str, period: str) -> set[tuple[str, str]]:
    """(file, hash) pairs of the source-period's current accepted delivery."""
    rows = con.execute(
        "SELECT file, file_hash FROM raw._deliveries WHERE source = ? AND period = ? AND status IN (?, ?)",
        [source, period, *LOADED_STATUSES],
    ).fetchall()
    return {(f, h) for f, h in rows}


def delivery_rows(con: duckdb.DuckDBPyConnection, source: str, period: str) -> list[dict]:
    cur = con.execute(
        f"SELECT {', '.join(DELIVERY_COLUMNS)} FROM raw._deliveries WHERE source = ? AND period = ? "
        "AND status IN (?, ?) ORDER BY file",
        [source, period, *LOADED_STATUSES],
    )
    return [dict(zip(DELIVERY_COLUMNS, r, strict=True)) for r in cur.fetchall()]


def _insert_deliveries(con: duckdb.DuckDBPyConnection, rows: Sequence[dict]) -> None:
    if rows:
        marks = ", ".join("?" for _ in DELIVERY_COLUMNS)
        con.executemany(
            f"INSERT INTO raw._deliveries ({', '.join(DELIVERY_COLUMNS)}) VALUES ({marks})",
            [[r[c] for c in DELIVERY_COLUMNS] for r in rows],
        )


def replace_period(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    period: str,
    files: Iterable[tuple[str, str, pa.Table]],
    deliveries: Sequence[dict],
    rejects: pa.Table,
    loaded_at: dt.datetime,
) -> None:
    """Swap in a source-period's delivery in ONE transaction: a killed run leaves the old state intact."""
    table = quote(spec.name)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM raw.{table} WHERE _period = ?", [period])
        con.execute("DELETE FROM raw._deliveries WHERE source = ? AND period = ?", [spec.name, period])
        con.execute("DELETE FROM raw._ingest_rejects WHERE source = ? AND period = ?", [spec.name, period])
        for file, file_hash, rows in files:
            if rows.num_rows == 0:
                continue
            con.register("_incoming", rows)
            try:
                con.execute(
                    f"INSERT INTO raw.{table} BY NAME SELECT *, ?::VARCHAR AS _period, ?::VARCHAR AS _file, "
                    "?::VARCHAR AS _file_hash, ?::TIMESTAMP AS _loaded_at FROM _incoming",
                    [period, file, file_hash, loaded_at],
                )
            finally:
                con.unregister("_incoming")
        _insert_deliveries(con, deliveries)
        if rejects.num_rows:
            con.register("_rejects", rejects)
            try:
                con.execute("INSERT INTO raw._ingest_rejects BY NAME SELECT * FROM _rejects")
            finally:
                con.unregister("_rejects")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def record_rejection(con: duckdb.DuckDBPyConnection, source: str, period: str, deliveries: Sequence[dict]) -> None:
    """Replace the source-period's earlier rejected rows with this attempt's; loaded rows stay untouched."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "DELETE FROM raw._deliveries WHERE source = ? AND period = ? AND status = 'rejected'", [source, period]
        )
        _insert_deliveries(con, deliveries)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
