"""Cheaper events in Dagster's default SQLite storage (the instance of the `canbao` CLI and of `make ui`).

Dagster's SQLite event log opens a new engine and connection for every event it stores (SQLAlchemy NullPool)
and closes it again. The files are in WAL mode: closing the last connection to a file checkpoints the WAL
into it and deletes it, and every commit syncs the WAL to disk. A month's run stores ~2,000 events (a dbt
model is a STEP_OUTPUT and an ASSET_MATERIALIZATION, a dbt test an ASSET_CHECK_EVALUATION, ...), so this was
seconds of every period (figures in benchmarks/README.md). Two standard SQLite settings, neither changing
what is stored:
- this process keeps one idle connection open to each storage file it touches, so Dagster's close is never
  the last one (SQLite still checkpoints on its own every 1,000 WAL pages);
- `synchronous=NORMAL`: in WAL mode a crash cannot corrupt the file, a power cut may lose the last events
  (run history; the warehouse is DuckDB and is not affected).
Only SQLite files under DAGSTER_HOME are touched.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

_keepers: dict[str, sqlite3.Connection] = {}
_lock = threading.Lock()
_installed = False


def _dagster_home() -> Path | None:
    home = os.environ.get("DAGSTER_HOME")
    return Path(home).resolve() if home else None


def _on_connect(dbapi_connection: object, _record: object) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    home = _dagster_home()
    row = dbapi_connection.execute("PRAGMA database_list").fetchone()
    path = row[2] if row else ""
    if home is None or not path or not Path(path).resolve().is_relative_to(home):
        return
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")
    with _lock:
        # A new file is created in rollback-journal mode and switched to WAL by Dagster afterwards: a keeper
        # opened before the switch never attaches to the WAL, so wait until the file is in WAL mode.
        if path not in _keepers and dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            # only holds the file open: one read attaches it to the WAL (a connection that never read does not
            # count); check_same_thread off, as it may be closed from any thread
            keeper = sqlite3.connect(path, check_same_thread=False)
            keeper.execute("select count(*) from sqlite_master").fetchone()
            _keepers[path] = keeper


def install() -> None:
    """Register the connect hook once per process (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Engine, "connect", _on_connect)
        _installed = True


def kept_files() -> list[str]:
    """The storage files this process holds open (for tests and diagnostics)."""
    with _lock:
        return sorted(_keepers)
