"""quality schema: per-expectation results and the per source/period/district summary dbt publishes."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from expectations.specs import Suite

log = logging.getLogger(__name__)

RESULTS_DDL = """
CREATE TABLE IF NOT EXISTS quality.validation_results (
    suite VARCHAR, "table" VARCHAR, source VARCHAR, period VARCHAR, expectation VARCHAR, kind VARCHAR,
    "column" VARCHAR, success BOOLEAN, element_count BIGINT, unexpected_count BIGINT,
    unexpected_percent DOUBLE, observed DOUBLE, mostly DOUBLE, blocking BOOLEAN, examples VARCHAR,
    note VARCHAR, run_at TIMESTAMP, tolerated_share DOUBLE
)"""
# warehouses made before the column existed get it (the insert is BY NAME)
RESULTS_MIGRATE = "ALTER TABLE quality.validation_results ADD COLUMN IF NOT EXISTS tolerated_share DOUBLE"


def write_results(
    warehouse: Path, suite: Suite, period: str, records: list[dict[str, Any]], run_at: datetime
) -> None:
    """Replace this suite's rows for `period` (latest run wins) in one short write transaction."""
    frame = pd.DataFrame(
        [
            {
                "suite": suite.name,
                "table": suite.table,
                "source": suite.source,
                "period": period,
                "expectation": r["expectation"],
                "kind": r["kind"],
                "column": r["column"],
                "success": r["success"],
                "element_count": r["element_count"],
                "unexpected_count": r["unexpected_count"],
                "unexpected_percent": r["unexpected_percent"],
                "observed": r["observed"],
                "mostly": r["mostly"],
                "tolerated_share": r.get("tolerated_share"),
                "blocking": r["blocking"],
                "examples": json.dumps(r["examples"], ensure_ascii=False),
                "note": r["note"],
                "run_at": run_at,
            }
            for r in records
        ]
    )
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS quality")
        con.execute(RESULTS_DDL)
        con.execute(RESULTS_MIGRATE)
        con.execute("BEGIN")
        con.execute(
            "DELETE FROM quality.validation_results WHERE suite = ? AND period = ?", [suite.name, period]
        )
        con.register("new_results", frame)
        con.execute("INSERT INTO quality.validation_results BY NAME SELECT * FROM new_results")
        con.execute("COMMIT")
    finally:
        con.close()
