"""Ledger marts on a hand-made city of 13 people over two periods (rules: docs/ledger.md)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from test_marts_support import City, build_marts, run_dbt

P1, P2 = "2015-01", "2015-02"
HK, RES, EMP, SIR = ("stg_ps_hukou__residents", "stg_ps_residence__permits", "stg_si_employee__enrollments",
                     "stg_si_resident__enrollments")


def cb(n: int) -> str:
    return f"CB{n:012d}"


def ident(birth: str, seq: str = "001") -> str:
    """An 18-char number; validity is asserted by the person record, not recomputed here."""
    return f"500107{birth.replace('-', '')}{seq}X"


def person(name: str | None, birth: str, gender: str, phone: str | None = None, valid: bool = True, **kw) -> dict:
    return {"name": name, "birth_date": date.fromisoformat(birth), "birth_date_stated": date.fromisoformat(birth),
            "gender": gender, "phone": phone, "id_is_valid": valid, **kw}


def hukou(c: City, period: str, n: int, name: str, birth: str, gender: str, hh: str, status: str = "正常",
          change: str | None = None, valid: bool = True, idn: str | None = None, district: str = "500107",
          phone: str | None = None) -> None:
    idn = idn or ident(birth, f"{n:03d}")
    c.add(HK, period, cb(n), person(name, birth, gender, phone, valid, district_code=district, household_no=hh),
          hukou_status=status, change_date=date.fromisoformat(change) if change else None, household_no=hh,
          address=f"{hh}号", district_code=district, township_code=district + "001", id_number=idn)


def employee(c: City, period: str, n: int, birth: str, scheme: str, status: str, paid: str, employer: str | None,
             district: str = "500107") -> str:
    return c.add(EMP, period, cb(n), person(None, birth, "1", "13812345678"), id_number=ident(birth, f"{n:03d}"),
                 scheme_code=scheme, contribution_status=status, last_paid_month=date.fromisoformat(paid + "-01"),
                 employer_credit_code=employer, employer_name="某公司", district_code=district)


def resident(c: City, period: str, n: int, birth: str, scheme: str, status: str, year: int, subsidy: str = "0",
             phone: str | None = "13900001111") -> str:
    return c.add(SIR, period, cb(n), person(None, birth, "2", phone), id_number=ident(birth, f"{n:03d}"),
                 scheme_code=scheme, contribution_status=status, last_paid_year=year, subsidy_category=subsidy,
                 district_code="500107", township_code="500107001")


def snapshot(c: City, p: str) -> None:
    """The snapshot deliveries, identical in both periods."""
    c.add("stg_ic_enterprise__enterprises", p, None, credit_code="91500000MA5U000002",
          registration_no="500000000000002", enterprise_name="乙公司")
    hukou(c, p, 1, "张一", "1980-05-01", "1", "H1")                     # A: fully insured employee
    for s in ("110", "210", "310", "410", "510"):
        employee(c, p, 1, "1980-05-01", s, "1", "2015-01", "91500000MA5U000001")
    hukou(c, p, 2, "李二", "1985-03-02", "2", "H1")                     # B: lapsed pension, never medical
    resident(c, p, 2, "1985-03-02", "170", "2", 2014, phone=None)
    hukou(c, p, 3, "张三", "2000-06-01", "1", "H2")                     # C: child, medical insured
    resident(c, p, 3, "2000-06-01", "390", "1", 2015)
    hukou(c, p, 4, "王四", "1950-01-01", "1", "H3", phone="13700000004")  # D: pensioner
    employee(c, p, 4, "1950-01-01", "310", "1", "2010-01", None)
    hukou(c, p, 5, "赵五", "1940-01-01", "1", "H4", status="死亡注销", change="2014-12-20")  # E: dead
    c.add(RES, p, cb(6), person("钱六", "1990-02-02", "2", "13600000006"),  # F: tax, no insurance
          district_code="500108", township_code="500108002", address="南岸区6号", id_number=ident("1990-02-02", "006"))
    hukou(c, p, 7, "孙七", "1995-07-07", "2", "H5", phone="13500000007")  # G: subsidy without assistance
    resident(c, p, 7, "1995-07-07", "170", "1", 2015, subsidy="1")
    resident(c, p, 7, "1995-07-07", "390", "1", 2015)
    shared = ident("1970-08-08", "008")
    hukou(c, p, 8, "周八", "1970-08-08", "1", "H6", idn=shared, phone="13400000008")  # H, I: one number
    c.add(SIR, p, cb(9), person("吴九", "1970-08-08", "1", "13400000009"), id_number=shared, scheme_code="390",
          contribution_status="1", last_paid_year=2015, subsidy_category="0", district_code="500107")
    hukou(c, p, 10, "郑十", "1975-10-10", "1", "H7", valid=False, phone="13300000010")  # J: invalid ID
    hukou(c, p, 11, "冯十一", "1960-11-11", "1", "H8", status="迁出注销", change="2014-12-05")  # K: moved out
    hukou(c, p, 12, "陈十二", "1965-12-12", "1", "H9", phone="13200000012")  # L: 110 and 170 at once
    employee(c, p, 12, "1965-12-12", "110", "1", "2015-01", "91500000MA5U000001")
    resident(c, p, 12, "1965-12-12", "170", "1", 2015)
    hukou(c, p, 13, "褚十三", "1997-09-09", "1", "H10", phone="13100000013")  # M: student (survey in P2)


def pay(c: City, n: int, name: str, birth: str, scheme: str) -> None:
    c.add("stg_si_benefit__payments", P1, cb(n), person(name, birth, "1"), id_number=ident(birth, f"{n:03d}"),
          scheme_code=scheme, benefit_month=date(2015, 1, 1), amount=1000, district_code="500107")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = tmp_path_factory.mktemp("ledger") / "warehouse.duckdb"
    c = City()
    snapshot(c, P1)
    pay(c, 4, "王四", "1950-01-01", "110")
    pay(c, 4, "王四", "1950-01-01", "170")
    pay(c, 5, "赵五", "1940-01-01", "110")  # paid for a month after death
    c.add("stg_tax_withholding__withholdings", P1, cb(6), person("钱六", "1990-02-02", "2"),
          id_number=ident("1990-02-02", "006"), employer_tax_id="500000000000002", tax_month=date(2015, 1, 1))
    snapshot(c, P2)
    c.add("stg_survey_returns__visits", P2, cb(2), person("李二", "1985-03-02", "2", "13800000002"),
          name="李二", employment_status="灵活就业", uninsured_reason="在外地参保", survey_date=date(2015, 2, 10))
    c.add("stg_survey_returns__visits", P2, cb(13), person("褚十三", "1997-09-09", "1", "13100000013"),
          name="褚十三", employment_status="学生", survey_date=date(2015, 2, 11))
    con = duckdb.connect(str(wh))
    # P1 runs on links up to P1 only: linkage records are filtered by period in the models
    c.write(con)
    con.close()
    build_marts(wh, P1)
    build_marts(wh, P2)
    return wh


def q(wh: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(sql).fetchall()


def status(wh: Path, period: str) -> dict[tuple[int, str], str]:
    rows = q(wh, f"select identifier, scheme_group, status from marts.person_ledger where period = '{period}'")
    return {(int(i[2:]), g): s for i, g, s in rows}


def test_statuses_follow_the_contract(warehouse: Path) -> None:
    s = status(warehouse, P1)
    assert all(s[(1, g)] == "insured" for g in ("pension", "medical", "unemployment", "work_injury", "maternity"))
    assert s[(2, "pension")] == "lapsed" and s[(2, "medical")] == "never"
    assert s[(2, "unemployment")] == "not_required"          # not employed
    assert s[(3, "pension")] == "not_required" and s[(3, "medical")] == "insured"  # aged 14
    assert s[(4, "pension")] == "insured" and s[(4, "medical")] == "insured"     # pensioner + active 310
    assert s[(4, "work_injury")] == "not_required"           # above retirement age
    assert all(s[(5, g)] == "not_required" for g in ("pension", "medical"))      # died 2014-12
    assert s[(6, "work_injury")] == "never" and s[(6, "pension")] == "never"     # tax-withheld, no records
    assert (11, "medical") not in s                           # 迁出注销 before the period: not registered
    assert s[(13, "pension")] == "never"


def test_should_splits_and_incomplete(warehouse: Path) -> None:
    bad = q(warehouse, "select count(*) from marts.person_ledger where is_should_insure and "
                       "(is_insured::int + is_lapsed::int + is_never::int) <> 1")
    assert bad == [(0,)]
    inc = q(warehouse, f"select distinct identifier from marts.person_ledger where period='{P1}' and is_incomplete")
    assert inc == [(cb(12),)]  # employed with 110 only (A holds all five; F holds none)


def test_coverage_city_and_district(warehouse: Path) -> None:
    row = q(warehouse, f"select should, insured, rate, target, gap from marts.coverage where period='{P1}' "
                       "and level='city' and scheme_group='pension'")
    # should: A B D F G H I J L M (10); insured: A D G L (4); gap = ceil(0.95*10) - 4
    assert row == [(10, 4, 0.4, Decimal("0.95"), 6)]
    pilot = q(warehouse, f"select is_pilot, should from marts.coverage where period='{P1}' and level='district' "
                         "and scheme_group='medical' and district_code='500108'")
    assert pilot == [(True, 1)]


def test_findings_by_type_and_department(warehouse: Path) -> None:
    rows = q(warehouse, f"select identifier, finding_type, finding_subtype, department from marts.findings "
                        f"where period='{P1}' order by 1, 3")
    got = {(int(i[2:]), t, st, d) for i, t, st, d in rows}
    assert (4, "duplicate_benefit", "two_schemes_same_month", "social_insurance") in got
    assert (5, "duplicate_benefit", "payment_after_death", "social_insurance") in got
    assert (6, "employer_gap", "no_employee_insurance", "tax") in got
    assert (7, "duplicate_subsidy", "no_entitlement", "civil_affairs") in got
    assert {(8, "id_problem", "shared_id_number", "public_security"),
            (9, "id_problem", "shared_id_number", "public_security")} <= got
    assert (10, "id_problem", "invalid_id", "public_security") in got
    assert (12, "duplicate_enrollment", "employee_and_resident_scheme", "social_insurance") in got
    assert not any(i == 1 for i, *_ in got)  # the fully insured employee raises nothing
    masked = q(warehouse, f"select id_number_masked from marts.findings where identifier='{cb(10)}'")[0][0]
    assert masked.startswith("500107") and "********" in masked


def test_survey_returns_change_status_and_close_items(warehouse: Path) -> None:
    assert status(warehouse, P2)[(13, "pension")] == "not_required"   # survey: 学生
    item_h1 = q(warehouse, f"select worklist_item_id, person_reasons from marts.survey_worklist "
                           f"where period='{P1}' and household_no='H1'")
    assert len(item_h1) == 1 and "李二" in item_h1[0][1] and "never_medical" in item_h1[0][1]
    wid = item_h1[0][0]
    assert q(warehouse, f"select count(*) from marts.survey_worklist where period='{P2}' "
                        f"and worklist_item_id='{wid}'") == [(0,)]
    hist = q(warehouse, f"select issued_period, closed_period, status, close_reason from marts.worklist_items "
                        f"where worklist_item_id='{wid}'")
    assert hist == [(P1, P2, "closed", "surveyed")]
    # the same household keeps its item id: H7 (invalid ID) stays listed with the same id in both periods
    ids = q(warehouse, "select period, worklist_item_id from marts.survey_worklist where household_no='H7' order by 1")
    assert [p for p, _ in ids] == [P1, P2] and ids[0][1] == ids[1][1]


def test_restricted_has_full_values_marts_masked(warehouse: Path) -> None:
    full = q(warehouse, f"select id_number, phone from restricted.persons where identifier='{cb(4)}'")[0]
    masked = q(warehouse, f"select id_number_masked, phone_masked from marts.persons where identifier='{cb(4)}'")[0]
    assert full == (ident("1950-01-01", "004"), "13812345678")  # hukou carries no phone: SI's
    assert masked == ("500107********004X", "138****5678")


def test_data_tests_check_the_runs_period_only(warehouse: Path, tmp_path: Path) -> None:
    """Tests on a period_partition model read the run's partition (macros/tests/get_where_subquery.sql): a duplicate
    left in an earlier period does not fail this period's tests, one in this period does."""
    wh = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, wh)
    with duckdb.connect(str(wh)) as con:
        con.execute(f"insert into marts.person_ledger select * from marts.person_ledger where period = '{P1}' limit 1")
        con.execute(f"insert into marts.coverage select * from marts.coverage where period = '{P2}' limit 1")
    with pytest.raises(AssertionError):
        run_dbt(wh, P2, "test", "--select", "person_ledger", "coverage", "--exclude", "test_type:unit")
    results = json.loads((tmp_path / "dbt_target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    failed = sorted(r["unique_id"].split(".")[2] for r in results if r["status"] in {"fail", "error"})
    assert failed == ["unique_coverage_coverage_id"]
    passed = [r["unique_id"] for r in results if r["status"] == "pass"]
    assert any(i.split(".")[2].startswith("unique_person_ledger") for i in passed)  # it ran, on P2 only
