"""simulate_field on a small generated city, with the platform's published tables built by hand from the truth
(perfect linkage: one identifier per true person) in a temp DuckDB, so the answers can be checked exactly."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pytest

from synthetic.field import FieldConfig, simulate_field
from synthetic.generate import generate_city
from synthetic.writers import load_contract

PERIODS = ["2015-01", "2015-02", "2015-03"]
PERSONS = 1500
GHOST = "CB999999999999"  # an identifier no record of the truth belongs to


def _ident(pid: int) -> str:
    return f"CB{pid:012d}"


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("field_city")
    generate_city(root, PERSONS, 3, PERIODS, progress=lambda _m: None)
    return root


def publish(home: Path, truth: Path, period: str, wrong_every: int = 9) -> pd.DataFrame:
    """The marts simulate_field reads, from the truth; every `wrong_every`-th sample item carries a wrong
    status. Returns the samples (with `expected` verdict)."""
    home.mkdir(parents=True, exist_ok=True)
    st = pd.read_parquet(truth / "status.parquet")
    rec = pd.read_parquet(truth / "records.parquet")
    rec = rec[rec["period"] <= period]
    st = st[(st["period"] == period) & st["person_id"].isin(rec["person_id"])].copy()  # the platform saw them
    persons = pd.read_parquet(truth / "persons.parquet").set_index("person_id")
    st["identifier"] = st["person_id"].map(_ident)
    st["status"] = np.select([~st["should"], st["insured"], st["lapsed"]], ["not_required", "insured", "lapsed"],
                             "never")
    # worklist: persons never/lapsed in pension or medical, one item per household
    need = st[st["scheme_group"].isin(["pension", "medical"]) & st["status"].isin(["never", "lapsed"])]
    wp = need.drop_duplicates("person_id").copy()
    hh = wp["person_id"].map(persons["household_no"]).fillna("")
    key = np.where(hh != "", "H:" + hh, "P:" + wp["identifier"])
    wp["worklist_item_id"] = ["WL" + hashlib.md5(k.encode()).hexdigest()[:12].upper() for k in key]
    wp["period"] = period
    wp["name"] = wp["person_id"].map(persons["name"])
    wp["id_number"] = wp["person_id"].map(persons["id_number"])
    wp["district_code"], wp["township_code"] = wp["home_district"], wp["home_township"]
    items = wp.groupby("worklist_item_id").agg(district_code=("home_district", "first"),
                                               township_code=("home_township", "first")).reset_index()
    items["period"] = period
    items["address"] = "某地址"
    # audit samples: up to 40 rows per district, ledger fields = the truth, some statuses made wrong
    s = st.sort_values(["home_district", "person_id", "scheme_group"]).groupby("home_district").head(40).copy()
    s = s.reset_index(drop=True)
    s["sample_id"] = [f"AS-{period}-{d}-{i:04d}" for i, d in enumerate(s["home_district"], start=1)]
    wrong = np.arange(len(s)) % wrong_every == 0
    s["stratum"] = np.where(wrong, np.where(s["status"] == "insured", "never", "insured"), s["status"])
    s["expected"] = np.where(wrong, "不一致", "一致")
    ghost = s.iloc[[0]].assign(sample_id=f"AS-{period}-ghost-0001", identifier=GHOST, expected="查无此人")
    s = pd.concat([s, ghost], ignore_index=True)
    samples = pd.DataFrame({
        "sample_id": s["sample_id"], "period": period, "district_code": s["home_district"],
        "stratum": s["stratum"], "identifier": s["identifier"], "scheme_group": s["scheme_group"],
        "township_code": s["home_township"], "is_should_insure": s["should"], "is_insured": s["insured"],
        "is_incomplete": s["incomplete"], "is_receiving_pension": s["receiving_pension"]})
    links = pd.DataFrame({"source": rec["source"], "period": rec["period"], "file_name": rec["file"],
                          "row_number": rec["row_number"].astype("int32"),
                          "identifier": rec["person_id"].map(_ident)})
    wh = home / "warehouse.duckdb"
    if wh.exists():
        wh.unlink()
    con = duckdb.connect(str(wh))
    for schema in ("marts", "restricted"):
        con.execute(f"create schema {schema}")
    con.register("wp", wp[["period", "worklist_item_id", "identifier", "name", "id_number", "district_code",
                           "township_code"]])
    con.execute("create table restricted.worklist_persons as select * from wp")
    con.register("items", items)
    con.execute("create table marts.survey_worklist as select * from items")
    con.register("samples", samples)
    con.execute("create table marts.audit_samples as select * from samples")
    con.register("links", links)
    con.execute("create table marts.record_identifiers as select * from links")
    con.close()
    return s


@pytest.fixture()
def run(city: Path, tmp_path: Path) -> tuple[Path, pd.DataFrame, dict]:
    data = tmp_path / "city"
    shutil.copytree(city, data)
    samples = publish(tmp_path / "home", data / "truth", "2015-01")
    summary = simulate_field(tmp_path / "home", data / "truth", data / "landing", "2015-01", seed=7)
    return data, samples, summary


def _returns(landing: Path, period: str) -> pd.DataFrame:
    files = sorted((landing / "survey_returns" / period).glob("*.xlsx"))
    return pd.concat([pd.read_excel(f, dtype=str, engine="openpyxl").fillna("").assign(_file=f.name)
                      for f in files], ignore_index=True)


def test_survey_files_have_the_contract_header(run: tuple[Path, pd.DataFrame, dict]) -> None:
    data, _, summary = run
    files = sorted((data / "landing" / "survey_returns" / "2015-02").glob("*.xlsx"))
    assert files and len(files) == summary["survey_files"]
    columns = load_contract()["survey_returns"]["columns"]
    for f in files:
        ws = openpyxl.load_workbook(f, read_only=True).worksheets[0]
        header = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]
        assert header == columns
        assert f.stem.isdigit() and len(f.stem) == 9


def test_returns_answer_issued_items_from_the_truth(run: tuple[Path, pd.DataFrame, dict]) -> None:
    data, _, summary = run
    r = _returns(data / "landing", "2015-02")
    con = duckdb.connect(str(data.parent / "home" / "warehouse.duckdb"), read_only=True)
    issued = set(con.execute("select worklist_item_id from marts.survey_worklist").df()["worklist_item_id"])
    con.close()
    assert set(r["调查表编号"]) <= issued
    assert len(r) == summary["survey_rows"]
    # visits: about 80 % of items (pilot districts more)
    assert 0.6 < summary["items_visited"] / summary["worklist_items"] < 0.98
    codes = pd.read_csv(Path(__file__).parent.parent / "dbt_project" / "seeds" / "survey_answer_codes.csv")
    for col, q in (("就业状态", "employment_status"), ("养老保险", "pension_answer"), ("医疗保险", "medical_answer"),
                   ("未参保原因", "uninsured_reason"), ("参保意愿", "willing_to_enroll")):
        allowed = set(codes.loc[codes["question"] == q, "answer"]) | {""}
        assert set(r[col]) <= allowed, col
    # answers from the true world: ID numbers (but for the rare typo) are the persons' true numbers
    persons = pd.read_parquet(data / "truth" / "persons.parquet")
    true_ids = set(persons["id_number"])
    assert (r["公民身份号码"].isin(true_ids)).mean() > 0.98
    students = r[r["就业状态"] == "学生"]
    by_id = persons.set_index("id_number")
    assert by_id.loc[students["公民身份号码"][students["公民身份号码"].isin(true_ids)], "role"].isin(
        ["student", "pupil"]).all()
    # every returned row with a person is in the truth's records, with the right row number
    rec = pd.read_parquet(data / "truth" / "records.parquet")
    sr = rec[rec["source"] == "survey_returns"]
    assert len(sr) == len(r[r["备注"] != "查无此人"])


def test_verdicts_one_per_sample_and_match_the_truth(run: tuple[Path, pd.DataFrame, dict]) -> None:
    data, samples, summary = run
    v = pd.read_csv(data / "landing" / "audit_verdicts" / "2015-02" / "verdicts.csv", dtype=str,
                    encoding="utf-8").fillna("")
    assert list(v.columns) == load_contract()["audit_verdicts"]["columns"]
    assert len(v) == len(samples) == summary["verdicts"]
    assert sorted(v["样本编号"]) == sorted(samples["sample_id"])
    got = v.set_index("样本编号")["核查结果"]
    expected = samples.set_index("sample_id")["expected"]
    assert (got.reindex(expected.index) == expected).all()
    assert v.loc[v["核查结果"] == "不一致", "不一致项"].str.contains("status").all()
    assert (v.loc[v["核查结果"] == "一致", "不一致项"] == "").all()
    assert set(v["核查方式"]) <= {"电话", "入户", "数据比对"}
    assert v["核查日期"].str.startswith("2015-02").all()
    share_true = (samples["expected"] == "不一致").mean()
    assert (v["核查结果"] == "不一致").mean() == pytest.approx(share_true)


def test_enrollments_appear_in_the_next_deliveries(run: tuple[Path, pd.DataFrame, dict]) -> None:
    data, _, summary = run
    truth = data / "truth"
    assert summary["enrolled_persons"] > 0
    assert summary["rerendered_periods"] == ["2015-02", "2015-03"]
    new = pd.read_parquet(truth / "world" / "field_records.parquet")
    restarts = pd.read_parquet(truth / "world" / "field_restarts.parquet")
    assert len(new) + len(restarts) == summary["new_records"] + summary["reactivated_records"]
    enrolled = set(new["person_id"]) | set(restarts["person_id"])
    rec = pd.read_parquet(truth / "records.parquet")
    for period in ("2015-02", "2015-03"):
        path = data / "landing" / "si_resident" / period / f"si_resident_{period.replace('-', '')}.csv"
        delivered = pd.read_csv(path, dtype=str).fillna("")
        rows = rec[(rec["source"] == "si_resident") & (rec["period"] == period)].sort_values("row_number")
        assert len(rows) == len(delivered)
        delivered["person_id"] = rows["person_id"].to_numpy()
        paying = delivered[(delivered["AAC031"] == "1") & (delivered["ZHJFND"] == period[:4])]
        for scheme, who in (("390", new.loc[new["scheme"] == "390", "person_id"]),
                            ("170", new.loc[new["scheme"] == "170", "person_id"])):
            have = set(paying.loc[paying["AAE140"] == scheme, "person_id"])
            assert set(who) <= have
        assert set(restarts["person_id"]) <= set(paying["person_id"])
    # the truth's status follows: the enrolled are insured from the next period on
    st = pd.read_parquet(truth / "status.parquet")
    nxt = st[(st["period"] == "2015-02") & st["person_id"].isin(enrolled) & st["should"]
             & st["scheme_group"].isin(["pension", "medical"])]
    assert nxt["insured"].mean() > 0.95


def test_same_seed_same_files(city: Path, tmp_path: Path) -> None:
    outs = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        data = tmp_path / name
        shutil.copytree(city, data)
        publish(tmp_path / f"home_{name}", data / "truth", "2015-01")
        simulate_field(tmp_path / f"home_{name}", data / "truth", data / "landing", "2015-01", seed=seed)
        files = sorted(p for p in (data / "landing").rglob("*") if p.is_file())
        outs.append({str(p.relative_to(data)): p.read_bytes() for p in files})
    assert outs[0] == outs[1]
    assert outs[0] != outs[2]


def test_rerun_replaces_and_second_period_builds_on_first(city: Path, tmp_path: Path) -> None:
    data = tmp_path / "city"
    shutil.copytree(city, data)
    home = tmp_path / "home"
    publish(home, data / "truth", "2015-01")
    first = simulate_field(home, data / "truth", data / "landing", "2015-01")
    snap = {p: p.read_bytes() for p in sorted((data / "landing").rglob("*.csv"))}
    again = simulate_field(home, data / "truth", data / "landing", "2015-01")
    assert again == first
    assert {p: p.read_bytes() for p in sorted((data / "landing").rglob("*.csv"))} == snap
    # period 2: built on period 1's changes; its own delivery is the first of 2015-03
    publish(home, data / "truth", "2015-02")
    second = simulate_field(home, data / "truth", data / "landing", "2015-02")
    assert second["rerendered_periods"] == ["2015-03"]
    new = pd.read_parquet(data / "truth" / "world" / "field_records.parquet")
    assert set(new["field_period"]) <= {"2015-01", "2015-02"}
    assert (new["field_period"] == "2015-01").sum() == first["new_records"]
    # beyond the generated periods: the answers are the first files of that period
    publish(home, data / "truth", "2015-03")
    third = simulate_field(home, data / "truth", data / "landing", "2015-03")
    assert third["rerendered_periods"] == []
    assert (data / "landing" / "audit_verdicts" / "2015-04" / "verdicts.csv").exists()
    assert list((data / "landing" / "survey_returns" / "2015-04").glob("*.xlsx"))


def test_diligent_districts_visit_more(city: Path, tmp_path: Path) -> None:
    data = tmp_path / "city"
    shutil.copytree(city, data)
    home = tmp_path / "home"
    publish(home, data / "truth", "2015-01")
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    items = con.execute("select worklist_item_id, district_code from marts.survey_worklist").df()
    con.close()
    diligent = items["district_code"].value_counts().index[:4].tolist()
    cfg = FieldConfig(visit_rate=0.4, district_visit_rate=dict.fromkeys(diligent, 1.0))
    simulate_field(home, data / "truth", data / "landing", "2015-01", config=cfg)
    visited = set(_returns(data / "landing", "2015-02")["调查表编号"])
    items["visited"] = items["worklist_item_id"].isin(visited)
    share = items.groupby(items["district_code"].isin(diligent))["visited"].mean()
    assert share[True] > 0.9 > 0.55 > share[False] > 0.25
