"""Per-district extracts: <reports>/districts/<district_code>/<period>.duckdb holding only that district's
persons, ledger, coverage, worklists and findings (restricted values: the district office works with them)."""

from __future__ import annotations

from pathlib import Path

import duckdb

# table in the extract → query on the warehouse, filtered to one district (bound parameter) and the period
TABLES: dict[str, str] = {
    "persons": "select * from restricted.persons where district_code = $district",
    "person_ledger": "select * from marts.person_ledger where district_code = $district and period = $period",
    "coverage": "select * from marts.coverage where district_code = $district and period = $period",
    "survey_worklist": "select * from marts.survey_worklist where district_code = $district and period = $period",
    "worklist_persons": "select * from restricted.worklist_persons "
                        "where district_code = $district and period = $period",
    "findings": "select * from restricted.findings where district_code = $district and period = $period",
}


def write_district_extracts(warehouse: Path, reports_dir: Path, period: str) -> dict[str, Path]:
    written: dict[str, Path] = {}
    with duckdb.connect(str(warehouse), read_only=True) as src:
        districts = [r[0] for r in src.execute(
            "select distinct district_code from restricted.persons where district_code is not null "
            "order by 1").fetchall()]
        for district in districts:
            path = Path(reports_dir) / "districts" / district / f"{period}.duckdb"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
            with duckdb.connect(str(path)) as dst:
                for table, sql in TABLES.items():
                    frame = src.execute(sql, {"district": district, "period": period}
                                        if "$period" in sql else {"district": district}).to_arrow_table()
                    dst.register("frame", frame)
                    dst.execute(f"create table {table} as select * from frame")
                    dst.unregister("frame")
            written[district] = path
    return written
