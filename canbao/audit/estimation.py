"""Error-rate estimates from audit verdicts: per stratum, per district (stratified) and city-wide.

An audited item is *in error* when its verdict is 不一致 (a ledger field is wrong) or 查无此人 (the ledger row
describes nobody). Only items with a usable verdict count (unknown and duplicate verdicts are set aside by
`int_audit_verdicts_checked`); `audited` vs `sample_size` shows how much of the sample came back.

Per stratum h: p_h = x_h / m_h with a Wilson score interval on the FPC-adjusted effective size
m_h·(N_h − 1)/(N_h − m_h) (a censused stratum, m_h = N_h, is exact).
Overall (district, or city with district × status as strata): the stratified estimator p = Σ W_h p_h,
W_h = N_h / N, with variance v = Σ W_h² (1 − m_h/N_h) p_h(1 − p_h)/(m_h − 1); the interval is Wilson's on the
effective sample size n_eff = p(1 − p)/v (Kish), falling back to Σ m_h when v = 0 (e.g. no errors found),
so a clean audit still gets an honest upper bound instead of a zero-width interval. Strata without any
verdict are left out and the weights renormalised over the audited ones (`is_complete` = false).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from canbao.audit.sizing import z_value

ERROR_VERDICTS = ("不一致", "查无此人")
METHOD = "stratified; Wilson score on FPC/Kish effective n"


def wilson(p: float, n: float, z: float | None = None) -> tuple[float, float]:
    """Wilson score interval for a proportion p observed on (effective) size n; n = inf gives (p, p)."""
    if n <= 0:
        return (0.0, 1.0)
    if math.isinf(n):
        return (p, p)
    z = z_value() if z is None else z
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(max(p * (1 - p) / n + z2 / (4 * n * n), 0.0))
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Stratum:
    frame_size: int  # N_h
    audited: int  # m_h, items with a usable verdict
    errors: int  # x_h


@dataclass(frozen=True)
class Estimate:
    error_rate: float | None
    ci_lower: float | None
    ci_upper: float | None
    effective_n: float | None
    is_complete: bool


def stratum_estimate(s: Stratum) -> Estimate:
    if s.audited == 0:
        return Estimate(None, None, None, None, False)
    p = s.errors / s.audited
    n_eff = math.inf if s.audited >= s.frame_size else s.audited * (s.frame_size - 1) / (s.frame_size - s.audited)
    lo, hi = wilson(p, n_eff)
    return Estimate(p, lo, hi, n_eff, True)


def stratified_estimate(strata: list[Stratum]) -> Estimate:
    audited = [s for s in strata if s.audited > 0]
    if not audited:
        return Estimate(None, None, None, None, False)
    total = sum(s.frame_size for s in audited)
    p = 0.0
    var = 0.0
    for s in audited:
        w = s.frame_size / total
        p_h = s.errors / s.audited
        p += w * p_h
        if s.audited > 1:
            var += w * w * (1 - s.audited / s.frame_size) * p_h * (1 - p_h) / (s.audited - 1)
    censused = all(s.audited >= s.frame_size for s in audited)
    if censused:
        n_eff = math.inf
    elif var > 0:
        n_eff = p * (1 - p) / var
    else:
        n_eff = float(sum(s.audited for s in audited))
    lo, hi = wilson(p, n_eff)
    complete = len(audited) == sum(1 for s in strata if s.frame_size > 0)
    return Estimate(p, lo, hi, n_eff, complete)


def _row(level: str, sample_period: str, district: str | None, stratum: str, st: list[Stratum], est: Estimate) -> dict:
    return {
        "level": level,
        "sample_period": sample_period,
        "district_code": district,
        "stratum": stratum,
        "frame_size": sum(s.frame_size for s in st),
        "audited": sum(s.audited for s in st),
        "errors": sum(s.errors for s in st),
        "error_rate": est.error_rate,
        "ci_lower": est.ci_lower,
        "ci_upper": est.ci_upper,
        "effective_n": None if est.effective_n is None or math.isinf(est.effective_n) else est.effective_n,
        "is_complete": est.is_complete,
    }


def estimate_from(frames: pd.DataFrame, verdicts: pd.DataFrame) -> pd.DataFrame:
    """Estimates from `audit_frames` rows and usable verdicts (sample_period, district_code, stratum, is_error).

    Returns one row per stratum, per district (`stratum` = 'all') and per sample period city-wide
    (`level` = 'city', district × status as strata), with sample_size issued and the interval.
    """
    if verdicts.empty:
        counts = pd.DataFrame(columns=["sample_period", "district_code", "stratum", "audited", "errors"])
    else:
        counts = (
            verdicts.assign(is_error=verdicts["is_error"].astype(bool))
            .groupby(["sample_period", "district_code", "stratum"], as_index=False)
            .agg(audited=("is_error", "size"), errors=("is_error", "sum"))
        )
    f = frames.rename(columns={"period": "sample_period"})
    f = f[f["sample_period"].isin(counts["sample_period"].unique())] if not counts.empty else f.iloc[0:0]
    merged = f.merge(counts, on=["sample_period", "district_code", "stratum"], how="left").fillna(
        {"audited": 0, "errors": 0}
    )
    rows: list[dict] = []
    for sample_period, per in merged.groupby("sample_period", sort=True):
        city: list[Stratum] = []
        for district, part in per.groupby("district_code", sort=True):
            strata = []
            for r in part.itertuples(index=False):
                s = Stratum(int(r.frame_size), int(r.audited), int(r.errors))
                strata.append(s)
                row = _row("stratum", str(sample_period), str(district), str(r.stratum), [s], stratum_estimate(s))
                row["sample_size"] = int(r.sample_size)
                rows.append(row)
            row = _row("district", str(sample_period), str(district), "all", strata, stratified_estimate(strata))
            row["sample_size"] = int(part["sample_size"].sum())
            rows.append(row)
            city.extend(strata)
        row = _row("city", str(sample_period), None, "all", city, stratified_estimate(city))
        row["sample_size"] = int(per["sample_size"].sum())
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["method"] = METHOD
    return out


USABLE_VERDICTS_SQL = """
    select s.period as sample_period, s.district_code, s.stratum,
           v.verdict in ('不一致', '查无此人') as is_error
    from {verdicts} v
    join marts.audit_samples s using (sample_id)
    where v.is_usable and v.period <= ?
"""


def estimate(
    warehouse: Path, period: str, verdicts_table: str = "intermediate.int_audit_verdicts_checked"
) -> pd.DataFrame:
    """Estimates as known at `period` (verdicts delivered up to it) straight from the warehouse (read-only)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frames = con.execute("select * from marts.audit_frames where period <= ?", [period]).df()
        verdicts = con.execute(USABLE_VERDICTS_SQL.format(verdicts=verdicts_table), [period]).df()
    return estimate_from(frames, verdicts)
