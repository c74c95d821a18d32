"""How many ledger rows to audit per district, and how to split them over the status strata.

Size: the classic sample size for a proportion, finite-population corrected (contract "City sampled audit";
reference README "Sampled audit"): n0 = z²·p(1−p)/e², n = ceil(n0 / (1 + (n0 − 1)/N)).

Allocation: proportional to stratum size with a minimum per non-empty stratum. Neyman allocation
(n_h ∝ N_h·sqrt(p_h(1−p_h))) needs prior error rates per stratum; with none (p_h = 0.5 everywhere) it equals
proportional allocation, and a bad prior would cost precision. The minimum gives every status a usable
per-stratum estimate (small strata such as `never` would otherwise get 1–3 rows); the stratified estimator
re-weights by N_h/N, so over-sampling a small stratum does not bias the overall rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from statistics import NormalDist

DEFAULT_CONFIDENCE = 0.95
DEFAULT_MARGIN = 0.05
DEFAULT_P = 0.5
DEFAULT_STRATUM_MINIMUM = 10


def z_value(confidence: float = DEFAULT_CONFIDENCE) -> float:
    """Two-sided normal quantile (1.959964 for 95 %)."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def initial_size(
    p: float = DEFAULT_P, margin: float = DEFAULT_MARGIN, confidence: float = DEFAULT_CONFIDENCE
) -> float:
    """n0 = z²·p(1−p)/e², rounded up as in the reference (384.15 → 385 for the defaults)."""
    z = z_value(confidence)
    return float(math.ceil(z * z * p * (1 - p) / (margin * margin) - 1e-9))


def sample_size(
    frame_size: int,
    p: float = DEFAULT_P,
    margin: float = DEFAULT_MARGIN,
    confidence: float = DEFAULT_CONFIDENCE,
) -> int:
    """Finite-population corrected sample size, rounded up and never above the frame."""
    if frame_size <= 0:
        return 0
    n0 = initial_size(p, margin, confidence)
    n = n0 / (1 + (n0 - 1) / frame_size)
    # Guard against float noise turning an exact integer into the next one up.
    return min(frame_size, math.ceil(n - 1e-9))


def allocate(stratum_sizes: Mapping[str, int], total: int, minimum: int = DEFAULT_STRATUM_MINIMUM) -> dict[str, int]:
    """Split `total` over strata: min(minimum, N_h) per non-empty stratum, the rest proportional to N_h.

    Strata whose proportional share would fall below their minimum are fixed at it and the remainder is
    re-shared among the others (repeated until stable); shares are rounded by largest remainder so the
    allocation sums exactly to `total` (or to the frame when the minimums alone exceed it).
    """
    sizes = {h: int(n) for h, n in stratum_sizes.items()}
    frame = sum(sizes.values())
    total = min(total, frame)
    alloc = {h: 0 for h in sizes}
    if total <= 0:
        return alloc
    floors = {h: min(minimum, n) for h, n in sizes.items() if n > 0}
    if sum(floors.values()) >= total:
        # Too small a total for the minimums: take the minimums (a tiny district is then censused by stratum).
        alloc.update(floors)
        return alloc
    fixed: dict[str, int] = {}
    while True:
        free = {h: n for h, n in sizes.items() if n > 0 and h not in fixed}
        remaining = total - sum(fixed.values())
        free_n = sum(free.values())
        shares = {h: remaining * n / free_n for h, n in free.items()}
        low = {h for h, s in shares.items() if s < floors[h]}
        if not low:
            break
        for h in low:
            fixed[h] = floors[h]
    rounded = {h: math.floor(s) for h, s in shares.items()}
    leftover = remaining - sum(rounded.values())
    # Largest remainder; ties broken by stratum name so the result is deterministic.
    for h in sorted(shares, key=lambda k: (-(shares[k] - rounded[k]), k))[:leftover]:
        rounded[h] += 1
    alloc.update(fixed)
    alloc.update(rounded)
    return alloc
