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

    path: str
    memory_limit: str = "8GB"
    temp_directory: str = ""

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.path, read_only=read_only)
        try:
            con.execute(f"SET memory_limit='{self.memory_limit}'")
            if self.temp_directory:
                con.execute(f"SET temp_directory='{self.temp_directory}'")
            yield con
        finally:
            con.close()

    def table_exists(self, schema: str, table: str) -> bool:
        if not Path(self.path).exists():
            return False
        with self.connect(read_only=True) as con:
            row = con.execute(
                "select count(*) from information_schema.tables where table_schema=? and table_name=?",
                [schema, table],
            ).fetchone()
        return bool(row and row[0])


def warehouse_resource(settings: Settings) -> WarehouseResource:
    return WarehouseResource(
        path=str(settings.warehouse), memory_limit=settings.memory_limit, temp_directory=str(settings.tmp)
    )
