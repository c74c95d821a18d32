"""Benchmark the whole pipeline at a given city size: `make bench SCALE=1000000`.

Generates the city once (cached under benchmarks/cache/), runs the first period end to end with the in-process
executor, then the second period (the monthly routine), and prints per stage: wall time, rows in/out,
comparisons made; plus peak memory (this process and the dbt subprocesses) and the linkage F1 against the
naive baseline, and a fixed workload's time before and after each period (the machine's speed, which drifts).
One row per period is appended to benchmarks/results.csv as soon as the period is done.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

STAGES = {
    "ingest": lambda k: k.startswith("raw__") or k == "delivery_log",
    "staging (dbt)": lambda k: k == "dbt_staging",
    "quality gates": lambda k: "_gx_" in k,
    "linkage": lambda k: k in ("person_linkage", "linkage__evaluation"),
    "marts (dbt)": lambda k: k in ("dbt_marts", "dbt_audit"),
    "audit sampling": lambda k: k == "audit_sampling",
    "publish": lambda k: k.startswith("publish__"),
}


def _peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _step_seconds(run_id: str) -> dict[str, float]:
    from dagster import DagsterInstance

    stats = DagsterInstance.get().get_run_step_stats(run_id)
    return {s.step_key: (s.end_time or 0) - (s.start_time or 0) for s in stats}


def _latest_run_id() -> str:
    from dagster import DagsterInstance

    return DagsterInstance.get().get_runs(limit=1)[0].run_id


def _machine_ms() -> dict[str, float]:
    """A fixed workload timed before and after each period: a pure-Python loop (like xlsxwriter and Dagster)
    and a DuckDB scan on 2 threads (like dbt and Splink), median of 3 in milliseconds. These machines' speed
    drifts by a third within a session, so a ratio of two periods' wall times means little without it."""
    import statistics

    import duckdb

    def py() -> float:
        t = time.perf_counter()
        s = 0
        for i in range(3_000_000):
            s += i * i % 7
        return time.perf_counter() - t

    con = duckdb.connect()
    con.execute("set threads = 2")

    def sql() -> float:
        t = time.perf_counter()
        con.execute("select sum(hash(i % 1000003)) from range(40000000) t(i)").fetchall()
        return time.perf_counter() - t

    out = {
        "machine_py_ms": round(statistics.median(py() for _ in range(3)) * 1000, 1),
        "machine_sql_ms": round(statistics.median(sql() for _ in range(3)) * 1000, 1),
    }
    con.close()
    return out


def _figures(warehouse: Path, period: str) -> dict[str, float | int]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        out: dict[str, float | int] = {}
        out["raw_rows"] = con.execute(
            "select sum(rows_loaded) from raw._deliveries where period=?", [period]
        ).fetchone()[0]
        out["staged_person_records"] = con.execute(
            "select count(*) from intermediate.int_person_records where period=?", [period]
        ).fetchone()[0]
        out["quarantined"] = con.execute("select count(*) from marts.quarantine where period=?", [period]).fetchone()[0]
        out["identifiers"] = con.execute(
            "select count(distinct identifier) from marts.record_identifiers where period=?", [period]
        ).fetchone()[0]
        metrics = con.execute(
            "select metrics from linkage.runs where period=? order by finished_at desc limit 1", [period]
        ).fetchone()
        if metrics:
            m = json.loads(metrics[0]) if isinstance(metrics[0], str) else metrics[0]
            comps = m.get("comparisons_per_rule") or m.get("comparisons") or {}
            out["comparisons"] = sum(comps.values()) if isinstance(comps, dict) else comps
            out["distinct_records"] = m.get("distinct_records", 0)
        for method in ("splink", "naive_id_number"):
            row = con.execute(
                "select value from linkage.evaluation where period=? and method=? and subset='overall' "
                "and metric='pairwise_f1' order by run_id desc limit 1",
                [period, method],
            ).fetchone()
            if row:
                out[f"f1_{method}"] = round(row[0], 5)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=100_000, help="persons in the synthetic city")
    ap.add_argument("--seed", type=int, default=20150101)
    ap.add_argument("--periods", default="2015-01:2015-02", help="first period end to end, then the routine")
    ap.add_argument("--cache", default=str(HERE / "cache"))
    ap.add_argument("--results", default=str(HERE / "results.csv"))
    ap.add_argument("--run", help="periods to run now (default: all of --periods), e.g. the routine alone")
    ap.add_argument("--resume", action="store_true", help="keep the cached home: continue after earlier periods")
    args = ap.parse_args()

    from orchestration.partitions import period_range
    from orchestration.settings import Settings

    periods = period_range(args.periods)
    city = Path(args.cache) / f"city-{args.scale}-{args.seed}-{periods[0]}-{periods[-1]}"
    gen_seconds = 0.0
    if not (city / "truth" / "config.json").exists():
        from synthetic.generate import generate_city

        shutil.rmtree(city, ignore_errors=True)
        t = time.perf_counter()
        generate_city(city, args.scale, args.seed, periods)
        gen_seconds = time.perf_counter() - t
    home = Path(args.cache) / f"home-{args.scale}-{args.seed}"
    if not args.resume:
        shutil.rmtree(home, ignore_errors=True)
    to_run = period_range(args.run) if args.run else periods
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    settings = Settings(
        home=home,
        landing=city / "landing",
        truth=city / "truth",
        memory_limit=os.environ.get("CANBAO_MEMORY_LIMIT", "8GB"),
    )

    from canbao.pipeline import run_periods

    results = Path(args.results)
    rows = []
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE.parent, check=False
    ).stdout.strip()
    for period in to_run:
        i = periods.index(period)
        before = _machine_ms()
        started = time.time()
        t = time.perf_counter()
        outcome = run_periods(settings, [period])[0]
        wall = time.perf_counter() - t
        after = _machine_ms()
        if not outcome.success:
            print(f"period {period} failed: {outcome.failures[:3]}")
            if rows:
                print(f"the {len(rows)} periods before it are in {results}")
            raise SystemExit(1)
        steps = _step_seconds(_latest_run_id())
        stage_seconds = {name: round(sum(v for k, v in steps.items() if pred(k)), 1) for name, pred in STAGES.items()}
        own, children = _peak_mb()
        figures = _figures(settings.warehouse, period)
        row = {
            "commit": commit,
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "scale": args.scale,
            "period": period,
            "kind": "first" if i == 0 else "routine",
            "generate_s": round(gen_seconds, 1) if i == 0 else "",
            "wall_s": round(wall, 1),
            **{f"{k}_s": v for k, v in stage_seconds.items()},
            "peak_mb_pipeline": round(own),
            "peak_mb_dbt": round(children),
            **figures,
            # the mean of before and after: the machine's speed while the period ran, as far as two points tell
            **{k: round((before[k] + after[k]) / 2, 1) for k in before},
        }
        rows.append(row)
        _append_rows(results, [row])  # at once: a later period that fails must not lose this one's figures
        print(f"\n== {args.scale:,} persons, period {period} ({row['kind']}): {wall:.0f} s wall")
        for k, v in stage_seconds.items():
            share = v / wall * 100 if wall else 0
            print(f"   {k:<16} {v:8.1f} s  {share:5.1f} %")
        print(f"   peak memory: pipeline {own:.0f} MB, dbt {children:.0f} MB")
        print(
            f"   machine speed (fixed workload, ms; before → after): python {before['machine_py_ms']} → "
            f"{after['machine_py_ms']}, duckdb {before['machine_sql_ms']} → {after['machine_sql_ms']}"
        )
        for k, v in figures.items():
            print(f"   {k:<22} {v}")
        print(
            "   slowest steps: "
            + ", ".join(f"{k} {v:.0f} s" for k, v in sorted(steps.items(), key=lambda kv: -kv[1])[:8])
        )
        _print_dbt_profile(HERE.parent / "dbt_project" / "target", started)
    if len(rows) == 2:
        _print_ratio(rows[0], rows[1])
    first = next((r for r in rows if r["kind"] == "first"), None)
    if first is not None:
        _print_growth(results, first)
    print(f"appended {len(rows)} rows to {results}")


def _append_rows(results: Path, rows: list[dict]) -> None:
    """Append rows; a column the file lacks extends its header (older rows get it empty), so a new figure is
    kept instead of dropped or written under another column's name."""
    old: list[dict] = []
    fields: list[str] = []
    if results.exists():
        with results.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            fields = list(reader.fieldnames or [])
            old = list(reader)
    for row in rows:
        fields += [k for k in row if k not in fields]
    with results.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(old + rows)


def _print_ratio(first: dict, routine: dict) -> None:
    """The routine / first wall-time ratio, and the same with each period's time divided by the machine's
    slowness then (the fixed workloads' mean, relative): a drift-corrected estimate, not a measurement."""
    ratio = routine["wall_s"] / first["wall_s"]

    def slowness(row: dict) -> float:
        return row["machine_py_ms"] + row["machine_sql_ms"]

    corrected = ratio * slowness(first) / slowness(routine)
    print(f"\nroutine / first period wall time: {ratio:.2f} (machine-speed corrected: {corrected:.2f})")


def _print_dbt_profile(target_root: Path, since: float, top: int = 8) -> None:
    """Per dbt step of this run: the slowest nodes, and model vs data-test time (from run_results.json)."""
    for step in ("dbt_staging", "dbt_marts", "dbt_audit"):
        runs = [
            d
            for d in target_root.glob(f"{step}-*")
            if (d / "run_results.json").exists() and (d / "run_results.json").stat().st_mtime >= since - 1
        ]
        if not runs:
            continue
        latest = max(runs, key=lambda d: (d / "run_results.json").stat().st_mtime)
        results = json.loads((latest / "run_results.json").read_text(encoding="utf-8"))
        nodes = [(r["unique_id"], r.get("execution_time") or 0.0) for r in results["results"]]
        models = sum(t for u, t in nodes if not u.startswith(("test.", "unit_test.")))
        tests = sum(t for u, t in nodes if u.startswith("test."))
        slowest = ", ".join(f"{u.split('.')[-1][:40]} {t:.1f}" for u, t in sorted(nodes, key=lambda n: -n[1])[:top])
        print(
            f"   {step}: {results.get('elapsed_time', 0):.0f} s in dbt, models {models:.0f} s, "
            f"data tests {tests:.0f} s; slowest: {slowest}"
        )


def _print_growth(results: Path, first: dict) -> None:
    """Cost growth against the latest first-period row of a smaller city in the results file: wall time and
    peak memory ratios next to the persons ratio (the target is growth no faster than ~linear)."""
    if not results.exists():
        return
    with results.open(encoding="utf-8") as fh:
        smaller = [r for r in csv.DictReader(fh) if r["kind"] == "first" and int(r["scale"]) < first["scale"]]
    if not smaller:
        return
    base = max(smaller, key=lambda r: (int(r["scale"]), r["date"]))
    persons = first["scale"] / int(base["scale"])
    wall = first["wall_s"] / float(base["wall_s"])
    memory = first["peak_mb_pipeline"] / float(base["peak_mb_pipeline"])
    print(
        f"growth from {int(base['scale']):,} persons (commit {base['commit']}): x{persons:.0f} persons, "
        f"x{wall:.1f} wall time, x{memory:.1f} peak memory"
    )


if __name__ == "__main__":
    main()
