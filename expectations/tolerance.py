"""How many unexpected rows a `mostly` check tolerates in a table of n rows.

`mostly` says what a registry reaches (e.g. ≥ 95 % valid check digits): a true unexpected share above
p0 = 1 − mostly means a broken extract. A delivery is a sample of that process, so its observed share scatters
around the true one, widely when n is small (40 deaths a month in a small city: 3 bad numbers are 7.5 %). A
blocking gate that compares the raw share with p0 stops sound deliveries of small sources every few months.
The check therefore fails only when the observed share is significantly above p0: the one-sided score test
(the one the Wilson interval inverts) at level 1 %, i.e. observed share > p0 + z·√(p0(1 − p0)/n). At 1 M rows
that is p0 + 0.05 percentage points; exact checks (mostly = 1) stay exact.
"""

from __future__ import annotations

import math

# one-sided 1 %: a sound delivery whose true share is exactly at the tolerance fails 1 time in 100
Z_ONE_SIDED_99 = 2.3263478740408408


def tolerated_share(mostly: float, n: int | None, z: float = Z_ONE_SIDED_99) -> float:
    """The largest unexpected share that passes for n rows (1 − mostly when n is unknown or 0)."""
    p0 = max(0.0, min(1.0, 1.0 - mostly))
    if p0 in (0.0, 1.0) or not n:
        return round(p0, 9)
    return min(1.0, p0 + z * math.sqrt(p0 * (1.0 - p0) / n))
