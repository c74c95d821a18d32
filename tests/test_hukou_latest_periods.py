"""int_hukou_latest keeps each identifier's latest hukou row as state, one partition per period, built from the
period's delivery and the previous partition. Whatever the order of runs (in order, a skipped month, a full
rebuild), each partition must equal the latest row over every delivery up to its period."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from test_marts_support import City, run_dbt, set_registry

HK = "stg_ps_hukou__residents"
MODELS = ("int_record_identifiers", "int_hukou_latest")

# The latest row over every delivery up to the period (what int_persons_resolved computed before the state).
FULL_HISTORY = """
    select i.identifier, h.record_key, h.period, h.hukou_status
    from staging.stg_ps_hukou__residents as h
    inner join intermediate.int_record_identifiers as i on i.record_key = h.record_key
    where h.period <= ?
    qualify row_number() over (
        partition by i.identifier
        order by h.period desc, (h.hukou_status = '正常') desc, h.change_date desc nulls last, h.record_key) = 1
    order by 1
"""


def cb(n: int) -> str:
    return f"CB{n:012d}"


def _state(wh: Path, period: str) -> list[tuple]:
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(
            "select identifier, record_key, period, hukou_status from intermediate.int_hukou_latest "
            "where as_of_period = ? order by 1",
            [period],
        ).fetchall()


def _full_history(wh: Path, period: str) -> list[tuple]:
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(FULL_HISTORY, [period]).fetchall()


def _build(wh: Path, period: str, *extra: str) -> None:
    run_dbt(wh, period, "run", "--select", *MODELS, *extra)


@pytest.fixture(scope="module")
def city() -> City:
    """A: 正常, then cancelled in 2015-02 and no longer delivered. B and C: one row each (2015-01, 2015-02), found
    to be one person in 2015-03 (C becomes B's alias). D: delivered every month, twice in 2015-03."""
    c = City()
    c.add(HK, "2015-01", cb(1), hukou_status="正常")
    c.add(HK, "2015-02", cb(1), hukou_status="迁出注销", change_date=date(2015, 2, 10))
    c.add(HK, "2015-01", cb(5), hukou_status="正常")
    c.add(HK, "2015-02", cb(6), hukou_status="正常")
    for period in ("2015-01", "2015-02", "2015-03"):
        c.add(HK, period, cb(7), hukou_status="正常", change_date=date(2014, 1, 1))
    c.add(HK, "2015-03", cb(7), hukou_status="迁出注销", change_date=date(2015, 3, 1))
    return c


def _registry_as_of(con: duckdb.DuckDBPyConnection, period: str) -> None:
    merged = period >= "2015-03"
    set_registry(
        con,
        [
            (cb(1), "active", None),
            (cb(5), "active", None),
            (cb(6), "alias" if merged else "active", cb(5) if merged else None),
            (cb(7), "active", None),
        ],
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, city: City) -> Path:
    """The months built in order, each with the registry linkage left for it."""
    wh = tmp_path_factory.mktemp("hukou_latest") / "warehouse.duckdb"
    with duckdb.connect(str(wh)) as con:
        city.write(con)
    for period in ("2015-01", "2015-02", "2015-03"):
        with duckdb.connect(str(wh)) as con:
            _registry_as_of(con, period)
        _build(wh, period)
        assert _state(wh, period) == _full_history(wh, period), period
    return wh


def test_state_keeps_a_dropped_cancellation_and_follows_a_merge(warehouse: Path) -> None:
    state = {identifier: (period, status) for identifier, _, period, status in _state(warehouse, "2015-03")}
    assert state == {
        cb(1): ("2015-02", "迁出注销"),  # no longer delivered: the last delivery's cancellation stands
        cb(5): ("2015-02", "正常"),  # C's newer row, under the survivor B
        cb(7): ("2015-03", "正常"),  # 正常 wins within one delivery
    }
    # earlier partitions are what each month knew then
    assert {i for i, *_ in _state(warehouse, "2015-02")} == {cb(1), cb(5), cb(6), cb(7)}


def test_skipped_month_and_full_rebuild_give_the_same_state(warehouse: Path, tmp_path: Path, city: City) -> None:
    expected = _state(warehouse, "2015-03")

    full = tmp_path / "full" / "warehouse.duckdb"
    full.parent.mkdir()
    shutil.copy(warehouse, full)
    _build(full, "2015-03", "--full-refresh")
    assert _state(full, "2015-03") == expected

    skipped = tmp_path / "skipped" / "warehouse.duckdb"
    skipped.parent.mkdir()
    with duckdb.connect(str(skipped)) as con:
        city.write(con)
        _registry_as_of(con, "2015-01")
    _build(skipped, "2015-01")
    with duckdb.connect(str(skipped)) as con:
        _registry_as_of(con, "2015-03")
    _build(skipped, "2015-03")  # 2015-02 never built: the state of 2015-01 and the deliveries since
    assert _state(skipped, "2015-03") == expected

    again = tmp_path / "again" / "warehouse.duckdb"
    again.parent.mkdir()
    shutil.copy(warehouse, again)
    _build(again, "2015-03")
    assert _state(again, "2015-03") == expected
