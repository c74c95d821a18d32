"""The synthetic city: reproducibility, valid identifiers, contract-conform files, error rates, truth joins."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from stdnum.cn import ric, uscc

from synthetic.config import NoiseConfig
from synthetic.contract_check import check_landing
from synthetic.generate import generate_city
from synthetic.writers import load_contract

PERIODS = ["2015-11", "2015-12", "2016-01"]
PERSONS = 3000


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("city")
    generate_city(out, PERSONS, 7, PERIODS)
    return out


def _read(path: Path, source: str) -> pd.DataFrame:
    spec = load_contract()[source]["file"]
    if spec["format"] == "xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
        wb.close()
        return pd.DataFrame(rows[1:], columns=rows[0])
    text = path.read_bytes().decode(spec["encoding"])
    return pd.read_csv(io.StringIO(text), sep=spec["delimiter"], dtype=str, keep_default_na=False)


def test_same_seed_gives_identical_bytes_and_other_seed_differs(city: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate_city(again, PERSONS, 7, PERIODS)
    first = _hashes(city / "landing")
    assert len(first) == 11 * len(PERIODS)
    assert first == _hashes(again / "landing")
    assert _hashes(city / "truth") == _hashes(again / "truth")
    other = tmp_path / "other"
    generate_city(other, PERSONS, 8, PERIODS)
    theirs = _hashes(other / "landing")
    assert sum(first[k] != theirs[k] for k in first) >= 10


def test_every_file_meets_the_contract(city: Path) -> None:
    reports = check_landing(city / "landing")
    assert len(reports) == 11 * len(PERIODS)
    assert [r.problems for r in reports if r.problems] == []
    sources = {Path(r.path).parts[-3] for r in reports}
    assert sources == set(load_contract()) - {"survey_returns", "audit_verdicts"}
    # snapshots are never empty; a tiny city may have a month without a cremation, not all three
    rows: dict[str, int] = {}
    for r in reports:
        rows[Path(r.path).parts[-3]] = rows.get(Path(r.path).parts[-3], 0) + r.rows
        if load_contract()[Path(r.path).parts[-3]]["kind"] == "snapshot":
            assert r.rows > 0, r.path
    assert all(n > 0 for n in rows.values()), rows


def test_contract_checker_catches_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "si_benefit" / "2015-01" / "x.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text("AAC002,AAC003\n1,2,3\n", encoding="utf-8")
    gbk = tmp_path / "ps_hukou" / "2015-01" / "y.csv"
    gbk.parent.mkdir(parents=True)
    gbk.write_bytes("公民身份号码\n".encode())  # UTF-8 bytes in a GBK delivery
    problems = {Path(r.path).name: r.problems for r in check_landing(tmp_path)}
    assert any("header" in p for p in problems["x.csv"]) and any("field count" in p for p in problems["x.csv"])
    assert any("not valid gbk" in p for p in problems["y.csv"])


def test_clean_ids_are_valid_and_credit_codes_check(city: Path) -> None:
    persons = pd.read_parquet(city / "truth" / "persons.parquet")
    ids = persons["id_number"]
    assert ids.str.len().eq(18).all() and ids.is_unique
    assert all(ric.calc_check_digit(i) == i[-1] for i in ids)
    males = persons["male"].to_numpy()
    assert ((ids.str[16].astype(int) % 2 == 1).to_numpy() == males).all()
    born = pd.to_datetime(persons["birth_date"]).dt.strftime("%Y%m%d")
    assert (ids.str[6:14] == born).all()
    old = pd.to_datetime(persons["birth_date"]).dt.year < 1997
    assert ids[old].str.startswith("51").mean() > 0.4  # Sichuan-era codes
    alt = persons.loc[persons["id_alt"] != "", "id_alt"]
    assert all(ric.calc_check_digit(i) == i[-1] for i in alt)
    emp = pd.read_parquet(city / "truth" / "world" / "employers.parquet")
    assert emp["uscc"].map(uscc.is_valid).all()
    assert emp["registration_no"].str.len().eq(15).all()


def test_population_is_plausible(city: Path) -> None:
    p = pd.read_parquet(city / "truth" / "persons.parquet")
    assert 0.45 < p["male"].mean() < 0.56
    se = p["district"].isin(["500240", "500241", "500242", "500243"])
    minority = p["ethnicity"].isin(["土家族", "苗族"])
    assert minority[se].mean() > 0.4 and minority[~se].mean() < 0.1
    assert p["surname"].value_counts().index[0] in {"李", "王", "张", "刘", "陈"}
    assert p["district"].nunique() >= 30
    hh = p[p["household_no"] != ""].groupby("household_no")["relation"].apply(lambda r: (r == "户主").sum())
    assert (hh == 1).mean() > 0.95


def test_injected_error_rates_match_config(tmp_path: Path) -> None:
    cfg = NoiseConfig(name_homophone=0.05, missing_phone=0.2, duplicated_row=0.02, id_legacy_15=0.05)
    out = tmp_path / "c"
    generate_city(out, 2000, 3, ["2015-06"], noise=cfg)
    errors = pd.read_parquet(out / "truth" / "errors.parquet")
    rows = json.loads((out / "truth" / "config.json").read_text(encoding="utf-8"))["rows"]
    emp = rows["si_employee"]["2015-06"]
    e = errors[errors["source"] == "si_employee"]
    phone = (e["error_type"] == "missing_phone").sum() / emp
    assert abs(phone - 0.2) < 0.03
    dup = (e["error_type"] == "duplicated_row").sum() / emp
    assert abs(dup - 0.02) < 0.01
    homo = errors[errors["error_type"] == "name_homophone"]
    assert len(homo) > 0 and (homo["clean_value"] != homo["delivered_value"]).all()
    legacy = errors[errors["error_type"] == "id_legacy_15"]
    assert legacy["delivered_value"].str.len().eq(15).all()


def test_clean_config_delivers_clean_values(tmp_path: Path) -> None:
    out = tmp_path / "clean"
    generate_city(out, 1000, 5, ["2015-06"], noise=NoiseConfig.none())
    errors = pd.read_parquet(out / "truth" / "errors.parquet")
    assert len(errors) == 0
    df = _read(out / "landing" / "si_employee" / "2015-06" / "si_employee_201506.csv", "si_employee")
    assert all(ric.calc_check_digit(i) == i[-1] for i in df["AAC002"])


def test_truth_joins_every_person_row_and_logged_errors_are_delivered(city: Path) -> None:
    recs = pd.read_parquet(city / "truth" / "records.parquet")
    persons = pd.read_parquet(city / "truth" / "persons.parquet")
    assert recs["person_id"].isin(persons["person_id"]).all()
    errors = pd.read_parquet(city / "truth" / "errors.parquet")
    for source in ["ps_hukou", "si_resident", "ca_death", "tax_withholding"]:
        for period in PERIODS:
            path = next((city / "landing" / source / period).iterdir())
            df = _read(path, source)
            r = recs[(recs["source"] == source) & (recs["period"] == period)]
            assert len(r) == len(df) and r["row_number"].tolist() == list(range(1, len(df) + 1))
            e = errors[(errors["source"] == source) & (errors["period"] == period) & (errors["column"] != "")
                       & (errors["file"] == path.name)]
            last = e.drop_duplicates(["row_number", "column"], keep="last")
            for row in last.head(50).itertuples():
                delivered = df.iloc[row.row_number - 1][row.column]
                if source in {"ca_death"} and not isinstance(delivered, str):
                    continue  # an Excel date cell
                assert str(delivered) == row.delivered_value


def test_status_follows_the_rules(city: Path) -> None:
    st = pd.read_parquet(city / "truth" / "status.parquet")
    assert set(st["scheme_group"]) == {"pension", "medical", "unemployment", "work_injury", "maternity"}
    should = st[st["should"]]
    parts = should["lapsed"].astype(int) + should["never"].astype(int) + (should["insured"]).astype(int)
    assert (parts == 1).all()
    for g, lo, hi in [("pension", 0.75, 0.99), ("medical", 0.85, 1.0)]:
        s = should[should["scheme_group"] == g]
        assert lo < s["insured"].mean() < hi
    assert should["lapsed"].any() and should["never"].any()
    assert not st.loc[~st["alive"], "should"].any()
    f = pd.read_parquet(city / "truth" / "findings.parquet")
    assert {"重复参保", "employer_gap"} <= set(f["finding_type"])


def test_noise_config_from_file(tmp_path: Path) -> None:
    p = tmp_path / "n.yaml"
    p.write_text("missing_phone: 0.5\nduplicated_row: 0\n", encoding="utf-8")
    cfg = NoiseConfig.from_file(p)
    assert cfg.missing_phone == 0.5 and cfg.duplicated_row == 0 and cfg.name_homophone == 0.01
    j = tmp_path / "n.json"
    j.write_text('{"bogus": 0.1}', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown rates bogus"):
        NoiseConfig.from_file(j)


def test_shifted_leap_day_stays_a_real_date() -> None:
    """A birth date of 29 Feb shifted by a year must not crash the generator (seed 20150101 at 50 k hit it)."""
    import random

    from synthetic.noise import _shift_date

    for i in range(200):
        out = _shift_date("1996-02-29", random.Random(i))
        assert len(out) == 10 and out[4] == "-"
