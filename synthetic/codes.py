"""Identifier arithmetic, vectorised: resident ID numbers (GB 11643), unified social credit codes (GB 32100),
organisation codes (GB 11714), 15-digit business registration numbers, plus a stable per-key hash that makes
the noise model reproducible and persistent across periods."""

from __future__ import annotations

import numpy as np
import pandas as pd

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.array(list("10X98765432"))
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) matrix of decimal digits, most significant first."""
    v = values.astype(np.int64).copy()
    out = np.empty((len(v), width), dtype=np.int64)
    for i in range(width - 1, -1, -1):
        out[:, i] = v % 10
        v //= 10
    return out


def id_body(address_code: np.ndarray, birth_ymd: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """The first 17 digits as int64: address code, YYYYMMDD, 3-digit sequence."""
    return (address_code.astype(np.int64) * 10**11 + birth_ymd.astype(np.int64) * 1000
            + seq.astype(np.int64))


def id_check_chars(body17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters for 17-digit bodies."""
    return ID_CHECK[(_digits(body17, 17) @ ID_WEIGHTS) % 11]


def id_numbers(address_code: np.ndarray, birth_ymd: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Valid 18-character ID numbers (object array of str)."""
    body = id_body(address_code, birth_ymd, seq)
    return (pd.Series(body).astype(str) + pd.Series(id_check_chars(body))).to_numpy(dtype=object)


def id_check_char(number17: str) -> str:
    """Check character for one 17-digit body (scalar helper for the noise model)."""
    return str(ID_CHECK[sum(int(c) * int(w) for c, w in zip(number17, ID_WEIGHTS, strict=True)) % 11])


def org_codes(serial8: np.ndarray) -> np.ndarray:
    """GB 11714 organisation codes from 8-digit serials: 8 digits + check (X for 10, 0 for 11)."""
    s = (_digits(serial8, 8) @ ORG_WEIGHTS) % 11
    c = (11 - s) % 11
    check = np.where(c == 10, "X", c.astype(str))
    return (pd.Series(serial8.astype(np.int64)).astype(str).str.zfill(8) + pd.Series(check)).to_numpy(object)


def uscc_codes(kind2: np.ndarray, region: np.ndarray, org: np.ndarray) -> np.ndarray:
    """GB 32100 codes: registering department 9 (industry and commerce) + entity type (1 enterprise,
    2 individual business), region code, organisation code, check character (weights 3^i mod 31)."""
    bodies = ("9" + pd.Series(kind2).astype(str) + pd.Series(region).astype(str) + pd.Series(org)).tolist()
    idx = {c: i for i, c in enumerate(USCC_ALPHABET)}
    out = []
    for b in bodies:
        total = sum(idx[ch] * int(w) for ch, w in zip(b, USCC_WEIGHTS, strict=True))
        out.append(b + USCC_ALPHABET[(31 - total % 31) % 31])
    return np.asarray(out, dtype=object)


def registration_numbers(region: np.ndarray, serial8: np.ndarray) -> np.ndarray:
    """15-digit 工商注册号: region (6) + serial (8) + ISO 7064 MOD 11,10 check digit."""
    body = region.astype(np.int64) * 10**8 + serial8.astype(np.int64)
    d = _digits(body, 14)
    p = np.full(len(body), 10, dtype=np.int64)
    for i in range(14):
        s = (p + d[:, i]) % 10
        s = np.where(s == 0, 10, s)
        p = (2 * s) % 11
    check = (11 - p) % 10
    return (pd.Series(body).astype(str) + pd.Series(check).astype(str)).to_numpy(object)


def stable_uniform(keys: np.ndarray, salt: int) -> np.ndarray:
    """Uniform [0, 1) per key from splitmix64(key ^ salt): the same record gets the same draw in every
    period, so an error in a registry row persists from one snapshot to the next, as real errors do."""
    with np.errstate(over="ignore"):
        z = (keys.astype(np.uint64) ^ np.uint64(salt & 0xFFFFFFFFFFFFFFFF)) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def salt_of(*parts: object) -> int:
    """A deterministic 64-bit salt from strings/ints (Python's hash() is randomised per process)."""
    h = 1469598103934665603
    for ch in "|".join(map(str, parts)).encode("utf-8"):
        h = ((h ^ ch) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h
