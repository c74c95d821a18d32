"""Dagster side of canbao: thin assets over the plain functions in canbao/, linkage/, expectations/."""
