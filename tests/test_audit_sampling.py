"""Audit sample sizing, allocation and reproducible draws over a small temp warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_audit_fixtures import build_ledger

from canbao.audit import allocate, draw_samples, sample_size
from canbao.audit.selection import district_seed, frame_hash, select_rows, selection_key
from canbao.audit.sizing import initial_size

PERIOD = "2015-01"
DISTRICTS = {"500107": 300, "500108": 60, "500114": 8}


@pytest.mark.parametrize(
    ("frame", "expected"),
    # n = ceil(385 / (1 + 384/N)), worked by hand: 50 → 44.35, 400 → 196.43, 10 000 → 370.76, 1 M → 384.85
    [(1, 1), (50, 45), (400, 197), (10_000, 371), (1_000_000, 385), (0, 0)],
)
def test_sample_size_matches_formula(frame: int, expected: int) -> None:
    assert initial_size() == 385
    assert sample_size(frame) == expected


def test_sample_size_other_precision() -> None:
    # e = 0.03 → n0 = ceil(1067.07) = 1068; N = 5000 → 1068/(1 + 1067/5000) = 880.2 → 881
    assert sample_size(5000, margin=0.03) == 881


def test_allocation_proportional_with_minimum() -> None:
    sizes = {"insured": 8000, "lapsed": 1200, "never": 700, "not_required": 100}
    alloc = allocate(sizes, 371, minimum=10)
    assert sum(alloc.values()) == 371
    # not_required's share (3.7) is below the minimum: fixed at 10; the other 361 split 8000:1200:700
    assert alloc == {"insured": 292, "lapsed": 44, "never": 25, "not_required": 10}
    # empty strata get nothing; a stratum smaller than the minimum is censused
    assert allocate({"insured": 500, "lapsed": 4, "never": 0}, 100) == {"insured": 96, "lapsed": 4, "never": 0}


def test_python_and_sql_hashes_agree() -> None:
    members = [("CB000000000002", "medical"), ("CB000000000001", "pension"), ("CB000000000001", "medical")]
    seed = district_seed(2015, PERIOD, "500107")
    con = duckdb.connect()
    con.execute("create table m(identifier varchar, scheme_group varchar)")
    con.executemany("insert into m values (?, ?)", members)
    from canbao.audit.selection import FRAME_HASH_SQL, selection_key_sql

    assert con.execute(f"select {FRAME_HASH_SQL} from m").fetchone()[0] == frame_hash(members)
    keys = con.execute(f"select identifier, scheme_group, {selection_key_sql(str(seed))} from m").fetchall()
    assert {(i, g): k for i, g, k in keys} == {m: selection_key(seed, *m) for m in members}


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    wh = tmp_path / "warehouse.duckdb"
    build_ledger(wh, PERIOD, DISTRICTS)
    return wh


def _frame(wh: Path, district: str, stratum: str) -> list[tuple[str, str]]:
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(
            "select identifier, scheme_group from marts.person_ledger where period = ? and district_code = ? "
            "and status = ?",
            [PERIOD, district, stratum],
        ).fetchall()


def test_draw_sizes_and_stored_frame(warehouse: Path, tmp_path: Path) -> None:
    samples = draw_samples(warehouse, PERIOD, tmp_path / "reports")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frames = con.execute("select * from marts.audit_frames order by district_code, stratum").df()
        members = con.execute("select count(*) from marts.audit_frame_members").fetchone()[0]
    # frame = persons × 5 scheme groups; n from the formula on the district's whole frame
    per_district = frames.groupby("district_code")[["frame_size", "sample_size"]].sum()
    assert per_district.loc["500107", "frame_size"] == 1500
    assert per_district.loc["500107", "sample_size"] == sample_size(1500) == 307
    assert per_district.loc["500108", "sample_size"] == sample_size(300) == 169
    assert members == sum(DISTRICTS.values()) * 5
    assert len(samples) == frames["sample_size"].sum()
    assert samples["sample_id"].is_unique
    assert samples["sample_id"].iloc[0] == "AS-2015-01-500107-0001"
    # the stratum's hash is the sha256 of its ordered frame ids
    row = frames[(frames.district_code == "500108") & (frames.stratum == "lapsed")].iloc[0]
    assert row.frame_hash == frame_hash(_frame(warehouse, "500108", "lapsed"))
    # drawn rows = the n_h smallest selection keys (Python reference implementation)
    drawn = samples[(samples.district_code == "500108") & (samples.stratum == "lapsed")]
    expected = select_rows(_frame(warehouse, "500108", "lapsed"), int(row.seed), int(row.sample_size))
    assert set(zip(drawn.identifier, drawn.scheme_group, strict=True)) == set(expected)
    # weights: N_h / n_h; Σ weights over the district = the frame
    assert samples.groupby("district_code")["design_weight"].sum().round(6).to_dict() == {
        "500107": 1500.0,
        "500108": 300.0,
        "500114": 40.0,
    }
    # the ledger status was copied for the auditor
    assert set(samples.loc[samples.stratum == "insured", "is_insured"]) == {True}


def test_same_seed_same_sample_different_seed_different(warehouse: Path, tmp_path: Path) -> None:
    first = draw_samples(warehouse, PERIOD, tmp_path / "r1")[["sample_id", "identifier", "scheme_group"]]
    again = draw_samples(warehouse, PERIOD, tmp_path / "r2")[["sample_id", "identifier", "scheme_group"]]
    pd.testing.assert_frame_equal(first, again)
    other = draw_samples(warehouse, PERIOD, tmp_path / "r3", base_seed=7)[["sample_id", "identifier", "scheme_group"]]
    assert len(other) == len(first)
    overlap = len(set(map(tuple, other.values[:, 1:])) & set(map(tuple, first.values[:, 1:])))
    # the small district is nearly censused (37 of 40) and so mostly shared; the large ones are not
    assert overlap < 0.8 * len(first)


def test_sample_independent_of_row_order(warehouse: Path, tmp_path: Path) -> None:
    first = draw_samples(warehouse, PERIOD, tmp_path / "r1")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table shuffled as select * from marts.person_ledger order by md5(identifier) desc")
        con.execute("delete from marts.person_ledger")
        con.execute("insert into marts.person_ledger select * from shuffled")
    again = draw_samples(warehouse, PERIOD, tmp_path / "r2")
    assert first["identifier"].tolist() == again["identifier"].tolist()


def test_changed_ledger_changes_frame_hash(warehouse: Path, tmp_path: Path) -> None:
    draw_samples(warehouse, PERIOD, tmp_path / "r1")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = con.execute("select frame_hash from marts.audit_frames order by all").fetchall()
    build_ledger(warehouse, PERIOD, DISTRICTS, shift=1)
    draw_samples(warehouse, PERIOD, tmp_path / "r1")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        after = con.execute("select frame_hash from marts.audit_frames order by all").fetchall()
    assert before != after


def test_issued_sample_kept_once_verdicts_exist(warehouse: Path, tmp_path: Path) -> None:
    first = draw_samples(warehouse, PERIOD, tmp_path / "r1")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema staging")
        con.execute("create table staging.stg_audit_verdicts__verdicts (sample_id varchar, verdict varchar)")
        con.execute("insert into staging.stg_audit_verdicts__verdicts values (?, '一致')", [first.sample_id[0]])
    redrawn = draw_samples(warehouse, PERIOD, tmp_path / "r2", base_seed=99)
    assert redrawn["identifier"].tolist() == first["identifier"].tolist()


def test_audit_sheets_have_blank_verdict_columns(warehouse: Path, tmp_path: Path) -> None:
    samples = draw_samples(warehouse, PERIOD, tmp_path / "reports")
    path = tmp_path / "reports" / "audit" / PERIOD / "抽检核查_500108.xlsx"
    sheet = pd.read_excel(path, dtype=str)
    assert len(sheet) == (samples.district_code == "500108").sum()
    assert sheet.columns[0] == "样本编号"
    assert list(sheet.columns[-5:]) == ["核查方式", "核查结果", "不一致项", "核查人", "核查日期"]
    assert sheet["核查结果"].isna().all()
    assert sheet["样本编号"].iloc[0] == "AS-2015-01-500108-0001"
