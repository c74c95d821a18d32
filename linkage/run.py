"""One period's linkage run: read -> collapse -> score new records -> cluster -> stable identifiers -> write."""

from __future__ import annotations

import logging
import resource
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from linkage import parameters as params_io
from linkage.backend import duckdb_api
from linkage.cluster import constrained_components, node_facts
from linkage.collapse import MODEL_COLUMNS
from linkage.config import LinkageConfig
from linkage.identifiers import assign
from linkage.predict import score_tables
from linkage.store import add_prior_records, stage_period, write_period

logger = logging.getLogger(__name__)


@dataclass
class LinkageResult:
    run_id: str
    period: str
    model_version: str
    records: int
    distinct_records: int
    new_distinct_records: int
    comparisons_per_rule: dict[str, int]
    pairs_linked: int
    pairs_for_review: int
    identifiers: int
    new_identifiers: int
    merged_identifiers: int
    split_identifiers: int
    clustered_records: int = 0  # distinct records whose identifiers this run re-decided
    seconds: dict[str, float] = field(default_factory=dict)
    peak_memory_mb: float = 0.0
    reports: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _prior_edges(prior_identifiers: dict[str, str]) -> list[tuple[str, str]]:
    """Chain each prior identifier's distinct records so the graph keeps existing persons whole."""
    by_ident: dict[str, list[str]] = {}
    for node, ident in prior_identifiers.items():
        by_ident.setdefault(ident, []).append(node)
    edges = []
    for nodes in by_ident.values():
        nodes.sort()
        edges.extend((nodes[0], n) for n in nodes[1:])
    return edges


def _build_score_inputs(con: duckdb.DuckDBPyConnection, relink_all: bool) -> None:
    """The scoring inputs `existing_distinct` / `new_distinct` from `prior_distinct` and `fresh_distinct`
    (current records not seen before): normally seen x new and new x new; relink_all scores everything as new."""
    cols = ", ".join(MODEL_COLUMNS)
    prior = f"SELECT {cols}, 1::BIGINT AS n_rows FROM prior_distinct"
    fresh = f"SELECT {cols}, n_rows FROM fresh_distinct"
    if relink_all:
        con.execute(f"CREATE OR REPLACE TABLE existing_distinct AS {fresh} WHERE false")
        con.execute(f"CREATE OR REPLACE TABLE new_distinct AS {prior} UNION ALL {fresh}")
    else:
        con.execute(f"CREATE OR REPLACE TABLE existing_distinct AS {prior}")
        con.execute(f"CREATE OR REPLACE TABLE new_distinct AS {fresh}")


@dataclass
class _Scope:
    """The part of the graph this run re-decides, with what clustering and identifiers need of it."""

    nodes: list[str]  # sorted distinct ids
    facts: dict
    previous: dict[str, str]  # node -> identifier before this run (nodes seen before)
    first_seen: dict[str, str]  # node -> first period (nodes seen before)


def _cluster_scope(
    con: duckdb.DuckDBPyConnection, pairs: pd.DataFrame, relink_all: bool, top_up: tuple[Path, str] | None = None
) -> _Scope:
    """New distinct records plus every record of each earlier identifier that a new link touches.

    Any other identifier cannot change in an incremental run (its records take no new pair and its
    membership is a must-link), so it is left out: the monthly routine clusters thousands of records, not the
    whole registry. relink_all re-decides everything seen so far. `top_up` (warehouse, period): prior_distinct
    holds only blocking candidates, so the scope's other prior records are read from the warehouse first.
    """
    touched = pd.DataFrame({"distinct_id": pd.unique(pd.concat([pairs["distinct_id_l"], pairs["distinct_id_r"]]))})
    con.register("touched", touched)
    if relink_all:
        prior_scope = "SELECT distinct_id FROM prior_distinct"
    else:
        prior_scope = (
            "SELECT distinct_id FROM prior_ident WHERE identifier IN "
            "(SELECT identifier FROM prior_ident SEMI JOIN touched USING (distinct_id))"
        )
    facts_cols = "distinct_id, id_number, id_is_valid, name, name_pinyin, dob, gender"
    extra = ""
    if top_up is not None:
        add_prior_records(con, top_up[0], top_up[1], prior_scope, facts_cols)
        extra = f"SELECT {facts_cols}, first_period FROM prior_extra UNION ALL"
    frame = con.execute(
        f"""
        WITH records AS (
            SELECT {facts_cols}, first_period FROM prior_distinct SEMI JOIN ({prior_scope}) USING (distinct_id)
            UNION ALL
            {extra}
            SELECT {facts_cols}, NULL AS first_period FROM fresh_distinct
        )
        SELECT r.*, p.identifier FROM records r LEFT JOIN prior_ident p USING (distinct_id) ORDER BY distinct_id
        """
    ).df()
    con.unregister("touched")
    seen = frame["identifier"].notna()
    return _Scope(
        nodes=frame["distinct_id"].tolist(),
        facts=node_facts(frame),
        previous=dict(zip(frame.loc[seen, "distinct_id"], frame.loc[seen, "identifier"], strict=True)),
        first_seen=dict(zip(frame.loc[seen, "distinct_id"], frame.loc[seen, "first_period"], strict=True)),
    )


def run_period(warehouse: Path, period: str, config: LinkageConfig, run_id: str) -> LinkageResult:
    """Link `period`'s int_person_records against the registry and write the linkage.* tables.

    The records are read, standardised and collapsed inside the compute DuckDB (SQL, spilling to its temp
    directory if need be); Python holds only the distinct records' graph for clustering and identifiers.
    """
    warehouse = Path(warehouse)
    started_at = datetime.now(UTC).replace(tzinfo=None)
    seconds: dict[str, float] = {}
    t = time.perf_counter()

    work = duckdb_api(config)
    con = work._con
    candidates_only = config.prior_candidates_only and not config.relink_all and config.backend == "duckdb"
    next_number, has_tf = stage_period(con, warehouse, period, candidates_only=candidates_only)
    _build_score_inputs(con, config.relink_all)
    n_records, n_current = con.execute(
        "SELECT (SELECT count(*) FROM period_links), (SELECT count(DISTINCT distinct_id) FROM period_links)"
    ).fetchall()[0]
    n_fresh = con.execute("SELECT count(*) FROM fresh_distinct").fetchall()[0][0]
    seconds["read_and_collapse"] = time.perf_counter() - t

    parameters = params_io.load(config.model_path)
    t = time.perf_counter()
    keep_from = min(config.review_low, config.threshold)
    if config.backend == "spark":
        from linkage.spark_backend import score as score_on_spark  # optional extra: imported only when asked

        existing = con.execute("SELECT * FROM existing_distinct").df()
        to_score = con.execute("SELECT * FROM new_distinct").df()
        prediction = score_on_spark(existing, to_score, parameters, config, keep_from=keep_from)
        del existing, to_score
    else:
        prediction = score_tables(work, parameters, keep_from=keep_from, name_tf="name_tf" if has_tf else None)
    seconds["predict"] = time.perf_counter() - t

    t = time.perf_counter()
    pairs = prediction.pairs
    linked = pairs[pairs["match_probability"] >= config.threshold]
    # Review-band pairs need identifiers too: the scope covers every kept pair, linked or not.
    scope = _cluster_scope(con, pairs, config.relink_all, top_up=(warehouse, period) if has_tf else None)
    edges = list(zip(linked["distinct_id_l"], linked["distinct_id_r"], linked["match_weight"], strict=True))
    must_links = [] if config.relink_all else _prior_edges(scope.previous)
    components = constrained_components(scope.nodes, must_links, edges, scope.facts)
    del edges, must_links
    if components.refused:
        logger.info("%s: %d links refused (would join records of two people)", period, len(components.refused))
    order = {n: (scope.first_seen.get(n, period),) for n in scope.nodes}
    assignment = assign(components.labels, scope.previous, next_number, seen_order=order)
    seconds["cluster_and_assign"] = time.perf_counter() - t

    # Identifiers for every distinct record: this run's for the scope, the earlier ones elsewhere.
    con.register(
        "assigned_in",
        pd.DataFrame(
            {"distinct_id": list(assignment.identifiers), "identifier": list(assignment.identifiers.values())}
        ),
    )
    con.execute(
        "CREATE OR REPLACE TABLE assigned AS SELECT distinct_id, identifier FROM assigned_in "
        "UNION ALL SELECT distinct_id, identifier FROM prior_ident ANTI JOIN assigned_in USING (distinct_id)"
    )
    con.unregister("assigned_in")
    clustered = len(scope.nodes)
    del scope, components
    history = pd.DataFrame(
        [(e.identifier, e.event, e.other_identifier) for e in assignment.events],
        columns=["identifier", "event", "other_identifier"],
    )
    review = _review_pairs(pairs, config, con, assignment.identifiers, period, run_id)

    reports: list[str] = []
    if config.reports_dir is not None:
        t = time.perf_counter()
        from linkage.reports import write_reports  # charts are optional: import only when asked

        reports = write_reports(prediction, review, config, Path(config.reports_dir) / period)
        seconds["reports"] = time.perf_counter() - t

    events = history["event"].value_counts().to_dict() if len(history) else {}
    n_identifiers = con.execute(
        "SELECT count(DISTINCT a.identifier) FROM period_links l JOIN assigned a USING (distinct_id)"
    ).fetchall()[0][0]
    result = LinkageResult(
        run_id=run_id,
        period=period,
        model_version=str(parameters.get("model_version")),
        records=int(n_records),
        distinct_records=int(n_current),
        new_distinct_records=int(n_fresh),
        comparisons_per_rule=prediction.comparisons_per_rule,
        pairs_linked=len(linked),
        pairs_for_review=len(review),
        identifiers=int(n_identifiers),
        new_identifiers=int(events.get("created", 0)),
        merged_identifiers=int(events.get("merged_into", 0)),
        split_identifiers=int(history.loc[history["event"] == "split_from", "other_identifier"].nunique())
        if len(history)
        else 0,
        clustered_records=clustered,
        seconds={**{k: round(v, 2) for k, v in seconds.items()}},
        reports=reports,
    )
    t = time.perf_counter()
    result.peak_memory_mb = round(_peak_memory_mb(), 1)
    try:
        write_period(
            con,
            warehouse,
            period,
            run_id,
            history=history,
            review=review,
            run_row={
                "model_version": result.model_version,
                "started_at": started_at,
                "finished_at": datetime.now(UTC).replace(tzinfo=None),
                "metrics": result.to_dict(),
            },
        )
    finally:
        if prediction.db_api is not work:
            prediction.db_api._con.close()
        con.close()
    result.seconds["write"] = round(time.perf_counter() - t, 2)
    logger.info("linkage %s: %s", period, result.to_dict())
    return result


def _review_pairs(
    pairs: pd.DataFrame,
    config: LinkageConfig,
    con: duckdb.DuckDBPyConnection,
    identifiers: dict[str, str],
    period: str,
    run_id: str,
) -> pd.DataFrame:
    band = pairs[
        (pairs["match_probability"] >= config.review_low) & (pairs["match_probability"] < config.review_high)
    ].copy()
    # A record standing for each distinct record of the band (prior ones may have no row this period).
    ids = pd.DataFrame({"distinct_id": pd.unique(pd.concat([band["distinct_id_l"], band["distinct_id_r"]]))})
    con.register("band_ids", ids)
    first_key = (
        con.execute(
            "SELECT distinct_id, min(record_key) AS record_key FROM period_links "
            "SEMI JOIN band_ids USING (distinct_id) GROUP BY distinct_id"
        )
        .df()
        .set_index("distinct_id")["record_key"]
    )
    con.unregister("band_ids")
    for side in ("l", "r"):
        band[f"record_key_{side}"] = band[f"distinct_id_{side}"].map(first_key)
        band[f"identifier_{side}"] = band[f"distinct_id_{side}"].map(identifiers)
    band["linked"] = band["match_probability"] >= config.threshold
    band["period"] = period
    band["run_id"] = run_id
    return band.drop(columns=["match_key"]).sort_values("match_probability", ignore_index=True)
