"""Quality gates: Great Expectations 1.x suites as code, validated per period against the DuckDB warehouse.

No Dagster imports here: orchestration wraps `run_suite` in blocking asset checks.
"""

from expectations.runner import SuiteResult, build_data_docs, list_suites, run_suite, suites_for_table
from expectations.summary import quality_summary, write_quality_summary

__all__ = [
    "SuiteResult",
    "build_data_docs",
    "list_suites",
    "quality_summary",
    "run_suite",
    "suites_for_table",
    "write_quality_summary",
]
