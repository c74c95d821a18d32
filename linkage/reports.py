"""Splink's HTML views of a run, written for offline reading (no CDN, no web fonts)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from linkage.config import LinkageConfig
from linkage.predict import Prediction

logger = logging.getLogger(__name__)

_EXTERNAL_LINK = re.compile(r"<link[^>]+https?://[^>]*>\s*", re.IGNORECASE)
WATERFALL_PAIRS = 20
CLUSTER_SAMPLE = 20


def _strip_external(path: Path) -> None:
    """Dashboards embed their JS but link Google Fonts: drop those links so nothing is fetched."""
    html = path.read_text(encoding="utf-8")
    path.write_text(_EXTERNAL_LINK.sub("", html), encoding="utf-8")


def _records_for_waterfall(prediction: Prediction, review: pd.DataFrame) -> list[dict]:
    sdf = prediction.predictions[0]
    con = prediction.db_api._con
    if len(review):
        lo, hi = float(review["match_probability"].min()), float(review["match_probability"].max())
        sql = f"SELECT * FROM {sdf.physical_name} WHERE match_probability BETWEEN ? AND ? LIMIT {WATERFALL_PAIRS}"
        rows = con.execute(sql, [lo, hi]).df()
    else:
        rows = con.execute(f"SELECT * FROM {sdf.physical_name} ORDER BY match_weight DESC LIMIT {WATERFALL_PAIRS}").df()
    return rows.astype(object).where(rows.notna(), None).to_dict("records")


def write_reports(prediction: Prediction, review: pd.DataFrame, config: LinkageConfig, out_dir: Path) -> list[str]:
    """Match weights chart, waterfall of uncertain pairs, comparison viewer, cluster studio."""
    out_dir.mkdir(parents=True, exist_ok=True)
    linker = prediction.linker
    written: list[str] = []

    path = out_dir / "match_weights.html"
    linker.visualisations.match_weights_chart().save_offline_chart(str(path), overwrite=True, print_msg=False)
    written.append(str(path))

    records = _records_for_waterfall(prediction, review)
    if records:
        path = out_dir / "waterfall.html"
        linker.visualisations.waterfall_chart(records).save_offline_chart(str(path), overwrite=True, print_msg=False)
        written.append(str(path))

    df_predict = prediction.predictions[0]
    path = out_dir / "comparison_viewer.html"
    linker.visualisations.comparison_viewer_dashboard(df_predict, str(path), overwrite=True)
    _strip_external(path)
    written.append(str(path))

    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        df_predict, threshold_match_probability=config.threshold
    )
    path = out_dir / "cluster_studio.html"
    linker.visualisations.cluster_studio_dashboard(
        df_predict,
        clusters,
        str(path),
        sampling_method="by_cluster_size",
        sample_size=CLUSTER_SAMPLE,
        overwrite=True,
    )
    _strip_external(path)
    written.append(str(path))
    logger.info("wrote %d report views to %s", len(written), out_dir)
    return written
