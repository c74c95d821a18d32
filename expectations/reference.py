"""Reference code lists the suites check against, read from the package (never from /work/shared)."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def current_district_codes() -> tuple[str, ...]:
    """The 38 county-level codes in force at the end of 2016 (the codes every output must use)."""
    ref = resources.files("canbao.reference").joinpath("chongqing_divisions_2014_2016.csv")
    with ref.open(encoding="utf-8") as fh:
        codes = sorted({row["code_2016"].strip() for row in csv.DictReader(fh) if row["code_2016"].strip()})
    return tuple(codes)
