"""Small warehouses for the audit, evaluation and report tests (no tests here; imported by them)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

GROUPS = ("pension", "medical", "unemployment", "work_injury", "maternity")


def build_ledger(warehouse: Path, period: str, persons_by_district: dict[str, int], shift: int = 0) -> None:
    """`marts.person_ledger` and `marts.persons` for one period; status drawn deterministically from the row.

    Roughly 70 % insured, 10 % lapsed, 5 % never, 15 % not required; `shift` changes statuses of some rows
    (a different ledger for the same persons).
    """
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            """create table if not exists marts.person_ledger (
                period varchar, identifier varchar, scheme_group varchar, district_code varchar,
                township_code varchar, is_should_insure boolean, is_insured boolean, is_lapsed boolean,
                is_never boolean, is_incomplete boolean, is_receiving_pension boolean, status varchar)"""
        )
        con.execute(
            "create table if not exists marts.persons (identifier varchar, name varchar, id_number_masked varchar, "
            "district_code varchar)"
        )
        con.execute("delete from marts.person_ledger where period = ?", [period])
        offset = 0
        for district, n in sorted(persons_by_district.items()):
            con.execute(
                """
                insert into marts.person_ledger
                with p as (
                    select 'CB' || lpad(cast(? + i as varchar), 12, '0') as identifier, g.scheme_group,
                           cast('0x' || left(md5(i || g.scheme_group || ?), 8) as bigint) % 100 as u
                    from range(?) t(i)
                    cross join (select unnest(?::varchar[]) as scheme_group) g
                ),
                s as (
                    select *, case when u < 70 then 'insured' when u < 80 then 'lapsed' when u < 85 then 'never'
                                   else 'not_required' end as status from p
                )
                select ?, identifier, scheme_group, ?, ? || '001', status <> 'not_required', status = 'insured',
                       status = 'lapsed', status = 'never', false, false, status
                from s
                """,
                [offset, str(shift), n, list(GROUPS), period, district, district],
            )
            con.execute(
                "insert into marts.persons by name select distinct identifier, '张' || right(identifier, 2) as name, "
                "district_code || '********' || right(identifier, 4) as id_number_masked, district_code "
                "from marts.person_ledger where district_code = ? "
                "and identifier not in (select identifier from marts.persons)",
                [district],
            )
            offset += n


def build_upstream(warehouse: Path, period: str, districts: dict[str, int], coverage_shift: float = 0.0) -> None:
    """The marts/staging tables the audit and evaluation models read, with simple known values per district.

    Coverage per district: pension 0.90 + shift, medical 0.96, others 0.70; 10 person records per district, one
    with an invalid ID; 1 quarantined row (old code 500227 → 500120 for the last district); 2 worklist items,
    1 closed; 1 duplicate-enrolment finding.
    """
    with duckdb.connect(str(warehouse)) as con:
        for schema in ("marts", "staging", "intermediate", "seeds"):
            con.execute(f"create schema if not exists {schema}")
        con.execute(
            "create table if not exists marts.coverage (period varchar, level varchar, scheme_group varchar, "
            "district_code varchar, township_code varchar, should integer, insured integer, rate double, "
            "target decimal(4,2), gap integer, is_pilot boolean)"
        )
        con.execute(
            "create table if not exists intermediate.int_person_records (record_key varchar, period varchar, "
            "district_code varchar, id_is_valid boolean)"
        )
        con.execute(
            "create table if not exists staging.stg_quarantine (record_key varchar, source varchar, period varchar, "
            "reasons varchar[], raw_values json)"
        )
        con.execute(
            "create table if not exists marts.findings (period varchar, finding_type varchar, identifier varchar, "
            "district_code varchar)"
        )
        con.execute(
            "create table if not exists marts.worklist_items (worklist_item_id varchar, district_code varchar, "
            "issued_period varchar, status varchar)"
        )
        con.execute(
            "create table if not exists staging.stg_audit_verdicts__verdicts (record_key varchar, period varchar, "
            "sample_id varchar, audit_method varchar, verdict varchar, mismatched_fields varchar[], "
            "auditor_no varchar, audit_date date)"
        )
        for t in ("marts.coverage", "intermediate.int_person_records", "staging.stg_quarantine", "marts.findings"):
            con.execute(f"delete from {t} where period = ?", [period])
        targets = {"pension": 0.95, "medical": 0.95, "unemployment": 0.8, "work_injury": 0.8, "maternity": 0.8}
        rates = {"pension": 0.90 + coverage_shift, "medical": 0.96}
        for district in districts:
            for g, target in targets.items():
                rate = rates.get(g, 0.70)
                con.execute(
                    "insert into marts.coverage values (?, 'district', ?, ?, null, 1000, ?, ?, ?, 0, false)",
                    [period, g, district, round(rate * 1000), rate, target],
                )
            for i in range(10):
                con.execute(
                    "insert into intermediate.int_person_records values (?, ?, ?, ?)",
                    [f"si|{period}|{district}|{i}", period, district, i != 0],
                )
            con.execute(
                "insert into marts.findings values (?, 'duplicate_enrollment', "
                "(select min(identifier) from marts.persons where district_code = ?), ?)",
                [period, district, district],
            )
            con.execute("delete from marts.worklist_items where district_code = ?", [district])
            con.execute(
                "insert into marts.worklist_items values (?, ?, ?, 'closed'), (?, ?, ?, 'open')",
                [f"W{district}a", district, period, f"W{district}b", district, period],
            )
        for g, target in targets.items():
            rate = rates.get(g, 0.70)
            con.execute(
                "insert into marts.coverage values (?, 'city', ?, null, null, ?, ?, ?, ?, ?, false)",
                [
                    period,
                    g,
                    1000 * len(districts),
                    round(rate * 1000) * len(districts),
                    rate,
                    target,
                    max(0, round((target - rate) * 1000 * len(districts))),
                ],
            )
        last = sorted(districts)[-1]
        raw = '{"区县代码": "500227"}' if last == "500120" else '{"区县代码": "' + last + '"}'
        con.execute(
            "insert into staging.stg_quarantine values (?, 'si_employee', ?, ['missing_key'], ?)",
            [f"q|{period}", period, raw],
        )
        # `persons` of the ledger builder has no period: give it one
        cols = [r[0] for r in con.execute("describe marts.persons").fetchall()]
        if "period" not in cols:
            con.execute("alter table marts.persons add column period varchar")
        con.execute("update marts.persons set period = ?", [period])


DBT_PROJECT = Path(__file__).resolve().parent.parent / "dbt_project"
CITY = {"500107": 200, "500108": 60, "500120": 40}
# true error rate per district used to simulate verdicts
SIM_ERROR_RATE = {"500107": 0.10, "500108": 0.30, "500120": 0.0}


def simulate_verdicts(warehouse: Path, sample_period: str, delivery_period: str) -> pd.DataFrame:
    """Verdicts for every sample item (error when md5 bucket < the district's rate), plus one verdict for an
    unknown sample id and a second verdict for the first item; written as staged audit verdicts."""
    with duckdb.connect(str(warehouse)) as con:
        samples = con.execute(
            "select sample_id, district_code from marts.audit_samples where period = ? order by sample_id",
            [sample_period],
        ).fetchall()
        rows = []
        for i, (sid, district) in enumerate(samples):
            bucket = int(hashlib.md5(sid.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
            wrong = bucket < SIM_ERROR_RATE[district]
            verdict = "不一致" if wrong else "一致"
            fields = (["status", "phone"] if i % 2 else ["status"]) if wrong else []
            rows.append((f"av|{delivery_period}|f|{i + 1}", delivery_period, sid, "电话", verdict, fields))
        rows.append((f"av|{delivery_period}|f|9001", delivery_period, "AS-2015-01-500107-9999", "电话", "一致", []))
        rows.append((f"av|{delivery_period}|f|9002", delivery_period, samples[0][0], "入户", "一致", []))
        con.executemany(
            "insert into staging.stg_audit_verdicts__verdicts values (?, ?, ?, ?, ?, ?, 'A01', date '2015-02-10')",
            rows,
        )
    return pd.DataFrame(rows, columns=["record_key", "period", "sample_id", "method", "verdict", "fields"])


def run_dbt(warehouse: Path, period: str, tmp: Path) -> subprocess.CompletedProcess:
    """Seeds the evaluation needs + the audit/evaluation models (tag post_sampling) with their tests."""
    env = {
        **os.environ,
        "CANBAO_WAREHOUSE": str(warehouse),
        "DBT_TARGET_PATH": str(tmp / "target"),
        "DBT_LOG_PATH": str(tmp / "logs"),
    }
    dbt = str(Path(sys.executable).parent / "dbt")
    common = [
        "--profiles-dir",
        str(DBT_PROJECT),
        "--project-dir",
        str(DBT_PROJECT),
        "--vars",
        json.dumps({"period": period}),
    ]
    seeds = subprocess.run(
        [dbt, "seed", "--select", "districts district_code_map evaluation_weights", *common],
        env=env,
        cwd=DBT_PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if seeds.returncode != 0:
        return seeds
    return subprocess.run(
        [dbt, "build", "--select", "tag:post_sampling", *common],
        env=env,
        cwd=DBT_PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def build_city(tmp: Path) -> Path:
    """Two periods: 2015-01 sampled, its verdicts delivered in 2015-02, dbt run for 2015-02."""
    from canbao.audit import draw_samples

    wh = tmp / "warehouse.duckdb"
    build_ledger(wh, "2015-01", CITY)
    build_upstream(wh, "2015-01", CITY)
    draw_samples(wh, "2015-01", tmp / "reports")
    build_ledger(wh, "2015-02", CITY, shift=1)
    build_upstream(wh, "2015-02", CITY, coverage_shift=0.02)
    draw_samples(wh, "2015-02", tmp / "reports")
    simulate_verdicts(wh, "2015-01", "2015-02")
    result = run_dbt(wh, "2015-02", tmp)
    if result.returncode != 0:
        raise RuntimeError(result.stdout[-4000:])
    return wh
