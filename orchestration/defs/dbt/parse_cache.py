"""dbt's partial-parse state kept per set of vars, so that the three dbt steps of a period parse once.

dbt refuses partial parsing when `--vars` differ from the state's, and dagster-dbt seeds each invocation's
target folder with the project's `target/partial_parse.msgpack`, written by `dbt parse` without vars: every
step re-parsed the whole project (4–5 s each). The steps of one period pass the same vars, so the state the
first one writes lets the other two parse only what changed. dbt still checks file checksums itself: a changed
model is re-parsed, never served stale.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path

STATE_FILE = "partial_parse.msgpack"
KEEP = 6  # a few periods' worth (one state per distinct vars)


def _cache_dir(project_dir: Path) -> Path:
    return project_dir / "target" / "partial_parse_by_vars"


def _key(project_dir: Path, dbt_vars: dict) -> str:
    raw = json.dumps({"project": str(project_dir.resolve()), "vars": dbt_vars}, sort_keys=True)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def new_target_path(project_dir: Path, step: str, run_id: str) -> Path:
    """A fresh target folder named as dagster-dbt names its own (step-run-unique)."""
    return project_dir / "target" / f"{step}-{run_id[:7]}-{uuid.uuid4().hex[:7]}"


def seed(project_dir: Path, target_path: Path, dbt_vars: dict) -> bool:
    """Copy the state last written under these vars into `target_path`; False when there is none."""
    cached = _cache_dir(project_dir) / f"{_key(project_dir, dbt_vars)}.msgpack"
    if not cached.exists():
        return False
    target_path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, target_path / STATE_FILE)
    return True


def store(project_dir: Path, target_path: Path, dbt_vars: dict) -> None:
    """Keep the state dbt wrote in `target_path` for the next invocation with the same vars (atomic replace:
    another process may be reading it)."""
    produced = target_path / STATE_FILE
    if not produced.exists():
        return
    cache = _cache_dir(project_dir)
    cache.mkdir(parents=True, exist_ok=True)
    final = cache / f"{_key(project_dir, dbt_vars)}.msgpack"
    tmp = cache / f".{final.name}.{uuid.uuid4().hex[:8]}"
    shutil.copyfile(produced, tmp)
    os.replace(tmp, final)
    for old in sorted(cache.glob("*.msgpack"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP:]:
        old.unlink(missing_ok=True)
