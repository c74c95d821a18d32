"""Per-district extracts: <reports>/districts/<district_code>/<period>.duckdb holding only that district's
persons, ledger, coverage, worklists and findings (restricted values: the district office works with them)."""

from __future__ import annotations

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


def _quoted(path: Path) -> str:
    return "'" + Path(path).resolve().as_posix().replace("'", "''") + "'"


def write_district_extracts(warehouse: Path, reports_dir: Path, period: str) -> dict[str, Path]:
    """Each table's period rows are read from the warehouse once (a scan per district and table was most of
    the step at 1 M persons), held in DuckDB, then split into one file per district."""
    written: dict[str, Path] = {}
    with duckdb.connect() as con:
        con.execute(f"ATTACH {_quoted(warehouse)} AS wh (READ_ONLY)")
        for table, sql in TABLES.items():
            con.execute(
                f"CREATE TEMP TABLE {table} AS {sql} ORDER BY district_code",
                {"period": period} if "$period" in sql else {},
            )
        districts = [r[0] for r in con.execute(
            "select distinct district_code from temp.persons where district_code is not null order by 1").fetchall()]
        for district in districts:
            path = Path(reports_dir) / "districts" / district / f"{period}.duckdb"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
            con.execute(f"ATTACH {_quoted(path)} AS extract")
            try:
                for table in TABLES:
                    con.execute(
                        f"CREATE TABLE extract.{table} AS SELECT * FROM temp.{table} WHERE district_code = ?",
                        [district],
                    )
            finally:
                con.execute("DETACH extract")
            written[district] = path
    return written
