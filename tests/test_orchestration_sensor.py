"""The completeness sensor: a period runs once, when every required source has delivered it."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import SkipReason, build_sensor_context

from orchestration.defs.schedules import complete_periods, deliveries_complete_sensor, required_sources


def _deliver(landing: Path, period: str, sources: list[str]) -> None:
    for s in sources:
        folder = landing / s / period
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "part-1.csv").write_text("x\n", encoding="utf-8")


def test_required_sources_exclude_platform_answers() -> None:
    req = required_sources()
    assert "survey_returns" not in req and "audit_verdicts" not in req
    assert {"si_employee", "ps_hukou", "tax_withholding", "ca_divisions"} <= set(req)


def test_complete_periods_needs_every_required_source(tmp_path: Path) -> None:
    req = required_sources()
    _deliver(tmp_path, "2015-01", req)
    _deliver(tmp_path, "2015-02", req[:-1])  # one source missing
    (tmp_path / req[-1] / "2015-02").mkdir(parents=True)
    (tmp_path / req[-1] / "2015-02" / ".DS_Store").write_text("", encoding="utf-8")  # hidden files don't count
    assert complete_periods(tmp_path) == ["2015-01"]


def test_sensor_requests_a_period_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANBAO_LANDING", str(tmp_path))
    monkeypatch.setenv("CANBAO_HOME", str(tmp_path / "home"))
    _deliver(tmp_path, "2015-01", required_sources())

    ctx = build_sensor_context(cursor=None)
    requests = list(deliveries_complete_sensor(ctx))
    assert [r.partition_key for r in requests] == ["2015-01"]
    assert requests[0].run_key == "period-2015-01"

    again = list(deliveries_complete_sensor(build_sensor_context(cursor=ctx.cursor)))
    assert len(again) == 1 and isinstance(again[0], SkipReason)

    _deliver(tmp_path, "2015-02", required_sources())
    later = list(deliveries_complete_sensor(build_sensor_context(cursor=ctx.cursor)))
    assert [r.partition_key for r in later] == ["2015-02"]


def test_definitions_wire_every_stage_in_order() -> None:
    """Every asset the job needs has a producer, and publishing waits for the marts (no external stubs)."""
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    job = defs.resolve_job_def("monthly_pipeline")
    nodes = {n.name for n in job.graph.nodes}
    assert {"dbt_staging", "person_linkage", "dbt_marts", "audit_sampling", "dbt_audit", "delivery_log"} <= nodes
    external = [k.to_user_string() for k in graph.get_all_asset_keys() if not graph.get(k).is_materializable]
    assert external == []
    deps = job.graph.dependency_structure
    upstream = {o.node_name for outs in deps.input_to_upstream_outputs_for_node("publish__bureau_report").values()
                for o in outs}
    assert "dbt_audit" in upstream
