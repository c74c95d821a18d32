"""Ingest of Excel deliveries (ca_death, ca_assistance, survey_returns)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from canbao.contract import source_spec
from canbao.errors import DeliveryRejected
from canbao.ingest import ingest_source_period
from canbao.ingest.excel_reader import cell_text

P = "2015-03"
DEATH = source_spec("ca_death").columns  # 身份证号 姓名 性别 死亡日期 火化日期 区县代码


def write_book(path: Path, header: list[str], rows: dict[int, list[object]], extra_sheet: bool = True) -> None:
    """rows: 0-based sheet row index -> cells (gaps are blank rows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("死亡名单")
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, header)
    for r, cells in rows.items():
        for c, value in enumerate(cells):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, date_fmt)
            elif value is not None:
                sheet.write(r, c, value)
    if extra_sheet:
        book.add_worksheet("说明").write_row(0, 0, ["填表说明", "不是数据"])
    book.close()


def query(wh: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_excel_dates_numbers_blank_rows_and_extra_sheet(tmp_path: Path) -> None:
    wh, landing = tmp_path / "warehouse.duckdb", tmp_path / "landing"
    rows: dict[int, list[object]] = {
        1: ["50010719300101001x", "张三", "男", dt.datetime(2015, 3, 2), "2015-03-05", 500107],
        3: ["500107193001010022", "李四", "女", "2015-03-09", dt.datetime(2015, 3, 11), 500108.0],
        4: ["500107193001010033", "王五", "男", 42069, None, "500109"],  # date typed as a plain number
    }
    write_book(landing / "ca_death" / P / "死亡_2015年3月.xlsx", list(DEATH), rows)
    (landing / "ca_death" / P / "~$死亡_2015年3月.xlsx").write_bytes(b"lock")
    result = ingest_source_period(wh, landing, "ca_death", P)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 3, 3, 0)
    assert (result.files[0].blank_rows, result.files[0].encoding) == (1, "xlsx")
    assert query(
        wh, 'SELECT _row_number, "身份证号", "死亡日期", "火化日期", "区县代码" FROM raw.ca_death ORDER BY 1'
    ) == [
        (1, "50010719300101001x", "2015-03-02", "2015-03-05", "500107"),
        (3, "500107193001010022", "2015-03-09", "2015-03-11", "500108"),
        (4, "500107193001010033", "42069", "", "500109"),
    ]


def test_excel_value_beyond_the_header_is_too_many_fields(tmp_path: Path) -> None:
    wh, landing = tmp_path / "warehouse.duckdb", tmp_path / "landing"
    rows: dict[int, list[object]] = {
        1: ["500107193001010011", "张三", "男", "2015-03-02", "2015-03-05", "500107"],
        2: ["500107193001010022", "李四", "女", "2015-03-09", "2015-03-11", "500108", None, "备注"],
    }
    write_book(landing / "ca_death" / P / "d.xlsx", list(DEATH), rows, extra_sheet=False)
    result = ingest_source_period(wh, landing, "ca_death", P)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 1, 1)
    assert query(wh, "SELECT row_number, reason, message, raw_line FROM raw._ingest_rejects") == [
        (2, "too_many_fields", "expected 6 fields, found 8",
         "500107193001010022,李四,女,2015-03-09,2015-03-11,500108,,备注"),
    ]  # fmt: skip


def test_excel_missing_column_and_broken_workbook_are_rejected(tmp_path: Path) -> None:
    wh, landing = tmp_path / "warehouse.duckdb", tmp_path / "landing"
    write_book(landing / "ca_death" / P / "d.xlsx", list(DEATH[:-1]), {1: ["x", "y", "男", "", "", ""]})
    with pytest.raises(DeliveryRejected) as err:
        ingest_source_period(wh, landing, "ca_death", P)
    assert str(err.value) == "ca_death 2015-03: d.xlsx line 1: header does not match the contract: missing 区县代码"
    (landing / "ca_death" / P / "d.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DeliveryRejected, match=r"^ca_death 2015-03: d.xlsx: cannot be read as an Excel workbook: "):
        ingest_source_period(wh, landing, "ca_death", P)
    (landing / "ca_death" / P / "d.xlsx").write_text("身份证号,姓名\n")
    with pytest.raises(DeliveryRejected) as err:
        ingest_source_period(wh, landing, "ca_death", P)
    assert str(err.value) == "ca_death 2015-03: d.xlsx: not an Excel workbook (the contract says xlsx)"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (13800000000.0, "13800000000"),
        (12.5, "12.5"),
        (7, "7"),
        (dt.date(2015, 1, 3), "2015-01-03"),
        (dt.datetime(2015, 1, 3, 0, 0), "2015-01-03"),
        (dt.datetime(2015, 1, 3, 8, 30), "2015-01-03 08:30:00"),
        (True, "TRUE"),
        (None, ""),
        (" 张三 ", " 张三 "),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text  # type: ignore[arg-type]
