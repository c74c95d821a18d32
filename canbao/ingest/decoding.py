"""Bytes of a delimited delivery -> text, with the lines that could not be decoded.

DuckDB here has no GBK codec, so every text file is decoded in Python (GB18030, a superset of GBK).
Policy for a declared/actual encoding mismatch (documented in docs/ingest.md):
- declared GBK but the whole file is valid UTF-8 with non-ASCII text: read as UTF-8, warn. Real GBK Chinese
  text is practically never valid UTF-8, so this is unambiguous and loses nothing.
- declared UTF-8 but most lines fail UTF-8 and the file decodes cleanly as GB18030: read as GB18030, warn.
- otherwise lines that fail the chosen codec are kept with U+FFFD and rejected as `undecodable_bytes`;
  if more than half of the lines fail, the whole file is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BOM = b"\xef\xbb\xbf"
GBK_NAMES = {"gbk", "gb2312", "gb18030", "cp936"}


@dataclass
class Decoded:
    text: str
    encoding: str  # what was actually used: utf-8, utf-8-sig, gb18030
    bad_lines: set[int] = field(default_factory=set)  # 1-based physical lines holding undecodable bytes
    warning: str | None = None
    line_count: int = 0


class Undecodable(Exception):
    """Most of the file failed to decode: the file is not in any encoding we accept."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem


def _decode_lines(data: bytes, codec: str) -> tuple[str, set[int], int]:
    """Decode line by line: failing lines get U+FFFD; returns text, bad 1-based line numbers, line count.

    Splitting on b"\\n" is safe for UTF-8 and GB18030: no multi-byte sequence contains 0x0A.
    """
    parts = data.split(b"\n")
    bad: set[int] = set()
    out: list[str] = []
    for i, part in enumerate(parts, start=1):
        try:
            out.append(part.decode(codec))
        except UnicodeDecodeError:
            bad.add(i)
            out.append(part.decode(codec, errors="replace"))
    lines = len(parts) - (1 if parts and parts[-1] == b"" else 0)
    return "\n".join(out), bad, lines


def _first_bad(bad: set[int]) -> int:
    return min(bad) if bad else 1


def decode_delivery(data: bytes, declared: str) -> Decoded:
    """Decode a text delivery per the policy above; raises Undecodable when most lines fail."""
    declared_gbk = declared.lower() in GBK_NAMES
    if data.startswith(BOM):
        try:
            text = data[len(BOM) :].decode("utf-8")
            warning = "declared GBK but the file has a UTF-8 BOM: read as UTF-8" if declared_gbk else None
            return Decoded(text, "utf-8-sig", warning=warning)
        except UnicodeDecodeError:
            text, bad, n = _decode_lines(data[len(BOM) :], "utf-8")
            return _checked(Decoded(text, "utf-8-sig", bad, line_count=n))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        warning = None
        if declared_gbk and not data.isascii():
            warning = "declared GBK but the file is valid UTF-8: read as UTF-8"
        return Decoded(text, "utf-8", warning=warning)
    if declared_gbk:
        try:
            return Decoded(data.decode("gb18030"), "gb18030")
        except UnicodeDecodeError:
            text, bad, n = _decode_lines(data, "gb18030")
            return _checked(Decoded(text, "gb18030", bad, line_count=n))
    # Declared UTF-8 and not valid UTF-8: a few bad lines, or a GBK file sent as UTF-8?
    text, bad, n = _decode_lines(data, "utf-8")
    if len(bad) * 2 > max(n, 1):
        try:
            gbk_text = data.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            return Decoded(gbk_text, "gb18030", warning="declared UTF-8 but the file is GBK: read as GB18030")
    return _checked(Decoded(text, "utf-8", bad, line_count=n))


def _checked(decoded: Decoded) -> Decoded:
    if len(decoded.bad_lines) * 2 > max(decoded.line_count, 1):
        name = "GBK/GB18030" if decoded.encoding == "gb18030" else "UTF-8"
        raise Undecodable(
            _first_bad(decoded.bad_lines),
            f"not decodable as {name}: {len(decoded.bad_lines)} of {decoded.line_count} lines hold invalid bytes",
        )
    return decoded
