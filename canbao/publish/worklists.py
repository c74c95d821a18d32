"""Printable household-survey worklists: one .xlsx per township (入户调查工作清单), one block per household
with its address and each person's reasons, plus blank columns the surveyor fills in."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from canbao.publish._warehouse import read, read_rows

REASON_LABELS = {
    "never_pension": "养老未参保", "never_medical": "医疗未参保", "never_unemployment": "失业未参保",
    "never_work_injury": "工伤未参保", "never_maternity": "生育未参保", "lapsed_pension": "养老断保",
    "lapsed_medical": "医疗断保", "lapsed_unemployment": "失业断保", "lapsed_work_injury": "工伤断保",
    "lapsed_maternity": "生育断保", "incomplete": "未参齐险种", "invalid_id": "身份号码无效",
    "missing_id": "缺少身份号码",
    "conflicting_id": "身份号码不一致", "conflicting_birth_date": "出生日期不一致", "conflicting_name": "姓名不一致",
    "no_contact": "无联系方式",
}
PERSON_COLUMNS = ["姓名", "公民身份号码", "出生日期", "与户主关系", "联系电话", "调查原因",
                  "就业状态（填）", "未参保原因（填）", "参保意愿（填）", "备注（填）"]


FILLED_COLUMNS = 6  # the columns the platform fills; the rest are blank for the surveyor
BAND_PREFIX = "调查表编号 "  # starts the text of each household's band row
# the household band: the first cell as written, the rest of the row by conditional format (_grid_formats)
BAND_STYLE = {"bold": True, "bg_color": "#DDEBF7", "top": 1, "bottom": 1}


def _s(value: object) -> str:
    """Cell text: '' for missing values (None, NaN, pd.NA, NaT)."""
    return "" if value is None or pd.isna(value) else str(value)


# Below this many listed persons one process writes every workbook: starting workers would cost more.
PARALLEL_MIN_PERSONS = 50_000


def _label_sql(column: str) -> str:
    """SQL: the REASON_LABELS of a list column's codes joined by 、, made in DuckDB (a Python call per person was
    7 s of the step at 1 M persons)."""
    cases = " ".join(
        "WHEN '{}' THEN '{}'".format(code.replace("'", "''"), text.replace("'", "''"))
        for code, text in REASON_LABELS.items()
    )
    return f"array_to_string(list_transform({column}, lambda r: CASE r {cases} ELSE r END), '、')"


def write_township_worklists(warehouse: Path, reports_dir: Path, period: str, workers: int = 1) -> dict[str, Path]:
    """One workbook per township; with `workers` > 1 and a large city, townships are written by that many
    processes (xlsxwriter is pure Python: ~1 M rows at 1 M persons took 80 s in one process)."""
    items = read(warehouse, "select * from marts.survey_worklist where period = ? "
                            "order by township_code, priority, worklist_item_id", [period])
    # The cell texts of each person row, made in SQL; plain tuples per item, not one DataFrame per household
    # (tens of thousands of small frames cost minutes).
    persons = read_rows(
        warehouse,
        f"""
        select worklist_item_id,
               coalesce(name, ''), coalesce(id_number, ''), coalesce(strftime(birth_date, '%Y-%m-%d'), ''),
               coalesce(relation_to_head, ''), coalesce(phone, ''), coalesce({_label_sql('reasons')}, '')
        from restricted.worklist_persons where period = ?
        order by worklist_item_id, relation_to_head = '户主' desc, identifier
        """,
        [period],
    )
    out_dir = Path(reports_dir) / "worklists" / period
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    by_item: dict[str, list[tuple[str, ...]]] = {}
    for item_id, *values in persons:
        by_item.setdefault(item_id, []).append(tuple(values))
    jobs = []
    for township, township_items in items.groupby(items["township_code"].fillna("unknown")):
        path = out_dir / f"{township}.xlsx"
        own = {i: by_item[i] for i in township_items["worklist_item_id"] if i in by_item}
        jobs.append((path, period, str(township), township_items, own))
        written[str(township)] = path
    if workers > 1 and len(persons) >= PARALLEL_MIN_PERSONS:
        # spawn, not fork: the calling process holds DuckDB and Dagster threads
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            list(pool.map(_write_job, jobs, chunksize=max(1, len(jobs) // (workers * 8))))
    else:
        for job in jobs:
            _write_job(job)
    return written


def _write_job(job: tuple[Path, str, str, pd.DataFrame, dict[str, list[tuple[str, ...]]]]) -> None:
    _write_one(*job)


def _write_one(path: Path, period: str, township: str, items: pd.DataFrame,
               by_item: dict[str, list[tuple[str, ...]]]) -> None:
    # in_memory: no temp file per XML part (creating and removing ~10 temp files per workbook dominated)
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    ws = wb.add_worksheet("入户调查")
    title = wb.add_format({"bold": True, "font_size": 16})
    # a band's first cell is open to the right: its text runs on across the row
    block = wb.add_format({**BAND_STYLE, "left": 1})
    head = wb.add_format({"bold": True, "border": 1, "text_wrap": True})
    cell = wb.add_format({"border": 1, "text_wrap": True})
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 21)
    ws.set_column(2, 4, 12)
    ws.set_column(5, 5, 28)
    ws.set_column(6, 9, 14)
    ws.write(0, 0, f"参保登记入户调查工作清单（{period}）", title)
    ws.write(1, 0, f"乡镇街道：{township}    户数：{len(items)}")
    # One column header under the title, repeated on every printed page: a header per household block was a
    # third of all cells written (pure-Python xlsxwriter: the cells are the step's cost).
    ws.write_row(2, 0, PERSON_COLUMNS, head)
    row = 3
    # Only non-empty texts are written as cells; the household bands and the grid of empty cells come from
    # three conditional formats over the whole list (see _grid_formats). Formatted blank cells (empty values,
    # the surveyor's columns, the 9 padding cells of a merged band) were two thirds of ~6 M cells at 1 M persons,
    # and xlsxwriter is pure Python (~10 µs a cell).
    write_string = ws.write_string
    for item in items.itertuples():
        # the band's text overflows into its empty neighbours, as in the merged band it replaces
        write_string(row, 0, f"{BAND_PREFIX}{item.worklist_item_id}    优先级 {item.priority}    "
                             f"户号 {_s(item.household_no) or '—'}    地址 {_s(item.address) or '—'}", block)
        row += 1
        # write_string per cell, not write_row: write_row's per-value type dispatch was a third of a cell's cost
        for values in by_item.get(item.worklist_item_id, []):
            for col, value in enumerate(values):
                if value:
                    write_string(row, col, value, cell)
            row += 1
        row += 1
    if row > 3:
        _grid_formats(wb, ws, 3, row - 1)
    ws.repeat_rows(0, 2)
    wb.close()


def _grid_formats(wb: xlsxwriter.Workbook, ws: Worksheet, first: int, last: int) -> None:
    """Borders and bands for rows first..last (0-based) as conditional formats, which Excel, WPS and
    LibreOffice show and print: a band row (its first cell starts with BAND_PREFIX) is filled, bold and boxed
    with no inner borders (its text runs across the row); a person row (any of the platform's columns filled)
    gets a border on every cell, the surveyor's columns included; the empty row after each household stays bare."""
    width = len(PERSON_COLUMNS) - 1
    top = first + 1  # the formulas use the 1-based row of the range's first cell
    is_band = f'LEFT($A{top},{len(BAND_PREFIX)})="{BAND_PREFIX}"'
    band = wb.add_format(BAND_STYLE)
    band_end = wb.add_format({**BAND_STYLE, "right": 1})
    grid = wb.add_format({"border": 1})
    # first matching rule wins (stop_if_true): the band's last cell closes the box, the rest of it has no
    # inner borders, person rows are a grid
    ws.conditional_format(first, width, last, width,
                          {"type": "formula", "criteria": f"={is_band}", "format": band_end, "stop_if_true": True})
    ws.conditional_format(first, 0, last, width,
                          {"type": "formula", "criteria": f"={is_band}", "format": band, "stop_if_true": True})
    filled = f"$A{top}:${xl_col_to_name(FILLED_COLUMNS - 1)}{top}"
    ws.conditional_format(first, 0, last, width,
                          {"type": "formula", "criteria": f"=COUNTA({filled})>0", "format": grid})
    ws.print_area(0, 0, last, width)  # a band's text may run past the last column on screen, not on paper
