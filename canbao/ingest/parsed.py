"""What a reader hands back for one file, before anything touches the warehouse."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

TOO_MANY = "too_many_fields"
TOO_FEW = "too_few_fields"
UNDECODABLE = "undecodable_bytes"


@dataclass(frozen=True)
class Reject:
    row_number: int  # 1-based data row (header not counted)
    reason: str  # too_many_fields | too_few_fields | undecodable_bytes
    message: str
    raw_line: str


@dataclass
class ParsedFile:
    """Rows of one file: `table` holds the contract columns (contract order, all text) + `_row_number`."""

    table: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    blank_rows: int = 0
    encoding: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return self.table.num_rows

    @property
    def rows_rejected(self) -> int:
        return len(self.rejects)

    @property
    def rows_read(self) -> int:
        return self.rows_loaded + self.rows_rejected


class FileProblem(Exception):
    """The whole file is unusable (header, encoding, empty); the caller turns it into DeliveryRejected."""

    def __init__(self, line: int | None, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem


def build_table(columns: tuple[str, ...], header: list[str], data: list[list[str]], numbers: list[int]) -> pa.Table:
    """Arrow table in contract column order from row lists in file (header) order."""
    position = {name: i for i, name in enumerate(header)}
    if data:
        transposed = list(zip(*data, strict=True))
        arrays = [pa.array(transposed[position[c]], type=pa.string()) for c in columns]
    else:
        arrays = [pa.array([], type=pa.string()) for _ in columns]
    arrays.append(pa.array(numbers, type=pa.int32()))
    return pa.Table.from_arrays(arrays, names=[*columns, "_row_number"])


def empty_table(columns: tuple[str, ...]) -> pa.Table:
    return build_table(columns, list(columns), [], [])
