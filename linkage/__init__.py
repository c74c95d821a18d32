"""linkage: one stable insurance identifier (参保标识) per real person. Plain functions, no Dagster."""

from linkage.config import LinkageConfig
from linkage.evaluate import evaluate_period
from linkage.run import LinkageResult, run_period
from linkage.train import train_model

__all__ = ["LinkageConfig", "LinkageResult", "evaluate_period", "run_period", "train_model"]
