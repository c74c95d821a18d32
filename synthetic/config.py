"""Configurable error rates of the synthetic deliveries (NoiseConfig) and period helpers."""

from __future__ import annotations

import calendar
import json
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path

import yaml


@dataclass(frozen=True)
class NoiseConfig:
    """Error rates, each applied independently per delivered row (or per eligible field). Draws are keyed on
    the record, so a registry row keeps its error from one snapshot to the next. Defaults: a realistic mix."""

    name_homophone: float = 0.010        # one character replaced by a homophone (张伟 → 章伟)
    name_similar_shape: float = 0.003    # one character replaced by a look-alike (王 → 玉)
    id_legacy_15: float = 0.010          # 18-digit number delivered in its 15-digit legacy form (born 19xx)
    id_transposed: float = 0.002         # two adjacent digits swapped
    id_mistyped: float = 0.002           # one digit replaced
    id_wrong_check: float = 0.001        # check character wrong
    id_lowercase_x: float = 0.150        # of numbers ending in X: delivered with a lowercase x
    fullwidth: float = 0.003             # ID number or phone in full-width characters
    stray_space: float = 0.005           # leading/trailing/inner space in a name or ID number
    birth_date_conflict: float = 0.003   # stated birth date contradicts the ID number
    old_district_code: float = 0.150     # of rows of a district whose code changed: the old code delivered
    township_no_suffix: float = 0.100    # township name without 街道/镇/乡
    township_variant: float = 0.020     # township name written differently (街道办事处, 街办)
    township_abolished: float = 0.100    # of people in a township that absorbed another: the old name
    missing_phone: float = 0.050         # phone blank
    duplicated_row: float = 0.003        # the same row delivered twice
    malformed_date: float = 0.001        # a date field unparseable (2015-02-30, 1985/13/01, 19850)
    reissued_id_persons: float = 0.002   # persons with a re-issued second number
    reissued_id_use: float = 0.5         # of their rows in a source: the re-issued number is used
    shared_id: float = 0.004             # of children's resident-scheme rows: a parent's number
    rare_char_persons: float = 0.0005    # persons whose given name has a character outside GBK

    @classmethod
    def from_file(cls, path: Path | str) -> NoiseConfig:
        """Load rates from JSON or YAML (a flat mapping of field → rate; missing fields keep defaults)."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as e:
            raise ValueError(f"cannot read noise config {p}: {e.strerror}") from None
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
        if not isinstance(data, dict):
            raise ValueError(f"noise config {p} must be a mapping of rate names to numbers")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"noise config {p}: unknown rates {', '.join(unknown)}")
        for k, v in data.items():
            if not isinstance(v, int | float) or not 0 <= v <= 1:
                raise ValueError(f"noise config {p}: {k} must be a number between 0 and 1, got {v!r}")
        return cls(**{k: float(v) for k, v in data.items()})

    @classmethod
    def none(cls) -> NoiseConfig:
        """Every rate zero: clean deliveries (useful for tests)."""
        return cls(**{f.name: 0.0 for f in fields(cls)})

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def month_index(period: str) -> int:
    """'2015-03' → 2015*12 + 2."""
    try:
        y, m = period.split("-")
        yi, mi = int(y), int(m)
    except ValueError:
        raise ValueError(f"period {period!r} is not YYYY-MM") from None
    if not (1 <= mi <= 12 and len(y) == 4 and len(m) == 2):
        raise ValueError(f"period {period!r} is not YYYY-MM")
    return yi * 12 + mi - 1


def period_of(mi: int) -> str:
    return f"{mi // 12:04d}-{mi % 12 + 1:02d}"


def month_end(mi: int) -> date:
    y, m = mi // 12, mi % 12 + 1
    return date(y, m, calendar.monthrange(y, m)[1])


def month_start(mi: int) -> date:
    return date(mi // 12, mi % 12 + 1, 1)
