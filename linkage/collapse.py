"""Standardise int_person_records rows into model inputs and collapse exact repeats — in SQL.

Splink must see each distinct record once: the same person appears in many sources and every month with the
same values, and scoring those copies again would only cost comparisons. A distinct record is identified by a
hash of the values the model looks at, so the same values get the same `distinct_id` in every period.

The standardisation is one DuckDB SELECT (`standardised_sql`): the linkage run evaluates it inside its own
compute database straight from the warehouse, so the period's rows never become a pandas frame (at 1 M persons
that frame and its copies were most of the step's memory). `collapse()` runs the same SQL over a frame, for
training, tests and benchmarks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import pandas as pd

logger = logging.getLogger(__name__)

# Columns of a distinct record (the model's inputs); their values define the distinct_id.
KEY_COLUMNS: tuple[str, ...] = (
    "id_number",
    "id_is_valid",
    "name",
    "name_pinyin",
    "surname",
    "given_name",
    "dob",
    "gender",
    "district_code",
    "township_code",
    "phone",
    "household_no",
)
# Derived only from key columns: ID-number pieces used for blocking on mistyped digits.
DERIVED_COLUMNS: tuple[str, ...] = ("id_head", "id_tail", "id_core")
MODEL_COLUMNS: tuple[str, ...] = ("distinct_id", *KEY_COLUMNS, *DERIVED_COLUMNS)
LINK_COLUMNS: tuple[str, ...] = ("record_key", "source", "period", "file_name", "row_number", "distinct_id")
# What standardisation reads from int_person_records.
INPUT_COLUMNS: tuple[str, ...] = (
    "record_key", "source", "period", "file_name", "row_number", "id_number", "id_is_valid", "id_birth_date",
    "id_gender", "name", "name_pinyin", "surname", "given_name", "birth_date", "birth_date_stated", "gender",
    "district_code", "township_code", "phone", "household_no", "data_issues",
)  # fmt: skip

# Every character Python's str.isspace() accepts: blanks are stripped as str.strip() would (staging already
# trims, but a delivery of another city may carry odd spaces, and the hash must not depend on them).
_SPACE = r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"


def _text(col: str) -> str:
    """Trimmed text, blank as NULL."""
    return f"nullif(regexp_replace(cast({col} as varchar), '^{_SPACE}+|{_SPACE}+$', '', 'g'), '')"


def _date_text(col: str) -> str:
    # ISO text so the model can compare year/month/day with substr() in every SQL dialect.
    return f"strftime(try_cast({col} as date), '%Y-%m-%d')"


def standardised_sql(source: str, where: str = "true") -> str:
    """A SELECT over `source` (int_person_records columns) giving LINK_COLUMNS' lineage, `distinct_id` and the
    model columns, one row per input row."""
    hash_parts = ", ".join(
        "case when id_is_valid then 'True' else 'False' end" if c == "id_is_valid" else f"coalesce({c}, chr(0))"
        for c in KEY_COLUMNS
    )
    return f"""
with src as (
    select record_key, source, period, file_name, row_number,
        upper({_text("id_number")}) as id_number,
        coalesce(id_is_valid, false) as id_is_valid,
        {_text("name")} as name,
        replace(lower({_text("name_pinyin")}), ' ', '') as name_pinyin,
        {_text("surname")} as surname,
        {_text("given_name")} as given_name,
        -- The date the record states is independent evidence (two people sharing one number state their own);
        -- the resolved or ID-derived date fills in where the source states none.
        coalesce({_date_text("birth_date_stated")}, {_date_text("birth_date")}, {_date_text("id_birth_date")})
            as dob,
        -- The gender the record states, like the birth date: a child's row carrying a parent's number states
        -- the child's gender, while the resolved gender is the number's. Staging flags gender_conflict only
        -- when the stated gender is 1/2 and differs from the number's, so the stated one is the other of 1/2.
        case
            when coalesce(list_contains(data_issues, 'gender_conflict'), false)
                and {_text("id_gender")} in ('1', '2')
                then case {_text("id_gender")} when '1' then '2' else '1' end
            else {_text("gender")}
        end as gender_stated,
        {_text("district_code")} as district_code,
        {_text("township_code")} as township_code,
        regexp_replace({_text("phone")}, '[^0-9]', '', 'g') as phone_digits,
        {_text("household_no")} as household_no
    from {source}
    where {where}
), model as (
    select * exclude (gender_stated, phone_digits),
        case when gender_stated in ('1', '2') then gender_stated end as gender,  -- '9' (unknown) is no evidence
        case when length(phone_digits) >= 7 then phone_digits end as phone,
        case when length(id_number) = 18 then id_number end as id18
    from src
)
select record_key, source, period, file_name, row_number,
    'D' || left(sha1(concat_ws(chr(31), {hash_parts})), 16) as distinct_id,
    {", ".join(KEY_COLUMNS)},
    left(id18, 14) as id_head,  -- address + birth date: catches typos in sequence/check
    substr(id18, 7, 12) as id_tail,  -- birth date + sequence + check: catches address-code typos
    left(id18, 6) || substr(id18, 15, 4) as id_core  -- catches typos in the birth part
from model
"""


def distinct_sql(standardised: str) -> str:
    """One row per distinct record of a standardised relation (MODEL_COLUMNS + n_rows), ordered by id."""
    rest = ", ".join(f"any_value({c}) as {c}" for c in (*KEY_COLUMNS, *DERIVED_COLUMNS))
    return f"select distinct_id, {rest}, count(*) as n_rows from {standardised} group by distinct_id order by 1"


@dataclass(frozen=True)
class Collapsed:
    distinct: pd.DataFrame  # one row per distinct record, MODEL_COLUMNS + n_rows
    links: pd.DataFrame  # one row per input row, LINK_COLUMNS


def _records_relation(con: duckdb.DuckDBPyConnection, records: pd.DataFrame) -> str:
    """Register a frame of int_person_records rows; columns the frame lacks are NULL of their type."""
    frame = records.copy()
    if "data_issues" in frame:
        # DuckDB hands lists back as numpy arrays; pandas may hold NaN for a missing list.
        frame["data_issues"] = frame["data_issues"].map(
            lambda v: None if v is None or isinstance(v, float | str) else [str(x) for x in v]
        )
    con.register("records_in", frame)
    have = set(frame.columns)
    types = {"id_is_valid": "boolean", "row_number": "integer", "data_issues": "varchar[]"}
    cols = [c if c in have else f"cast(null as {types.get(c, 'varchar')}) as {c}" for c in INPUT_COLUMNS]
    return f"(select {', '.join(cols)} from records_in)"


def collapse(records: pd.DataFrame) -> Collapsed:
    """Standardise and collapse exact repeats of a frame; keep the mapping from every row to its distinct
    record (the same SQL the linkage run evaluates in DuckDB)."""
    with duckdb.connect() as con:
        source = _records_relation(con, records)
        con.execute(f"create table std as {standardised_sql(source)}")
        distinct = con.execute(distinct_sql("std")).df()
        links = con.execute(f"select {', '.join(LINK_COLUMNS)} from std order by rowid").df()
    logger.info("collapsed %d rows into %d distinct records", len(records), len(distinct))
    return Collapsed(distinct=distinct[[*MODEL_COLUMNS, "n_rows"]], links=links)


def standardise(records: pd.DataFrame) -> pd.DataFrame:
    """int_person_records rows -> model columns with distinct_id, one row per input row, same order."""
    with duckdb.connect() as con:
        source = _records_relation(con, records)
        con.execute(f"create table std as {standardised_sql(source)}")
        out = con.execute("select * from std order by rowid").df()
    return out[list(MODEL_COLUMNS)].set_index(records.index)
