"""Small inline-SVG charts (no JavaScript, no CDN): the report must open from the file system."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 860
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


def _pct(v: float) -> str:
    return f"{100 * v:.0f}%"


def bar_vs_target(
    labels: Sequence[str], values: Sequence[float | None], targets: Sequence[float | None], title: str
) -> str:
    """Horizontal bars (rate) with a target tick per row; rates in [0, 1]."""
    row_h, left, right, top = 18, 110, 60, 28
    height = top + row_h * len(labels) + 24
    plot_w = WIDTH - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img">',
        f'<text x="4" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + plot_w * tick
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" stroke="#ddd"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" font-size="10" text-anchor="middle">{_pct(tick)}</text>')
    for i, (label, value, target) in enumerate(zip(labels, values, targets, strict=True)):
        y = top + i * row_h
        parts.append(f'<text x="{left - 6}" y="{y + 12}" font-size="11" text-anchor="end">{escape(label)}</text>')
        if value is not None:
            below = target is not None and value < target
            color = "#d62728" if below else "#2ca02c"
            bar_w = plot_w * min(value, 1)
            parts.append(
                f'<rect x="{left}" y="{y + 3}" width="{bar_w:.1f}" height="{row_h - 6}" fill="{color}">'
                f"<title>{escape(label)}: {100 * value:.1f}%</title></rect>"
            )
            parts.append(f'<text x="{left + bar_w + 4:.1f}" y="{y + 12}" font-size="10">{100 * value:.1f}%</text>')
        if target is not None:
            x = left + plot_w * target
            parts.append(
                f'<line x1="{x:.1f}" y1="{y + 1}" x2="{x:.1f}" y2="{y + row_h - 1}" stroke="#000" stroke-width="2"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    periods: Sequence[str], series: dict[str, Sequence[float | None]], title: str, target: float | None = None
) -> str:
    """Lines across periods (values in [0, 1]); a dashed target line if given."""
    height, left, right, top, bottom = 260, 50, 150, 28, 30
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    values = [v for s in series.values() for v in s if v is not None] + ([target] if target is not None else [])
    lo = max(0.0, min(values, default=0) - 0.05)
    hi = min(1.0, max(values, default=1) + 0.05)
    if hi - lo < 0.1:
        hi = min(1.0, lo + 0.1)

    def x(i: int) -> float:
        return left + (plot_w * i / max(len(periods) - 1, 1))

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img">',
        f'<text x="4" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        parts.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + plot_w}" y2="{y(v):.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end">{100 * v:.0f}%</text>')
    for i, p in enumerate(periods):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 10}" font-size="10" text-anchor="middle">{escape(p)}</text>')
    if target is not None:
        parts.append(
            f'<line x1="{left}" y1="{y(target):.1f}" x2="{left + plot_w}" y2="{y(target):.1f}" '
            'stroke="#000" stroke-dasharray="4 3"/>'
        )
    for n, (name, vals) in enumerate(series.items()):
        color = COLORS[n % len(COLORS)]
        pts = [(x(i), y(v)) for i, v in enumerate(vals) if v is not None]
        if len(pts) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for px, py in pts:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}"/>')
        ly = top + 14 * n
        parts.append(f'<rect x="{WIDTH - right + 10}" y="{ly}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{WIDTH - right + 24}" y="{ly + 9}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def interval_chart(
    labels: Sequence[str],
    points: Sequence[float | None],
    lows: Sequence[float | None],
    highs: Sequence[float | None],
    title: str,
) -> str:
    """Point estimates with their confidence intervals, one row per label."""
    row_h, left, right, top = 18, 110, 60, 28
    height = top + row_h * len(labels) + 24
    plot_w = WIDTH - left - right
    top_v = max([h for h in highs if h is not None] + [0.05])
    scale = min(1.0, top_v * 1.1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img">',
        f'<text x="4" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for k in range(5):
        v = scale * k / 4
        xv = left + plot_w * k / 4
        parts.append(f'<line x1="{xv:.1f}" y1="{top - 4}" x2="{xv:.1f}" y2="{height - 20}" stroke="#eee"/>')
        parts.append(f'<text x="{xv:.1f}" y="{height - 6}" font-size="10" text-anchor="middle">{100 * v:.1f}%</text>')
    for i, (label, p, lo, hi) in enumerate(zip(labels, points, lows, highs, strict=True)):
        yc = top + i * row_h + row_h / 2
        parts.append(f'<text x="{left - 6}" y="{yc + 4:.1f}" font-size="11" text-anchor="end">{escape(label)}</text>')
        if p is None:
            parts.append(f'<text x="{left + 4}" y="{yc + 4:.1f}" font-size="10" fill="#888">未核查 no verdicts</text>')
            continue
        x0, x1, xp = (left + plot_w * min(v, scale) / scale for v in (lo or 0, hi or 0, p))
        parts.append(f'<line x1="{x0:.1f}" y1="{yc:.1f}" x2="{x1:.1f}" y2="{yc:.1f}" stroke="#555" stroke-width="2"/>')
        parts.append(
            f'<circle cx="{xp:.1f}" cy="{yc:.1f}" r="4" fill="#d62728">'
            f"<title>{escape(label)}: {100 * p:.1f}% [{100 * (lo or 0):.1f}, {100 * (hi or 0):.1f}]</title>"
            "</circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
