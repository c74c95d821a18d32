"""int_record_identifiers and marts.record_identifiers keep one partition per link period: the monthly routine
inserts its own period's links and re-points earlier rows whose identifier was merged since. Whatever the
order of runs, the tables must equal a full rebuild."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from test_marts_support import City, run_dbt, set_registry

HK = "stg_ps_hukou__residents"
MODELS = ("int_record_identifiers", "record_identifiers")


def cb(n: int) -> str:
    return f"CB{n:012d}"


def _rows(wh: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(wh), read_only=True) as con:
        return {
            "int": con.execute(
                "select record_key, identifier, linked_identifier, link_period "
                "from intermediate.int_record_identifiers order by record_key"
            ).fetchall(),
            "mart": con.execute(
                "select record_key, period, identifier from marts.record_identifiers order by record_key"
            ).fetchall(),
        }


def _link(con: duckdb.DuckDBPyConnection, key: str, identifier: str, period: str) -> None:
    con.execute("insert into linkage.record_links values (?, ?, ?, ?)", [key, identifier, period, f"run-{period}"])


def _build(wh: Path, period: str, *extra: str) -> None:
    run_dbt(wh, period, "run", "--select", *MODELS, *extra)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = tmp_path_factory.mktemp("record_ids") / "warehouse.duckdb"
    city = City()
    a1 = city.add(HK, "2015-01", cb(1), id_number="500107199001010011")
    b1 = city.add(HK, "2015-01", cb(5), id_number="500107199202020022")
    with duckdb.connect(str(wh)) as con:
        city.write(con)
        set_registry(con, [(cb(1), "active", None), (cb(5), "active", None)])
    _build(wh, "2015-01")
    assert [r[:2] for r in _rows(wh)["int"]] == [(a1, cb(1)), (b1, cb(5))]
    # 2015-02: the same two people again, and linkage finds they are one: CB5 becomes an alias of CB1.
    with duckdb.connect(str(wh)) as con:
        _link(con, "ps_hukou|2015-02|h.csv|1", cb(1), "2015-02")
        _link(con, "ps_hukou|2015-02|h.csv|2", cb(5), "2015-02")
        set_registry(con, [(cb(1), "active", None), (cb(5), "alias", cb(1))])
    _build(wh, "2015-02")
    return wh


def test_routine_adds_its_period_and_follows_the_new_merge(warehouse: Path) -> None:
    rows = _rows(warehouse)
    assert rows["int"] == [
        ("ps_hukou|2015-01|ps_hukou.csv|1", cb(1), cb(1), "2015-01"),
        ("ps_hukou|2015-01|ps_hukou.csv|2", cb(1), cb(5), "2015-01"),  # earlier row re-pointed to the survivor
        ("ps_hukou|2015-02|h.csv|1", cb(1), cb(1), "2015-02"),
        ("ps_hukou|2015-02|h.csv|2", cb(1), cb(5), "2015-02"),
    ]
    assert [r[2] for r in rows["mart"]] == [cb(1)] * 4
    assert [r[1] for r in rows["mart"]] == ["2015-01", "2015-01", "2015-02", "2015-02"]


def test_routine_equals_a_full_rebuild_and_a_rerun_changes_nothing(warehouse: Path, tmp_path: Path) -> None:
    full = tmp_path / "full" / "warehouse.duckdb"
    full.parent.mkdir()
    shutil.copy(warehouse, full)
    _build(full, "2015-02", "--full-refresh")
    assert _rows(full) == _rows(warehouse)

    again = tmp_path / "again" / "warehouse.duckdb"
    again.parent.mkdir()
    shutil.copy(warehouse, again)
    _build(again, "2015-02")
    assert _rows(again) == _rows(warehouse)


def test_a_period_whose_marts_never_ran_is_filled_in(warehouse: Path, tmp_path: Path) -> None:
    wh = tmp_path / "skip" / "warehouse.duckdb"
    wh.parent.mkdir()
    shutil.copy(warehouse, wh)
    with duckdb.connect(str(wh)) as con:
        _link(con, "ps_hukou|2015-03|h.csv|1", cb(1), "2015-03")  # linked, but its marts failed
        _link(con, "ps_hukou|2015-04|h.csv|1", cb(1), "2015-04")
    _build(wh, "2015-04")
    periods = [r[3] for r in _rows(wh)["int"]]
    assert periods.count("2015-03") == 1 and periods.count("2015-04") == 1
    assert len(_rows(wh)["mart"]) == 6
