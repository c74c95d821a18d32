"""Dagster definitions: dbt."""
