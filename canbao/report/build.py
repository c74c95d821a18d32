"""Render the bureau's static HTML report: `<reports>/<period>/report.html` and `<reports>/index.html`."""

from __future__ import annotations

import logging
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from canbao.report import svg
from canbao.report.data import GROUP_LABELS, ReportData, load

log = logging.getLogger(__name__)
TEMPLATE_DIR = Path(__file__).parent
GROUPS = list(GROUP_LABELS)


def _num(v: Any) -> float | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    return float(v)


def _pct(v: Any, digits: int = 1) -> str:
    x = _num(v)
    return "—" if x is None else f"{100 * x:.{digits}f}%"


def _signed_pts(v: Any) -> str:
    x = _num(v)
    return "—" if x is None else f"{100 * x:+.1f} pts"


def _district_names(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        try:
            return dict(con.execute("select district_code, district_name from seeds.districts").fetchall())
        except duckdb.Error:
            return {}


def _context(data: ReportData, names: dict[str, str]) -> dict[str, Any]:
    city = [
        {
            "label": GROUP_LABELS.get(r.scheme_group, r.scheme_group),
            "should": f"{int(r.should):,}",
            "insured": f"{int(r.insured):,}",
            "rate": _pct(r.rate),
            "target": _pct(r.target, 0),
            "gap": f"{int(r.gap):,}",
            "below": _num(r.rate) is not None and _num(r.target) is not None and r.rate < r.target,
        }
        for r in sorted(
            data.city_coverage.itertuples(),
            key=lambda r: GROUPS.index(r.scheme_group) if r.scheme_group in GROUPS else len(GROUPS),
        )
    ]
    trend_charts = []
    if not data.coverage_trend.empty:
        t = data.coverage_trend.pivot_table(index="period", columns="scheme_group", values="rate").sort_index()
        series = {GROUP_LABELS.get(g, g): [_num(v) for v in t[g]] for g in GROUPS if g in t}
        trend_charts.append(svg.line_chart(list(t.index), series, "全市参保率趋势 City coverage rate by period"))
    ev = data.evaluations
    rows, district_charts = [], []
    if not ev.empty:
        for r in ev.to_dict("records"):
            coverage = [
                {
                    "text": _pct(r.get(f"coverage_{g}")),
                    "below": _num(r.get(f"coverage_{g}")) is not None
                    and _num(r.get(f"target_{g}")) is not None
                    and r[f"coverage_{g}"] < r[f"target_{g}"],
                }
                for g in GROUPS
            ]
            audit = "—"
            if _num(r.get("audit_error_rate")) is not None:
                audit = (
                    f"{_pct(r['audit_error_rate'])} [{_pct(r['audit_ci_lower'])}, {_pct(r['audit_ci_upper'])}]"
                    f" ({r['audit_sample_period']})"
                )
            rows.append(
                {
                    "rank": int(r["score_rank"]),
                    "name": f"{r.get('district_name') or ''} {r['district_code']}".strip(),
                    "is_pilot": bool(r.get("is_pilot")),
                    "score": f"{r['score']:.1f}" if _num(r.get("score")) is not None else "—",
                    "coverage": coverage,
                    "change": _signed_pts(r.get("coverage_change")),
                    "valid_id": _pct(r.get("valid_id_share")),
                    "quarantined": _pct(r.get("quarantined_share"), 2),
                    "duplicates": f"{int(r.get('duplicate_persons') or 0):,}",
                    "survey": f"{int(r.get('survey_closed') or 0):,}/{int(r.get('survey_issued') or 0):,}"
                    f" ({_pct(r.get('survey_progress'), 0)})",
                    "audit": audit,
                }
            )
        by_code = ev.sort_values("district_code")
        labels = [
            f"{n or ''} {c}".strip() for n, c in zip(by_code["district_name"], by_code["district_code"], strict=True)
        ]
        for g in ("pension", "medical"):
            district_charts.append(
                svg.bar_vs_target(
                    labels,
                    [_num(v) for v in by_code[f"coverage_{g}"]],
                    [_num(v) for v in by_code[f"target_{g}"]],
                    f"区县参保率与目标 Coverage vs target by district — {GROUP_LABELS[g]} (竖线 tick = target)",
                )
            )
    audit_chart = ""
    if not ev.empty and ev["audit_error_rate"].notna().any():
        by_code = ev.sort_values("district_code")
        audit_chart = svg.interval_chart(
            [f"{n or ''} {c}".strip() for n, c in zip(by_code["district_name"], by_code["district_code"], strict=True)],
            [_num(v) for v in by_code["audit_error_rate"]],
            [_num(v) for v in by_code["audit_ci_lower"]],
            [_num(v) for v in by_code["audit_ci_upper"]],
            "抽检差错率及95%置信区间 Audit error rate with 95% interval, by district",
        )
    return {
        "period": data.period,
        "generated_at": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "city_coverage": city,
        "trend_charts": trend_charts,
        "group_labels": [GROUP_LABELS[g] for g in GROUPS],
        "evaluations": rows,
        "district_charts": district_charts,
        "weights": data.weights.to_dict("records"),
        "audit_city": [
            {
                "sample_period": r.sample_period,
                "sample_size": int(r.sample_size),
                "audited": int(r.audited),
                "errors": int(r.errors),
                "rate": _pct(r.error_rate, 2),
                "ci": f"[{_pct(r.ci_lower, 2)}, {_pct(r.ci_upper, 2)}]",
            }
            for r in data.audit_city.itertuples()
        ],
        "audit_chart": audit_chart,
        "field_errors": [
            {"field_name": r.field_name, "count": int(r.items), "share": _pct(r.share)}
            for r in data.field_errors.itertuples()
        ],
        "verdict_issues": data.verdict_issues.to_dict("records"),
        "frames": [
            {
                "name": f"{names.get(r.district_code, '')} {r.district_code}".strip(),
                "frame_size": f"{int(r.frame_size):,}",
                "sample_size": int(r.sample_size),
                "seed": int(r.seed),
            }
            for r in data.audit_frames.itertuples()
        ],
    }


def _links(reports_dir: Path, period: str, prefix: str) -> dict[str, Any]:
    linkage_dir = reports_dir / "linkage"
    linkage = sorted(linkage_dir.rglob("*.html")) if linkage_dir.exists() else []
    return {
        "data_docs": f"{prefix}data_docs/index.html",
        "linkage": [{"name": p.stem, "href": prefix + p.relative_to(reports_dir).as_posix()} for p in linkage],
        "audit_sheets": f"{prefix}audit/{period}/",
    }


def _periods(reports_dir: Path, prefix: str, current: str) -> list[dict[str, str]]:
    found = {p.parent.name for p in reports_dir.glob("*/report.html")} | {current}
    return [{"period": p, "href": f"{prefix}{p}/report.html"} for p in sorted(found)]


def build_report(warehouse: Path, reports_dir: Path, period: str) -> Path:
    """Write `<reports>/<period>/report.html` and `<reports>/index.html` (this period); return the period's page."""
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html", "j2"]))
    template = env.get_template("report.html.j2")
    context = _context(load(warehouse, period), _district_names(warehouse))
    page = reports_dir / period / "report.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(
        template.render(
            **context, links=_links(reports_dir, period, "../"), periods=_periods(reports_dir, "../", period)
        ),
        encoding="utf-8",
    )
    # index.html always shows the latest period built; re-building an older period leaves it alone
    if period >= max(p["period"] for p in _periods(reports_dir, "", period)):
        index = reports_dir / "index.html"
        index.write_text(
            template.render(
                **context, links=_links(reports_dir, period, ""), periods=_periods(reports_dir, "", period)
            ),
            encoding="utf-8",
        )
    log.info("report for %s written to %s", period, page)
    return page
