"""Short-lived read-only access to the warehouse (DuckDB allows one writer: never hold a connection)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def read(warehouse: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).df()


def read_rows(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    """`read` as plain tuples: for rows consumed one by one in Python, where a DataFrame only adds cost."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def latest_period(warehouse: Path) -> str:
    return str(read(warehouse, "select max(period) as p from marts.person_ledger")["p"].iloc[0])
