"""Standardise int_person_records rows into model inputs and collapse exact repeats.

Splink must see each distinct record once: the same person appears in many sources and every month with the
same values, and scoring those copies again would only cost comparisons. A distinct record is identified by a
hash of the values the model looks at, so the same values get the same `distinct_id` in every period.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

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

_NULL = "\x00"


@dataclass(frozen=True)
class Collapsed:
    distinct: pd.DataFrame  # one row per distinct record, MODEL_COLUMNS + n_rows
    links: pd.DataFrame  # one row per input row, LINK_COLUMNS


def _text(series: pd.Series) -> pd.Series:
    """Strings with blanks as missing (staging should have done it; be defensive)."""
    out = series.astype("string").str.strip()
    return out.mask(out == "", pd.NA)


def _date_text(series: pd.Series) -> pd.Series:
    # ISO text so the model can compare year/month/day with substr() in every SQL dialect.
    return pd.to_datetime(series, errors="coerce").dt.strftime("%Y-%m-%d").astype("string")


def _has_issue(records: pd.DataFrame, issue: str) -> pd.Series:
    if "data_issues" not in records:
        return pd.Series(False, index=records.index)
    return records["data_issues"].map(lambda v: v is not None and not isinstance(v, float) and issue in list(v))


def _stated_gender(records: pd.DataFrame) -> pd.Series:
    """The gender the record states, like the birth date: a child's row carrying a parent's number states the
    child's gender, while the resolved gender is the number's. Staging flags `gender_conflict` only when the
    stated gender is 1/2 and differs from the number's, so the stated one is then the other of 1/2."""
    gender = _text(records["gender"])
    if "id_gender" in records:
        id_gender = _text(records["id_gender"])
        flipped = id_gender.map({"1": "2", "2": "1"}).astype("string")
        gender = gender.mask(_has_issue(records, "gender_conflict") & flipped.notna(), flipped)
    return gender.where(gender.isin(["1", "2"]))  # '9' (unknown) is no evidence


def standardise(records: pd.DataFrame) -> pd.DataFrame:
    """int_person_records rows -> model columns (without distinct_id), same index."""
    out = pd.DataFrame(index=records.index)
    out["id_number"] = _text(records["id_number"]).str.upper()
    out["id_is_valid"] = records["id_is_valid"].fillna(False).astype(bool)
    for col in ("name", "surname", "given_name", "district_code", "township_code", "household_no"):
        out[col] = _text(records[col])
    out["name_pinyin"] = _text(records["name_pinyin"]).str.lower().str.replace(" ", "", regex=False)
    # The date the record states is independent evidence (two people sharing one number state their own);
    # the resolved or ID-derived date fills in where the source states none.
    dob = _date_text(records["birth_date_stated"])
    for fallback in ("birth_date", "id_birth_date"):
        dob = dob.fillna(_date_text(records[fallback]))
    out["dob"] = dob
    out["gender"] = _stated_gender(records)
    phone = _text(records["phone"]).str.replace(r"[^0-9]", "", regex=True)
    out["phone"] = phone.mask(phone.str.len().fillna(0) < 7, pd.NA)
    ident = out["id_number"].where(out["id_number"].str.len() == 18)
    out["id_head"] = ident.str.slice(0, 14)  # address + birth date: catches typos in sequence/check
    out["id_tail"] = ident.str.slice(6, 18)  # birth date + sequence + check: catches address-code typos
    out["id_core"] = ident.str.slice(0, 6) + ident.str.slice(14, 18)  # catches typos in the birth part
    return out


def distinct_ids(model: pd.DataFrame) -> pd.Series:
    """Deterministic id per combination of KEY_COLUMNS values (same values -> same id in every period)."""
    parts = [model[c].astype("string").fillna(_NULL) for c in KEY_COLUMNS]
    joined = parts[0].str.cat(parts[1:], sep="\x1f")
    return joined.map(lambda s: "D" + hashlib.sha1(s.encode("utf-8")).hexdigest()[:16]).astype("string")


def collapse(records: pd.DataFrame) -> Collapsed:
    """Standardise and collapse exact repeats; keep the mapping from every row to its distinct record."""
    model = standardise(records)
    model.insert(0, "distinct_id", distinct_ids(model))
    links = records[["record_key", "source", "period", "file_name", "row_number"]].copy()
    links["distinct_id"] = model["distinct_id"].to_numpy()
    counts = model.groupby("distinct_id", sort=False).size().rename("n_rows")
    distinct = model.drop_duplicates("distinct_id").set_index("distinct_id").join(counts).reset_index()
    distinct = distinct.sort_values("distinct_id", ignore_index=True)
    logger.info("collapsed %d rows into %d distinct records", len(records), len(distinct))
    return Collapsed(distinct=distinct[[*MODEL_COLUMNS, "n_rows"]], links=links.reset_index(drop=True))
