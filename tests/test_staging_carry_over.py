"""Staging carry-over (macros/carry_over.sql) is exact: a period staged with last period's unchanged rows carried
over equals the same period checked in full — on a generated city plus hand-made rows at the edges (a birth
date between the two period ends, a row repeated only in the new delivery, a township list that changes)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml
from test_staging_fixtures import DBT_DIR, REPO, load_rows

P1, P2, P3 = "2015-01", "2015-02", "2015-03"
CARRY_MODELS = ["ps_hukou", "ps_residence", "si_employee", "si_resident", "ca_assistance", "ic_enterprise"]
SOURCES = yaml.safe_load((REPO / "canbao/contract/sources.yaml").read_text(encoding="utf-8"))["sources"]
STAGING_SELECT = ["--select", "resource_type:seed tag:staging int_person_names int_person_records"]


def _dbt(warehouse: Path, period: str, fingerprint: str) -> None:
    env = {**os.environ, "CANBAO_WAREHOUSE": str(warehouse), "CANBAO_DUCKDB_TEMP_DIR": str(warehouse.parent / "t")}
    cmd = [
        str(Path(sys.executable).with_name("dbt")),
        "build",
        *STAGING_SELECT,
        "--exclude-resource-type",
        "test",
        "--project-dir",
        str(DBT_DIR),
        "--profiles-dir",
        str(DBT_DIR),
        "--target-path",
        str(warehouse.parent / "dbt_target"),
        "--log-path",
        str(warehouse.parent / "dbt_logs"),
        "--vars",
        json.dumps({"period": period, "staging_fingerprint": fingerprint}),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:]


def _edge_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Rows identical in P2 and P3 whose result must still change: a child born after P2's end (its number is
    'in the future' in P2, valid in P3), and in P2 only, a hukou row delivered twice."""
    from canbao.idnumbers import check_char

    def number(first17: str) -> str:
        return first17 + check_char(first17)

    child = {
        "公民身份号码": number("50010720150305001"),
        "姓名": "边缘",
        "性别": "1",
        "民族": "汉族",
        "出生日期": "20150305",
        "户号": "EDGE1",
        "与户主关系": "子",
        "住址": "某街1号",
        "区县代码": "500107",
        "乡镇街道": "石桥铺街道",
        "户口状态": "正常",
    }
    adult = {
        **child,
        "公民身份号码": number("50010719800101001"),
        "姓名": "重复",
        "出生日期": "19800101",
        "与户主关系": "户主",
    }
    for period in (P2, P3):
        load_rows(con, "ps_hukou", period, [child], file=f"edge_{period}.csv")
    load_rows(con, "ps_hukou", P2, [adult, adult], file="dup_2015-02.csv")
    load_rows(con, "ps_hukou", P3, [adult], file="dup_2015-03.csv")


def _abolish_one_township(con: duckdb.DuckDBPyConnection) -> None:
    """P3's division list: the first active township is abolished (a list change disables township carry-over)."""
    con.execute(f"""update raw.ca_divisions set "状态" = '撤销'
        where _period = '{P3}' and rowid = (select min(rowid) from raw.ca_divisions where _period = '{P3}')""")


def _tables(con: duckdb.DuckDBPyConnection, period: str) -> dict[str, str]:
    """Every staging relation of the period, as a SELECT without the carry-over bookkeeping columns."""
    out = {}
    for schema, name in con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('staging', 'staging_base', 'intermediate') order by 1, 2"
    ).fetchall():
        if name == "int_person_names":  # the name cache spans periods: every entry, whichever run made it
            out[f"{schema}.{name}"] = f'select * exclude (_fingerprint) from "{schema}"."{name}"'
            continue
        out[f"{schema}.{name}"] = (
            f'select * exclude (_fingerprint, _checked_period) from "{schema}"."{name}" where period = \'{period}\''
            if name.startswith("base_") and name[5:] in CARRY_MODELS
            else f'select * from "{schema}"."{name}" where period = \'{period}\''
        )
    return out


def _at(warehouse: Path, period: str) -> Path:
    """The warehouse as it was after `period` was staged: a carry-over base table holds the latest period
    only, so P2's base rows are read from the copy taken after P2 (the final file is P3's)."""
    return warehouse if period == P3 else warehouse.with_name(f"after_{period}.duckdb")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(carried, full): P2 and P3 staged with carry-over, and the same periods each checked in full."""
    from canbao.ingest.deliveries import ingest_source_period
    from synthetic.generate import generate_city

    root = tmp_path_factory.mktemp("carry")
    generate_city(root, 800, 5, [P1, P2, P3])
    carried = root / "carried" / "warehouse.duckdb"
    carried.parent.mkdir()
    for period in (P1, P2, P3):
        for source in SOURCES:
            ingest_source_period(carried, root / "landing", source, period)
    with duckdb.connect(str(carried)) as con:
        _edge_rows(con)
        _abolish_one_township(con)
    _dbt(carried, P1, "fp")
    full = root / "full" / "warehouse.duckdb"
    full.parent.mkdir()
    shutil.copyfile(carried, full)
    _dbt(carried, P2, "fp")
    shutil.copyfile(carried, _at(carried, P2))
    _dbt(carried, P3, "fp")
    # A fingerprint other than the one the previous period was checked with: nothing is carried.
    _dbt(full, P2, "full-2")
    shutil.copyfile(full, _at(full, P2))
    _dbt(full, P3, "full-3")
    return carried, full


@pytest.mark.slow
@pytest.mark.parametrize("period", [P2, P3])
def test_carried_period_equals_full_check(runs: tuple[Path, Path], period: str) -> None:
    carried, full = _at(runs[0], period), _at(runs[1], period)
    with duckdb.connect(str(carried), read_only=True) as con:
        con.execute(f"attach '{full}' as full_run (read_only)")
        tables = _tables(con, period)
        assert len(tables) >= 27
        for table, sql in tables.items():
            other = sql.replace(' from "', ' from full_run."')
            n = con.execute(f"select count(*) from ({sql})").fetchone()[0]
            diff = con.execute(f"select count(*) from (({sql}) except all ({other}))").fetchone()[0]
            back = con.execute(f"select count(*) from (({other}) except all ({sql}))").fetchone()[0]
            assert (diff, back) == (0, 0), (table, n, diff, back)


@pytest.mark.slow
def test_unchanged_rows_are_carried_and_edges_rechecked(runs: tuple[Path, Path]) -> None:
    carried, _ = runs
    share: dict[str, float] = {}
    child: list[tuple] = []
    dup: list[tuple] = []
    kept: dict[str, list[tuple]] = {}
    for period, earlier in ((P2, P1), (P3, P2)):
        with duckdb.connect(str(_at(carried, period)), read_only=True) as con:
            for table in ("ps_hukou", "si_employee"):
                share[f"{table}_{period}"] = con.execute(
                    f"select avg((_checked_period = '{earlier}')::int) from staging_base.base_{table} "
                    f"where period = '{period}'"
                ).fetchall()[0][0]
            child += con.execute(
                "select period, id_is_valid, _checked_period from staging_base.base_ps_hukou "
                "where household_no = 'EDGE1' and name = '边缘' order by 1"
            ).fetchall()
            dup += con.execute(
                "select period, file_name, quarantine_reasons, _checked_period from staging_base.base_ps_hukou "
                "where household_no = 'EDGE1' and name = '重复' order by 1, 2, row_number"
            ).fetchall()
            kept[period] = con.execute("select distinct period from staging_base.base_ps_hukou").fetchall()
    # Most of a snapshot repeats last month's rows: carried. P3's township list changed: hukou (matched to
    # townships) is checked in full, employees (not matched to townships) are still carried.
    assert share[f"ps_hukou_{P2}"] > 0.8 and share[f"si_employee_{P2}"] > 0.8, share  # last paid month refreshed
    assert share[f"ps_hukou_{P3}"] == 0.0 and share[f"si_employee_{P3}"] > 0.0, share
    # the child born 2015-03-05: 'in the future' (invalid) in P2, valid in P3 — rechecked, not carried
    assert child == [(P2, False, P2), (P3, True, P3)]
    # a row repeated in P2's delivery is quarantined there; in P3 it is single and staged
    assert [(p, list(r)) for p, _f, r, _c in dup] == [(P2, []), (P2, ["duplicate_row"]), (P3, [])]
    # a carry-over base table holds the period it was built for; last period's rows came from the old table
    assert kept == {P2: [(P2,)], P3: [(P3,)]}


BY_FINGERPRINT = "select _fingerprint, count(*) from intermediate.int_person_names group by 1"


@pytest.mark.slow
def test_name_cache_reused_under_the_same_logic_only(runs: tuple[Path, Path]) -> None:
    carried, full = runs
    with duckdb.connect(str(carried), read_only=True) as con:
        made = dict(
            con.execute("select _fingerprint, count(*) from intermediate.int_person_names group by 1").fetchall()
        )
        p3_names = con.execute(
            f"select count(distinct name) from intermediate.int_person_records where period = '{P3}'"
        ).fetchall()[0][0]
    with duckdb.connect(str(full), read_only=True) as con:
        remade = dict(
            con.execute("select _fingerprint, count(*) from intermediate.int_person_names group by 1").fetchall()
        )
    # same fingerprint in every period: each name computed once, by whichever run first met it
    assert set(made) == {"fp"} and made["fp"] > 0
    # another fingerprint: every name of P3 recomputed (new logic), the names only P1/P2 had are kept as they were
    assert remade["full-3"] >= p3_names > 0
    assert sum(remade.values()) == made["fp"]
