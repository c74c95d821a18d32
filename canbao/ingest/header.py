"""Check a file's header against the contract.

Column order may differ from the contract: columns are matched by name (after trimming a BOM and
whitespace) and stored in contract order, with a warning. Names must otherwise be exact.
"""

from __future__ import annotations

import csv

from canbao.ingest.parsed import FileProblem

OTHER_DELIMITERS = (",", "|", ";", "\t")


def _names(fields: list[str]) -> list[str]:
    return [f.replace("\ufeff", "").strip() for f in fields]


def _show(names: list[str]) -> str:
    return ", ".join(n if n else "(blank)" for n in names)


def _delimiter_hint(raw_line: str, expected: tuple[str, ...], delimiter: str) -> str:
    """'looks like ';'-delimited' when another delimiter splits the header into mostly contract names."""
    best, best_hits = None, 0
    for cand in OTHER_DELIMITERS:
        if cand == delimiter:
            continue
        fields = _names(next(csv.reader([raw_line], delimiter=cand), []))
        hits = len(set(fields) & set(expected))
        if len(fields) > 1 and hits > best_hits:
            best, best_hits = cand, hits
    if best is not None and best_hits * 2 >= len(expected):
        shown = "\\t" if best == "\t" else best
        want = "\\t" if delimiter == "\t" else delimiter
        return f" (looks like '{shown}'-delimited; the contract says '{want}')"
    return ""


def check_header(
    fields: list[str], expected: tuple[str, ...], delimiter: str | None, raw_line: str | None
) -> tuple[list[str], str | None]:
    """Return the trimmed header and an optional warning; raise FileProblem(line 1) on a mismatch."""
    names = _names(fields)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise FileProblem(1, f"header repeats column(s) {_show(dupes)}")
    missing = [c for c in expected if c not in names]
    unknown = [n for n in names if n not in expected]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing {_show(missing)}")
        if unknown:
            parts.append(f"unknown {_show(unknown)}")
        hint = _delimiter_hint(raw_line, expected, delimiter) if raw_line and delimiter else ""
        raise FileProblem(1, f"header does not match the contract: {'; '.join(parts)}{hint}")
    warning = None
    if tuple(names) != expected:
        warning = "columns in a different order than the contract (matched by name)"
    return names, warning
