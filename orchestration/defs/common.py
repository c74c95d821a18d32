"""Settings shared by every asset definition: the writer pool and the retry policy."""

from __future__ import annotations

from dagster import Backoff, Jitter, RetryPolicy

# Every step that touches the warehouse runs in this pool (limit 1, see dagster.yaml written by the CLI):
# DuckDB allows a single writer process.
WAREHOUSE_POOL = "warehouse"

# A concurrent reader (a analyst's read-only session, the UI) can hold the file for a moment: retry.
LOCK_RETRY = RetryPolicy(max_retries=3, delay=2.0, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)

OWNER = "team:platform"
