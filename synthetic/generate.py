"""generate_city: the synthetic Chongqing — deliveries under out/landing, ground truth under out/truth."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from synthetic.config import NoiseConfig, month_index
from synthetic.geography import build_geography
from synthetic.noise import Noise
from synthetic.render import SOURCE_ORDER, Renderer
from synthetic.truth import findings_for_period, status_for_period
from synthetic.world import World, build_world
from synthetic.writers import file_name, load_contract, write_delivery

log = logging.getLogger(__name__)
GENERATOR_VERSION = "1"


@dataclass
class CitySummary:
    persons: int
    seed: int
    periods: list[str]
    rows: dict[str, dict[str, int]] = field(default_factory=dict)  # source → period → delivered rows
    errors: int = 0
    seconds: float = 0.0


def _check_periods(periods: list[str]) -> list[int]:
    if not periods:
        raise ValueError("at least one period (YYYY-MM) is needed")
    ms = [month_index(p) for p in periods]
    if ms != sorted(set(ms)):
        raise ValueError("periods must be distinct and in increasing order")
    return ms


def generate_city(out: Path, persons: int, seed: int, periods: list[str], noise: NoiseConfig | None = None,
                  progress: Callable[[str], None] | None = None) -> CitySummary:
    """Write landing/<source>/<YYYY-MM>/<file> for every contract source except survey_returns and
    audit_verdicts, and truth/ (records, persons, status, errors, findings, config, world/)."""
    t0 = time.perf_counter()
    if persons < 100:
        raise ValueError(f"persons must be at least 100, got {persons}")
    ms = _check_periods(periods)
    cfg = noise or NoiseConfig()
    say = progress or (lambda msg: log.info(msg))
    out = Path(out)
    geo = build_geography(np.random.default_rng([seed, 0]))
    world = build_world(persons, seed, ms[0], ms[-1], cfg, geo)
    say(f"world: {len(world.persons)} persons, {len(world.employers)} employers, {len(world.records)} records")
    summary = CitySummary(persons=len(world.persons), seed=seed, periods=list(periods))
    contract = load_contract()
    render = Renderer(world)
    noiser = Noise(world, cfg, seed)
    truth_records, truth_errors, status, findings = [], [], [], []
    for m, period in zip(ms, periods, strict=True):
        clean: dict[str, pd.DataFrame] = {}
        period_errors = []
        for source in SOURCE_ORDER:
            spec, columns = contract[source]["file"], contract[source]["columns"]
            df = render.render(source, m)
            clean[source] = df
            delivered, errs = noiser.apply(source, df.copy())
            fname = file_name(source, period, spec)
            write_delivery(delivered, out / "landing" / source / period / fname, spec, columns)
            summary.rows.setdefault(source, {})[period] = len(delivered)
            if delivered["_pid"].any():
                truth_records.append(pd.DataFrame({
                    "source": source, "period": period, "file": fname,
                    "row_number": np.arange(1, len(delivered) + 1, dtype=np.int64),
                    "person_id": delivered["_pid"].to_numpy(np.int64)}))
            if len(errs):
                errs = errs.assign(source=source, period=period, file=fname,
                                   row_number=errs["row_index"].to_numpy(np.int64) + 1,
                                   person_id=delivered["_pid"].to_numpy(np.int64)[errs["row_index"].to_numpy(int)])
                period_errors.append(errs.drop(columns=["row_index"]))
        errors = pd.concat(period_errors, ignore_index=True) if period_errors else pd.DataFrame(
            columns=["error_type", "column", "clean_value", "delivered_value", "source", "period", "file",
                     "row_number", "person_id"])
        truth_errors.append(errors)
        view = render.view(m)
        status.append(status_for_period(world, view, clean))
        findings.append(findings_for_period(world, view, clean, errors))
        say(f"{period}: {sum(summary.rows[s][period] for s in summary.rows)} rows, {len(errors)} errors")
    _write_truth(out / "truth", world, cfg, summary, truth_records, truth_errors, status, findings)
    summary.errors = int(sum(len(e) for e in truth_errors))
    summary.seconds = round(time.perf_counter() - t0, 2)
    say(f"done in {summary.seconds} s")
    return summary


def _write_truth(tdir: Path, world: World, cfg: NoiseConfig, summary: CitySummary, records: list[pd.DataFrame],
                 errors: list[pd.DataFrame], status: list[pd.DataFrame], findings: list[pd.DataFrame]) -> None:
    tdir.mkdir(parents=True, exist_ok=True)
    pd.concat(records, ignore_index=True).to_parquet(tdir / "records.parquet", index=False)
    e = pd.concat(errors, ignore_index=True)
    e = e[["source", "period", "file", "row_number", "error_type", "column", "clean_value", "delivered_value",
           "person_id"]].astype({"clean_value": str, "delivered_value": str})
    e.to_parquet(tdir / "errors.parquet", index=False)
    pd.concat(status, ignore_index=True).to_parquet(tdir / "status.parquet", index=False)
    pd.concat(findings, ignore_index=True).to_parquet(tdir / "findings.parquet", index=False)
    persons = world.persons.drop(columns=["mother_row", "id_seq"])
    persons.to_parquet(tdir / "persons.parquet", index=False)
    # the world state, so a later step (simulate_field) can change it and re-render later periods
    wdir = tdir / "world"
    wdir.mkdir(exist_ok=True)
    world.persons.to_parquet(wdir / "persons.parquet", index=False)
    world.employers.to_parquet(wdir / "employers.parquet", index=False)
    world.spells.to_parquet(wdir / "spells.parquet", index=False)
    world.records.to_parquet(wdir / "records.parquet", index=False)
    world.pensions.to_parquet(wdir / "pensions.parquet", index=False)
    world.geo.townships.to_parquet(wdir / "townships.parquet", index=False)
    config = {"generator_version": GENERATOR_VERSION, "persons": summary.persons, "persons_requested":
              summary.persons, "seed": summary.seed, "periods": summary.periods, "first_month": world.m0,
              "last_month": world.m1, "noise": cfg.to_dict(), "rows": summary.rows}
    (tdir / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=1, sort_keys=True),
                                      encoding="utf-8")
