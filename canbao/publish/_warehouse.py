"""Short-lived read-only access to the warehouse (DuckDB allows one writer: never hold a connection)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def read(warehouse: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).df()


def latest_period(warehouse: Path) -> str:
    return str(read(warehouse, "select max(period) as p from marts.person_ledger")["p"].iloc[0])
