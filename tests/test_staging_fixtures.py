"""Helpers for the staging tests: a raw layer built by hand exactly per docs/architecture.md, and dbt runs.

Raw tables are built directly (not through canbao.ingest) so the staging tests do not depend on ingest.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import yaml

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt_project"
CONTRACT = yaml.safe_load((REPO / "canbao" / "contract" / "sources.yaml").read_text(encoding="utf-8"))["sources"]


def native_columns(source: str) -> list[str]:
    return list(CONTRACT[source]["columns"])


def create_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Every raw table of the contract (all VARCHAR + lineage columns), plus _deliveries/_ingest_rejects."""
    con.execute("create schema if not exists raw")
    for source in CONTRACT:
        cols = ", ".join(f'"{c}" VARCHAR' for c in native_columns(source))
        con.execute(
            f'create table if not exists raw."{source}" ({cols}, _period VARCHAR, _file VARCHAR, '
            "_row_number INTEGER, _file_hash VARCHAR, _loaded_at TIMESTAMP)"
        )
    con.execute(
        "create table if not exists raw._deliveries (source VARCHAR, period VARCHAR, file VARCHAR, "
        "file_hash VARCHAR, size_bytes BIGINT, encoding VARCHAR, rows_read INTEGER, rows_loaded INTEGER, "
        "rows_rejected INTEGER, blank_rows INTEGER, status VARCHAR, message VARCHAR, loaded_at TIMESTAMP)"
    )
    con.execute(
        "create table if not exists raw._ingest_rejects (source VARCHAR, period VARCHAR, file VARCHAR, "
        "row_number INTEGER, reason VARCHAR, message VARCHAR, raw_line VARCHAR)"
    )


def load_rows(
    con: duckdb.DuckDBPyConnection, source: str, period: str, rows: Iterable[Mapping[str, str | None]],
    file: str = "part1.csv",
) -> int:
    """Insert rows (native column -> value; missing columns NULL) as one delivered file of the period."""
    cols = native_columns(source)
    n = 0
    now = dt.datetime(2016, 1, 1)
    for i, row in enumerate(rows, start=1):
        unknown = set(row) - set(cols)
        assert not unknown, f"not contract columns of {source}: {unknown}"
        values = [row.get(c) for c in cols] + [period, file, i, "hash-" + file, now]
        marks = ", ".join("?" for _ in values)
        con.execute(f'insert into raw."{source}" values ({marks})', values)
        n += 1
    con.execute(
        "insert into raw._deliveries values (?, ?, ?, ?, 0, 'utf-8', ?, ?, 0, 0, 'loaded', NULL, ?)",
        [source, period, file, "hash-" + file, n, n, now],
    )
    return n


def run_dbt(warehouse: Path, args: list[str], period: str) -> None:
    """Run dbt in a subprocess (dbt-duckdb keeps its connection open in-process, which would block our reads)."""
    env = {**os.environ, "CANBAO_WAREHOUSE": str(warehouse),
           "CANBAO_DUCKDB_TEMP_DIR": str(warehouse.parent / "duckdb_tmp")}
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [str(dbt), *args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
           "--vars", f'{{"period": "{period}"}}', "--target-path", str(warehouse.parent / "dbt_target"),
           "--log-path", str(warehouse.parent / "dbt_logs")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        errors = [line for line in proc.stdout.splitlines() if "ERROR" in line or "Error" in line or "FAIL" in line]
        raise AssertionError(f"dbt {' '.join(args)} failed:\n" + "\n".join(errors[:40]))
