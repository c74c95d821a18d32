"""Trained parameters in a dialect-neutral form: lambda plus m/u per comparison level, keyed by labels.

A Splink model JSON embeds SQL of the dialect that saved it (a DuckDB JSON does not load into SparkAPI,
STACK.md), so the committed model stores only numbers and the labels that identify each level. Loading renders
the Python model definition (linkage/settings.py) for the wanted dialect and copies the numbers over.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from linkage.settings import settings_creator

logger = logging.getLogger(__name__)

FORMAT = "canbao-linkage-parameters/1"
# A level never observed in training has no estimate (Splink would silently keep a default): use explicit
# floors instead, flagged as untrained in the JSON. m is also floored for trained levels: EM drives m of a
# level it never saw among matches to ~1e-12 (-40 bits), which would veto a match on one field alone in a city
# with a different error mix.
M_FLOOR = 1e-4
U_FLOOR = 1e-6


def extract_parameters(splink_model: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """Neutral parameters from `linker.misc.save_model_to_json()`'s dict."""
    comparisons: dict[str, list[dict[str, Any]]] = {}
    for comparison in splink_model["comparisons"]:
        levels = []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            untrained = [k for k, v in (("m", m), ("u", u)) if v is None]
            if m is None and u is None:
                m = u = M_FLOOR  # no evidence either way: weight 0
            elif not level.get("fix_m_probability"):  # a fixed m is policy, kept as set
                m = M_FLOOR if m is None else max(m, M_FLOOR)
                u = U_FLOOR if u is None else max(u, U_FLOOR)
            entry: dict[str, Any] = {"label": level["label_for_charts"], "m": m, "u": u}
            if untrained:
                entry["untrained"] = untrained
                logger.warning(
                    "%s / %s: %s not trained", comparison["output_column_name"], level["label_for_charts"], untrained
                )
            levels.append(entry)
        comparisons[comparison["output_column_name"]] = levels
    return {
        "format": FORMAT,
        **meta,
        "probability_two_random_records_match": splink_model["probability_two_random_records_match"],
        "comparisons": comparisons,
    }


def settings_for_dialect(parameters: dict[str, Any], dialect: str) -> dict[str, Any]:
    """Render the model for `dialect` and apply the trained numbers; refuses a model of another shape."""
    if parameters.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} file")
    settings = settings_creator().create_settings_dict(dialect)
    settings["probability_two_random_records_match"] = parameters["probability_two_random_records_match"]
    trained = parameters["comparisons"]
    for comparison in settings["comparisons"]:
        name = comparison["output_column_name"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        stored = trained.get(name)
        if stored is None or [s["label"] for s in stored] != [lv["label_for_charts"] for lv in levels]:
            raise ValueError(f"model file does not match the model definition for comparison {name!r}")
        for level, values in zip(levels, stored, strict=True):
            level["m_probability"] = values["m"]
            level["u_probability"] = values["u"]
    extra = set(trained) - {c["output_column_name"] for c in settings["comparisons"]}
    if extra:
        raise ValueError(f"model file has comparisons the definition lacks: {sorted(extra)}")
    return settings


def save(parameters: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(parameters, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    logger.info("saved model %s to %s", parameters.get("model_version"), path)


def load(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
