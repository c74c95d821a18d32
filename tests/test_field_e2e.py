"""Two periods end to end (slow): run 2015-01, simulate the field work, run 2015-02 — the returns are staged
without quarantine, the visited items close, the verdicts are all usable, medical coverage rises."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

PERIODS = ["2015-01", "2015-02"]


@pytest.mark.slow
def test_two_periods_with_field_work(tmp_path: Path) -> None:
    from canbao.pipeline import run_periods
    from orchestration.settings import Settings
    from synthetic.field import simulate_field
    from synthetic.generate import generate_city

    # 3,000 persons, seed 1: every event source has rows in both months (the staging gates require it)
    generate_city(tmp_path / "city", 3000, 1, PERIODS, progress=lambda _m: None)
    base = Settings.from_env()
    settings = Settings(home=tmp_path / "home", landing=tmp_path / "city" / "landing",
                        truth=tmp_path / "city" / "truth", memory_limit=base.memory_limit, threads=base.threads)
    first = run_periods(settings, PERIODS[:1])
    assert all(o.success for o in first), [o.failures for o in first]
    summary = simulate_field(settings.home, tmp_path / "city" / "truth", settings.landing, PERIODS[0])
    assert summary["survey_rows"] > 0 and summary["enrolled_persons"] > 0
    second = run_periods(settings, PERIODS[1:])
    assert all(o.success for o in second), [o.failures for o in second]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        staged = con.execute("select count(*) from staging.stg_survey_returns__visits").fetchone()[0]
        quarantined = con.execute(
            "select count(*) from staging.stg_quarantine where source = 'survey_returns'").fetchone()[0]
        assert staged == summary["survey_rows"] and quarantined == 0
        closed = con.execute("""
            select s.survey_form_no is not null as visited, avg((w.status = 'closed')::int) as closed
            from marts.worklist_items as w
            left join (select distinct survey_form_no from staging.stg_survey_returns__visits) as s
                on s.survey_form_no = w.worklist_item_id
            where w.issued_period = '2015-01' group by all""").df().set_index("visited")["closed"]
        assert closed[True] > 0.85 and closed[False] < 0.2
        usable = con.execute(
            "select count(*) filter (where is_usable), count(*) from intermediate.int_audit_verdicts_checked"
        ).fetchone()
        assert usable == (summary["verdicts"], summary["verdicts"])
        rate = con.execute("""select period, insured / should from marts.coverage
                              where level = 'city' and scheme_group = 'medical' order by period""").fetchall()
        assert rate[1][1] > rate[0][1]
    finally:
        con.close()
