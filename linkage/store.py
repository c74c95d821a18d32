"""Warehouse I/O for linkage: short-lived connections, one transaction per period write.

The warehouse allows one writer process (STACK.md): inputs are read on a read-only connection that is closed
before Splink computes in its own in-memory DuckDB; outputs are written on a fresh connection in one
transaction that first deletes the period's rows, so a re-run is idempotent.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from linkage.collapse import DERIVED_COLUMNS, KEY_COLUMNS

logger = logging.getLogger(__name__)

INPUT_TABLE = "intermediate.int_person_records"
INPUT_COLUMNS = (
    "record_key, source, period, file_name, row_number, id_number, id_is_valid, id_birth_date, id_gender, name, "
    "name_pinyin, surname, given_name, birth_date, birth_date_stated, gender, district_code, township_code, "
    "phone, household_no, data_issues"
)

_DISTINCT_COLS = ", ".join(f"{c} {'BOOLEAN' if c == 'id_is_valid' else 'VARCHAR'}" for c in KEY_COLUMNS)
_DERIVED_COLS = ", ".join(f"{c} VARCHAR" for c in DERIVED_COLUMNS)

DDL = [
    "CREATE SCHEMA IF NOT EXISTS linkage",
    f"""CREATE TABLE IF NOT EXISTS linkage.distinct_records (
        distinct_id VARCHAR PRIMARY KEY, {_DISTINCT_COLS}, {_DERIVED_COLS},
        first_period VARCHAR NOT NULL, first_run VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS linkage.record_links (
        record_key VARCHAR NOT NULL, source VARCHAR, period VARCHAR NOT NULL, file_name VARCHAR,
        row_number INTEGER, distinct_id VARCHAR NOT NULL, identifier VARCHAR NOT NULL, run_id VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS linkage.identifier_history (
        identifier VARCHAR NOT NULL, event VARCHAR NOT NULL, other_identifier VARCHAR,
        period VARCHAR NOT NULL, run_id VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS linkage.identifier_registry (
        identifier VARCHAR PRIMARY KEY, status VARCHAR NOT NULL, alias_of VARCHAR,
        created_period VARCHAR NOT NULL, created_run VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS linkage.runs (
        run_id VARCHAR NOT NULL, period VARCHAR NOT NULL, model_version VARCHAR,
        started_at TIMESTAMP, finished_at TIMESTAMP, metrics JSON)""",
    """CREATE TABLE IF NOT EXISTS linkage.clerical_review (
        period VARCHAR NOT NULL, run_id VARCHAR NOT NULL, distinct_id_l VARCHAR, distinct_id_r VARCHAR,
        record_key_l VARCHAR, record_key_r VARCHAR, identifier_l VARCHAR, identifier_r VARCHAR,
        match_weight DOUBLE, match_probability DOUBLE, linked BOOLEAN,
        name_l VARCHAR, name_r VARCHAR, id_number_l VARCHAR, id_number_r VARCHAR, dob_l VARCHAR, dob_r VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS linkage.evaluation (
        period VARCHAR NOT NULL, run_id VARCHAR NOT NULL, method VARCHAR NOT NULL, subset VARCHAR NOT NULL,
        metric VARCHAR NOT NULL, value DOUBLE, n BIGINT)""",
]

# Registry is a function of the history: rebuilt in the same transaction after every write.
REBUILD_REGISTRY = """
DELETE FROM linkage.identifier_registry;
INSERT INTO linkage.identifier_registry
WITH created AS (
    SELECT identifier, min(period) AS created_period, arg_min(run_id, period) AS created_run
    FROM linkage.identifier_history WHERE event = 'created' GROUP BY identifier
), merged AS (
    SELECT identifier, arg_max(other_identifier, period) AS alias_of
    FROM linkage.identifier_history WHERE event = 'merged_into' GROUP BY identifier
)
SELECT c.identifier, CASE WHEN m.alias_of IS NULL THEN 'active' ELSE 'alias' END, m.alias_of,
       c.created_period, c.created_run
FROM created c LEFT JOIN merged m USING (identifier)
ORDER BY c.identifier
"""


@dataclass(frozen=True)
class PriorState:
    """What earlier periods left: distinct records seen, their active identifiers, next free number."""

    distinct: pd.DataFrame  # linkage.distinct_records rows with first_period < period
    identifiers: dict[str, str]  # distinct_id -> active identifier
    next_number: int


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def read_records(warehouse: Path, period: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        df = con.execute(f"SELECT {INPUT_COLUMNS} FROM {INPUT_TABLE} WHERE period = ?", [period]).df()
    logger.info("read %d records of %s", len(df), period)
    return df


def resolve_aliases(alias_of: dict[str, str], identifier: str) -> str:
    seen = set()
    while identifier in alias_of:
        if identifier in seen:
            raise ValueError(f"alias cycle at {identifier}")
        seen.add(identifier)
        identifier = alias_of[identifier]
    return identifier


def read_prior_state(warehouse: Path, period: str) -> PriorState:
    empty = PriorState(
        pd.DataFrame(columns=["distinct_id", *KEY_COLUMNS, *DERIVED_COLUMNS, "first_period"]), {}, 1
    )
    if not warehouse.exists():
        return empty
    with duckdb.connect(str(warehouse), read_only=True) as con:
        if not _table_exists(con, "linkage", "record_links"):
            return empty
        later = con.execute(
            "SELECT min(period) FROM linkage.record_links WHERE period > ?", [period]
        ).fetchone()
        if later and later[0] is not None:
            raise RuntimeError(
                f"period {later[0]} was linked after {period}: re-run from {period} onward in order"
            )
        distinct = con.execute(
            f"SELECT distinct_id, {', '.join(KEY_COLUMNS + DERIVED_COLUMNS)}, first_period "
            "FROM linkage.distinct_records WHERE first_period < ? ORDER BY distinct_id",
            [period],
        ).df()
        latest = con.execute(
            "SELECT distinct_id, arg_max(identifier, period) FROM linkage.record_links WHERE period < ? "
            "GROUP BY distinct_id",
            [period],
        ).fetchall()
        alias_rows = con.execute(
            "SELECT identifier, other_identifier FROM linkage.identifier_history "
            "WHERE event = 'merged_into' AND period < ?",
            [period],
        ).fetchall()
        top = con.execute(
            "SELECT max(identifier) FROM linkage.identifier_history WHERE period < ?", [period]
        ).fetchone()
    alias_of = dict(alias_rows)
    identifiers = {d: resolve_aliases(alias_of, i) for d, i in latest}
    next_number = int(top[0][2:]) + 1 if top and top[0] else 1
    return PriorState(distinct=distinct, identifiers=identifiers, next_number=next_number)


def write_period(
    warehouse: Path,
    period: str,
    run_id: str,
    *,
    new_distinct: pd.DataFrame,
    links: pd.DataFrame,
    history: pd.DataFrame,
    review: pd.DataFrame,
    run_row: dict,
) -> None:
    """Replace everything this period wrote before, in one transaction."""
    with duckdb.connect(str(warehouse)) as con:
        for stmt in DDL:
            con.execute(stmt)
        con.execute("BEGIN TRANSACTION")
        try:
            for table in ("record_links", "identifier_history", "runs", "clerical_review"):
                con.execute(f"DELETE FROM linkage.{table} WHERE period = ?", [period])
            con.execute("DELETE FROM linkage.distinct_records WHERE first_period = ?", [period])
            cols = ["distinct_id", *KEY_COLUMNS, *DERIVED_COLUMNS]
            nd = new_distinct[cols].assign(first_period=period, first_run=run_id)  # noqa: F841
            con.execute("INSERT INTO linkage.distinct_records SELECT * FROM nd")
            lk = links[  # noqa: F841
                ["record_key", "source", "period", "file_name", "row_number", "distinct_id", "identifier"]
            ].assign(run_id=run_id)
            con.execute("INSERT INTO linkage.record_links SELECT * FROM lk")
            hist = history[["identifier", "event", "other_identifier"]].assign(  # noqa: F841
                period=period, run_id=run_id
            )
            con.execute("INSERT INTO linkage.identifier_history SELECT * FROM hist")
            if len(review):
                con.execute("INSERT INTO linkage.clerical_review BY NAME SELECT * FROM review")
            con.execute(
                "INSERT INTO linkage.runs VALUES (?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    period,
                    run_row["model_version"],
                    run_row["started_at"],
                    run_row["finished_at"],
                    json.dumps(run_row["metrics"], ensure_ascii=False),
                ],
            )
            con.execute(REBUILD_REGISTRY)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    logger.info("wrote linkage outputs of %s (run %s)", period, run_id)


def write_evaluation(warehouse: Path, period: str, run_id: str, rows: pd.DataFrame) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for stmt in DDL:
            con.execute(stmt)
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM linkage.evaluation WHERE period = ?", [period])
            ev = rows[["method", "subset", "metric", "value", "n"]].assign(  # noqa: F841
                period=period, run_id=run_id
            )
            con.execute(
                "INSERT INTO linkage.evaluation SELECT period, run_id, method, subset, metric, value, n FROM ev"
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
