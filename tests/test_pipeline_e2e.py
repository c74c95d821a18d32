"""End to end on a small generated city: the monthly Dagster job, in-process, for two consecutive periods.

Covers the operational promises: every delivered person row gets an identifier, re-running a period changes
nothing, a run killed during linkage and re-run gives the same marts, and a bad delivery stops at its quality
gate without rebuilding the marts.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import CITY_PERIODS, PipelineCity, make_settings

CORE_GROUPS = ["ingest", "reference", "staging", "intermediate", "linkage", "marts", "audit"]
pytestmark = pytest.mark.slow


def _q(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _snapshot(warehouse: Path, period: str) -> dict[str, list[tuple]]:
    """What analysts see for a period: identifiers per delivered row, the ledger and coverage."""
    return {
        "record_identifiers": _q(
            warehouse,
            "select source, file_name, row_number, identifier from marts.record_identifiers where period = ? "
            "order by all",
            [period],
        ),
        "person_ledger": _q(
            warehouse,
            "select identifier, scheme_group, status from marts.person_ledger where period = ? order by all",
            [period],
        ),
        "coverage": _q(
            warehouse,
            "select level, scheme_group, district_code, township_code, should, insured from marts.coverage "
            "where period = ? order by all",
            [period],
        ),
    }


def test_every_staged_person_row_has_one_identifier(pipeline_city: PipelineCity) -> None:
    for period in CITY_PERIODS:
        (persons,) = _q(
            pipeline_city.warehouse, "select count(*) from intermediate.int_person_records where period=?", [period]
        )[0]
        (linked, keys) = _q(
            pipeline_city.warehouse,
            "select count(*), count(distinct record_key) from marts.record_identifiers where period = ?",
            [period],
        )[0]
        assert persons > 5_000  # ~2 k persons deliver several rows each
        assert linked == keys == persons
    # identifiers look like 参保标识 and none is empty
    bad = _q(
        pipeline_city.warehouse,
        "select count(*) from marts.record_identifiers where not regexp_full_match(identifier, 'CB[0-9]{12}')",
    )
    assert bad[0][0] == 0


def test_linkage_meets_targets_and_beats_naive(pipeline_city: PipelineCity) -> None:
    rows = _q(
        pipeline_city.warehouse,
        "select method, metric, value from linkage.evaluation where period = ? and subset = 'overall'",
        [CITY_PERIODS[-1]],
    )
    got = {(m, k): v for m, k, v in rows}
    assert got[("splink", "pairwise_f1")] >= 0.995
    assert got[("splink", "persons_resolved_exactly")] >= 0.99
    assert got[("splink", "pairwise_recall")] > got[("naive_id_number", "pairwise_recall")]
    assert got[("splink", "persons_resolved_exactly")] > got[("naive_id_number", "persons_resolved_exactly")]


def test_reconciliation_accounts_for_every_row(pipeline_city: PipelineCity) -> None:
    rows = _q(
        pipeline_city.warehouse,
        "select source, period, rows_in, rows_staged, rows_quarantined, status from marts.reconciliation",
    )
    assert len(rows) >= 11 * len(CITY_PERIODS)
    for source, period, rows_in, staged, quarantined, status in rows:
        assert status == "ok", (source, period, status)
        assert rows_in == staged + quarantined, (source, period)


def test_publish_outputs_exist(pipeline_city: PipelineCity) -> None:
    reports = pipeline_city.home / "reports"
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "district" in index.lower() or "区县" in index
    data_docs = (reports / "data_docs" / "index.html").read_text(encoding="utf-8")
    for suite in ("stg_ps_hukou__residents", "mart_coverage"):
        assert suite in data_docs
    assert (reports / "dbt_docs" / "index.html").stat().st_size > 100_000
    assert list((reports / "linkage").rglob("*.html"))


def test_rerunning_a_period_changes_nothing(pipeline_city: PipelineCity, tmp_path: Path) -> None:
    from canbao.pipeline import run_periods

    period = CITY_PERIODS[-1]
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(pipeline_city.warehouse, home / "warehouse.duckdb")
    before = _snapshot(home / "warehouse.duckdb", period)
    counts_before = _q(home / "warehouse.duckdb", "select count(*) from linkage.record_links")
    settings = make_settings(home, pipeline_city.landing, pipeline_city.truth)
    outcome = run_periods(settings, [period], groups=CORE_GROUPS)[0]
    assert outcome.success, outcome.failures
    assert _snapshot(home / "warehouse.duckdb", period) == before
    assert _q(home / "warehouse.duckdb", "select count(*) from linkage.record_links") == counts_before


def test_run_killed_during_linkage_then_rerun_gives_the_same_marts(pipeline_city: PipelineCity, tmp_path: Path) -> None:
    period = CITY_PERIODS[-1]
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(pipeline_city.after_first, home / "warehouse.duckdb")
    cmd = [
        sys.executable,
        "-m",
        "canbao.cli",
        "run",
        "--landing",
        str(pipeline_city.landing),
        "--home",
        str(home),
        "--periods",
        period,
    ]
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True
    )
    killed = False
    assert proc.stdout is not None
    for line in proc.stdout:
        if "start person_linkage" in line:
            time.sleep(1.0)  # inside Splink's work, before its single write transaction
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
            break
    proc.wait(timeout=600)
    assert killed, "the run ended before linkage"
    rerun = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, timeout=900)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    assert _snapshot(home / "warehouse.duckdb", period) == _snapshot(pipeline_city.warehouse, period)
    # the command line shows step lines; dbt's and Dagster's own output goes to the period's log file
    assert "    ok    person_linkage" in rerun.stdout
    assert "Running with dbt" not in rerun.stdout + rerun.stderr and " - dbt_staging - " not in rerun.stdout
    assert "Running with dbt" in (home / "logs" / f"run-{period}.log").read_text(encoding="utf-8")


def _corrupt_ids(csv_path: Path, share: float) -> int:
    """Replace the check character of every k-th ID number so that `share` of them become invalid."""
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    col = header.index("AAC002")
    step = round(1 / share)
    changed = 0
    for i, row in enumerate(body):
        if i % step == 0 and len(row[col]) == 18:
            row[col] = row[col][:17] + ("0" if row[col][17] != "0" else "1")
            changed += 1
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    return changed


def test_bad_delivery_stops_at_its_gate_and_marts_are_not_rebuilt(pipeline_city: PipelineCity, tmp_path: Path) -> None:
    from canbao.pipeline import run_periods

    period = CITY_PERIODS[-1]
    landing = tmp_path / "landing"
    shutil.copytree(pipeline_city.landing, landing)
    target = next((landing / "si_resident" / period).glob("*.csv"))
    assert _corrupt_ids(target, 0.2) > 100
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(pipeline_city.after_first, home / "warehouse.duckdb")
    outcome = run_periods(make_settings(home, landing, None), [period], groups=CORE_GROUPS)[0]
    assert not outcome.success
    message = " ".join(outcome.failures)
    assert "stg_si_resident__enrollments" in message and "id_check_digit_rate" in message
    # linkage and the marts did not run for the bad period
    assert _q(home / "warehouse.duckdb", "select count(*) from marts.coverage where period = ?", [period])[0][0] == 0
    assert (
        _q(home / "warehouse.duckdb", "select count(*) from linkage.record_links where period = ?", [period])[0][0] == 0
    )


def test_field_work_closes_items_and_feeds_the_audit(pipeline_city: PipelineCity) -> None:
    """Survey returns for the first period's worklist are staged without quarantine in the second period, close
    the visited items (which leave the new worklist), and every audit verdict is usable."""
    summary = pipeline_city.field_summary
    with duckdb.connect(str(pipeline_city.warehouse), read_only=True) as con:
        staged = con.execute("select count(*) from staging.stg_survey_returns__visits").fetchone()[0]
        quarantined = con.execute(
            "select count(*) from staging.stg_quarantine where source = 'survey_returns'"
        ).fetchone()[0]
        assert staged == summary["survey_rows"] and quarantined == 0
        closed = (
            con.execute("""
            select s.survey_form_no is not null as visited, avg((w.status = 'closed')::int) as closed
            from marts.worklist_items as w
            left join (select distinct survey_form_no from staging.stg_survey_returns__visits) as s
                on s.survey_form_no = w.worklist_item_id
            where w.issued_period = '2015-01' group by all""")
            .df()
            .set_index("visited")["closed"]
        )
        assert closed[True] > 0.85 and closed[False] < 0.2
        still_listed = con.execute("""
            select count(*) from marts.survey_worklist as s
            join marts.worklist_items as w using (worklist_item_id)
            where s.period = '2015-02' and w.status = 'closed'""").fetchone()[0]
        assert still_listed == 0
        usable = con.execute(
            "select count(*) filter (where is_usable), count(*) from intermediate.int_audit_verdicts_checked"
        ).fetchone()
        assert usable == (summary["verdicts"], summary["verdicts"])
