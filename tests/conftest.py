"""Shared fixtures: one small generated city run through the real monthly job (in-process Dagster)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")

CITY_PERSONS = 2000
CITY_SEED = 42
CITY_PERIODS = ["2015-01", "2015-02"]


@dataclass(frozen=True)
class PipelineCity:
    data: Path  # landing/ and truth/
    home: Path  # after both periods
    after_first: Path  # a copy of the warehouse file after the first period
    settings: object  # orchestration.settings.Settings for `home`

    @property
    def landing(self) -> Path:
        return self.data / "landing"

    @property
    def truth(self) -> Path:
        return self.data / "truth"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def field_summary(self) -> dict:
        return json.loads((self.home.parent / "field_summary.json").read_text(encoding="utf-8"))


def make_settings(home: Path, landing: Path, truth: Path | None = None):  # noqa: ANN201
    from orchestration.settings import Settings

    return Settings(home=home, landing=landing, truth=truth, memory_limit="2GB")


@pytest.fixture(scope="session")
def pipeline_city(tmp_path_factory: pytest.TempPathFactory) -> PipelineCity:
    """Generate a 2 k-person city over two periods and run the whole monthly job for each period, with the
    simulated field work and audit verdicts for the first period delivered into the second."""
    from canbao.pipeline import run_periods
    from synthetic.field import simulate_field
    from synthetic.generate import generate_city

    root = tmp_path_factory.mktemp("city")
    data = root / "data"
    generate_city(data, CITY_PERSONS, CITY_SEED, CITY_PERIODS)
    home = root / "home"
    settings = make_settings(home, data / "landing", data / "truth")
    first = run_periods(settings, CITY_PERIODS[:1])
    assert first[0].success, first[0].failures
    after_first = root / "after_first.duckdb"
    shutil.copyfile(home / "warehouse.duckdb", after_first)
    field = simulate_field(home, data / "truth", data / "landing", CITY_PERIODS[0])
    assert field["survey_rows"] > 0 and field["verdicts"] > 0
    (root / "field_summary.json").write_text(json.dumps(field, default=str), encoding="utf-8")
    second = run_periods(settings, CITY_PERIODS[1:])
    assert second[0].success, second[0].failures
    return PipelineCity(data=data, home=home, after_first=after_first, settings=settings)
