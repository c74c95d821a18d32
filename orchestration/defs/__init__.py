"""Dagster definitions: defs."""
