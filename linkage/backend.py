"""Splink's compute session: its own in-memory DuckDB, configured for this machine."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pandas as pd
from splink import DuckDBAPI

from linkage.config import LinkageConfig

logger = logging.getLogger(__name__)


def duckdb_api(config: LinkageConfig) -> DuckDBAPI:
    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit = '{config.memory_limit}'")
    if config.temp_directory is not None:
        Path(config.temp_directory).mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{Path(config.temp_directory).as_posix()}'")
    # DuckDB 2.x refuses Splink's string-distance lambdas without it (STACK.md).
    con.execute("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")
    for key, value in config.extra_duckdb_settings.items():
        con.execute(f"SET {key} = '{value}'")
    return DuckDBAPI(connection=con)


def model_frame(distinct: pd.DataFrame) -> pd.DataFrame:
    """The columns Splink gets, with plain object strings (pandas 3 string dtype round-trips fine too)."""
    out = distinct.copy()
    if "n_rows" not in out.columns:
        out["n_rows"] = 1
    out["n_rows"] = out["n_rows"].fillna(1).astype("int64")
    out["id_is_valid"] = out["id_is_valid"].fillna(False).astype(bool)
    return out
