"""Per-district extracts: <reports>/districts/<district_code>/<period>.duckdb holding only that district's
persons, ledger, coverage, worklists and findings (restricted values: the district office works with them)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

# table in the extract → the period's rows on the warehouse (attached as `wh`); split by district_code
TABLES: dict[str, str] = {
    "persons": "select * from wh.restricted.persons",
    "person_ledger": "select * from wh.marts.person_ledger where period = $period",
    "coverage": "select * from wh.marts.coverage where period = $period",
    "survey_worklist": "select * from wh.marts.survey_worklist where period = $period",
    "worklist_persons": "select * from wh.restricted.worklist_persons where period = $period",
    "findings": "select * from wh.restricted.findings where period = $period",
}
WRITERS = 2  # districts written at once: one file's compression and checkpoint keep about one core busy


def _quoted(path: Path) -> str:
    return "'" + Path(path).resolve().as_posix().replace("'", "''") + "'"


def write_district_extracts(warehouse: Path, reports_dir: Path, period: str) -> dict[str, Path]:
    """Each table's period rows are read from the warehouse once (a scan per district and table was most of
    the step at 1 M persons), held in an in-memory database, then split into one file per district by
    WRITERS connections at once."""
    with duckdb.connect() as con:
        con.execute(f"ATTACH {_quoted(warehouse)} AS wh (READ_ONLY)")
        for table, sql in TABLES.items():
            con.execute(
                f"CREATE TABLE memory.main.{table} AS {sql} ORDER BY district_code",
                {"period": period} if "$period" in sql else {},
            )
        con.execute("DETACH wh")
        districts = [r[0] for r in con.execute(
            "select distinct district_code from memory.main.persons where district_code is not null order by 1"
        ).fetchall()]

        def write(index_district: tuple[int, str]) -> tuple[str, Path]:
            index, district = index_district
            path = Path(reports_dir) / "districts" / district / f"{period}.duckdb"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
            alias = f"extract_{index}"
            cur = con.cursor()  # one connection per thread; the in-memory tables are shared
            try:
                cur.execute(f"ATTACH {_quoted(path)} AS {alias}")
                try:
                    for table in TABLES:
                        cur.execute(
                            f"CREATE TABLE {alias}.{table} AS SELECT * FROM memory.main.{table} "
                            "WHERE district_code = ?",
                            [district],
                        )
                finally:
                    cur.execute(f"DETACH {alias}")
            finally:
                cur.close()
            return district, path

        with ThreadPoolExecutor(WRITERS) as pool:
            return dict(pool.map(write, enumerate(districts)))
