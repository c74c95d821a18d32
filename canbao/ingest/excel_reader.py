"""Read an Excel delivery (.xlsx, also .xls) with python-calamine: first sheet, header on the contract's row.

Cells become text the way a person reads them in Excel: dates `YYYY-MM-DD`, whole numbers without `.0`.
Row numbers are sheet row - header row; blank rows keep their number but are not loaded (`blank_rows`).
"""

from __future__ import annotations

import datetime as dt
import io
import math

from python_calamine import CalamineError, CalamineWorkbook

from canbao.contract import SourceSpec
from canbao.ingest.header import check_header
from canbao.ingest.parsed import TOO_MANY, FileProblem, ParsedFile, Reject, build_table

Cell = int | float | str | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None


def cell_text(value: Cell) -> str:
    """Text of one cell (no trimming: staging normalises)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Whole numbers lose the spurious ".0"; long ID numbers typed as numbers already lost digits in Excel.
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


def _sheet_rows(data: bytes, spec: SourceSpec) -> tuple[str, list[list[Cell]]]:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as err:
        problem = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise FileProblem(None, f"cannot be read as an Excel workbook: {problem}") from None
    try:
        if isinstance(spec.sheet, str) and spec.sheet != "first":
            if spec.sheet not in book.sheet_names:
                raise FileProblem(None, f"workbook has no sheet {spec.sheet!r} (sheets: {book.sheet_names})")
            sheet = book.get_sheet_by_name(spec.sheet)
        else:
            sheet = book.get_sheet_by_index(0)
        # skip_empty_area=False: keep leading empty rows/columns so sheet row numbers stay true.
        return sheet.name, sheet.to_python(skip_empty_area=False)
    except CalamineError as err:
        raise FileProblem(None, f"cannot read the first sheet: {str(err).splitlines()[0]}") from None
    finally:
        book.close()


def read_excel(data: bytes, spec: SourceSpec) -> ParsedFile:
    if not data:
        raise FileProblem(None, "file is empty (0 bytes)")
    sheet_name, rows = _sheet_rows(data, spec)
    header_index = spec.header_row - 1
    if len(rows) <= header_index:
        raise FileProblem(spec.header_row, f"sheet {sheet_name!r} has no header row (it is empty)")
    header_cells = [cell_text(c) for c in rows[header_index]]
    while header_cells and not header_cells[-1].strip():
        header_cells.pop()
    header, order_warning = check_header(header_cells, spec.columns, None, None)
    width = len(header)
    good: list[list[str]] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    blank = 0
    for number, row in enumerate(rows[header_index + 1 :], start=1):
        values = [cell_text(c) for c in row]
        if not any(v.strip() for v in values):
            blank += 1
            continue
        extra = [v for v in values[width:] if v.strip()]
        if extra:
            used = len(values) - next(i for i, v in enumerate(reversed(values)) if v.strip())
            rejects.append(Reject(number, TOO_MANY, f"expected {width} fields, found {used}", ",".join(values[:used])))
            continue
        values = values[:width] + [""] * (width - len(values))
        good.append(values)
        numbers.append(number)
    parsed = ParsedFile(table=build_table(spec.columns, header, good, numbers), rejects=rejects, blank_rows=blank)
    parsed.encoding = "xlsx"
    parsed.warnings = [order_warning] if order_warning else []
    return parsed
