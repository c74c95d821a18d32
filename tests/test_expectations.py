"""Quality gates on small hand-built warehouses: a good period passes, a bad one is blocked with counts."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

os.environ["GX_ANALYTICS_ENABLED"] = "false"

from expectations import (  # noqa: E402
    build_data_docs,
    list_suites,
    quality_summary,
    run_suite,
    suites_for_table,
    write_quality_summary,
)
from expectations.reference import current_district_codes  # noqa: E402
from expectations.tolerance import tolerated_share  # noqa: E402

SUITE = "stg_si_resident__enrollments"


def _add_period(con: duckdb.DuckDBPyConnection, period: str, n: int, bad: bool = False) -> None:
    """n rows; `bad` makes every 5th ID invalid (20 %) and gives one row an unknown district."""
    con.execute(
        f"""
        INSERT INTO staging.stg_si_resident__enrollments
        SELECT 'si_resident|{period}|f.csv|' || i, 'si_resident', '{period}', 'f.csv', i,
               '5001071990010' || lpad(i::VARCHAR, 5, '0'), '5001071990010' || lpad(i::VARCHAR, 5, '0'),
               CASE WHEN {bad} AND i % 5 = 0 THEN FALSE ELSE TRUE END,
               '张' || i, '1', DATE '1990-01-01', CASE WHEN i % 2 = 0 THEN '170' ELSE '390' END, '1',
               DATE '2010-01-01', 2014, '0',
               CASE WHEN {bad} AND i = 7 THEN '500199' ELSE '500107' END, '500107001', NULL, NULL, []
        FROM range(1, {n} + 1) t(i)"""
    )
    con.execute(
        f"INSERT INTO staging.stg_ca_divisions__townships VALUES "
        f"('ca_divisions|{period}|d.csv|1', 'ca_divisions', '{period}', '500107', '九龙坡区', '500107001', "
        f"'石桥铺街道', '街道', '有效', NULL, '500107001')"
    )


def _empty_warehouse(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA staging")
    con.execute(
        """CREATE TABLE staging.stg_si_resident__enrollments (
            record_key VARCHAR, source VARCHAR, period VARCHAR, file_name VARCHAR, row_number INTEGER,
            id_number_raw VARCHAR, id_number VARCHAR, id_is_valid BOOLEAN, name VARCHAR, gender VARCHAR,
            birth_date DATE, scheme_code VARCHAR, contribution_status VARCHAR, enrolled_date DATE,
            last_paid_year INTEGER, subsidy_category VARCHAR, district_code VARCHAR, township_code VARCHAR,
            phone VARCHAR, address VARCHAR, data_issues VARCHAR[])"""
    )
    con.execute(
        """CREATE TABLE staging.stg_ca_divisions__townships (record_key VARCHAR, source VARCHAR,
            period VARCHAR, district_code VARCHAR, district_name VARCHAR, township_code VARCHAR,
            township_name VARCHAR, township_type VARCHAR, status VARCHAR, successor_code VARCHAR,
            township_code_current VARCHAR)"""
    )
    con.close()
    return path


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    path = _empty_warehouse(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(path))
    _add_period(con, "2015-01", 1000)
    _add_period(con, "2015-02", 1000)
    _add_period(con, "2015-03", 400, bad=True)  # 0.4 of the previous snapshot
    con.close()
    return path


def _run(warehouse: Path, tmp_path: Path, period: str, suite: str = SUITE):
    return run_suite(warehouse, suite, period, tmp_path / "gx", tmp_path / "reports" / "data_docs")


def test_registry() -> None:
    assert len(current_district_codes()) == 38
    assert "500154" in current_district_codes() and "500234" not in current_district_codes()
    assert suites_for_table("staging.stg_si_resident__enrollments") == [SUITE]
    assert suites_for_table("coverage") == ["mart_coverage"]
    assert len(list_suites()) == 20


def test_good_period_passes(warehouse: Path, tmp_path: Path) -> None:
    result = _run(warehouse, tmp_path, "2015-02")
    assert result.success, result.summary_markdown()
    assert not result.blocking and result.failures == []
    assert result.statistics["rows"] == 1000
    assert result.docs_url and result.docs_url.startswith("file://")
    page = Path(result.docs_url.removeprefix("file://"))
    assert not page.exists()  # a passing validation's page comes with the whole site, built after the gates
    build_data_docs(tmp_path / "gx", tmp_path / "reports" / "data_docs")
    assert page.exists()


def test_bad_period_blocks_with_counts(warehouse: Path, tmp_path: Path) -> None:
    result = _run(warehouse, tmp_path, "2015-03")
    assert not result.success and result.blocking
    assert result.docs_url and Path(result.docs_url.removeprefix("file://")).exists()  # a failure's page at once
    failed = {f["expectation"]: f for f in result.failures}
    assert set(failed) == {"id_check_digit_rate", "district_code_current", "volume_not_halved"}
    ids = failed["id_check_digit_rate"]
    assert (ids["unexpected_count"], ids["unexpected_percent"], ids["blocking"]) == (80, 20.0, True)
    assert ids["mostly"] == 0.95 and len(ids["examples"]) == 5
    district = failed["district_code_current"]
    assert district["unexpected_count"] == 1 and district["examples"] == ["500199"]
    volume = failed["volume_not_halved"]
    assert volume["observed"] == pytest.approx(0.4)
    assert "2015-02: 1000 rows" in volume["examples"]
    md = result.summary_markdown()
    assert "FAILED (blocking)" in md and "| id_check_digit_rate | id_is_valid | 80 | 20.00 |" in md


def test_warning_does_not_block(warehouse: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(warehouse))
    # 5 % of birth dates after the period end: over the 1 % tolerance, but only a warning.
    con.execute("UPDATE staging.stg_si_resident__enrollments SET birth_date = DATE '2030-01-01' "
                "WHERE period = '2015-02' AND row_number % 20 = 0")
    con.close()
    result = _run(warehouse, tmp_path, "2015-02")
    assert not result.success and not result.blocking
    [f] = result.failures
    assert (f["expectation"], f["unexpected_count"], f["blocking"]) == ("birth_date_in_range", 50, False)


def test_missing_table_and_column(warehouse: Path, tmp_path: Path) -> None:
    skipped = _run(warehouse, tmp_path, "2015-02", suite="mart_coverage")
    assert skipped.skipped and skipped.success and not skipped.blocking
    assert "marts.coverage not built" in skipped.message
    con = duckdb.connect(str(warehouse))
    con.execute("ALTER TABLE staging.stg_si_resident__enrollments DROP COLUMN subsidy_category")
    con.close()
    result = _run(warehouse, tmp_path, "2015-02")
    [f] = result.failures
    assert f["expectation"] == "subsidy_category_domain" and "missing" in f["note"] and f["blocking"]


def test_township_must_exist_in_period(warehouse: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(warehouse))
    con.execute("UPDATE staging.stg_si_resident__enrollments SET township_code = '500107999' "
                "WHERE period = '2015-02' AND row_number <= 100")
    con.close()
    failed = {f["expectation"]: f for f in _run(warehouse, tmp_path, "2015-02").failures}
    assert failed["township_code_exists"]["unexpected_count"] == 100
    assert failed["township_code_exists"]["examples"] == ["500107999"]


def test_results_summary_and_docs(warehouse: Path, tmp_path: Path) -> None:
    _run(warehouse, tmp_path, "2015-02")
    _run(warehouse, tmp_path, "2015-03")
    _run(warehouse, tmp_path, "2015-03")  # a re-run replaces, not duplicates
    _run(warehouse, tmp_path, "2015-03", suite="stg_ca_divisions__townships")
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT success AND blocking) FROM quality.validation_results "
        "WHERE suite = ? AND period = '2015-03'", [SUITE]
    ).fetchone()
    con.close()
    assert rows is not None and rows[1] == 3 and rows[0] > 15
    summary = write_quality_summary(warehouse, "2015-03")
    top = summary[(summary.source == "si_resident") & summary.district_code.isna()].iloc[0]
    assert (top["rows"], top["invalid_ids"], top["blocking_failures"]) == (400, 80, 3)
    by_district = summary[(summary.source == "si_resident") & summary.district_code.notna()]
    counts = dict(zip(by_district.district_code, by_district["rows"], strict=True))
    assert counts == {"500107": 399, "500199": 1}
    assert len(quality_summary(warehouse, "2015-03")) == len(summary)
    build_data_docs(tmp_path / "gx", tmp_path / "reports" / "data_docs")  # as publish/data_docs does
    index = tmp_path / "reports" / "data_docs" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert SUITE in html and "stg_ca_divisions__townships" in html


def test_coverage_mart(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        """CREATE TABLE marts.coverage AS SELECT * FROM (VALUES
        ('2015-03', 'city', 'pension', NULL, NULL, '1', 100, 90, 0.9, 0.95, 5, FALSE),
        ('2015-03', 'district', 'pension', '500107', NULL, '2', 60, 55, 55 / 60, 0.95, 2, TRUE),
        ('2015-03', 'district', 'pension', '500234', NULL, '3', 40, 35, 0.5, 0.95, 3, FALSE))
        AS t(period, level, scheme_group, district_code, township_code, coverage_id, should, insured, rate,
             target, gap, is_pilot)"""
    )
    con.close()
    result = _run(path, tmp_path, "2015-03", suite="mart_coverage")
    failed = {f["expectation"]: f for f in result.failures}
    assert result.blocking and set(failed) == {"district_code_current", "rate_is_ratio"}
    assert failed["district_code_current"]["examples"] == ["500234"]  # 开县's pre-2016 code
    assert failed["rate_is_ratio"]["unexpected_count"] == 1


def test_tolerated_share_widens_only_for_small_tables() -> None:
    assert tolerated_share(1.0, 40) == 0.0  # exact checks stay exact
    assert tolerated_share(0.95, None) == pytest.approx(0.05)
    # 0.05 + 2.326 * sqrt(0.05 * 0.95 / 40) = 0.1302: 5 of 40 pass, 6 of 40 fail
    assert tolerated_share(0.95, 40) == pytest.approx(0.13016, abs=1e-4)
    assert 5 / 40 < tolerated_share(0.95, 40) < 6 / 40
    assert tolerated_share(0.95, 1_000_000) == pytest.approx(0.050507, abs=1e-5)


@pytest.mark.parametrize(("invalid", "blocked"), [(3, False), (8, True)])
def test_small_delivery_blocks_only_on_evidence(tmp_path: Path, invalid: int, blocked: bool) -> None:
    """40 rows with 3 bad check digits (7.5 %: a sound registry's noise at that size) pass; 8 (20 %) block."""
    wh = _empty_warehouse(tmp_path / "small.duckdb")
    con = duckdb.connect(str(wh))
    _add_period(con, "2015-01", 40)
    _add_period(con, "2015-02", 40)
    con.execute(
        "UPDATE staging.stg_si_resident__enrollments SET id_is_valid = FALSE "
        "WHERE period = '2015-02' AND row_number <= ?",
        [invalid],
    )
    con.close()
    result = _run(wh, tmp_path, "2015-02")
    failed = {f["expectation"]: f for f in result.failures}
    assert ("id_check_digit_rate" in failed) is blocked
    assert result.blocking is blocked
    if blocked:
        assert failed["id_check_digit_rate"]["unexpected_count"] == invalid
        assert failed["id_check_digit_rate"]["tolerated_share"] == pytest.approx(0.13016, abs=1e-4)
        assert "| 0.95 | 13.02 | yes |" in result.summary_markdown()
