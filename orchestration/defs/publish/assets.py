"""Reports, worklists and extracts published after the marts pass their gates."""

from __future__ import annotations

from dagster import AssetsDefinition

publish_assets: list[AssetsDefinition] = []
