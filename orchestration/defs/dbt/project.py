"""The DbtProject, kept in its own module: `dagster-dbt project prepare-and-package --file` must not import
the module that defines @dbt_assets (that one reads the manifest at import)."""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR, Settings, apply_to_environ

log = logging.getLogger(__name__)

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

_SOURCE_GLOBS = ("models/**/*", "macros/**/*", "seeds/**/*", "dbt_project.yml", "profiles.yml")
# The Python UDFs dbt models call (canbao.dbt_plugin registers them).
_UDF_MODULES = ("canbao.names", "canbao.dbt_plugin")


@lru_cache(maxsize=1)
def staging_fingerprint() -> str:
    """A hash of the dbt project's models, macros and seeds and of the Python UDFs' code and pypinyin's version:
    staging carry-over (macros/carry_over.sql) reuses last period's checked row, and int_person_names a cached
    name, only when it was made by the same logic and code lists."""
    digest = hashlib.sha1()
    files = sorted({p for g in _SOURCE_GLOBS for p in DBT_PROJECT_DIR.glob(g) if p.is_file()})
    for path in files:
        digest.update(path.relative_to(DBT_PROJECT_DIR).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
    for module in _UDF_MODULES:
        spec = importlib.util.find_spec(module)
        digest.update(Path(spec.origin).read_bytes() if spec and spec.origin else module.encode("utf-8"))
    digest.update(importlib.metadata.version("pypinyin").encode("utf-8"))
    return digest.hexdigest()[:16]


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def _manifest_is_stale(manifest: Path) -> bool:
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(p.is_file() and p.stat().st_mtime > built for g in _SOURCE_GLOBS for p in DBT_PROJECT_DIR.glob(g))


def prepare_manifest(settings: Settings | None = None) -> Path:
    """Run `dbt parse` when the manifest is missing or older than the project's files.

    `DbtProject.prepare_if_dev()` only does this under `dg dev`; `canbao run`, tests and CI need it too.
    """
    settings = settings or Settings.from_env()
    apply_to_environ(settings)
    manifest = dbt_project.manifest_path
    if not _manifest_is_stale(manifest):
        return manifest
    # Processes starting together (the UI and a run, parallel test workers) would write the same target
    # folder at once: one parses, the others wait for it and find the manifest fresh.
    lock_path = DBT_PROJECT_DIR / "target" / ".parse.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _manifest_is_stale(manifest):
            _parse(settings)
    return manifest


def _parse(settings: Settings) -> None:
    log.info("dbt parse (manifest missing or stale)")
    proc = subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ],
        env={**os.environ, **settings.as_env()},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
        raise RuntimeError("dbt parse failed: " + " | ".join(tail))
