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
