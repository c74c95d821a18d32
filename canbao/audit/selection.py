"""Reproducible selection: seeds, selection keys and frame hashes built only from standard hashes.

DuckDB's `hash()`, `random()` and `setseed()` may change between versions; MD5 and SHA-256 cannot. Every row
of a stratum gets the key md5("<seed>|<identifier>|<scheme_group>") and the n_h smallest keys are drawn, so
the sample depends only on the seed and the frame's content (not on row order, threads or the engine).
The same functions exist in Python (hashlib) and SQL (DuckDB md5/sha256); tests check they agree.
"""

from __future__ import annotations

import hashlib

STRATA: tuple[str, ...] = ("insured", "lapsed", "never", "not_required")
SAMPLE_ID_WIDTH = 4


def district_seed(base_seed: int, period: str, district_code: str) -> int:
    """Seed for one period and district: 60 bits of sha256("<base_seed>|<period>|<district_code>")."""
    digest = hashlib.sha256(f"{base_seed}|{period}|{district_code}".encode()).hexdigest()
    return int(digest[:15], 16)


def selection_key(seed: int, identifier: str, scheme_group: str) -> str:
    """The row's random-order key; the SQL twin is `selection_key_sql`."""
    return hashlib.md5(f"{seed}|{identifier}|{scheme_group}".encode()).hexdigest()


def selection_key_sql(
    seed_col: str = "seed", identifier_col: str = "identifier", group_col: str = "scheme_group"
) -> str:
    return f"md5(cast({seed_col} as varchar) || '|' || {identifier_col} || '|' || {group_col})"


def frame_hash(members: list[tuple[str, str]]) -> str:
    """sha256 of the stratum's frame ids, ordered, one "<identifier>|<scheme_group>" per line."""
    ordered = sorted(members)
    return hashlib.sha256("\n".join(f"{i}|{g}" for i, g in ordered).encode()).hexdigest()


FRAME_HASH_SQL = "sha256(string_agg(identifier || '|' || scheme_group, chr(10) order by identifier, scheme_group))"


def sample_id(period: str, district_code: str, sequence: int) -> str:
    """Stable item id printed on the audit sheet and returned in `audit_verdicts`: AS-2015-01-500107-0001."""
    return f"AS-{period}-{district_code}-{sequence:0{SAMPLE_ID_WIDTH}d}"


def select_rows(members: list[tuple[str, str]], seed: int, n: int) -> list[tuple[str, str]]:
    """Pure-Python selection of one stratum (reference implementation and simulations)."""
    return sorted(members, key=lambda m: selection_key(seed, m[0], m[1]))[:n]
