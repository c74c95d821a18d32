"""Publication on the hand-made city of test_marts: worklists open in openpyxl with the right households,
district extracts hold only their district, one department extract per department."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from test_marts import P2, warehouse  # noqa: F401 - the module-scoped warehouse fixture

from canbao.publish.department_extracts import DEPARTMENTS, write_department_extracts
from canbao.publish.district_extracts import TABLES, write_district_extracts
from canbao.publish.worklists import write_township_worklists

P1 = "2015-01"


def test_township_worklists_list_the_households(warehouse: Path, tmp_path: Path) -> None:  # noqa: F811
    files = write_township_worklists(warehouse, tmp_path, P1)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = dict(con.execute("select coalesce(township_code, 'unknown'), count(*) from marts.survey_worklist "
                                    "where period = ? group by 1", [P1]).fetchall())
        h1 = con.execute("select worklist_item_id from marts.survey_worklist where period = ? and household_no = 'H1'",
                         [P1]).fetchone()[0]
    assert set(files) == set(expected)
    ws = openpyxl.load_workbook(files["500107001"]).active
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells[0] == f"参保登记入户调查工作清单（{P1}）"
    blocks = [c for c in cells if c.startswith("调查表编号 ")]
    assert len(blocks) == expected["500107001"]
    h1_block = next(b for b in blocks if h1 in b)
    assert "户号 H1" in h1_block and "地址 H1号" in h1_block
    # 李二 of H1 with her reasons in words, and her full ID number (the printed form is restricted)
    row = next(r for r in ws.iter_rows(values_only=True) if r[0] == "李二")
    assert row[1] == "50010719850302002X" and "养老断保" in row[5] and "医疗未参保" in row[5]
    # Borders and household bands are conditional formats over the whole list (rows 4 to the end), in this
    # order: the band's last cell, the band, the grid of person rows (empty cells and surveyor's columns too).
    # (order = priority: stop_if_true makes the first matching rule the only one)
    rules = sorted((rule.priority, str(cf.sqref), rule.formula[0], rule.stopIfTrue)
                   for cf in ws.conditional_formatting for rule in cf.rules)
    last = ws.max_row + 1  # the empty row after the last household
    band = 'LEFT($A4,6)="调查表编号 "'
    assert [r[1:] for r in rules] == [(f"J4:J{last}", band, True), (f"A4:J{last}", band, True),
                                      (f"A4:J{last}", "COUNTA($A4:$F4)>0", None)]
    assert ws.print_area == f"'入户调查'!$A$1:$J${last}"
    # only texts are cells: no formatted blanks for empty values or the surveyor's columns
    assert all(c.value is not None for r in ws.iter_rows(min_row=4) for c in r if c.has_style and c.style_id)


def test_worklists_written_by_several_processes_are_the_same(
    warehouse: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import canbao.publish.worklists as worklists

    one = write_township_worklists(warehouse, tmp_path / "one", P1)
    monkeypatch.setattr(worklists, "PARALLEL_MIN_PERSONS", 1)
    two = write_township_worklists(warehouse, tmp_path / "two", P1, workers=2)
    assert set(one) == set(two) and len(one) >= 2

    def cells(path: Path) -> list[tuple]:
        return list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))

    for township in one:
        assert cells(two[township]) == cells(one[township]), township


def test_district_extracts_hold_only_their_district(warehouse: Path, tmp_path: Path) -> None:  # noqa: F811
    files = write_district_extracts(warehouse, tmp_path, P1)
    assert set(files) == {"500107", "500108"}
    for district, path in files.items():
        with duckdb.connect(str(path), read_only=True) as con:
            for table in TABLES:
                codes = {r[0] for r in con.execute(f"select distinct district_code from {table}").fetchall()}
                assert codes <= {district}, (district, table, codes)
            persons = con.execute("select count(*) from persons").fetchone()[0]
            assert persons > 0
    with duckdb.connect(str(files["500108"]), read_only=True) as con:
        assert con.execute("select identifier from persons").fetchall() == [("CB000000000006",)]


def test_one_extract_per_department(warehouse: Path, tmp_path: Path) -> None:  # noqa: F811
    files = write_department_extracts(warehouse, tmp_path, P1)
    assert set(files) == set(DEPARTMENTS)
    tax = pd.read_csv(files["tax"], dtype=str, encoding="utf-8-sig")
    assert list(tax["identifier"]) == ["CB000000000006"] and set(tax["finding_type"]) == {"employer_gap"}
    police = pd.read_csv(files["public_security"], dtype=str, encoding="utf-8-sig")
    assert set(police["finding_type"]) == {"id_problem"} and "*" not in "".join(police["id_number"].dropna())
    assert P2 != P1
