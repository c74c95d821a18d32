"""Ingest: every delivery in landing/ into the `raw` schema, every row accounted for (no Dagster here)."""

from canbao.ingest.deliveries import (
    FileResult,
    IngestResult,
    delivered_sources,
    ingest_source_period,
    is_delivery_file,
    list_periods,
)

__all__ = [
    "FileResult",
    "IngestResult",
    "delivered_sources",
    "ingest_source_period",
    "is_delivery_file",
    "list_periods",
]
