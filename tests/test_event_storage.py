"""The SQLite tuning of Dagster's storage (orchestration/event_storage.py): a run's events are all stored, the
files under DAGSTER_HOME are held open once they are in WAL mode (so Dagster's per-event close does not
checkpoint and delete the WAL), and SQLite files elsewhere are left alone."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from dagster import AssetKey, AssetSpec, DagsterInstance, MaterializeResult, materialize, multi_asset
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from orchestration import event_storage

N = 25


@multi_asset(specs=[AssetSpec(AssetKey(["t", f"a{i}"])) for i in range(N)])
def many(context):  # noqa: ANN001, ANN201
    for i in range(N):
        yield MaterializeResult(asset_key=AssetKey(["t", f"a{i}"]), metadata={"i": i})


def test_events_are_stored_and_storage_files_kept_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "dagster"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    event_storage.install()
    event_storage.install()  # idempotent: one listener
    with DagsterInstance.get() as instance:
        runs = [materialize([many], instance=instance).run_id for _ in range(2)]
        for i in (0, N - 1):
            event = instance.get_latest_materialization_event(AssetKey(["t", f"a{i}"]))
            assert event is not None and event.run_id == runs[-1]
            assert event.asset_materialization.metadata["i"].value == i
        for run_id in runs:
            stored = [e for e in instance.all_logs(run_id) if e.dagster_event_type
                      and e.dagster_event_type.value == "ASSET_MATERIALIZATION"]
            assert len(stored) == N
    kept = [Path(p) for p in event_storage.kept_files() if Path(p).is_relative_to(home.resolve())]
    shards = {p.name for p in kept}
    # the index and both runs' shards (created fresh in rollback mode, then switched to WAL by Dagster)
    assert {"index.db", f"{runs[0]}.db", f"{runs[1]}.db"} <= shards
    for path in kept:
        con = sqlite3.connect(path)
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        con.close()
    # with a keeper attached, the WAL of the run's shard outlives Dagster's closes
    assert (home.resolve() / "history" / "runs" / f"{runs[-1]}.db-wal").exists()


def test_sqlite_files_outside_dagster_home_are_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    event_storage.install()
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)  # (sqlite3's context manager commits but does not close)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("create table t (x int)")
    con.close()
    engine = create_engine(f"sqlite:///{other}", poolclass=NullPool)
    with engine.connect() as conn:
        # SQLite's default for a new connection (FULL = 2), not NORMAL (1)
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2
        conn.execute(text("insert into t values (1)"))
        conn.commit()
    engine.dispose()
    assert str(other) not in event_storage.kept_files()
    assert not Path(f"{other}-wal").exists()  # the last close checkpointed and removed it, as SQLite does
