"""Ingest one source-period: landing/<source>/<period>/* -> raw.<source>, raw._deliveries, raw._ingest_rejects."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa

from canbao.contract import SourceSpec, source_spec
from canbao.errors import CanbaoError, DeliveryRejected
from canbao.ingest import warehouse as wh
from canbao.ingest.excel_reader import read_excel
from canbao.ingest.parsed import FileProblem, ParsedFile
from canbao.ingest.text_reader import read_text

log = logging.getLogger(__name__)

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls


@dataclass
class FileResult:
    file: str
    file_hash: str
    size_bytes: int
    encoding: str | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    blank_rows: int
    status: str  # loaded | duplicate_file | rejected
    message: str


@dataclass
class IngestResult:
    source: str
    period: str
    status: str  # loaded | unchanged | missing (a rejected delivery raises DeliveryRejected)
    files: list[FileResult] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def is_delivery_file(path: Path) -> bool:
    """Regular, visible files; skips .DS_Store, ._AppleDouble, Excel '~$' lock files."""
    name = path.name
    return path.is_file() and not name.startswith((".", "~$")) and name not in ("Thumbs.db", "desktop.ini")


def list_periods(landing: Path) -> list[str]:
    """Every period (YYYY-MM) that has a folder under any source, sorted."""
    landing = Path(landing)
    if not landing.is_dir():
        return []
    found = {p.name for src in landing.iterdir() if src.is_dir() for p in src.iterdir() if p.is_dir()}
    return sorted(p for p in found if PERIOD.match(p))


def delivered_sources(landing: Path, period: str) -> set[str]:
    """Sources whose period folder holds at least one delivery file."""
    landing = Path(landing)
    if not landing.is_dir():
        return set()
    return {
        src.name
        for src in landing.iterdir()
        if (src / period).is_dir() and any(is_delivery_file(f) for f in (src / period).iterdir())
    }


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _read(data: bytes, spec: SourceSpec) -> ParsedFile:
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return read_excel(data, spec)
    if spec.is_excel and data:
        raise FileProblem(None, f"not an Excel workbook (the contract says {spec.format})")
    return read_text(data, spec)


REJECT_SCHEMA = pa.schema(
    [("source", pa.string()), ("period", pa.string()), ("file", pa.string()), ("row_number", pa.int32()),
     ("reason", pa.string()), ("message", pa.string()), ("raw_line", pa.string())]
)  # fmt: skip


def _rejects_table(source: str, period: str, per_file: list[tuple[str, ParsedFile]]) -> pa.Table:
    rows = [
        (source, period, file, r.row_number, r.reason, r.message, r.raw_line)
        for file, parsed in per_file
        for r in parsed.rejects
    ]
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in REJECT_SCHEMA]
    return pa.Table.from_arrays(
        [pa.array(c, type=f.type) for c, f in zip(cols, REJECT_SCHEMA, strict=True)], schema=REJECT_SCHEMA
    )


def _delivery_row(source: str, period: str, fr: FileResult, loaded_at: dt.datetime) -> dict:
    row = asdict(fr)
    row.update(source=source, period=period, loaded_at=loaded_at)
    return row


def ingest_source_period(
    warehouse: Path, landing: Path, source: str, period: str, *, contract_dir: Path | None = None
) -> IngestResult:
    """Load landing/<source>/<period>/* into raw; see docs/ingest.md for every rule."""
    if not PERIOD.match(period):
        raise CanbaoError(f"period must look like YYYY-MM, got {period!r}")
    spec = source_spec(source, contract_dir)
    warehouse, folder = Path(warehouse), Path(landing) / source / period
    files = sorted(p for p in folder.iterdir() if is_delivery_file(p)) if folder.is_dir() else []
    if not files:
        why = "no period folder" if not folder.is_dir() else "period folder holds no files"
        log.info("%s %s: %s", source, period, why)
        return IngestResult(source, period, "missing", message=why)

    hashes = {p.name: _sha256(p) for p in files}
    current = set(hashes.items())
    with wh.connect(warehouse) as con:
        wh.ensure_tables(con, spec)
        if wh.loaded_file_set(con, source, period) == current:
            prior = wh.delivery_rows(con, source, period)
            result = _result(source, period, "unchanged", [_file_from_row(r) for r in prior])
            result.message = "same files as the loaded delivery: nothing changed"
            log.info("%s %s: unchanged (%d files)", source, period, len(files))
            return result

    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    results: list[FileResult] = []
    parsed_files: list[tuple[str, ParsedFile]] = []
    first_by_hash: dict[str, str] = {}
    for path in files:
        name, digest, size = path.name, hashes[path.name], path.stat().st_size
        if digest in first_by_hash:
            results.append(FileResult(name, digest, size, None, 0, 0, 0, 0, "duplicate_file",
                                      f"same bytes as {first_by_hash[digest]}: not loaded again"))  # fmt: skip
            continue
        first_by_hash[digest] = name
        try:
            parsed = _read(path.read_bytes(), spec)
        except FileProblem as problem:
            err = DeliveryRejected(source, period, name, problem.line, problem.problem)
            _reject(warehouse, spec, period, files, hashes, name, str(err), loaded_at)
            raise err from None
        parsed_files.append((name, parsed))
        results.append(FileResult(
            name, digest, size, parsed.encoding, parsed.rows_read, parsed.rows_loaded, parsed.rows_rejected,
            parsed.blank_rows, "loaded", "; ".join(parsed.warnings),
        ))  # fmt: skip

    rejects = _rejects_table(source, period, parsed_files)
    with wh.connect(warehouse) as con:
        replaced = bool(wh.loaded_file_set(con, source, period))
        wh.replace_period(
            con, spec, period,
            [(name, hashes[name], parsed.table) for name, parsed in parsed_files],
            [_delivery_row(source, period, fr, loaded_at) for fr in results],
            rejects, loaded_at,
        )  # fmt: skip
    result = _result(source, period, "loaded", results)
    result.message = ("replaced the earlier delivery" if replaced else "loaded") + (
        f"; {result.rows_rejected} rows rejected (see raw._ingest_rejects)" if result.rows_rejected else ""
    )
    log.info("%s %s: %s: %d rows loaded, %d rejected, %d files", source, period, result.message,
             result.rows_loaded, result.rows_rejected, len(files))  # fmt: skip
    return result


def _result(source: str, period: str, status: str, files: list[FileResult]) -> IngestResult:
    return IngestResult(
        source, period, status, files,
        rows_read=sum(f.rows_read for f in files),
        rows_loaded=sum(f.rows_loaded for f in files),
        rows_rejected=sum(f.rows_rejected for f in files),
    )  # fmt: skip


def _file_from_row(row: dict) -> FileResult:
    return FileResult(**{k: row[k] for k in FileResult.__dataclass_fields__})


def _reject(
    warehouse: Path, spec: SourceSpec, period: str, files: list[Path], hashes: dict[str, str],
    bad_file: str, message: str, loaded_at: dt.datetime,
) -> None:  # fmt: skip
    """Record every file of the refused delivery as `rejected` (the bad one with the reason)."""
    rows = []
    for path in files:
        name = path.name
        msg = message if name == bad_file else f"not loaded: the delivery was rejected because of {bad_file}"
        fr = FileResult(name, hashes[name], path.stat().st_size, None, 0, 0, 0, 0, "rejected", msg)
        rows.append(_delivery_row(spec.name, period, fr, loaded_at))
    with wh.connect(warehouse) as con:
        wh.ensure_tables(con, spec)
        wh.record_rejection(con, spec.name, period, rows)
    log.warning("%s", message)
