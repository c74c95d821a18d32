"""Explicit retraining: u by random sampling, lambda from deterministic rules, m by EM over several blocks."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from splink import Linker

from linkage import parameters as params_io
from linkage import settings as model_def
from linkage.backend import duckdb_api, model_frame
from linkage.config import LinkageConfig
from linkage.store import stage_period

logger = logging.getLogger(__name__)

# Share of true matches the deterministic rules are assumed to find (used only for the prior).
DETERMINISTIC_RECALL = 0.9


def train_parameters(distinct: pd.DataFrame, config: LinkageConfig, meta: dict[str, Any]) -> dict[str, Any]:
    """Train on distinct records; return neutral parameters (see linkage/parameters.py)."""
    db_api = duckdb_api(config)
    sdf = db_api.register(model_frame(distinct), table_name="distinct_records")
    linker = Linker(sdf, model_def.settings_creator(), log_level=logging.WARNING)
    t0 = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        model_def.deterministic_rules(), recall=DETERMINISTIC_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=config.max_pairs_for_u, seed=config.seed)
    t_u = time.perf_counter()
    for rule in model_def.training_blocking_rules():
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    t_em = time.perf_counter()
    logger.info("trained: u %.1fs, EM %.1fs", t_u - t0, t_em - t_u)
    return params_io.extract_parameters(
        linker.misc.save_model_to_json(),
        {**meta, "training_seconds": {"u_and_lambda": round(t_u - t0, 2), "em": round(t_em - t_u, 2)}},
    )


def train_model(warehouse: Path, period: str, config: LinkageConfig, out_json: Path) -> dict[str, Any]:
    """Retrain on one period of the warehouse and write the versioned model JSON to `out_json`."""
    work = duckdb_api(config)
    try:
        stage_period(work._con, Path(warehouse), period, every_distinct=True)
        records = work._con.execute("SELECT count(*) FROM period_links").fetchall()[0][0]
        distinct = work._con.execute("SELECT * FROM current_distinct").df()
    finally:
        work._con.close()
    version = f"person-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    meta = {
        "model_version": version,
        "trained_on": {"period": period, "records": int(records), "distinct": len(distinct)},
        "max_pairs_for_u": config.max_pairs_for_u,
        "seed": config.seed,
    }
    parameters = train_parameters(distinct, config, meta)
    params_io.save(parameters, Path(out_json))
    return parameters
