"""Resources shared by the assets: the warehouse (DuckDB) and dbt."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from orchestration.settings import Settings


class WarehouseResource(ConfigurableResource):
    """Short-lived DuckDB connections to the one warehouse file.

    DuckDB allows one writer process: every connection is opened for a single step and closed at once, and
    every step that writes belongs to the `warehouse` concurrency pool (limit 1).
    """

    # Empty = resolve from the environment at run time, so one loaded code location follows `canbao run
    # --home` (the CLI exports the settings before each run) instead of freezing the path at import.
    path: str = ""
    memory_limit: str = ""

    def settings(self) -> Settings:
        return Settings.from_env()

    @property
    def file(self) -> Path:
        return Path(self.path) if self.path else self.settings().warehouse

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        settings = self.settings()
        self.file.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.file), read_only=read_only)
        try:
            con.execute(f"SET memory_limit='{self.memory_limit or settings.memory_limit}'")
            settings.tmp.mkdir(parents=True, exist_ok=True)
            con.execute(f"SET temp_directory='{settings.tmp}'")
            yield con
        finally:
            con.close()

    def table_exists(self, schema: str, table: str) -> bool:
        if not self.file.exists():
            return False
        with self.connect(read_only=True) as con:
            row = con.execute(
                "select count(*) from information_schema.tables where table_schema=? and table_name=?",
                [schema, table],
            ).fetchone()
        return bool(row and row[0])


def warehouse_resource() -> WarehouseResource:
    return WarehouseResource()
