"""Run-time configuration of the linkage step (no environment reads: orchestration/settings.py passes values)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MODEL_PATH = Path(__file__).parent / "models" / "person_model.json"


@dataclass(frozen=True)
class LinkageConfig:
    """Knobs of one linkage run.

    `threshold` is the match probability at or above which a pair is linked (chosen from the precision-recall
    curve, see docs/linkage.md). Pairs with probability in [review_low, review_high) go to clerical review.
    """

    model_path: Path = DEFAULT_MODEL_PATH
    threshold: float = 0.9
    review_low: float = 0.5
    review_high: float = 0.995
    memory_limit: str = "2GB"
    temp_directory: Path | None = None
    reports_dir: Path | None = None
    # "duckdb" (predict.py) or "spark" (spark_backend.py: the [spark] extra and Java 17, see docs/spark.md).
    backend: str = "duckdb"
    # Spark only: local[N] or spark://host:7077; scratch files go under temp_directory/spark.
    spark_master: str = "local[2]"
    spark_shuffle_partitions: int = 8
    # Re-link every distinct record seen so far instead of matching only the new ones (allows splits).
    relink_all: bool = False
    # Score new records against the prior ones that share a blocking key with one of them, not all prior records:
    # the same pairs and scores (term frequencies still count every record), without reading 2.7 M prior records
    # a month at 1 M persons. False loads them all (relink_all and the Spark backend always do).
    prior_candidates_only: bool = True
    # Random pairs for u estimation when training.
    max_pairs_for_u: float = 2e6
    seed: int = 20150101
    extra_duckdb_settings: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.backend not in ("duckdb", "spark"):
            raise ValueError(f"unknown linkage backend {self.backend!r} (use 'duckdb' or 'spark')")
        if not 0.0 < self.review_low <= self.threshold <= self.review_high <= 1.0:
            raise ValueError("need 0 < review_low <= threshold <= review_high <= 1")
