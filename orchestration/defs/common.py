"""Settings shared by every asset definition: the writer pool and retry-on-lock."""

from collections.abc import Iterator
from contextlib import contextmanager

from dagster import RetryRequested

# Every step that touches the warehouse runs in this pool (limit 1, see the dagster.yaml written by the CLI):
# DuckDB allows a single writer process.
WAREHOUSE_POOL = "warehouse"

OWNER = "team:platform"

_LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "database is locked")


def is_lock_error(exc: BaseException) -> bool:
    text = str(exc)
    return any(m in text for m in _LOCK_MARKERS)


@contextmanager
def retry_on_lock(max_retries: int = 3, seconds: float = 5.0) -> Iterator[None]:
    """Retry the step (with growing waits) only when another process holds the warehouse file — e.g. an
    analyst's session or the UI reading it. Any other failure is real and must not be retried blindly."""
    try:
        yield
    except Exception as exc:
        if is_lock_error(exc):
            raise RetryRequested(max_retries=max_retries, seconds_to_wait=seconds) from exc
        raise
