"""Evaluation against the generator's truth: pairwise precision/recall/F1 over records and the share of true
persons resolved exactly (their records form exactly one identifier holding nothing else), overall and per
hard case, for the model and for the naive baseline (one person per distinct standardised ID number)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from linkage.store import WH, attached, sql_path, write_evaluation

logger = logging.getLogger(__name__)

# Hard cases from truth/errors.parquet error types (the generator's NoiseConfig names).
ERROR_CASES: dict[str, tuple[str, ...]] = {
    "reissued_number": ("reissued_id", "reissued_id_persons", "reissued_id_use"),
    "mistyped_number": ("id_transposed", "id_mistyped", "id_wrong_check"),
    "legacy_15_digit": ("id_legacy_15",),
    "shared_number": ("shared_id",),
}
COMMON_NAME_MIN_PERSONS = 5  # a name held by at least this many persons of the city counts as very common


def _frame_connection(frame: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("frame", frame)
    return con


def pair_counts(con: duckdb.DuckDBPyConnection, relation: str, predicted: str, truth: str) -> tuple[int, int, int]:
    """(true positive, predicted, true) record pairs of a clustering held in `relation` (columns `predicted`,
    `truth`): pairs are counted from cluster sizes, never enumerated."""
    tp, predicted_pairs, true_pairs = con.execute(
        f"""
        WITH pt AS (SELECT {predicted} AS p, {truth} AS t, count(*)::HUGEINT AS n FROM {relation} GROUP BY ALL),
             pp AS (SELECT sum(n) AS n FROM pt GROUP BY p),
             tt AS (SELECT sum(n) AS n FROM pt GROUP BY t)
        SELECT (SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM pt),
               (SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM pp),
               (SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM tt)
        """
    ).fetchall()[0]
    return int(tp), int(predicted_pairs), int(true_pairs)


def _scores(tp: int, predicted_pairs: int, true_pairs: int) -> dict[str, float]:
    precision = tp / predicted_pairs if predicted_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": true_pairs,
        "predicted_pairs": predicted_pairs,
    }


def _resolved_sql(relation: str, predicted: str, truth: str) -> str:
    """Per true person `t`: do their records form exactly one cluster that holds nothing else (`resolved`)?"""
    return f"""
        WITH k AS (SELECT {predicted} AS p, count(DISTINCT {truth}) AS persons FROM {relation} GROUP BY 1)
        SELECT r.{truth} AS t, count(DISTINCT r.{predicted}) = 1 AND max(k.persons) = 1 AS resolved
        FROM {relation} r JOIN k ON k.p = r.{predicted}
        GROUP BY 1
        """


def resolved_persons(con: duckdb.DuckDBPyConnection, relation: str, predicted: str, truth: str) -> pd.Series:
    """Per true person: do their records form exactly one cluster that holds nothing else?"""
    frame = con.execute(f"{_resolved_sql(relation, predicted, truth)} ORDER BY 1").df()
    return pd.Series(frame["resolved"].to_numpy(dtype=bool), index=frame["t"].to_numpy(), name="resolved")


def pairwise_scores(predicted: pd.Series, truth: pd.Series) -> dict[str, float]:
    """Pairwise precision/recall/F1 of a clustering of records (aligned series of cluster and person ids)."""
    with _frame_connection(pd.DataFrame({"p": predicted.to_numpy(), "t": truth.to_numpy()})) as con:
        return _scores(*pair_counts(con, "frame", "p", "t"))


def resolved_exactly(predicted: pd.Series, truth: pd.Series) -> pd.Series:
    """Per true person: do their records form exactly one cluster that holds nothing else?"""
    with _frame_connection(pd.DataFrame({"p": predicted.to_numpy(), "t": truth.to_numpy()})) as con:
        return resolved_persons(con, "frame", "p", "t")


def score_relation(
    con: duckdb.DuckDBPyConnection, relation: str, cases: dict[str, set] | HardCases, methods: dict[str, str]
) -> pd.DataFrame:
    """Metric rows (method, subset, metric, value, n) for each method column of `relation` vs `person_id`,
    computed in DuckDB: at 1 M persons pandas group-bys over 3.9 M string keys took most of a half minute, and
    matching each case's person set in pandas most of what was left."""
    if not isinstance(cases, HardCases):
        cases = _register_cases(con, cases)
    rows = []
    for method, column in methods.items():
        scores = _scores(*pair_counts(con, relation, column, "person_id"))
        for metric in ("precision", "recall", "f1"):
            rows.append((method, "overall", f"pairwise_{metric}", scores[metric], scores["true_pairs"]))
        con.execute(f"CREATE OR REPLACE TEMP TABLE resolved AS {_resolved_sql(relation, column, 'person_id')}")
        n, share = con.execute("SELECT count(*), avg(resolved::DOUBLE) FROM resolved").fetchall()[0]
        rows.append((method, "overall", "persons_resolved_exactly", float(share) if n else float("nan"), int(n)))
        by_case = {
            case: (int(k), value)
            for case, k, value in con.execute(
                f"""
                SELECT c.case_name, count(*), avg(r.resolved::DOUBLE)
                FROM {cases.relation} c JOIN resolved r ON r.t = c.person_id GROUP BY 1
                """
            ).fetchall()
        }
        for case in cases.names:
            k, value = by_case.get(case, (0, None))
            rows.append((method, case, "persons_resolved_exactly", float("nan") if value is None else value, k))
    return pd.DataFrame(rows, columns=["method", "subset", "metric", "value", "n"])


def score_table(frame: pd.DataFrame, cases: dict[str, set], methods: dict[str, str]) -> pd.DataFrame:
    """`score_relation` on a pandas frame (columns `person_id` and each method's)."""
    with _frame_connection(frame) as con:
        return score_relation(con, "frame", cases, methods)


def _parquet(path: Path) -> str:
    return f"read_parquet({sql_path(path)})"


@dataclass(frozen=True)
class HardCases:
    """The hard cases evaluated (names, in report order) and a relation (case_name, person_id) of their persons,
    one row per distinct pair."""

    names: list[str]
    relation: str


def _register_cases(con: duckdb.DuckDBPyConnection, cases: dict[str, set]) -> HardCases:
    pairs = pd.DataFrame(
        [(case, person) for case, persons in cases.items() for person in persons], columns=["case_name", "person_id"]
    ).astype({"case_name": "string", "person_id": "string"})
    con.register("hard_case_pairs", pairs)
    return HardCases(list(cases), "hard_case_pairs")


def hard_case_persons(con: duckdb.DuckDBPyConnection, truth_dir: Path, period: str, relation: str) -> HardCases:
    """Persons per hard case, from truth errors (this period) and persons (twins, very common names), for the
    persons of `relation` (the period's records with their true `person_id`): a temp table, built in DuckDB."""
    truth_dir = Path(truth_dir)
    names: list[str] = []
    parts: list[str] = []
    errors_path = truth_dir / "errors.parquet"
    if errors_path.exists():
        types = ", ".join(
            f"('{t}', '{case}')" for case, error_types in ERROR_CASES.items() for t in error_types
        )
        names += list(ERROR_CASES)
        parts.append(
            f"""
            SELECT c.case_name, f.person_id
            FROM {_parquet(errors_path)} e
            JOIN (VALUES {types}) AS c(error_type, case_name) ON c.error_type = e.error_type
            JOIN {relation} f ON f.source = e.source AND f.period = e.period AND f.file = e.file
             AND f.row_number = CAST(e.row_number AS BIGINT)
            WHERE e.period = $period
            """
        )
    persons_path = truth_dir / "persons.parquet"
    if persons_path.exists():
        city = _parquet(persons_path)
        columns = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {city}").fetchall()}
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE present AS SELECT * FROM {city} "
            f"WHERE person_id IN (SELECT person_id FROM {relation})"
        )
        household = next((c for c in ("household_no", "household_id", "hukou_household") if c in columns), None)
        birth = next((c for c in ("birth_date", "dob") if c in columns), None)
        if "id_alt" in columns:  # persons holding a re-issued second number
            if "reissued_number" not in names:
                names.append("reissued_number")
            parts.append(
                "SELECT 'reissued_number', person_id FROM present "
                "WHERE length(coalesce(CAST(id_alt AS VARCHAR), '')) > 0"
            )
        if "twin_of" in columns:
            names.append("twins")
            parts.append("SELECT 'twins', person_id FROM present WHERE twin_of IS NOT NULL")
        elif household and birth:
            names.append("twins")
            parts.append(
                f"""
                SELECT 'twins', person_id FROM present
                WHERE {household} IS NOT NULL AND {birth} IS NOT NULL
                QUALIFY count(*) OVER (PARTITION BY {household}, {birth}) > 1
                """
            )
        if "name" in columns:
            names.append("common_name")
            parts.append(
                f"""
                SELECT 'common_name', person_id FROM present
                WHERE name IN (SELECT name FROM {city} GROUP BY name HAVING count(*) >= {COMMON_NAME_MIN_PERSONS})
                """
            )
    union = " UNION ".join(f"({part})" for part in parts) or "SELECT NULL::VARCHAR, NULL::VARCHAR WHERE FALSE"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE hard_cases AS SELECT * FROM ({union}) AS u(case_name, person_id)",
        {"period": period} if errors_path.exists() else {},
    )
    return HardCases(names, "hard_cases")


def load_frame(con: duckdb.DuckDBPyConnection, warehouse: Path, period: str, truth_dir: Path) -> str:
    """Table `frame` on `con`: the period's records with model identifier, naive identifier and true person id
    (rows with truth only), joined in DuckDB from the warehouse (attached read-only for the join) and the truth's
    Parquet."""
    with attached(con, Path(warehouse), read_only=True):
        count_sql = f"SELECT count(*) FROM {WH}.linkage.record_links WHERE period = ?"
        linked = con.execute(count_sql, [period]).fetchall()[0][0]
        con.execute(
            f"""
            CREATE TEMP TABLE frame AS
            SELECT l.record_key, l.source, l.period, l.file_name AS file, CAST(l.row_number AS BIGINT) AS row_number,
                   l.identifier, coalesce(r.id_number, 'row:' || l.record_key) AS naive_identifier, t.person_id
            FROM {WH}.linkage.record_links l
            JOIN {WH}.intermediate.int_person_records r USING (record_key)
            JOIN (SELECT source, period, file, CAST(row_number AS BIGINT) AS row_number, person_id
                  FROM {_parquet(Path(truth_dir) / "records.parquet")} WHERE period = $period) t
              ON t.source = l.source AND t.period = l.period AND t.file = l.file_name
             AND t.row_number = CAST(l.row_number AS BIGINT)
            WHERE l.period = $period AND r.period = $period
            """,
            {"period": period},
        )
    merged = con.execute("SELECT count(*) FROM frame").fetchall()[0][0]
    if merged < linked:
        logger.warning("%d linked records have no truth row", linked - merged)
    return "frame"


def evaluate_period(warehouse: Path, period: str, truth_dir: Path, run_id: str) -> pd.DataFrame:
    """Score the period's links and the naive baseline side by side; write linkage.evaluation."""
    with duckdb.connect() as con:
        relation = load_frame(con, Path(warehouse), period, Path(truth_dir))
        cases = hard_case_persons(con, Path(truth_dir), period, relation)
        table = score_relation(con, relation, cases, {"splink": "identifier", "naive_id_number": "naive_identifier"})
    write_evaluation(Path(warehouse), period, run_id, table)
    return table
