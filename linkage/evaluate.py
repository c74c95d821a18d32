"""Evaluation against the generator's truth: pairwise precision/recall/F1 over records and the share of true
persons resolved exactly (their records form exactly one identifier holding nothing else), overall and per
hard case, for the model and for the naive baseline (one person per distinct standardised ID number)."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from linkage.store import write_evaluation

logger = logging.getLogger(__name__)

# Hard cases from truth/errors.parquet error types (the generator's NoiseConfig names).
ERROR_CASES: dict[str, tuple[str, ...]] = {
    "reissued_number": ("reissued_id", "reissued_id_persons", "reissued_id_use"),
    "mistyped_number": ("id_transposed", "id_mistyped", "id_wrong_check"),
    "legacy_15_digit": ("id_legacy_15",),
    "shared_number": ("shared_id",),
}
COMMON_NAME_MIN_PERSONS = 5  # a name held by at least this many persons of the city counts as very common


def _pairs(sizes: pd.Series) -> int:
    s = sizes.to_numpy(dtype=np.int64)
    return int((s * (s - 1) // 2).sum())


def pairwise_scores(predicted: pd.Series, truth: pd.Series) -> dict[str, float]:
    """Pairwise precision/recall/F1 of a clustering of records (aligned series of cluster and person ids)."""
    frame = pd.DataFrame({"p": predicted.to_numpy(), "t": truth.to_numpy()})
    tp = _pairs(frame.groupby(["p", "t"]).size())
    predicted_pairs = _pairs(frame.groupby("p").size())
    true_pairs = _pairs(frame.groupby("t").size())
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


def resolved_exactly(predicted: pd.Series, truth: pd.Series) -> pd.Series:
    """Per true person: do their records form exactly one cluster that holds nothing else?"""
    frame = pd.DataFrame({"p": predicted.to_numpy(), "t": truth.to_numpy()})
    clusters_per_person = frame.groupby("t")["p"].nunique()
    persons_per_cluster = frame.groupby("p")["t"].nunique()
    one_cluster = frame.groupby("t")["p"].first()
    pure = one_cluster.map(persons_per_cluster) == 1
    return (clusters_per_person == 1) & pure


def score_table(frame: pd.DataFrame, cases: dict[str, set], methods: dict[str, str]) -> pd.DataFrame:
    """Metric rows (method, subset, metric, value, n) for each method column of `frame` vs `person_id`."""
    rows = []
    for method, column in methods.items():
        scores = pairwise_scores(frame[column], frame["person_id"])
        for metric in ("precision", "recall", "f1"):
            rows.append((method, "overall", f"pairwise_{metric}", scores[metric], scores["true_pairs"]))
        resolved = resolved_exactly(frame[column], frame["person_id"])
        rows.append((method, "overall", "persons_resolved_exactly", float(resolved.mean()), len(resolved)))
        for case, persons in cases.items():
            subset = resolved[resolved.index.isin(persons)]
            value = float(subset.mean()) if len(subset) else float("nan")
            rows.append((method, case, "persons_resolved_exactly", value, len(subset)))
    return pd.DataFrame(rows, columns=["method", "subset", "metric", "value", "n"])


def hard_case_persons(truth_dir: Path, period: str, records: pd.DataFrame) -> dict[str, set]:
    """Person ids per hard case, from truth errors (this period) and persons (twins, very common names)."""
    truth_dir = Path(truth_dir)
    cases: dict[str, set] = {}
    errors_path = truth_dir / "errors.parquet"
    if errors_path.exists():
        errors = pd.read_parquet(errors_path)
        errors = errors[errors["period"] == period]
        keys = ["source", "period", "file", "row_number"]
        err = errors.drop(columns=["person_id"], errors="ignore").merge(
            records[[*keys, "person_id"]], on=keys, how="inner"
        )
        for case, types in ERROR_CASES.items():
            cases[case] = set(err.loc[err["error_type"].isin(types), "person_id"])
    persons_path = truth_dir / "persons.parquet"
    if persons_path.exists():
        persons = pd.read_parquet(persons_path)
        present = set(records["person_id"])
        persons = persons[persons["person_id"].isin(present)]
        household = next((c for c in ("household_no", "household_id", "hukou_household") if c in persons), None)
        birth = next((c for c in ("birth_date", "dob") if c in persons), None)
        if "id_alt" in persons:  # persons holding a re-issued second number
            alt = persons["id_alt"].astype("string").fillna("").str.len() > 0
            cases["reissued_number"] = cases.get("reissued_number", set()) | set(persons.loc[alt, "person_id"])
        if "twin_of" in persons:
            cases["twins"] = set(persons.loc[persons["twin_of"].notna(), "person_id"])
        elif household and birth:
            keyed = persons.dropna(subset=[household, birth])
            size = keyed.groupby([household, birth])["person_id"].transform("size")
            cases["twins"] = set(keyed.loc[size > 1, "person_id"])
        if "name" in persons:
            city_counts = pd.read_parquet(persons_path, columns=["name"])["name"].value_counts()
            common = set(city_counts[city_counts >= COMMON_NAME_MIN_PERSONS].index)
            cases["common_name"] = set(persons.loc[persons["name"].isin(common), "person_id"])
    return cases


def load_frame(warehouse: Path, period: str, truth_dir: Path) -> pd.DataFrame:
    """Period records with model identifier, naive identifier and true person id (rows with truth only).

    Joined in DuckDB, reading the truth's Parquet directly: at 1 M persons the pandas merge of 3.9 M links with
    the truth was most of the evaluation's time and memory."""
    truth = (Path(truth_dir) / "records.parquet").resolve().as_posix().replace("'", "''")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        linked = con.execute("SELECT count(*) FROM linkage.record_links WHERE period = ?", [period]).fetchone()[0]
        merged = con.execute(
            f"""
            SELECT l.record_key, l.source, l.period, l.file_name AS file, CAST(l.row_number AS BIGINT) AS row_number,
                   l.identifier, coalesce(r.id_number, 'row:' || l.record_key) AS naive_identifier, t.person_id
            FROM linkage.record_links l
            JOIN intermediate.int_person_records r USING (record_key)
            JOIN (SELECT source, period, file, CAST(row_number AS BIGINT) AS row_number, person_id
                  FROM read_parquet('{truth}') WHERE period = $period) t
              ON t.source = l.source AND t.period = l.period AND t.file = l.file_name
             AND t.row_number = CAST(l.row_number AS BIGINT)
            WHERE l.period = $period
            ORDER BY l.record_key
            """,
            {"period": period},
        ).df()
    if len(merged) < linked:
        logger.warning("%d linked records have no truth row", linked - len(merged))
    return merged


def evaluate_period(warehouse: Path, period: str, truth_dir: Path, run_id: str) -> pd.DataFrame:
    """Score the period's links and the naive baseline side by side; write linkage.evaluation."""
    frame = load_frame(Path(warehouse), period, Path(truth_dir))
    cases = hard_case_persons(Path(truth_dir), period, frame)
    table = score_table(frame, cases, {"splink": "identifier", "naive_id_number": "naive_identifier"})
    write_evaluation(Path(warehouse), period, run_id, table)
    return table
