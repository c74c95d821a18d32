"""dbt-duckdb plugin: registers canbao's Python UDFs on every dbt connection.

Enabled in dbt_project/profiles.yml (``plugins: - module: canbao.dbt_plugin``). Python UDFs cost a Python call
per value, so models apply them to DISTINCT values and join the result back.
"""

from __future__ import annotations

import logging
import unicodedata

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection
from duckdb.sqltypes import VARCHAR

from canbao import names

log = logging.getLogger(__name__)


def _nfkc(value: str | None) -> str | None:
    return None if value is None else unicodedata.normalize("NFKC", value)


def _surname(value: str | None) -> str | None:
    return names.split_name(value)[0]


def _given_name(value: str | None) -> str | None:
    return names.split_name(value)[1]


UDFS = {
    "canbao_pinyin": names.pinyin,
    "canbao_surname": _surname,
    "canbao_given_name": _given_name,
    "canbao_name": names.normalise,
    "canbao_nfkc": _nfkc,
}


def register_udfs(conn: DuckDBPyConnection) -> None:
    """Register the UDFs on a connection (also used by tests and Python steps outside dbt)."""
    for name, fn in UDFS.items():
        try:
            conn.remove_function(name)
        except Exception:  # noqa: BLE001 - not registered yet
            pass
        # 'special': the functions take and may return None (e.g. no surname for a dotted minority name).
        conn.create_function(name, fn, [VARCHAR], VARCHAR, null_handling="special", side_effects=False)
    log.debug("registered UDFs %s", sorted(UDFS))


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register_udfs(conn)
