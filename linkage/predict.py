"""Score candidate pairs with the loaded model: new distinct records against the seen ones and each other.

Distinct records already linked in earlier periods keep their links; only pairs that involve a new distinct
record are blocked and scored (predict_between(existing, new) + predict_within(new)). Term frequencies come
from all distinct records in scope, registered before scoring as Splink 5 requires.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from splink import DuckDBAPI, Linker
from splink.blocking_analysis import count_comparisons_from_blocking_rules
from splink.internals.splink_dataframe import SplinkDataFrame

from linkage import parameters as params_io
from linkage.backend import duckdb_api, model_frame
from linkage.config import LinkageConfig
from linkage.settings import prediction_blocking_rules

logger = logging.getLogger(__name__)

PAIR_COLUMNS = [
    "distinct_id_l",
    "distinct_id_r",
    "match_weight",
    "match_probability",
    "match_key",
    "name_l",
    "name_r",
    "id_number_l",
    "id_number_r",
    "dob_l",
    "dob_r",
]


def blocking_rule_names() -> list[str]:
    names = []
    for rule in prediction_blocking_rules():
        sql = rule.get_blocking_rule("duckdb").blocking_rule_sql
        cols = [part.split('"')[1] for part in sql.split("l.")[1:]]
        names.append("+".join(cols))
    return names


@dataclass
class Prediction:
    pairs: pd.DataFrame  # PAIR_COLUMNS, only pairs with probability >= keep_from
    comparisons_per_rule: dict[str, int]
    seconds: dict[str, float]
    linker: Linker
    db_api: DuckDBAPI
    predictions: list[SplinkDataFrame] = field(default_factory=list)


def _count_per_rule(
    inputs: SplinkDataFrame | list[SplinkDataFrame], link_type: str, names: list[str]
) -> dict[str, int]:
    """Exact comparisons per blocking rule (each pair counted under the first rule that finds it, as Splink's
    match_key), counted on the blocked id pairs: the scored table keeps only pairs worth keeping."""
    records = count_comparisons_from_blocking_rules(
        inputs,
        blocking_rules=prediction_blocking_rules(),
        link_type=link_type,
        unique_id_column_name="distinct_id",
        record_sample_proportion=1.0,
    )
    return {names[i]: int(r["marginal_comparison_count"]) for i, r in enumerate(records)}


def score(
    existing: pd.DataFrame,
    new: pd.DataFrame,
    parameters: dict[str, Any],
    config: LinkageConfig,
    keep_from: float,
) -> Prediction:
    """Pairs (new x existing) and (new x new) of two frames of distinct records (MODEL_COLUMNS)."""
    db_api = duckdb_api(config)
    columns = list(new.columns)
    con = db_api._con
    for name, frame in (("new_distinct", new), ("existing_distinct", existing[columns] if len(existing) else None)):
        if frame is None:  # an empty frame has no column types: take them from the new records
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM new_distinct WHERE false")
            continue
        con.register("_incoming", model_frame(frame))
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _incoming")
        con.unregister("_incoming")
    return score_tables(db_api, parameters, keep_from)


def score_tables(
    db_api: DuckDBAPI, parameters: dict[str, Any], keep_from: float, name_tf: str | None = None
) -> Prediction:
    """Pairs (new x existing) and (new x new) scored by the model; pairs below `keep_from` are dropped.

    Reads the tables `existing_distinct` and `new_distinct` (MODEL_COLUMNS + n_rows) of `db_api`'s connection:
    the linkage run builds them there in SQL, so no pandas copy of the records is made. `name_tf`: a table of
    the name term frequencies to use, when existing_distinct holds only part of the records they count.
    """
    t0 = time.perf_counter()
    con = db_api._con
    con.execute(
        "CREATE OR REPLACE TABLE all_distinct AS SELECT * FROM existing_distinct UNION ALL SELECT * FROM new_distinct"
    )
    has_existing = con.execute("SELECT count(*) FROM existing_distinct").fetchall()[0][0] > 0
    all_sdf = db_api.register("all_distinct", table_name="all_distinct")
    settings = params_io.settings_for_dialect(parameters, "duckdb")
    linker = Linker(all_sdf, settings, log_level=logging.WARNING)
    if name_tf is None:
        linker.table_management.compute_tf_table("name")
    else:
        linker.table_management.register_term_frequency_lookup(db_api.register(name_tf, table_name=name_tf), "name")
    new_sdf = db_api.register("new_distinct", table_name="new_distinct")
    names = blocking_rule_names()
    counts: dict[str, int] = dict.fromkeys(names, 0)
    outputs: list[SplinkDataFrame] = []
    t1 = time.perf_counter()
    # Only pairs from keep_from up are materialised (with their intermediate columns, for the reports): all
    # scored comparisons at 3 M persons (~40 M rows) overflowed the temp disk.
    within = linker.inference.predict_within(new_sdf, threshold_match_probability=keep_from, warning_mode="never")
    outputs.append(within)
    scored: list[tuple[SplinkDataFrame | list[SplinkDataFrame], str]] = [(new_sdf, "dedupe_only")]
    if has_existing:
        existing_sdf = db_api.register("existing_distinct", table_name="existing_distinct")
        between = linker.inference.predict_between(
            existing_sdf, new_sdf, threshold_match_probability=keep_from, warning_mode="never"
        )
        outputs.append(between)
        scored.append(([existing_sdf, new_sdf], "link_only"))
    t2 = time.perf_counter()
    for inputs, link_type in scored:
        for rule, n in _count_per_rule(inputs, link_type, names).items():
            counts[rule] += n
    frames = []
    for sdf in outputs:
        # Fetch fully: an unfinished result on the shared connection breaks the next Splink call.
        frames.append(
            con.execute(
                f"SELECT {', '.join(PAIR_COLUMNS)} FROM {sdf.physical_name} WHERE match_probability >= ?",
                [keep_from],
            ).df()
        )
    pairs = pd.concat(frames, ignore_index=True)
    # Orient pairs (l < r) so a pair has one spelling whichever call found it.
    swap = pairs["distinct_id_l"] > pairs["distinct_id_r"]
    for a in ("distinct_id", "name", "id_number", "dob"):
        left, right = pairs[f"{a}_l"].copy(), pairs[f"{a}_r"].copy()
        pairs.loc[swap, f"{a}_l"] = right[swap]
        pairs.loc[swap, f"{a}_r"] = left[swap]
    t3 = time.perf_counter()
    logger.info("scored %d comparisons, kept %d pairs >= %.3f", sum(counts.values()), len(pairs), keep_from)
    return Prediction(
        pairs=pairs,
        comparisons_per_rule=counts,
        seconds={"setup": t1 - t0, "predict": t2 - t1, "fetch": t3 - t2},
        linker=linker,
        db_api=db_api,
        predictions=outputs,
    )
