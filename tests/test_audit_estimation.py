"""Error-rate estimation: Wilson intervals, the stratified estimator, and coverage over simulated audits."""

from __future__ import annotations

import math
import random

import pandas as pd
import pytest

from canbao.audit import allocate, estimate_from, sample_size, stratified_estimate, wilson
from canbao.audit.estimation import Stratum, stratum_estimate
from canbao.audit.selection import district_seed, select_rows


def test_wilson_known_values() -> None:
    # 10 errors in 100: Wilson 95 % = [0.0552, 0.1744] (textbook value)
    lo, hi = wilson(0.10, 100)
    assert lo == pytest.approx(0.0552, abs=1e-4)
    assert hi == pytest.approx(0.1744, abs=1e-4)
    # zero errors in 385: not a zero-width interval; upper ≈ z²/(n + z²) = 0.0099
    lo, hi = wilson(0.0, 385)
    assert lo == 0.0
    assert hi == pytest.approx(3.8415 / (385 + 3.8415), abs=1e-4)


def test_stratified_point_estimate_weights_by_frame() -> None:
    strata = [Stratum(900, 90, 9), Stratum(100, 50, 25)]  # p = 0.1 and 0.5, W = 0.9 and 0.1
    est = stratified_estimate(strata)
    assert est.error_rate == pytest.approx(0.9 * 0.1 + 0.1 * 0.5)
    var = 0.81 * (1 - 90 / 900) * 0.09 / 89 + 0.01 * (1 - 50 / 100) * 0.25 / 49
    assert est.effective_n == pytest.approx(0.14 * 0.86 / var)
    assert est.ci_lower < 0.14 < est.ci_upper
    assert est.is_complete


def test_censused_stratum_is_exact_and_missing_stratum_flagged() -> None:
    assert stratum_estimate(Stratum(8, 8, 2)).ci_lower == 0.25
    est = stratified_estimate([Stratum(100, 20, 2), Stratum(50, 0, 0)])
    assert est.error_rate == pytest.approx(0.1)
    assert not est.is_complete


# Simulated districts: frame size per stratum and the true error rate per stratum.
DISTRICTS = {
    "500107": {"insured": (1400, 0.03), "lapsed": (300, 0.12), "never": (150, 0.30), "not_required": (250, 0.05)},
    "500108": {"insured": (500, 0.01), "lapsed": (90, 0.20), "never": (40, 0.10), "not_required": (70, 0.00)},
    "500114": {"insured": (3000, 0.06), "lapsed": (500, 0.08), "never": (200, 0.15), "not_required": (300, 0.02)},
}
REPETITIONS = 200


def _population(district: str) -> dict[str, tuple[list[tuple[str, str]], set[tuple[str, str]]]]:
    """Ledger rows per stratum and the (fixed) set of rows that are wrong: a finite population with known truth."""
    rng = random.Random(district)
    out = {}
    for h, (size, rate) in DISTRICTS[district].items():
        rows = [(f"CB{district}{h[:2]}{i:05d}", "medical") for i in range(size)]
        out[h] = (rows, set(rng.sample(rows, round(size * rate))))
    return out


def test_interval_covers_true_rate_in_repeated_audits() -> None:
    frames, verdicts, truth, stratum_truth = [], [], {}, {}
    for district in DISTRICTS:
        pop = _population(district)
        truth[district] = sum(len(bad) for _, bad in pop.values()) / sum(len(rows) for rows, _ in pop.values())
        stratum_truth.update({(district, h): len(bad) / len(rows) for h, (rows, bad) in pop.items()})
        sizes = {h: len(rows) for h, (rows, _) in pop.items()}
        alloc = allocate(sizes, sample_size(sum(sizes.values())))
        for rep in range(REPETITIONS):
            period = f"rep{rep:03d}"  # each repetition = an independent audit with its own seed
            seed = district_seed(rep, period, district)
            for h, (rows, bad) in pop.items():
                frames.append((period, district, h, sizes[h], alloc[h]))
                for row in select_rows(rows, seed, alloc[h]):
                    verdicts.append((period, district, h, row in bad))
    est = estimate_from(
        pd.DataFrame(frames, columns=["period", "district_code", "stratum", "frame_size", "sample_size"]),
        pd.DataFrame(verdicts, columns=["sample_period", "district_code", "stratum", "is_error"]),
    )
    overall = est[est.level == "district"].copy()
    overall["true_rate"] = overall.district_code.map(truth)
    overall["covered"] = (overall.ci_lower <= overall.true_rate) & (overall.true_rate <= overall.ci_upper)
    coverage = overall.groupby("district_code")["covered"].mean()
    # nominal 95 %: with 200 repetitions the binomial s.e. is 1.5 points
    assert coverage.mean() == pytest.approx(0.95, abs=0.03), coverage.to_dict()
    assert (coverage >= 0.90).all(), coverage.to_dict()
    # the estimator is unbiased: the mean estimate is within 0.5 points of the truth
    bias = overall.groupby("district_code")["error_rate"].mean() - pd.Series(truth)
    assert bias.abs().max() < 0.005, bias.to_dict()
    # the intervals are about as wide as the design promised (±5 points at p = 0.5, narrower at small p)
    half_width = (overall.ci_upper - overall.ci_lower) / 2
    assert half_width.max() < 0.05
    # per stratum (Wilson on the FPC-adjusted size) coverage is near nominal too, where the stratum has errors
    strata = est[(est.level == "stratum")].copy()
    strata["true_rate"] = [stratum_truth[k] for k in zip(strata.district_code, strata.stratum, strict=True)]
    strata = strata[strata.true_rate > 0]
    covered = ((strata.ci_lower <= strata.true_rate) & (strata.true_rate <= strata.ci_upper)).mean()
    assert covered >= 0.92, covered
    # city level: one row per repetition
    assert (est.level == "city").sum() == REPETITIONS
    assert not math.isnan(est.loc[est.level == "city", "error_rate"].iloc[0])
