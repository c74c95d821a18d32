"""The ONE place environment variables are read.

Every path is made absolute here: DuckDB and dbt resolve relative paths against the working directory,
which differs between `canbao run`, `dg dev` and pytest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

# Name of the warehouse file is fixed: dbt-duckdb names the database after the file stem.
WAREHOUSE_FILE = "warehouse.duckdb"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    """Runtime configuration of the platform (see README, 'Settings')."""

    home: Path = field(default_factory=lambda: REPO_ROOT / "data" / "default" / "home")
    landing: Path = field(default_factory=lambda: REPO_ROOT / "data" / "default" / "landing")
    truth: Path | None = None
    first_period: str = "2015-01"
    memory_limit: str = "8GB"
    threads: int = 2
    linkage_backend: str = "duckdb"
    spark_master: str = "local[2]"

    @property
    def warehouse(self) -> Path:
        return self.home / WAREHOUSE_FILE

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def tmp(self) -> Path:
        return self.home / "tmp"

    @property
    def gx_root(self) -> Path:
        return self.home / "gx"

    def ensure_dirs(self) -> None:
        for p in (self.home, self.reports, self.tmp):
            p.mkdir(parents=True, exist_ok=True)

    def as_env(self) -> dict[str, str]:
        """Environment for child processes (dbt) so they see the same paths."""
        env = {
            "CANBAO_HOME": str(self.home),
            "CANBAO_LANDING": str(self.landing),
            "CANBAO_WAREHOUSE": str(self.warehouse),
            "CANBAO_MEMORY_LIMIT": self.memory_limit,
            # dbt's profile reads it (DuckDB spills next to the warehouse, <home>/warehouse.duckdb.tmp)
            "CANBAO_DUCKDB_MEMORY_LIMIT": self.memory_limit,
            "CANBAO_THREADS": str(self.threads),
            "CANBAO_LINKAGE_BACKEND": self.linkage_backend,
            "CANBAO_SPARK_MASTER": self.spark_master,
            "CANBAO_FIRST_PERIOD": self.first_period,
        }
        if self.truth is not None:
            env["CANBAO_TRUTH"] = str(self.truth)
        return env

    @classmethod
    def from_env(cls) -> Settings:
        default = cls()
        home = Path(_env("CANBAO_HOME", str(default.home))).resolve()
        landing = Path(_env("CANBAO_LANDING", str(default.landing))).resolve()
        truth_env = os.environ.get("CANBAO_TRUTH")
        if truth_env:
            truth: Path | None = Path(truth_env).resolve()
        else:
            # The generator writes truth/ beside landing/; evaluation uses it only when present.
            candidate = landing.parent / "truth"
            truth = candidate if candidate.is_dir() else None
        return cls(
            home=home,
            landing=landing,
            truth=truth,
            first_period=_env("CANBAO_FIRST_PERIOD", default.first_period),
            memory_limit=_env("CANBAO_MEMORY_LIMIT", default.memory_limit),
            threads=int(_env("CANBAO_THREADS", str(default.threads))),
            linkage_backend=_env("CANBAO_LINKAGE_BACKEND", default.linkage_backend),
            spark_master=_env("CANBAO_SPARK_MASTER", default.spark_master),
        )


def apply_to_environ(settings: Settings) -> None:
    """Export settings so that code reading Settings.from_env() (Dagster defs, dbt) agrees."""
    os.environ.update(settings.as_env())
