"""Read a delimited text delivery (CSV / pipe TXT) into a ParsedFile.

Fast path: pyarrow's CSV reader over UTF-8 bytes (≈10x the csv module), taken only when every record
has exactly the contract's field count and every byte decodes; then row numbers are simply 1..n.
Otherwise the careful path: Python's C csv module, record by record, so each bad record is kept in
`raw._ingest_rejects` with its row number and raw text. Both split records the same way (quoted fields,
embedded newlines, doubled quotes, no trimming). Row numbers count data records (header excluded) from 1;
a blank line keeps its number but is not loaded (`blank_rows`).
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from canbao.contract import SourceSpec
from canbao.ingest.decoding import BOM, GBK_NAMES, Undecodable, decode_delivery
from canbao.ingest.header import check_header
from canbao.ingest.parsed import TOO_FEW, TOO_MANY, UNDECODABLE, FileProblem, ParsedFile, Reject, build_table

CHUNK_ROWS = 200_000
_LINE_END = re.compile(r"\r\n|\r|\n")


def _split_header(text: str) -> tuple[str, str, int]:
    """First physical line, the rest, and the offset where the rest starts."""
    m = _LINE_END.search(text)
    if m is None:
        return text, "", len(text)
    return text[: m.start()], text[m.end() :], m.end()


class _LineIndex:
    """Start offsets of the body's physical lines, built only when a raw line must be shown."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.starts: list[int] | None = None

    def text(self, first: int, last: int) -> str:
        """Raw text of body lines first..last (1-based, inclusive), line ends inside kept, final one cut."""
        if self.starts is None:
            self.starts = [0] + [m.end() for m in _LINE_END.finditer(self.body)]
        begin = self.starts[first - 1]
        end = self.starts[last] if last < len(self.starts) else len(self.body)
        raw = self.body[begin:end]
        return raw.rstrip("\r\n")


def _arrow_records(body: bytes | pa.Buffer, spec: SourceSpec, header: list[str], delimiter: str) -> ParsedFile | None:
    """Records via pyarrow; None when pyarrow cannot split the file (bad UTF-8, quote never closed).

    Records of the wrong width go to rejects through pyarrow's invalid-row handler; single-threaded
    parsing makes it report each record's ordinal, so the valid rows' numbers are the remaining ordinals.
    """
    width = len(header)
    if len(body) == 0:
        return ParsedFile(table=build_table(spec.columns, header, [], []))
    names = [f"f{i}" for i in range(width)]
    invalid: list[tuple[int, int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append((row.number, row.actual_columns, row.text))
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(body) if isinstance(body, bytes) else body,
            read_options=pacsv.ReadOptions(column_names=names, block_size=16 << 20, use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
        return None
    if any(number is None for number, _, _ in invalid):
        return None
    total = table.num_rows + len(invalid)
    keep = np.ones(total + 1, dtype=bool)
    keep[0] = False
    keep[[number for number, _, _ in invalid]] = False
    numbers = pa.array(np.flatnonzero(keep).astype(np.int32))
    position = {name: i for i, name in enumerate(header)}
    table = table.select([names[position[c]] for c in spec.columns]).rename_columns(list(spec.columns))
    table = table.append_column("_row_number", numbers)
    # A blank line (pyarrow: a row of empty strings) keeps its number but is not loaded, as in Excel.
    blank_mask = None
    for column in table.columns[:-1]:
        empty = pc.equal(pc.binary_length(column), 0)
        blank_mask = empty if blank_mask is None else pc.and_(blank_mask, empty)
    blank = int(pc.sum(blank_mask).as_py() or 0) if blank_mask is not None else 0
    if blank:
        table = table.filter(pc.invert(blank_mask))
    truncated = not _ends_with_newline(body)
    rejects = [_field_count_reject(n, width, actual, text, truncated and n == total) for n, actual, text in invalid]
    return ParsedFile(table=table, rejects=rejects, blank_rows=blank)


def _ends_with_newline(body: bytes | pa.Buffer) -> bool:
    last = bytes(body[-1:]) if isinstance(body, bytes) else body.slice(len(body) - 1).to_pybytes()
    return last in (b"\n", b"\r")


def _field_count_reject(number: int, width: int, found: int, raw: str, last_unterminated: bool) -> Reject:
    msg = f"expected {width} fields, found {found}"
    if found > width:
        return Reject(number, TOO_MANY, msg, raw.rstrip("\r\n"))
    if last_unterminated:
        msg += " (last line has no line end: truncated file?)"
    return Reject(number, TOO_FEW, msg, raw.rstrip("\r\n"))


def _fast_utf8(data: bytes, spec: SourceSpec) -> ParsedFile | None:
    """A declared-UTF-8 file read without decoding it in Python; None = take the careful path."""
    start = len(BOM) if data.startswith(BOM) else 0
    newline = data.find(b"\n", start)
    end = len(data) if newline < 0 else newline
    try:
        header_line = data[start:end].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    if not header_line.strip():
        return None
    fields = next(csv.reader([header_line], delimiter=spec.delimiter), [])
    header, order_warning = check_header(fields, spec.columns, spec.delimiter, header_line)
    body = pa.py_buffer(data).slice(end + 1) if newline >= 0 else b""
    parsed = _arrow_records(body, spec, header, spec.delimiter)
    if parsed is not None:
        parsed.encoding = "utf-8-sig" if start else "utf-8"
        parsed.warnings = [order_warning] if order_warning else []
    return parsed


def read_text(data: bytes, spec: SourceSpec) -> ParsedFile:
    """Decode, check the header, split records; whole-file problems raise FileProblem."""
    if not data:
        raise FileProblem(None, "file is empty (0 bytes)")
    if spec.encoding not in GBK_NAMES:
        parsed = _fast_utf8(data, spec)
        if parsed is not None:
            return parsed
    try:
        decoded = decode_delivery(data, spec.encoding)
    except Undecodable as err:
        raise FileProblem(err.line, err.problem) from None
    header_line, body, _ = _split_header(decoded.text)
    if not header_line.strip() and not body.strip():
        raise FileProblem(1, "no header line (the file holds only blank lines)")
    if 1 in decoded.bad_lines:
        raise FileProblem(1, "header line holds bytes that are not valid " + decoded.encoding.upper())
    delimiter = spec.delimiter
    fields = next(csv.reader([header_line], delimiter=delimiter), [])
    header, order_warning = check_header(fields, spec.columns, delimiter, header_line)
    warnings = [w for w in (decoded.warning, order_warning) if w]
    # Undecodable lines are physical lines: only the careful path maps them to records.
    parsed = None if decoded.bad_lines else _arrow_records(body.encode("utf-8"), spec, header, delimiter)
    if parsed is None:
        # Physical line numbers in the body are file lines - 1 (line 1 is the header).
        bad_body_lines = {n - 1 for n in decoded.bad_lines}
        ends_with_newline = decoded.text.endswith(("\n", "\r"))
        parsed = _read_records(body, spec, header, delimiter, bad_body_lines, ends_with_newline)
    parsed.encoding = decoded.encoding
    parsed.warnings = warnings
    return parsed


def _read_records(
    body: str,
    spec: SourceSpec,
    header: list[str],
    delimiter: str,
    bad_lines: set[int],
    ends_with_newline: bool,
) -> ParsedFile:
    width = len(header)
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    lines = _LineIndex(body)
    tables: list[pa.Table] = []
    rejects: list[Reject] = []
    blank = 0
    record_no = 0
    prev_end = 0  # last body line consumed by the previous record
    good: list[list[str]] = []
    numbers: list[int] = []
    for rec in reader:
        record_no += 1
        first, last = prev_end + 1, reader.line_num
        prev_end = last
        n = len(rec)
        if n == width and not (bad_lines and _touches(bad_lines, first, last)):
            if not any(rec):  # every field empty: blank, as on the fast path and in Excel
                blank += 1
                continue
            good.append(rec)
            numbers.append(record_no)
            if len(good) >= CHUNK_ROWS:
                tables.append(build_table(spec.columns, header, good, numbers))
                good, numbers = [], []
            continue
        if n == 0:
            blank += 1
            continue
        raw = lines.text(first, last)
        if bad_lines and _touches(bad_lines, first, last):
            rejects.append(Reject(record_no, UNDECODABLE, "line holds bytes that could not be decoded", raw))
        elif n > width:
            rejects.append(Reject(record_no, TOO_MANY, f"expected {width} fields, found {n}", raw))
        else:
            msg = f"expected {width} fields, found {n}"
            if last >= _count_lines(lines) and not ends_with_newline:
                msg += " (last line has no line end: truncated file?)"
            rejects.append(Reject(record_no, TOO_FEW, msg, raw))
    tables.append(build_table(spec.columns, header, good, numbers))
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    return ParsedFile(table=table, rejects=rejects, blank_rows=blank)


def _touches(bad_lines: set[int], first: int, last: int) -> bool:
    return any(n in bad_lines for n in range(first, last + 1))


def _count_lines(lines: _LineIndex) -> int:
    lines.text(1, 1)
    assert lines.starts is not None
    return len(lines.starts)
