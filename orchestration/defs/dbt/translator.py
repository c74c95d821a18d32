"""How dbt models appear in Dagster: keys by schema, groups by layer, descriptions from the YAML."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from orchestration.defs.common import OWNER

_LAYER_BY_FOLDER = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}


class CanbaoDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        meta_key = (dbt_resource_props.get("meta") or {}).get("dagster", {}).get("asset_key")
        if meta_key:
            return AssetKey(meta_key)
        if dbt_resource_props.get("resource_type") == "source":
            return AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        if dbt_resource_props.get("resource_type") == "seed":
            return AssetKey(["seeds", dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props.get("schema")
        return AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props.get("resource_type") == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn") or []
        for part in fqn[1:]:
            if part in _LAYER_BY_FOLDER:
                return _LAYER_BY_FOLDER[part]
        return "staging"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        return [OWNER]
