"""One period's linkage run: read -> collapse -> score new records -> cluster -> stable identifiers -> write."""

from __future__ import annotations

import logging
import resource
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from linkage import parameters as params_io
from linkage.cluster import constrained_components, node_facts
from linkage.collapse import DERIVED_COLUMNS, KEY_COLUMNS, collapse
from linkage.config import LinkageConfig
from linkage.identifiers import assign
from linkage.predict import score
from linkage.store import read_prior_state, read_records, write_period

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


def run_period(warehouse: Path, period: str, config: LinkageConfig, run_id: str) -> LinkageResult:
    """Link `period`'s int_person_records against the registry and write the linkage.* tables."""
    warehouse = Path(warehouse)
    started_at = datetime.now(UTC).replace(tzinfo=None)
    seconds: dict[str, float] = {}
    t = time.perf_counter()

    collapsed = collapse(read_records(warehouse, period))
    prior = read_prior_state(warehouse, period)
    seconds["read_and_collapse"] = time.perf_counter() - t

    cols = ["distinct_id", *KEY_COLUMNS, *DERIVED_COLUMNS]
    current = collapsed.distinct
    seen = set(prior.distinct["distinct_id"])
    fresh = current[~current["distinct_id"].isin(seen)]
    if config.relink_all:
        existing = prior.distinct.iloc[0:0][cols]
        to_score = pd.concat([prior.distinct[cols], fresh[cols]], ignore_index=True)
    else:
        existing = prior.distinct[cols]
        to_score = fresh[cols]

    parameters = params_io.load(config.model_path)
    t = time.perf_counter()
    keep_from = min(config.review_low, config.threshold)
    if config.backend == "spark":
        from linkage.spark_backend import score as score_on_spark  # optional extra: imported only when asked

        prediction = score_on_spark(existing, to_score, parameters, config, keep_from=keep_from)
    else:
        prediction = score(existing, to_score, parameters, config, keep_from=keep_from)
    seconds["predict"] = time.perf_counter() - t

    t = time.perf_counter()
    pairs = prediction.pairs
    linked = pairs[pairs["match_probability"] >= config.threshold]
    nodes = sorted(set(prior.distinct["distinct_id"]) | set(current["distinct_id"]))
    edges = list(zip(linked["distinct_id_l"], linked["distinct_id_r"], linked["match_weight"], strict=True))
    must_links = [] if config.relink_all else _prior_edges(prior.identifiers)
    in_scope = pd.concat([prior.distinct[cols], fresh[cols]], ignore_index=True)
    components = constrained_components(nodes, must_links, edges, node_facts(in_scope))
    clusters = components.labels
    if components.refused:
        logger.info("%s: %d links refused (would join records of two people)", period, len(components.refused))
    first_seen = dict(zip(prior.distinct["distinct_id"], prior.distinct["first_period"], strict=True))
    order = {n: (first_seen.get(n, period),) for n in nodes}
    assignment = assign(clusters, prior.identifiers, prior.next_number, seen_order=order)
    seconds["cluster_and_assign"] = time.perf_counter() - t

    links = collapsed.links.assign(identifier=collapsed.links["distinct_id"].map(assignment.identifiers))
    history = pd.DataFrame(
        [(e.identifier, e.event, e.other_identifier) for e in assignment.events],
        columns=["identifier", "event", "other_identifier"],
    )
    review = _review_pairs(pairs, config, collapsed.links, assignment.identifiers, period, run_id)

    reports: list[str] = []
    if config.reports_dir is not None:
        t = time.perf_counter()
        from linkage.reports import write_reports  # charts are optional: import only when asked

        reports = write_reports(prediction, review, config, Path(config.reports_dir) / period)
        seconds["reports"] = time.perf_counter() - t
    prediction.db_api._con.close()

    events = history["event"].value_counts().to_dict() if len(history) else {}
    result = LinkageResult(
        run_id=run_id,
        period=period,
        model_version=str(parameters.get("model_version")),
        records=len(collapsed.links),
        distinct_records=len(current),
        new_distinct_records=len(fresh),
        comparisons_per_rule=prediction.comparisons_per_rule,
        pairs_linked=len(linked),
        pairs_for_review=len(review),
        identifiers=int(links["identifier"].nunique()),
        new_identifiers=int(events.get("created", 0)),
        merged_identifiers=int(events.get("merged_into", 0)),
        split_identifiers=int(history.loc[history["event"] == "split_from", "other_identifier"].nunique())
        if len(history)
        else 0,
        seconds={**{k: round(v, 2) for k, v in seconds.items()}},
        reports=reports,
    )
    t = time.perf_counter()
    result.peak_memory_mb = round(_peak_memory_mb(), 1)
    write_period(
        warehouse,
        period,
        run_id,
        new_distinct=current[~current["distinct_id"].isin(seen)],
        links=links,
        history=history,
        review=review,
        run_row={
            "model_version": result.model_version,
            "started_at": started_at,
            "finished_at": datetime.now(UTC).replace(tzinfo=None),
            "metrics": result.to_dict(),
        },
    )
    result.seconds["write"] = round(time.perf_counter() - t, 2)
    logger.info("linkage %s: %s", period, result.to_dict())
    return result


def _review_pairs(
    pairs: pd.DataFrame,
    config: LinkageConfig,
    links: pd.DataFrame,
    identifiers: dict[str, str],
    period: str,
    run_id: str,
) -> pd.DataFrame:
    band = pairs[
        (pairs["match_probability"] >= config.review_low) & (pairs["match_probability"] < config.review_high)
    ].copy()
    first_key = links.groupby("distinct_id")["record_key"].min()
    for side in ("l", "r"):
        band[f"record_key_{side}"] = band[f"distinct_id_{side}"].map(first_key)
        band[f"identifier_{side}"] = band[f"distinct_id_{side}"].map(identifiers)
    band["linked"] = band["match_probability"] >= config.threshold
    band["period"] = period
    band["run_id"] = run_id
    return band.drop(columns=["match_key"]).sort_values("match_probability", ignore_index=True)
