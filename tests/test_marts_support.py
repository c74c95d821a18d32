"""A tiny hand-made city for the ledger marts: staging, int_person_records and linkage tables written
directly, so the post-linkage dbt models can be run and checked without the generator or ingest."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = Path(os.environ.get("CANBAO_LEDGER_DBT_DIR", REPO / "dbt_project"))

# staging table → columns (all VARCHAR unless typed here); record_key/source/period are added to each.
STAGING: dict[str, dict[str, str]] = {
    "stg_si_employee__enrollments": {
        "id_number": "", "scheme_code": "", "contribution_status": "", "district_code": "", "employer_no": "",
        "employer_name": "", "employer_credit_code": "", "last_paid_month": "DATE", "enrolled_date": "DATE",
    },
    "stg_si_resident__enrollments": {
        "id_number": "", "scheme_code": "", "contribution_status": "", "district_code": "", "township_code": "",
        "last_paid_year": "INTEGER", "subsidy_category": "", "enrolled_date": "DATE",
    },
    "stg_si_benefit__payments": {
        "id_number": "", "scheme_code": "", "benefit_month": "DATE", "amount": "DECIMAL(12,2)",
        "district_code": "",
    },
    "stg_tax_withholding__withholdings": {
        "id_number": "", "employer_tax_id": "", "employer_name": "", "tax_month": "DATE",
        "income": "DECIMAL(12,2)",
    },
    "stg_hfp_vital__events": {"event_type": "", "event_date": "DATE", "mother_id_number": ""},
    "stg_ca_death__records": {"death_date": "DATE"},
    "stg_ps_hukou__residents": {
        "hukou_status": "", "change_date": "DATE", "household_no": "", "relation_to_head": "", "address": "",
        "district_code": "", "township_code": "", "ethnicity": "",
    },
    "stg_ps_residence__permits": {
        "district_code": "", "township_code": "", "address": "", "registered_date": "DATE",
    },
    "stg_survey_returns__visits": {
        "survey_form_no": "", "township_code": "", "household_address": "", "survey_date": "DATE",
        "id_number": "", "name": "", "phone": "", "employment_status": "", "pension_answer": "",
        "medical_answer": "", "uninsured_reason": "", "willing_to_enroll": "",
    },
    "stg_ca_assistance__recipients": {"assistance_type": ""},
    "stg_ic_enterprise__enterprises": {"credit_code": "", "registration_no": "", "enterprise_name": ""},
}

PERSON_RECORDS: dict[str, str] = {
    "file_name": "", "row_number": "INTEGER", "id_number_raw": "", "id_number": "", "id_is_valid": "BOOLEAN",
    "id_was_15": "BOOLEAN", "id_birth_date": "DATE", "id_gender": "", "name_raw": "", "name": "",
    "name_pinyin": "", "surname": "", "given_name": "", "birth_date": "DATE", "birth_date_stated": "DATE",
    "gender": "", "district_code": "", "township_code": "", "phone": "", "address": "", "household_no": "",
    "mother_id_number": "", "data_issues": "VARCHAR[]",
}

SOURCE_OF = {
    "stg_si_employee__enrollments": "si_employee", "stg_si_resident__enrollments": "si_resident",
    "stg_si_benefit__payments": "si_benefit", "stg_tax_withholding__withholdings": "tax_withholding",
    "stg_hfp_vital__events": "hfp_vital", "stg_ca_death__records": "ca_death",
    "stg_ps_hukou__residents": "ps_hukou", "stg_ps_residence__permits": "ps_residence",
    "stg_survey_returns__visits": "survey_returns", "stg_ca_assistance__recipients": "ca_assistance",
    "stg_ic_enterprise__enterprises": "ic_enterprise",
}


def _ddl(columns: dict[str, str]) -> str:
    return ", ".join(f'"{c}" {t or "VARCHAR"}' for c, t in columns.items())


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for schema in ("staging", "intermediate", "linkage"):
        con.execute(f"create schema if not exists {schema}")
    for table, cols in STAGING.items():
        full = {"record_key": "", "source": "", "period": "", **cols}
        con.execute(f"create or replace table staging.{table} ({_ddl(full)})")
    full = {"record_key": "", "source": "", "period": "", **PERSON_RECORDS}
    con.execute(f"create or replace table intermediate.int_person_records ({_ddl(full)})")
    con.execute("create or replace table linkage.record_links (record_key VARCHAR, identifier VARCHAR, "
                "period VARCHAR, run_id VARCHAR)")
    con.execute("create or replace table linkage.identifier_registry (identifier VARCHAR, status VARCHAR, "
                "alias_of VARCHAR, created_period VARCHAR, created_run VARCHAR)")
    con.execute("create or replace table linkage.identifier_history (identifier VARCHAR, event VARCHAR, "
                "other_identifier VARCHAR, period VARCHAR, run_id VARCHAR)")


class City:
    """Collects rows per table; `add` writes one staged record, its person record and its link."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {t: [] for t in STAGING}
        self.person_rows: list[dict] = []
        self.links: list[dict] = []
        self._n = 0

    def add(self, table: str, period: str, identifier: str | None, person: dict | None = None,
            **values: object) -> str:
        self._n += 1
        source = SOURCE_OF[table]
        key = f"{source}|{period}|{source}.csv|{self._n}"
        self.rows[table].append({"record_key": key, "source": source, "period": period, **values})
        if identifier is not None:
            p = dict(person or {})
            p.setdefault("id_number", values.get("id_number"))
            p.setdefault("id_number_raw", p["id_number"])
            p.setdefault("id_is_valid", p["id_number"] is not None)
            p.setdefault("data_issues", [])
            self.person_rows.append({"record_key": key, "source": source, "period": period,
                                     "file_name": f"{source}.csv", "row_number": self._n, **p})
            self.links.append({"record_key": key, "identifier": identifier, "period": period, "run_id": period})
        return key

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        create_tables(con)
        for table, rows in self.rows.items():
            cols = ["record_key", "source", "period", *STAGING[table]]
            _insert(con, f"staging.{table}", cols, rows)
        _insert(con, "intermediate.int_person_records",
                ["record_key", "source", "period", *PERSON_RECORDS], self.person_rows)
        _insert(con, "linkage.record_links", ["record_key", "identifier", "period", "run_id"], self.links)


def _insert(con: duckdb.DuckDBPyConnection, table: str, cols: list[str], rows: list[dict]) -> None:
    if not rows:
        return
    placeholders = ", ".join("?" for _ in cols)
    con.executemany(f"insert into {table} values ({placeholders})", [[r.get(c) for c in cols] for r in rows])


def set_registry(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str | None]]) -> None:
    """Replace linkage.identifier_registry with (identifier, status, alias_of) rows, as a linkage run leaves it."""
    con.execute("delete from linkage.identifier_registry")
    con.executemany(
        "insert into linkage.identifier_registry values (?, ?, ?, '2015-01', 'run-2015-01')", [list(r) for r in rows]
    )


def run_dbt(warehouse: Path, period: str, *args: str) -> subprocess.CompletedProcess:
    """Run dbt on the project with this warehouse (own target dir so parallel work is not disturbed)."""
    env = {**os.environ, "CANBAO_WAREHOUSE": str(warehouse),
           "CANBAO_DUCKDB_TEMP_DIR": str(warehouse.parent / "tmp")}
    target = warehouse.parent / "dbt_target"
    cmd = [str(REPO / ".venv" / "bin" / "dbt"), *args, "--project-dir", str(DBT_DIR), "--profiles-dir",
           str(DBT_DIR), "--target-path", str(target), "--log-path", str(warehouse.parent / "dbt_logs"),
           "--vars", f'{{"period": "{period}"}}']
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=warehouse.parent)
    if res.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{res.stdout[-6000:]}\n{res.stderr[-2000:]}")
    return res


def build_marts(warehouse: Path, period: str) -> None:
    run_dbt(warehouse, period, "seed", "--select", "insurance_schemes", "districts", "ledger_coverage_targets",
            "ledger_subsidy_entitlements")
    run_dbt(warehouse, period, "run", "--select", "tag:post_linkage")


def copy_project_for_tests(dst: Path) -> None:  # pragma: no cover - used interactively only
    shutil.copytree(DBT_DIR, dst, ignore=shutil.ignore_patterns("target", "logs"))
