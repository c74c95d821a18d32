"""ID numbers and employer codes: Python reference values, and the SQL macros agree with Python."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import duckdb
import pytest
from test_staging_fixtures import DBT_DIR, create_raw_schema, run_dbt

from canbao import idnumbers

PERIOD_END = dt.date(2015, 1, 31)


def test_reference_vectors() -> None:
    assert idnumbers.standardise("110105491231002") == "11010519491231002X"
    assert idnumbers.standardise(" １１０１０５ １９４９１２３１００２ｘ ") == "11010519491231002X"
    assert idnumbers.is_valid("440524188001010014", PERIOD_END)
    assert idnumbers.is_valid("11010519491231002X", PERIOD_END)
    assert not idnumbers.is_valid("110105194912310021", PERIOD_END)  # wrong check char
    assert idnumbers.standardise("1101051949123") is None


def test_birth_date_and_gender() -> None:
    info = idnumbers.parse("11010519491231002X", PERIOD_END)
    assert info.birth_date == dt.date(1949, 12, 31) and info.gender == "2" and not info.was_15
    body = "50010719850230001"  # 1985-02-30 does not exist
    bad_date = body + idnumbers.check_char(body)
    assert idnumbers.check_ok(bad_date) and not idnumbers.is_valid(bad_date, PERIOD_END)
    body = "99010719850101001"  # no province 99
    assert not idnumbers.is_valid(body + idnumbers.check_char(body), PERIOD_END)
    future = "50010720160101001"
    assert not idnumbers.is_valid(future + idnumbers.check_char(future), PERIOD_END)


def test_credit_codes() -> None:
    assert idnumbers.uscc_is_valid("91110000600037341L")
    assert idnumbers.uscc_is_valid("91110108551385082Q")
    assert not idnumbers.uscc_is_valid("91110108551385082R")
    assert idnumbers.uscc_check_char("91110108551385082") == "Q"
    reg = "11010500000000"
    from stdnum.iso7064 import mod_11_10

    good = reg + mod_11_10.calc_check_digit(reg)
    assert idnumbers.registration_no_is_valid(good)
    assert not idnumbers.registration_no_is_valid(good[:-1] + str((int(good[-1]) + 1) % 10))


_FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def _garbled_numbers(n: int, seed: int = 7) -> list[str]:
    """Valid, mistyped, 15-digit, short, full-width, spaced and lower-case-x numbers."""
    rng = random.Random(seed)
    out: list[str] = []
    provinces = list(idnumbers.PROVINCE_CODES) + ["99", "00"]
    for _ in range(n):
        born = dt.date(1900, 1, 1) + dt.timedelta(days=rng.randrange(0, 43000))
        place = rng.choice(provinces) + f"{rng.randrange(0, 10000):04d}"
        body = place + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
        s = body + idnumbers.check_char(body)
        kind = rng.randrange(9)
        if kind == 0:
            s = s[:6] + s[8:17]  # legacy 15
        elif kind == 1:
            i = rng.randrange(17)
            s = s[:i] + str((int(s[i]) + 1) % 10) + s[i + 1 :]  # typo
        elif kind == 2:
            s = s.translate(_FULLWIDTH)
        elif kind == 3:
            s = " " + s[:6] + " " + s[6:] + "\u3000"
        elif kind == 4:
            s = s.lower()
        elif kind == 5:
            s = s[: rng.randrange(1, 17)]
        elif kind == 6:
            s = s[:10] + "0230" + s[14:]  # impossible date, check char now wrong too
        elif kind == 7:
            s = s[:6] + "-" + s[6:14] + "." + s[14:]
        out.append(s)
    return out


@pytest.fixture(scope="module")
def seeded_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = tmp_path_factory.mktemp("idsql") / "warehouse.duckdb"
    con = duckdb.connect(str(wh))
    create_raw_schema(con)
    con.close()
    run_dbt(wh, ["seed", "--select", "gbt2260_provinces"], "2015-01")
    return wh


def _compile_inline(wh: Path, sql: str) -> str:
    import os

    from dbt.cli.main import dbtRunner

    os.environ["CANBAO_WAREHOUSE"] = str(wh)
    res = dbtRunner().invoke(
        ["compile", "--inline", sql, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
         "--vars", '{"period": "2015-01"}', "--target-path", str(wh.parent / "dbt_target"),
         "--log-path", str(wh.parent / "dbt_logs"), "--quiet"]
    )
    assert res.success, res.exception
    return res.result.results[0].node.compiled_code


def test_sql_macros_agree_with_python(seeded_warehouse: Path) -> None:
    numbers = _garbled_numbers(3000)
    sql = _compile_inline(
        seeded_warehouse,
        "select raw, {{ id_standardise('raw') }} as std, {{ id_was_15('raw') }} as was_15 from ids",
    )
    con = duckdb.connect(str(seeded_warehouse))
    con.execute("create temp table ids (i integer, raw varchar)")
    con.executemany("insert into ids values (?, ?)", list(enumerate(numbers)))
    std = dict(con.execute(f"select raw, std from ({sql})").fetchall())
    was15 = dict(con.execute(f"select raw, was_15 from ({sql})").fetchall())
    facts_sql = _compile_inline(
        seeded_warehouse,
        "select std, {{ id_is_valid('std', period_end()) }} as ok, {{ id_birth_date('std') }} as born, "
        "{{ id_gender('std') }} as g from (select distinct std from stds)",
    )
    con.execute("create temp table stds as select std from (" + sql + ")")
    facts = {r[0]: r[1:] for r in con.execute(facts_sql).fetchall()}
    con.close()
    mismatches = []
    for raw in numbers:
        p_std = idnumbers.standardise(raw)
        if std[raw] != p_std or was15[raw] != idnumbers.was_15(raw):
            mismatches.append((raw, std[raw], p_std))
            continue
        if p_std is not None:
            ok, born, g = facts[p_std]
            expected = (idnumbers.is_valid(p_std, PERIOD_END), idnumbers.birth_date(p_std), idnumbers.gender(p_std))
            if (ok, born, g) != expected:
                mismatches.append((raw, (ok, born, g), expected))
    assert not mismatches, mismatches[:10]
    # The sample really exercises both outcomes.
    valid = sum(idnumbers.is_valid(idnumbers.standardise(n), PERIOD_END) for n in numbers)
    assert 900 < valid < 2700
    assert sum(idnumbers.standardise(n) is None for n in numbers) > 200


def test_sql_credit_codes_agree(seeded_warehouse: Path) -> None:
    from stdnum.iso7064 import mod_11_10

    rng = random.Random(3)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    usccs, regs = [], []
    for _ in range(500):
        body = "".join(rng.choice(alphabet) for _ in range(17))
        code = body + idnumbers.uscc_check_char(body)
        usccs.append(code if rng.random() < 0.6 else body + rng.choice(alphabet))
        rb = "".join(rng.choice("0123456789") for _ in range(14))
        rc = rb + mod_11_10.calc_check_digit(rb)
        regs.append(rc if rng.random() < 0.6 else rb + rng.choice("0123456789"))
    sql = _compile_inline(
        seeded_warehouse, "select c, {{ uscc_is_valid('c') }} as u, {{ registration_no_is_valid('c') }} as r from codes"
    )
    con = duckdb.connect(str(seeded_warehouse))
    con.execute("create temp table codes (c varchar)")
    con.executemany("insert into codes values (?)", [[c] for c in usccs + regs])
    got = {c: (u, r) for c, u, r in con.execute(sql).fetchall()}
    con.close()
    for c in usccs:
        assert got[c][0] == idnumbers.uscc_is_valid(c), c
    for c in regs:
        assert got[c][1] == idnumbers.registration_no_is_valid(c), c
