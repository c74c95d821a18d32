"""The bureau's static HTML report (opens from the file system: inline SVG, no scripts)."""

from canbao.report.build import build_report

__all__ = ["build_report"]
