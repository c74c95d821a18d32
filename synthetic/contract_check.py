"""Check a landing tree against the contract: known source, YYYY-MM folder, extension = format, strict
decoding with the declared encoding, header = the contract's columns in order, every row as wide as the header.

usage: python -m synthetic.contract_check LANDING_DIR   (exit 1 on any violation)"""

from __future__ import annotations

import csv
import io
import logging
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from synthetic.writers import load_contract

log = logging.getLogger(__name__)


@dataclass
class FileReport:
    path: str
    rows: int = 0
    problems: list[str] = field(default_factory=list)


def check_text(path: Path, spec: dict, cols: list[str]) -> FileReport:
    rep = FileReport(str(path))
    enc = spec.get("encoding", "utf-8")
    try:
        text = path.read_bytes().decode(enc)
    except UnicodeDecodeError as e:
        rep.problems.append(f"not valid {enc} at byte {e.start}")
        return rep
    if text.startswith("\ufeff"):
        rep.problems.append("starts with a byte-order mark")
        text = text[1:]
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=spec.get("delimiter", ",")) if r]
    if not rows or rows[0] != cols:
        rep.problems.append(f"header {rows[0] if rows else None} != contract {cols}")
    bad = [n for n, r in enumerate(rows[1:], 1) if len(r) != len(cols)]
    if bad:
        rep.problems.append(f"{len(bad)} rows with a field count other than {len(cols)} (first: row {bad[0]})")
    rep.rows = max(0, len(rows) - 1)
    return rep


def check_xlsx(path: Path, cols: list[str]) -> FileReport:
    rep = FileReport(str(path))
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        it = wb.worksheets[0].iter_rows(values_only=True)
        head = list(next(it, ()) or ())
        while head and head[-1] is None:
            head.pop()
        if ["" if h is None else str(h) for h in head] != cols:
            rep.problems.append(f"header {head} != contract {cols}")
        wide = 0
        for r in it:
            if all(v is None or v == "" for v in r):
                continue
            rep.rows += 1
            wide += any(v not in (None, "") for v in r[len(cols):])
        if wide:
            rep.problems.append(f"{wide} rows with values beyond column {len(cols)}")
    finally:
        wb.close()
    return rep


def check_landing(landing: Path) -> list[FileReport]:
    contract = load_contract()
    reports = []
    for path in sorted(p for p in Path(landing).rglob("*") if p.is_file()):
        rel = path.relative_to(landing).parts
        if len(rel) != 3:
            reports.append(FileReport(str(path), problems=["not at <source>/<YYYY-MM>/<file>"]))
            continue
        source, period, name = rel
        if source not in contract:
            reports.append(FileReport(str(path), problems=[f"unknown source {source!r}"]))
            continue
        spec, cols = contract[source]["file"], contract[source]["columns"]
        fmt = spec["format"]
        if not name.lower().endswith("." + fmt):
            rep = FileReport(str(path), problems=[f"extension does not match format {fmt}"])
        elif fmt == "xlsx":
            rep = check_xlsx(path, cols)
        else:
            rep = check_text(path, spec, cols)
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
            rep.problems.append(f"period folder {period!r} is not YYYY-MM")
        reports.append(rep)
    return reports


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1 or not Path(args[0]).is_dir():
        log.error("usage: python -m synthetic.contract_check LANDING_DIR")
        return 2
    reports = check_landing(Path(args[0]))
    for r in reports:
        log.info("%s %s rows=%d%s", "FAIL" if r.problems else "OK  ", r.path, r.rows,
                 "".join("\n     - " + p for p in r.problems))
    bad = sum(len(r.problems) for r in reports)
    log.info("checked %d files, %d violations", len(reports), bad)
    return 1 if bad or not reports else 0


if __name__ == "__main__":
    raise SystemExit(main())
