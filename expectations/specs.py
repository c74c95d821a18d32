"""Declarative expectation specs: what a suite checks, independent of how it is computed.

A `Check` is evaluated in DuckDB SQL over one period of one table (see `compute.py`) and then asserted by a
Great Expectations expectation on the aggregated result (see `gx_docs.py`). Keep specs data-only so suites
can follow the final dbt column names with one-line edits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal[
    "not_null",  # column IS NOT NULL
    "in_set",  # column in `values` (NULLs ignored, as GE does)
    "between",  # min_sql <= column <= max_sql (SQL expressions; {period_end} / {period_start} available)
    "regex",  # regexp_full_match(column, pattern) (NULLs ignored)
    "is_true",  # a boolean flag column is true (NULL counts as false)
    "expr",  # an arbitrary SQL boolean that must hold per row (NULL counts as false)
    "unique",  # `columns` together are unique within the period (all rows of a duplicated key count)
    "in_table",  # column value exists in ref_table.ref_column (for the same period if ref_period)
    "volume",  # row count vs the previous period present in the table: min_ratio <= n/prev <= max_ratio
    "row_count",  # row count >= min_rows
]


@dataclass(frozen=True)
class Check:
    """One expectation. `mostly` is the share of rows that must satisfy it (GE semantics)."""

    name: str
    kind: Kind
    column: str | None = None
    columns: tuple[str, ...] = ()
    mostly: float = 1.0
    blocking: bool = True
    why: str = ""
    values: tuple[str, ...] = ()
    min_sql: str | None = None
    max_sql: str | None = None
    pattern: str | None = None
    sql: str | None = None
    where: str | None = None  # restricts the rows the check applies to
    ref_table: str | None = None
    ref_column: str | None = None
    ref_period: bool = True
    min_ratio: float | None = None
    max_ratio: float | None = None
    min_rows: int = 1

    @property
    def referenced_columns(self) -> tuple[str, ...]:
        cols = (self.column,) if self.column else ()
        return cols + self.columns


@dataclass(frozen=True)
class Suite:
    """All checks for one table. `period_column` None means the table is a current-state table."""

    name: str
    table: str  # schema.table
    checks: tuple[Check, ...]
    period_column: str | None = "period"
    source: str | None = None  # contract source name, for the per-source summary
    description: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
