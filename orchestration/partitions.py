"""Delivery periods: one monthly partition per `YYYY-MM`, shared by every asset."""

from __future__ import annotations

import calendar
import re
from datetime import date

from dagster import MonthlyPartitionsDefinition

PERIOD_FORMAT = "%Y-%m"
_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")

# The platform's first possible delivery month (pilot start, 2014); data before it is not partitioned.
monthly_partitions = MonthlyPartitionsDefinition(start_date="2014-01", fmt=PERIOD_FORMAT, end_offset=1)


def period_end(period: str) -> date:
    year, month = (int(x) for x in period.split("-"))
    return date(year, month, calendar.monthrange(year, month)[1])


def period_range(spec: str) -> list[str]:
    """'2015-01:2015-03' → ['2015-01', '2015-02', '2015-03']; a single 'YYYY-MM' → [it]."""
    first, _, last = spec.partition(":")
    last = last or first
    for p in (first, last):
        if not _PERIOD.fullmatch(p):
            raise ValueError(f"{p!r} is not a period YYYY-MM")
    y, m = (int(x) for x in first.split("-"))
    ly, lm = (int(x) for x in last.split("-"))
    if (ly, lm) < (y, m):
        raise ValueError(f"period range {spec!r} ends before it starts")
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def previous_period(period: str) -> str:
    y, m = (int(x) for x in period.split("-"))
    y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return f"{y:04d}-{m:02d}"
