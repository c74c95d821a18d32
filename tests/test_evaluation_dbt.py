"""The audit and evaluation dbt models, and the HTML report, on a two-period city built in a temp warehouse."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_audit_fixtures import CITY, SIM_ERROR_RATE, build_city

from canbao.audit import estimate
from canbao.report import build_report


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_city(tmp_path_factory.mktemp("city"))


def _df(wh: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(sql).df()


def test_verdict_issues(city: Path) -> None:
    issues = _df(city, "select sample_id, reason from marts.audit_verdict_issues order by reason")
    assert issues.values.tolist() == [
        ["AS-2015-01-500107-0001", "duplicate_verdict"],
        ["AS-2015-01-500107-9999", "unknown_sample_id"],
    ]


def test_estimates_match_verdicts(city: Path) -> None:
    est = _df(city, "select * from marts.audit_estimates where sample_period = '2015-01'")
    # every issued 2015-01 item has exactly one usable verdict
    district = est[est.level == "district"].set_index("district_code")
    issued = _df(city, "select district_code, count(*) n from marts.audit_samples where period = '2015-01' group by 1")
    assert district.audited.to_dict() == issued.set_index("district_code").n.to_dict()
    # a clean district: zero errors, upper bound ≈ z²/(n_eff + z²) with n_eff = items audited
    clean = district.loc["500120"]
    assert clean.error_rate == 0 and clean.ci_lower == 0
    assert clean.ci_upper == pytest.approx(3.8415 / (clean.audited + 3.8415), rel=1e-3)
    # stratified point estimate = Σ N_h/N · p_h from the stratum rows
    strata = est[(est.level == "stratum") & (est.district_code == "500108")]
    expected = (strata.frame_size / strata.frame_size.sum() * strata.errors / strata.audited).sum()
    assert district.loc["500108", "error_rate"] == pytest.approx(expected)
    # simulated rates (10 % / 30 % per item) give clearly separated districts
    assert district.loc["500107", "ci_upper"] < district.loc["500108", "ci_lower"]
    assert SIM_ERROR_RATE["500120"] == 0
    # the Python entry point gives the same numbers as the dbt model
    py = estimate(city, "2015-02")
    py_d = py[py.level == "district"].set_index("district_code")
    assert py_d.error_rate.to_dict() == pytest.approx(district.error_rate.to_dict())


def test_field_errors(city: Path) -> None:
    fe = _df(city, "select * from marts.audit_field_errors where level = 'city' order by field_rank")
    assert fe.field_name.tolist() == ["status", "phone"]
    errors = _df(
        city,
        "select count(*) n from intermediate.int_audit_verdicts_checked where is_usable and verdict = '不一致'",
    ).n[0]
    assert fe["items"].iloc[0] == errors  # every wrong item names status


def test_district_evaluation_scores(city: Path) -> None:
    ev = _df(city, "select * from marts.district_evaluations where period = '2015-02'").set_index("district_code")
    assert sorted(ev.index) == sorted(CITY)
    assert ev.coverage_change_pension.round(6).tolist() == [0.02] * 3
    assert ev.loc["500107", "is_pilot"] and not ev.loc["500120", "is_pilot"]
    # 500120: the quarantined row delivered under the old code 500227 is attributed to it
    assert ev.loc["500120", "quarantined_rows"] == 1
    assert ev.loc["500107", "quarantined_share"] == 0
    # score by hand for 500107 with the seed weights
    r = ev.loc["500107"]
    attain = (min(1, 0.92 / 0.95) + 1 + 3 * (0.70 / 0.80)) / 5
    trend = 0.5 + 10 * (0.02 / 5)
    parts = {
        "coverage": (0.35, attain),
        "coverage_trend": (0.05, trend),
        "valid_id": (0.10, 0.9),
        "quarantine": (0.10, 1.0),
        "duplicates": (0.10, 1 - 1 / 200),
        "survey": (0.15, 0.5),
        "audit": (0.15, 1 - r.audit_error_rate),
    }
    expected = 100 * sum(w * s for w, s in parts.values()) / sum(w for w, _ in parts.values())
    assert r.score == pytest.approx(expected)
    assert r.audit_sample_period == "2015-01"
    # rank follows the score: the clean-audit district first
    assert ev.sort_values("score_rank").index.tolist() == ev.sort_values("score", ascending=False).index.tolist()
    assert ev.loc["500120", "score_rank"] == 1


class _Tables(HTMLParser):
    """Collects the text of every cell per table id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.svg_count = 0
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or f"t{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "svg":
            self.svg_count += 1
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_report_renders_tables_with_numbers(city: Path) -> None:
    reports = city.parent / "reports"
    page = build_report(city, reports, "2015-02")
    assert page == reports / "2015-02" / "report.html"
    index = (reports / "index.html").read_text(encoding="utf-8")
    parser = _Tables()
    parser.feed(index)
    t = parser.tables
    assert {"district-evaluations", "weights", "audit-city", "field-errors", "audit-frames"} <= set(t)
    ev = _df(city, "select * from marts.district_evaluations order by score_rank")
    rows = t["district-evaluations"][1:]
    assert len(rows) == len(CITY)
    assert rows[0][0] == "1" and "500120" in rows[0][1]
    assert rows[0][2] == f"{ev.score[0]:.1f}"
    assert rows[0][3] == "92.0%"  # pension coverage 0.92
    city_row = t["audit-city"][1]
    assert city_row[0] == "2015-01" and int(city_row[2]) == 580
    fe = _df(city, "select items from marts.audit_field_errors where level = 'city' order by field_rank")
    assert t["field-errors"][1][:2] == ["status", str(fe["items"][0])]
    # city coverage vs target: pension 0.92 of 3 000 should, target 95 %, gap 90 persons
    cov = {r[0]: r for r in t["city-coverage"][1:]}
    assert cov["养老 pension"][1:] == ["3,000", "2,760", "92.0%", "95%", "90"]
    assert parser.svg_count >= 3  # coverage by district ×2 + audit intervals
    assert parser.scripts == 0  # opens offline: no JavaScript at all
    assert 'href="data_docs/index.html"' in index
    assert 'href="../data_docs/index.html"' in page.read_text(encoding="utf-8")
