"""Dagster definitions: linkage."""
