"""Staging end to end on a hand-made raw layer: dbt build (models + their tests), quarantine, reconciliation."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_staging_fixtures import create_raw_schema, load_rows, run_dbt

PERIOD = "2015-01"
SELECT = "+int_person_records +stg_quarantine +quarantine +reconciliation +stg_ic_enterprise__enterprises " \
         "+stg_audit_verdicts__verdicts resource_type:seed"

DIVISIONS = [
    {"区县代码": "500106", "区县名称": "沙坪坝区", "乡镇街道代码": "500106001", "乡镇街道名称": "石桥铺街道",
     "类型": "街道", "状态": "有效"},
    {"区县代码": "500106", "区县名称": "沙坪坝区", "乡镇街道代码": "500106002", "乡镇街道名称": "老街镇",
     "类型": "镇", "状态": "撤销", "变更后代码": "500106001"},
    {"区县代码": "500152", "区县名称": "潼南区", "乡镇街道代码": "500152101", "乡镇街道名称": "双江镇",
     "类型": "镇", "状态": "有效"},
]

EMPLOYEES = [
    # 1 clean; old 潼南县 code 500223 -> 500152
    {"AAC001": "1", "AAC002": "11010519491231002X", "AAC003": "张伟", "AAC004": "2", "AAC005": "01",
     "AAC006": "19491231", "AAE140": "110", "AAC031": "1", "AAC030": "2010/01/01", "ZHJFNY": "201412",
     "AAB301": "500223", "AAE005": "13800000000"},
    # 2 full-width 15-digit ID, unknown scheme, bad month -> quarantine
    {"AAC001": "2", "AAC002": "１１０１０５４９１２３１００２", "AAC003": "李娜", "AAC004": "2", "AAE140": "999",
     "AAC031": "1", "ZHJFNY": "2014-13", "AAB301": "500101"},
    # 3 bad check digit + impossible stated birth date: staged with issues
    {"AAC001": "3", "AAC002": "110105194912310021", "AAC003": "王芳", "AAC004": "2", "AAC006": "19850230",
     "AAE140": "310", "AAC031": "2", "ZHJFNY": "201411", "AAB301": "500106"},
    # 4 unknown district
    {"AAC001": "4", "AAC002": "11010519491231002X", "AAC003": "张伟", "AAE140": "110", "AAC031": "1",
     "AAB301": "510213"},
    # 5 no identity at all
    {"AAC001": "5", "AAE140": "110", "AAC031": "1", "AAB301": "500106"},
]

HUKOU = [
    {"公民身份号码": "110105491231002", "姓名": "单 雄信", "性别": "女", "民族": "土家", "出生日期": "1949-12-31",
     "户号": "H1", "区县代码": "500106", "乡镇街道": "石桥铺", "户口状态": "正常"},
    {"公民身份号码": "110105491231002", "姓名": "单 雄信", "性别": "女", "民族": "土家", "出生日期": "1949-12-31",
     "户号": "H1", "区县代码": "500106", "乡镇街道": "石桥铺", "户口状态": "正常"},  # exact duplicate
    {"公民身份号码": "500106198001010011", "姓名": "赵六", "性别": "男", "出生日期": "1980-01-01", "户号": "H2",
     "区县代码": "500106", "乡镇街道": "老街", "户口状态": "正常"},  # abolished, suffix dropped
    {"公民身份号码": "500106198001010011", "姓名": "赵六", "性别": "男", "户号": "H3", "区县代码": "500106",
     "乡镇街道": "不存在", "户口状态": "迁出注销", "变动日期": "2015-01-15"},  # unknown township name
    {"公民身份号码": "500106198001010011", "姓名": "赵六", "户号": "H4", "区县代码": "500106",
     "户口状态": "死亡注销", "变动日期": "2015-13-40"},  # unparseable key date -> quarantine
]

VITAL = [
    {"事件类型": "出生", "证明编号": "B1", "姓名": "赵小六", "性别": "男", "出生日期": "2015-01-03",
     "事件日期": "2015-01-03", "母亲身份证号": "500106198001010011", "区县代码": "500106"},
    {"事件类型": "死亡", "证明编号": "D1", "公民身份号码": "11010519491231002X", "姓名": "张伟", "性别": "女",
     "出生日期": "1949-12-31", "事件日期": "42011", "区县代码": "500106"},  # Excel serial 2015-01-07
    {"事件类型": "结婚", "证明编号": "X1", "姓名": "某", "事件日期": "2015-01-03", "区县代码": "500106"},
]

BENEFITS = [
    {"AAC002": "11010519491231002X", "AAC003": "张伟", "AAE140": "110", "AAE003": "201501", "AAE019": "2,100.50",
     "AAB301": "500106"},
    {"AAC002": "11010519491231002X", "AAC003": "张伟", "AAE140": "110", "AAE003": "", "AAE019": "100",
     "AAB301": "500106"},  # no benefit month -> quarantine
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = tmp_path_factory.mktemp("staging") / "warehouse.duckdb"
    con = duckdb.connect(str(wh))
    create_raw_schema(con)
    load_rows(con, "ca_divisions", PERIOD, DIVISIONS)
    load_rows(con, "si_employee", PERIOD, EMPLOYEES)
    load_rows(con, "ps_hukou", PERIOD, HUKOU, file="hukou.csv")
    load_rows(con, "hfp_vital", PERIOD, VITAL)
    load_rows(con, "si_benefit", PERIOD, BENEFITS)
    con.execute(
        "insert into raw._ingest_rejects values ('si_benefit', ?, 'part1.csv', 3, 'too_many_fields', "
        "'4 extra fields', 'a,b,c')", [PERIOD]
    )
    con.execute("update raw._deliveries set rows_rejected = 1 where source = 'si_benefit'")
    con.execute(
        "insert into raw._deliveries values ('si_resident', ?, 'bad.csv', 'h', 10, 'gbk', 0, 0, 0, 0, 'rejected', "
        "'wrong header: expected AAC001', now())", [PERIOD]
    )
    con.close()
    # build = models + their data tests (unique/not_null/accepted_values/relationships/reconciles_with_raw)
    run_dbt(wh, ["build", "--select", SELECT], PERIOD)
    return wh


def _q(wh: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_raw_row_staged_or_quarantined_once(warehouse: Path) -> None:
    rows = _q(warehouse, "select source, rows_in, rows_staged, rows_quarantined, status from marts.reconciliation "
                         "order by source")
    assert rows == [
        ("ca_divisions", 3, 3, 0, "ok"),
        ("hfp_vital", 3, 2, 1, "ok"),
        ("ps_hukou", 5, 3, 2, "ok"),
        ("si_benefit", 3, 1, 2, "ok"),
        ("si_employee", 5, 2, 3, "ok"),
        ("si_resident", 0, 0, 0, "rejected"),
    ]
    msg = _q(warehouse, "select message from marts.reconciliation where status = 'rejected'")
    assert msg == [("wrong header: expected AAC001",)]


def test_quarantine_reasons(warehouse: Path) -> None:
    got = dict(_q(warehouse, "select source || ':' || row_number, reasons from staging.stg_quarantine"))
    assert got == {
        "si_employee:2": ["unknown_scheme_code", "unparseable_key_date"],
        "si_employee:4": ["unknown_district"],
        "si_employee:5": ["no_identity"],
        "ps_hukou:2": ["duplicate_row"],
        "ps_hukou:5": ["unparseable_key_date"],
        "hfp_vital:3": ["unknown_event_type"],
        "si_benefit:2": ["unparseable_key_date"],
        "si_benefit:3": ["too_many_fields"],
    }
    raw = _q(warehouse, "select raw_values->>'AAE140' from marts.quarantine where source = 'si_employee' "
                        "and row_number = 2")
    assert raw == [("999",)]


def test_ids_dates_and_districts(warehouse: Path) -> None:
    rows = {r[0]: r[1:] for r in _q(
        warehouse,
        "select row_number, id_number, id_is_valid, id_gender, district_code, birth_date, enrolled_date, "
        "last_paid_month, data_issues from staging.stg_si_employee__enrollments")}
    assert rows[1][:4] == ("11010519491231002X", True, "2", "500152")
    assert str(rows[1][5]) == "2010-01-01" and str(rows[1][6]) == "2014-12-01"
    assert rows[1][7] == ["old_district_code"]
    assert rows[3][1] is False and rows[3][4] is None
    assert set(rows[3][7]) == {"bad_check_digit", "invalid_birth_date"}
    death = _q(warehouse, "select event_date from staging.stg_hfp_vital__events where event_type = '死亡'")
    assert str(death[0][0]) == "2015-01-07"
    amount = _q(warehouse, "select amount, benefit_month from staging.stg_si_benefit__payments")
    assert str(amount[0][0]) == "2100.50" and str(amount[0][1]) == "2015-01-01"


def test_township_mapping(warehouse: Path) -> None:
    got = {r[0]: r[1:] for r in _q(
        warehouse, "select row_number, id_number, id_was_15, township_code, ethnicity, data_issues "
                   "from staging.stg_ps_hukou__residents")}
    assert got[1] == ("11010519491231002X", True, "500106001", "土家族", ["legacy_15_digit"])
    assert got[3][2] == "500106001" and "abolished_township" in got[3][4]
    assert got[4][2] is None and "unknown_township" in got[4][4]


def test_person_records(warehouse: Path) -> None:
    rows = {r[0]: r[1:] for r in _q(
        warehouse, "select record_key, name, name_pinyin, surname, birth_date, gender, mother_id_number, "
                   "household_no from intermediate.int_person_records")}
    # employee 1,3; hukou 1,3,4; births+deaths 1,2; benefit 1
    assert len(rows) == 8
    assert rows["ps_hukou|2015-01|hukou.csv|1"][:3] == ("单雄信", "shanxiongxin", "单")
    birth = rows["hfp_vital|2015-01|part1.csv|1"]
    assert birth[5] == "500106198001010011" and str(birth[3]) == "2015-01-03" and birth[4] == "1"
    # invalid ID and an impossible stated date: nothing to resolve a birth date from but the ID's own date
    assert str(rows["si_employee|2015-01|part1.csv|3"][3]) == "1949-12-31"


def test_rerun_replaces_the_period(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    con.execute("delete from raw.si_employee where \"AAC001\" = '3'")
    con.execute("update raw._deliveries set rows_loaded = 4 where source = 'si_employee'")
    con.close()
    run_dbt(warehouse, ["run", "--select", "base_si_employee stg_si_employee__enrollments stg_quarantine"], PERIOD)
    assert _q(warehouse, "select row_number from staging.stg_si_employee__enrollments") == [(1,)]
    assert _q(warehouse, "select status from marts.reconciliation where source = 'si_employee'") == [("ok",)]
