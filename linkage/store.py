"""Warehouse I/O for linkage: short-lived connections, one transaction per period write.

The warehouse allows one writer process (STACK.md): inputs are read on a read-only connection that is closed
before Splink computes in its own in-memory DuckDB; outputs are written on a fresh connection in one
transaction that first deletes the period's rows, so a re-run is idempotent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import duckdb
import pandas as pd

from linkage.collapse import DERIVED_COLUMNS, KEY_COLUMNS, LINK_COLUMNS, MODEL_COLUMNS, distinct_sql, standardised_sql

logger = logging.getLogger(__name__)

INPUT_TABLE = "intermediate.int_person_records"

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
    # Each distinct record's identifier as last linked, as it stood after `period`: the next period reads it
    # instead of aggregating every earlier period's record_links (3.8 M rows more each month at 1 M persons).
    # Kept for the last two linked periods, so a re-run of the latest still finds the state before it.
    """CREATE TABLE IF NOT EXISTS linkage.distinct_identifiers (
        period VARCHAR NOT NULL, distinct_id VARCHAR NOT NULL, identifier VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS linkage.identifier_history (
        identifier VARCHAR NOT NULL, event VARCHAR NOT NULL, other_identifier VARCHAR,
        period VARCHAR NOT NULL, run_id VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS linkage.identifier_registry (
        identifier VARCHAR NOT NULL, status VARCHAR NOT NULL, alias_of VARCHAR,
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

# Registry is a function of the history: rebuilt in the same transaction after every write. Replaced as a
# whole, not emptied and refilled: DuckDB's commit of a delete and re-insert of the same primary keys took 23 s
# for 1 M identifiers (0.4 s this way). One row per identifier holds by the GROUP BY; tests check it.
REBUILD_REGISTRY = """
CREATE OR REPLACE TABLE linkage.identifier_registry AS
WITH created AS (
    SELECT identifier, min(period) AS created_period, arg_min(run_id, period) AS created_run
    FROM linkage.identifier_history WHERE event = 'created' GROUP BY identifier
), merged AS (
    SELECT identifier, arg_max(other_identifier, period) AS alias_of
    FROM linkage.identifier_history WHERE event = 'merged_into' GROUP BY identifier
)
SELECT c.identifier, CASE WHEN m.alias_of IS NULL THEN 'active' ELSE 'alias' END AS status, m.alias_of,
       c.created_period, c.created_run
FROM created c LEFT JOIN merged m USING (identifier)
ORDER BY c.identifier
"""


def _table_exists(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ? "
        "AND table_name = ?",
        [catalog, schema, table],
    ).fetchall()[0]
    return bool(row and row[0])


def sql_path(path: Path) -> str:
    """A file path as a quoted SQL string literal."""
    return "'" + str(Path(path).resolve()).replace("'", "''") + "'"


@contextmanager
def attached(con: duckdb.DuckDBPyConnection, warehouse: Path, *, read_only: bool) -> Iterator[None]:
    """The warehouse attached to the compute database as `wh` for the block (closed again after it, so no
    other process is kept out longer than the block: STACK.md, one writer)."""
    con.execute(f"ATTACH {sql_path(warehouse)} AS {WH}" + (" (READ_ONLY)" if read_only else ""))
    try:
        yield
    finally:
        con.execute("USE memory")
        con.execute(f"DETACH {WH}")


WH = "wh"
_MODEL_SELECT = ", ".join(MODEL_COLUMNS)
_PRIOR = f"{WH}.linkage.distinct_records WHERE first_period < $period"  # distinct records seen before the period


class Staged(NamedTuple):
    next_number: int  # the first unused identifier number
    candidates: bool  # prior_distinct holds the blocking candidates only, and name_tf the term frequencies


def stage_period(
    con: duckdb.DuckDBPyConnection,
    warehouse: Path,
    period: str,
    *,
    every_distinct: bool = False,
    candidates_only: bool = False,
) -> Staged:
    """Read the period's inputs into the compute database `con`, standardised and collapsed in SQL:

    * `period_links`: one row per int_person_records row of the period (LINK_COLUMNS);
    * `prior_distinct`: distinct records first seen before the period (MODEL_COLUMNS + first_period); with
      `candidates_only`, only those sharing a blocking key with a fresh record (the only ones a new pair can
      join; add_prior_records adds the rest of an identifier's records when clustering needs them), plus
      `name_tf`, Splink's term-frequency table of `name` over every prior and fresh record;
    * `fresh_distinct`: the period's distinct records not seen before (MODEL_COLUMNS + n_rows), ordered by id;
    * `current_distinct` (only with `every_distinct`, for training): all the period's distinct records;
    * `prior_ident`: each of the prior records' identifier, merges followed to the survivor (from the state the
      previous period left in linkage.distinct_identifiers, so earlier periods' links are not read again).

    Only the fresh records are collapsed column by column: in the monthly routine they are a few thousand of
    2.7 M, and collapsing all of them (any_value of 15 columns per distinct id) was half of the step's reading
    time at 1 M persons (6.2 s).

    Returns the first unused identifier number and whether candidates were staged (only once a period has
    been linked: before, there are no prior records).
    """
    with attached(con, warehouse, read_only=True):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE period_std AS " + standardised_sql(f"{WH}.{INPUT_TABLE}", "period = $period"),
            {"period": period},
        )
        con.execute(f"CREATE OR REPLACE TABLE period_links AS SELECT {', '.join(LINK_COLUMNS)} FROM period_std")
        if every_distinct:
            con.execute(f"CREATE OR REPLACE TABLE current_distinct AS {distinct_sql('period_std')}")
        linked_before = _table_exists(con, WH, "linkage", "record_links")
        candidates = linked_before and candidates_only
        if candidates:
            _stage_candidates(con, period)
        elif linked_before:
            con.execute(
                f"CREATE OR REPLACE TABLE prior_distinct AS SELECT {_MODEL_SELECT}, first_period FROM {_PRIOR} "
                "ORDER BY distinct_id",
                {"period": period},
            )
        else:
            con.execute(
                f"CREATE OR REPLACE TABLE prior_distinct AS SELECT {_MODEL_SELECT}, "
                "cast(null as varchar) AS first_period FROM period_std WHERE false"
            )
        if not candidates:
            con.execute(
                "CREATE OR REPLACE TABLE fresh_distinct AS "
                + distinct_sql("(SELECT * FROM period_std ANTI JOIN prior_distinct USING (distinct_id))")
            )
        con.execute("DROP TABLE period_std")
        if not linked_before:
            con.execute("CREATE OR REPLACE TABLE prior_ident (distinct_id VARCHAR, identifier VARCHAR)")
            return Staged(1, candidates)
        later = con.execute(f"SELECT min(period) FROM {WH}.linkage.record_links WHERE period > ?", [period]).fetchall()[
            0
        ]
        if later and later[0] is not None:
            raise RuntimeError(f"period {later[0]} was linked after {period}: re-run from {period} onward in order")
        # Each distinct record's identifier as last linked, followed through merges to the surviving one: the
        # state the previous period left, or (a warehouse linked before that state was kept) every earlier link.
        previous = con.execute(
            f"SELECT max(period) FROM {WH}.linkage.record_links WHERE period < ?", [period]
        ).fetchall()[0][0]
        if previous is not None and _has_state(con, previous):
            con.execute(
                "CREATE OR REPLACE TABLE prior_ident AS SELECT distinct_id, identifier "
                f"FROM {WH}.linkage.distinct_identifiers WHERE period = $previous",
                {"previous": previous},
            )
        else:
            con.execute(
                "CREATE OR REPLACE TABLE prior_ident AS SELECT distinct_id, arg_max(identifier, period) AS identifier "
                f"FROM {WH}.linkage.record_links WHERE period < $period GROUP BY distinct_id",
                {"period": period},
            )
        alias_rows = con.execute(
            f"SELECT identifier, other_identifier FROM {WH}.linkage.identifier_history "
            "WHERE event = 'merged_into' AND period < ?",
            [period],
        ).fetchall()
        top = con.execute(
            f"SELECT max(identifier) FROM {WH}.linkage.identifier_history WHERE period < ?", [period]
        ).fetchall()[0]
    alias_of = dict(alias_rows)
    if alias_of:
        survivors = pd.DataFrame([(a, resolve_aliases(alias_of, a)) for a in alias_of], columns=["alias", "survivor"])
        con.register("survivors", survivors)
        con.execute(
            "UPDATE prior_ident SET identifier = s.survivor FROM survivors s WHERE prior_ident.identifier = s.alias"
        )
        con.unregister("survivors")
    next_number = int(top[0][2:]) + 1 if top and top[0] else 1
    return Staged(next_number, candidates)


def _stage_candidates(con: duckdb.DuckDBPyConnection, period: str) -> None:
    """`fresh_distinct`, then the prior records that share a blocking key with one of them as `prior_distinct`
    (a few thousand of 2.7 M in the monthly routine at 1 M persons), and `name_tf` over all records."""
    from linkage.settings import PREDICTION_BLOCKING_KEYS  # imports Splink: only when linking

    con.execute(
        "CREATE OR REPLACE TABLE fresh_distinct AS "
        + distinct_sql(f"(SELECT * FROM period_std ANTI JOIN (SELECT distinct_id FROM {_PRIOR}) USING (distinct_id))"),
        {"period": period},
    )
    # one narrow semi join per blocking key: NULL never equals, as in Splink's blocking
    candidates = " UNION ".join(
        f"SELECT p.distinct_id FROM {WH}.linkage.distinct_records AS p SEMI JOIN fresh_distinct AS f ON "
        + " AND ".join(f"p.{c} = f.{c}" for c in key)
        + " WHERE p.first_period < $period"
        for key in PREDICTION_BLOCKING_KEYS
    )
    con.execute(
        f"CREATE OR REPLACE TABLE prior_distinct AS SELECT {_MODEL_SELECT}, first_period FROM {_PRIOR} "
        f"AND distinct_id IN ({candidates}) ORDER BY distinct_id",
        {"period": period},
    )
    # Splink's own formula (term_frequencies_for_single_column_sql) over what its input would have held
    con.execute(
        f"""
        CREATE OR REPLACE TABLE name_tf AS
        WITH names AS (SELECT name FROM {_PRIOR} UNION ALL SELECT name FROM fresh_distinct)
        SELECT name, cast(count(*) AS float8) / (SELECT count(name) FROM names) AS tf_name
        FROM names WHERE name IS NOT NULL GROUP BY name
        """,
        {"period": period},
    )


def add_prior_records(
    con: duckdb.DuckDBPyConnection, warehouse: Path, period: str, distinct_ids: str, columns: str
) -> None:
    """`prior_extra`: `columns` + first_period of the prior records among `distinct_ids` (a SELECT of one column
    distinct_id over the compute database) that prior_distinct lacks: clustering needs every record of an
    identifier a new pair touches, and only the columns it reads (all of them cost a second at 1 M persons)."""
    with attached(con, warehouse, read_only=True):
        con.execute(
            f"CREATE OR REPLACE TABLE prior_extra AS SELECT {columns}, first_period FROM {_PRIOR} "
            f"AND distinct_id IN (SELECT distinct_id FROM ({distinct_ids}) "
            "ANTI JOIN prior_distinct USING (distinct_id))",
            {"period": period},
        )


def _has_state(con: duckdb.DuckDBPyConnection, period: str) -> bool:
    """Whether linkage.distinct_identifiers holds the state after `period`."""
    if not _table_exists(con, WH, "linkage", "distinct_identifiers"):
        return False
    row = con.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {WH}.linkage.distinct_identifiers WHERE period = ? LIMIT 1)", [period]
    ).fetchall()[0]
    return bool(row[0])


def resolve_aliases(alias_of: dict[str, str], identifier: str) -> str:
    seen = set()
    while identifier in alias_of:
        if identifier in seen:
            raise ValueError(f"alias cycle at {identifier}")
        seen.add(identifier)
        identifier = alias_of[identifier]
    return identifier


def write_period(
    con: duckdb.DuckDBPyConnection,
    warehouse: Path,
    period: str,
    run_id: str,
    *,
    history: pd.DataFrame,
    review: pd.DataFrame,
    run_row: dict,
) -> None:
    """Replace everything this period wrote before, in one transaction. Reads the compute tables
    `fresh_distinct` (distinct records first seen now), `period_links` and `assigned` (distinct_id ->
    identifier) of `con`."""
    missing = con.execute("SELECT count(*) FROM period_links l ANTI JOIN assigned a USING (distinct_id)").fetchall()[0][
        0
    ]
    if missing:
        raise RuntimeError(f"{missing} records of {period} got no identifier")
    hist = history[["identifier", "event", "other_identifier"]].assign(period=period, run_id=run_id)
    con.register("history_in", hist)
    con.register("review_in", review)
    with attached(con, warehouse, read_only=False):
        con.execute(f"USE {WH}")
        for stmt in DDL:
            con.execute(stmt)
        con.execute("BEGIN TRANSACTION")
        try:
            for table in ("record_links", "identifier_history", "runs", "clerical_review"):
                con.execute(f"DELETE FROM linkage.{table} WHERE period = ?", [period])
            con.execute("DELETE FROM linkage.distinct_records WHERE first_period = ?", [period])
            con.execute(
                f"INSERT INTO linkage.distinct_records SELECT {_MODEL_SELECT}, ?, ? FROM memory.fresh_distinct",
                [period, run_id],
            )
            con.execute(
                "INSERT INTO linkage.record_links SELECT l.record_key, l.source, l.period, l.file_name, "
                "l.row_number, l.distinct_id, a.identifier, ? FROM memory.period_links l "
                "JOIN memory.assigned a USING (distinct_id)",
                [run_id],
            )
            # the state after this period: this period's records take this run's identifier, the others keep
            # the one they were last linked to (what arg_max over every period's record_links would give)
            con.execute("DELETE FROM linkage.distinct_identifiers WHERE period >= ?", [period])
            con.execute(
                "INSERT INTO linkage.distinct_identifiers SELECT ?, distinct_id, identifier FROM ("
                "SELECT distinct_id, identifier FROM memory.assigned SEMI JOIN memory.period_links USING (distinct_id) "
                "UNION ALL SELECT distinct_id, identifier FROM memory.prior_ident "
                "ANTI JOIN memory.period_links USING (distinct_id))",
                [period],
            )
            con.execute(
                "DELETE FROM linkage.distinct_identifiers WHERE period < "
                "(SELECT max(period) FROM linkage.distinct_identifiers WHERE period < ?)",
                [period],
            )
            con.execute("INSERT INTO linkage.identifier_history SELECT * FROM history_in")
            if len(review):
                con.execute("INSERT INTO linkage.clerical_review BY NAME SELECT * FROM review_in")
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
    con.unregister("history_in")
    con.unregister("review_in")
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
