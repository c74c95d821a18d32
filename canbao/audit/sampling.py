"""Draw the period's audit sample per district from `marts.person_ledger` and store it with its frame.

Writes (all keyed by period; a re-draw replaces the period unless verdicts already reference it):
- `marts.audit_frames`: period, district_code, stratum, frame_size (N_h), sample_size (n_h), seed, frame_hash.
- `marts.audit_frame_members`: the frame snapshot (period, district_code, stratum, identifier, scheme_group).
- `marts.audit_samples`: one row per drawn ledger row with the fields an auditor verifies.
- `<reports>/audit/<period>/抽检核查_<district>.xlsx`: one sheet per district (see sheets.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pandas as pd

from canbao.audit.selection import FRAME_HASH_SQL, STRATA, district_seed, sample_id, selection_key_sql
from canbao.audit.sheets import write_sheets
from canbao.audit.sizing import DEFAULT_STRATUM_MINIMUM, allocate, sample_size

log = logging.getLogger(__name__)

LEDGER = "marts.person_ledger"
PERSONS = "marts.persons"
# Ledger columns copied onto the sample (what the auditor confirms); missing ones are skipped.
LEDGER_FIELDS = (
    "township_code",
    "status",
    "is_should_insure",
    "is_insured",
    "is_lapsed",
    "is_never",
    "is_incomplete",
    "is_receiving_pension",
)
# Person columns shown to the auditor, if `marts.persons` has them (masked in marts).
PERSON_FIELDS = ("name", "id_number_masked", "gender", "birth_date", "phone_masked", "address")

DDL = {
    "audit_frames": """
        create table if not exists marts.audit_frames (
            period varchar, district_code varchar, stratum varchar, frame_size integer, sample_size integer,
            seed bigint, base_seed bigint, frame_hash varchar, drawn_at timestamp)""",
    "audit_frame_members": """
        create table if not exists marts.audit_frame_members (
            period varchar, district_code varchar, stratum varchar, identifier varchar, scheme_group varchar)""",
    # Fixed shape (a dbt source): ledger/person fields missing upstream stay NULL.
    "audit_samples": """
        create table if not exists marts.audit_samples (
            sample_id varchar, period varchar, district_code varchar, stratum varchar, identifier varchar,
            scheme_group varchar, sequence_no integer, frame_size integer, sample_size integer, seed bigint,
            selection_key varchar, inclusion_probability double, design_weight double, township_code varchar,
            is_should_insure boolean, is_insured boolean, is_lapsed boolean, is_never boolean,
            is_incomplete boolean, is_receiving_pension boolean, name varchar, id_number_masked varchar,
            gender varchar, birth_date date, phone_masked varchar, address varchar)""",
}


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the audit tables empty, so dbt models reading them work before the first draw."""
    con.execute("create schema if not exists marts")
    for ddl in DDL.values():
        con.execute(ddl)


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def _has_verdicts_for(con: duckdb.DuckDBPyConnection, period: str) -> bool:
    """Issued samples are immutable once any verdict names them."""
    if not _columns(con, "staging", "stg_audit_verdicts__verdicts") or not _columns(con, "marts", "audit_samples"):
        return False
    return bool(
        con.execute(
            "select count(*) from staging.stg_audit_verdicts__verdicts v "
            "join marts.audit_samples s using (sample_id) where s.period = ?",
            [period],
        ).fetchone()[0]
    )


def _load_frame(con: duckdb.DuckDBPyConnection, period: str) -> None:
    """Temp table `frame`: the period's ledger rows with a home district, one stratum each."""
    con.execute(
        f"""
        create or replace temp table frame as
        select district_code, status as stratum, identifier, scheme_group
        from {LEDGER}
        where period = ? and district_code is not null and status in ({", ".join(f"'{s}'" for s in STRATA)})
        """,
        [period],
    )


def _plan(con: duckdb.DuckDBPyConnection, period: str, base_seed: int, minimum: int) -> pd.DataFrame:
    """Per district × stratum: N_h, n_h, seed and frame hash."""
    sizes = con.execute(
        f"select district_code, stratum, count(*)::integer as frame_size, {FRAME_HASH_SQL} as frame_hash "
        "from frame group by all order by district_code, stratum"
    ).df()
    rows = []
    for district, part in sizes.groupby("district_code", sort=True):
        strata = dict(zip(part["stratum"], part["frame_size"], strict=True))
        n = sample_size(sum(strata.values()))
        alloc = allocate(strata, n, minimum)
        seed = district_seed(base_seed, period, str(district))
        for rec in part.itertuples(index=False):
            rows.append(
                {
                    "period": period,
                    "district_code": district,
                    "stratum": rec.stratum,
                    "frame_size": int(rec.frame_size),
                    "sample_size": alloc[rec.stratum],
                    "seed": seed,
                    "base_seed": base_seed,
                    "frame_hash": rec.frame_hash,
                }
            )
    return pd.DataFrame(rows)


def _select(con: duckdb.DuckDBPyConnection, plan: pd.DataFrame, period: str) -> pd.DataFrame:
    """The n_h rows with the smallest selection keys per district × stratum, numbered per district."""
    con.register("plan_df", plan)
    ledger_cols = set(_columns(con, "marts", "person_ledger"))
    person_cols = set(_columns(con, "marts", "persons"))
    ledger_fields = [c for c in LEDGER_FIELDS if c in ledger_cols]
    person_fields = [c for c in PERSON_FIELDS if c in person_cols]
    ledger_sel = "".join(f", l.{c}" for c in ledger_fields if c != "status")
    person_sel = "".join(f", p.{c}" for c in person_fields)
    person_join = (
        f"left join (select * from {PERSONS} {'where period = ?' if 'period' in person_cols else ''}) p "
        "on p.identifier = d.identifier"
        if person_fields
        else ""
    )
    params: list[str] = [period] if person_fields and "period" in person_cols else []
    strata_order = "case d.stratum " + " ".join(f"when '{s}' then {i}" for i, s in enumerate(STRATA)) + " end"
    drawn = con.execute(
        f"""
        with keyed as (
            select f.*, p.frame_size, p.sample_size, p.seed,
                   {selection_key_sql("p.seed", "f.identifier", "f.scheme_group")} as selection_key
            from frame f join plan_df p using (district_code, stratum)
        ),
        drawn as (
            select * from keyed
            qualify row_number() over (partition by district_code, stratum order by selection_key) <= sample_size
        )
        select
            d.district_code, d.stratum, d.identifier, d.scheme_group,
            row_number() over (partition by d.district_code
                               order by {strata_order}, d.identifier, d.scheme_group)::integer as sequence_no,
            d.frame_size, d.sample_size, d.seed, d.selection_key,
            d.sample_size / d.frame_size as inclusion_probability,
            d.frame_size / d.sample_size as design_weight
            {ledger_sel}{person_sel}
        from drawn d
        left join {LEDGER} l
          on l.period = '{period}' and l.identifier = d.identifier and l.scheme_group = d.scheme_group
        {person_join}
        order by d.district_code, sequence_no
        """,
        params,
    ).df()
    con.unregister("plan_df")
    drawn.insert(
        0,
        "sample_id",
        [sample_id(period, d, s) for d, s in zip(drawn["district_code"], drawn["sequence_no"], strict=True)],
    )
    drawn.insert(1, "period", period)
    return drawn


def _store(con: duckdb.DuckDBPyConnection, period: str, plan: pd.DataFrame, samples: pd.DataFrame) -> None:
    ensure_tables(con)
    con.execute("begin")
    con.execute("delete from marts.audit_frames where period = ?", [period])
    con.execute("delete from marts.audit_frame_members where period = ?", [period])
    con.register("plan_df", plan)
    con.execute(
        "insert into marts.audit_frames by name select *, current_timestamp::timestamp as drawn_at from plan_df"
    )
    con.execute(
        "insert into marts.audit_frame_members select ?, district_code, stratum, identifier, scheme_group from frame "
        "order by district_code, stratum, identifier, scheme_group",
        [period],
    )
    con.register("samples_df", samples)
    con.execute("delete from marts.audit_samples where period = ?", [period])
    con.execute("insert into marts.audit_samples by name select * from samples_df")
    con.execute("commit")
    con.unregister("plan_df")
    con.unregister("samples_df")


def read_samples(warehouse: Path, period: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select * from marts.audit_samples where period = ? order by sample_id", [period]).df()


def draw_samples(
    warehouse: Path,
    period: str,
    reports_dir: Path,
    base_seed: int = 2015,
    stratum_minimum: int = DEFAULT_STRATUM_MINIMUM,
) -> pd.DataFrame:
    """Draw (or re-draw) the period's stratified audit sample per district; return `marts.audit_samples` rows.

    Same ledger + period + base seed → the same sample ids on the same ledger rows. A period whose samples
    already have verdicts is not re-drawn (the issued sheets stay valid); its stored sample is returned.
    """
    with duckdb.connect(str(warehouse)) as con:
        ensure_tables(con)
        if _has_verdicts_for(con, period):
            log.warning("audit sample for %s already has verdicts: kept as issued, not re-drawn", period)
        else:
            _load_frame(con, period)
            plan = _plan(con, period, base_seed, stratum_minimum)
            if plan.empty:
                log.warning("no ledger rows for %s: no audit sample drawn", period)
                return pd.DataFrame()
            samples = _select(con, plan, period)
            _store(con, period, plan, samples)
            log.info("audit sample %s: %d rows over %d districts", period, len(samples), plan.district_code.nunique())
    samples = read_samples(warehouse, period)
    write_sheets(samples, reports_dir / "audit" / period)
    return samples
