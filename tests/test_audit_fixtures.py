"""Small warehouses for the audit, evaluation and report tests (no tests here; imported by them)."""

from __future__ import annotations

from pathlib import Path

import duckdb

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
                "insert into marts.persons select distinct identifier, '张' || right(identifier, 2), "
                "district_code || '********' || right(identifier, 4), district_code from marts.person_ledger "
                "where district_code = ? and identifier not in (select identifier from marts.persons)",
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
