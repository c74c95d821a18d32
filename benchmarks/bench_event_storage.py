"""Dagster event recording with and without orchestration/event_storage.py: `python benchmarks/bench_event_storage.py
[default|tuned]` materializes one partitioned multi-asset of 200 assets and 150 checks (about what `dbt_staging`
records) twice in a fresh DAGSTER_HOME and prints the seconds of each run. Alternate the two modes: the disk is
what is measured."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ASSETS, CHECKS = 200, 150


def main(mode: str) -> None:
    home = Path(tempfile.mkdtemp())
    os.environ["DAGSTER_HOME"] = str(home)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    from dagster import (
        AssetCheckResult,
        AssetCheckSpec,
        AssetKey,
        AssetSpec,
        DagsterInstance,
        MaterializeResult,
        StaticPartitionsDefinition,
        materialize,
        multi_asset,
    )

    if mode == "tuned":
        from orchestration import event_storage

        event_storage.install()
    keys = [AssetKey(["s", f"a{i}"]) for i in range(ASSETS)]

    @multi_asset(specs=[AssetSpec(k) for k in keys],
                 check_specs=[AssetCheckSpec(f"c{i}", asset=keys[i % ASSETS]) for i in range(CHECKS)],
                 partitions_def=StaticPartitionsDefinition(["2015-01", "2015-02"]))
    def big(context):  # noqa: ANN001, ANN202
        for i, key in enumerate(keys):
            yield MaterializeResult(asset_key=key, metadata={"rows_in_period": i})
        for i in range(CHECKS):
            yield AssetCheckResult(check_name=f"c{i}", asset_key=keys[i % ASSETS], passed=True)

    try:
        with DagsterInstance.get() as instance:
            for period in ("2015-01", "2015-02"):
                t = time.perf_counter()
                materialize([big], instance=instance, partition_key=period)
                print(f"{mode} {period} {time.perf_counter() - t:.2f} s")  # noqa: T201
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tuned")
