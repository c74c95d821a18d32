"""The ledger marts against the synthetic city's truth (`truth/` of `synthetic.generate_city`).

- Identifiers are mapped to true persons through `marts.record_identifiers` ⋈ `truth/records.parquet`: the
  person most of an identifier's records belong to.
- Coverage: `marts.coverage` (platform) against `truth/status.parquet` per area × scheme group, in
  percentage points.
- Findings: both sides are brought to one category per problem (`FINDING_TYPES`: truth names are Chinese,
  the platform's English with subtypes) and compared at the grain period × category × person (truth lists a
  person once per problem kind; the platform once per identifier × subject, e.g. × employer).

The warehouse is opened read-only; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

GROUPS = ("pension", "medical", "unemployment", "work_injury", "maternity")


@dataclass(frozen=True)
class FindingType:
    """One problem kind as both sides name it. `platform_subtypes` None = every subtype of the type."""

    category: str
    truth_type: str | None
    platform_type: str
    platform_subtypes: tuple[str, ...] | None
    truth_department: str | None
    platform_department: str


FINDING_TYPES: tuple[FindingType, ...] = (
    FindingType("duplicate_enrollment", "重复参保", "duplicate_enrollment", None, "社保经办机构", "social_insurance"),
    FindingType("duplicate_subsidy", "重复补贴", "duplicate_subsidy", None, "民政部门", "civil_affairs"),
    FindingType("duplicate_benefit", "重复领取待遇", "duplicate_benefit",
                ("two_schemes_same_month", "two_districts_same_month"), "社保经办机构", "social_insurance"),
    # the contract lists 死亡冒领 under 重复领取待遇; the platform keeps it as that type's subtype
    FindingType("payment_after_death", "死亡冒领", "duplicate_benefit", ("payment_after_death",), "社保经办机构",
                "social_insurance"),
    FindingType("employer_gap", "employer_gap", "employer_gap", None, "税务部门", "tax"),
    FindingType("id_two_numbers", "id_two_numbers", "id_problem", ("two_numbers",), "公安部门", "public_security"),
    FindingType("id_shared_number", "id_shared_number", "id_problem", ("shared_id_number",), "公安部门",
                "public_security"),
    FindingType("id_invalid", "id_invalid", "id_problem", ("invalid_id",), "公安部门", "public_security"),
)

DEPARTMENTS = {"社保经办机构": "social_insurance", "民政部门": "civil_affairs", "税务部门": "tax",
               "公安部门": "public_security"}


def finding_types_frame() -> pd.DataFrame:
    """The mapping table (one row per category), for reports and docs."""
    return pd.DataFrame([{
        "category": t.category, "truth_type": t.truth_type, "platform_type": t.platform_type,
        "platform_subtypes": ", ".join(t.platform_subtypes) if t.platform_subtypes else "(all)",
        "truth_department": t.truth_department, "platform_department": t.platform_department,
    } for t in FINDING_TYPES])


def _connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(warehouse), read_only=True)


def record_persons(warehouse: Path, truth_dir: Path) -> pd.DataFrame:
    """Every linked record with its identifier (marts.record_identifiers) and true person."""
    truth = pd.read_parquet(Path(truth_dir) / "records.parquet",
                            columns=["source", "period", "file", "row_number", "person_id"])
    with _connect(warehouse) as con:
        links = con.execute(
            "select source, period, file_name as file, row_number, identifier from marts.record_identifiers"
        ).df()
    links["row_number"] = links["row_number"].astype("int64")
    truth["row_number"] = truth["row_number"].astype("int64")
    m = links.merge(truth, on=["source", "period", "file", "row_number"], how="inner")
    return m[m["person_id"] > 0].reset_index(drop=True)


def linkage_affected_persons(records: pd.DataFrame) -> set[int]:
    """Persons the linkage did not resolve exactly: their records are under several identifiers (split) or
    share an identifier with another person's records (merge). Their ledger rows cannot match the truth
    whatever the rules; the coverage check can be repeated without them to test the rules alone."""
    per_person = records.groupby("person_id")["identifier"].nunique()
    per_identifier = records.groupby("identifier")["person_id"].nunique()
    merged = records.loc[records["identifier"].isin(per_identifier[per_identifier > 1].index), "person_id"]
    return set(per_person[per_person > 1].index) | set(merged)


def identifier_persons(warehouse: Path, truth_dir: Path, records: pd.DataFrame | None = None) -> pd.DataFrame:
    """identifier → person_id (the person most of its records belong to), with `share` of its records that
    do and `records`."""
    m = record_persons(warehouse, truth_dir) if records is None else records
    counts = m.groupby(["identifier", "person_id"]).size().rename("n").reset_index()
    counts["records"] = counts.groupby("identifier")["n"].transform("sum")
    counts["share"] = counts["n"] / counts["records"]
    best = counts.sort_values(["identifier", "n", "person_id"], ascending=[True, False, True])
    best = best.drop_duplicates("identifier")
    return best[["identifier", "person_id", "share", "records"]].reset_index(drop=True)


# --- coverage ----------------------------------------------------------------------------------------------

def _levels(df: pd.DataFrame, should: str, insured: str, district: str) -> pd.DataFrame:
    df = df.assign(_covered=df[should].astype(bool) & df[insured].astype(bool), _should=df[should].astype(bool),
                   district_code=df[district].fillna("").astype(str))
    d = df.groupby(["scheme_group", "district_code"])[["_should", "_covered"]].sum().reset_index()
    c = df.groupby("scheme_group")[["_should", "_covered"]].sum().reset_index().assign(district_code="")
    out = pd.concat([c.assign(level="city"), d.assign(level="district")], ignore_index=True)
    return out.astype({"_should": "int64", "_covered": "int64"})


def truth_coverage(truth_dir: Path, period: str, exclude: set[int] | None = None) -> pd.DataFrame:
    """True should / insured per level (city, district; '' = unknown district) × scheme group."""
    st = pd.read_parquet(Path(truth_dir) / "status.parquet",
                         filters=[("period", "==", period)],
                         columns=["person_id", "scheme_group", "should", "insured", "home_district"])
    if exclude:
        st = st[~st["person_id"].isin(list(exclude))]
    out = _levels(st, "should", "insured", "home_district")
    return out.rename(columns={"_should": "should_truth", "_covered": "insured_truth"})


def platform_coverage(warehouse: Path, period: str, exclude_identifiers: set[str] | None = None) -> pd.DataFrame:
    """The platform's should / insured per level × scheme group: marts.coverage, or recounted from
    marts.person_ledger without the given identifiers."""
    with _connect(warehouse) as con:
        if exclude_identifiers is None:
            df = con.execute(
                "select level, scheme_group, coalesce(district_code, '') as district_code, should, insured "
                "from marts.coverage where period = ? and level in ('city', 'district')", [period]).df()
            return df.rename(columns={"should": "should_platform", "insured": "insured_platform"})
        led = con.execute(
            "select identifier, scheme_group, district_code, is_should_insure, is_insured "
            "from marts.person_ledger where period = ?", [period]).df()
    led = led[~led["identifier"].isin(list(exclude_identifiers))]
    out = _levels(led, "is_should_insure", "is_insured", "district_code")
    return out.rename(columns={"_should": "should_platform", "_covered": "insured_platform"})


def coverage_comparison(warehouse: Path, truth_dir: Path, period: str,
                        records: pd.DataFrame | None = None, linkage_clean: bool = False) -> pd.DataFrame:
    """Per level × scheme group × district: should, insured and rate on both sides and `diff_pp` =
    platform − truth rate in percentage points (NaN where one side has nobody to insure).
    linkage_clean: both sides without the persons the linkage split or merged (and their identifiers), which
    leaves the rules alone to compare."""
    if linkage_clean:
        records = record_persons(warehouse, truth_dir) if records is None else records
        persons = linkage_affected_persons(records)
        idents = set(records.loc[records["person_id"].isin(list(persons)), "identifier"])
        t = truth_coverage(truth_dir, period, persons)
        p = platform_coverage(warehouse, period, idents)
    else:
        t = truth_coverage(truth_dir, period)
        p = platform_coverage(warehouse, period)
    m = t.merge(p, on=["level", "scheme_group", "district_code"], how="outer")
    for side in ("truth", "platform"):
        m[[f"should_{side}", f"insured_{side}"]] = m[[f"should_{side}", f"insured_{side}"]].fillna(0).astype("int64")
        should = m[f"should_{side}"].where(m[f"should_{side}"] > 0)
        m[f"rate_{side}"] = m[f"insured_{side}"] / should
    m["diff_pp"] = 100 * (m["rate_platform"] - m["rate_truth"])
    m.insert(0, "period", period)
    order = {"city": 0, "district": 1}
    return m.sort_values(["level", "scheme_group", "district_code"], key=lambda s: s.map(order) if s.name == "level"
                         else s).reset_index(drop=True)


def status_disagreements(warehouse: Path, truth_dir: Path, period: str) -> pd.DataFrame:
    """Person × scheme group rows where the ledger and the truth disagree on should, insured or the home
    district (diagnostics: why a district's rate differs). `side` = both / platform_only / truth_only."""
    records = record_persons(warehouse, truth_dir)
    ids = identifier_persons(warehouse, truth_dir, records)
    affected = linkage_affected_persons(records)
    with _connect(warehouse) as con:
        led = con.execute(
            "select identifier, scheme_group, district_code, is_should_insure, is_insured, status "
            "from marts.person_ledger where period = ?", [period]).df()
    led = led.merge(ids[["identifier", "person_id"]], on="identifier", how="left")
    st = pd.read_parquet(Path(truth_dir) / "status.parquet", filters=[("period", "==", period)],
                         columns=["person_id", "scheme_group", "should", "insured", "lapsed", "never",
                                  "home_district"])
    m = led.merge(st, on=["person_id", "scheme_group"], how="outer", indicator=True)
    m["side"] = m["_merge"].map({"both": "both", "left_only": "platform_only", "right_only": "truth_only"})
    both = m["side"] == "both"
    differs = ~both | (m["is_should_insure"].astype("boolean") != m["should"].astype("boolean")) | (
        (m["should"].astype("boolean") & (m["is_insured"].astype("boolean") != m["insured"].astype("boolean")))
    ) | (m["district_code"] != m["home_district"])
    out = m[differs.fillna(True)].drop(columns="_merge").reset_index(drop=True)
    out["linkage_affected"] = out["person_id"].isin(list(affected))
    return out


# --- findings ----------------------------------------------------------------------------------------------

def _truth_findings(truth_dir: Path, period: str) -> pd.DataFrame:
    f = pd.read_parquet(Path(truth_dir) / "findings.parquet", filters=[("period", "==", period)])
    cat = {t.truth_type: t.category for t in FINDING_TYPES if t.truth_type}
    f["category"] = f["finding_type"].map(cat)
    unknown = sorted(set(f.loc[f["category"].isna(), "finding_type"]))
    if unknown:
        raise ValueError(f"truth finding types without a mapping: {unknown}")
    return f


def _platform_findings(warehouse: Path, period: str) -> pd.DataFrame:
    with _connect(warehouse) as con:
        f = con.execute(
            "select period, finding_type, finding_subtype, department, identifier, subject "
            "from marts.findings where period = ?", [period]).df()
    f["category"] = None
    for t in FINDING_TYPES:
        sel = f["finding_type"] == t.platform_type
        if t.platform_subtypes is not None:
            sel &= f["finding_subtype"].isin(t.platform_subtypes)
        f.loc[sel & f["category"].isna(), "category"] = t.category
    unknown = sorted(set(f.loc[f["category"].isna(), "finding_type"] + "/" + f.loc[f["category"].isna(),
                                                                                     "finding_subtype"]))
    if unknown:
        raise ValueError(f"platform finding types without a mapping: {unknown}")
    return f


def findings_comparison(warehouse: Path, truth_dir: Path, period: str, ids: pd.DataFrame | None = None,
                        affected: set[int] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(scores, pairs). scores: per category, truth / platform persons, true positives, precision, recall,
    the same without the persons the linkage split or merged (`*_clean`), and the department each side
    routes to. pairs: category × person with `in_truth` / `in_platform` (the platform side's identifier mapped
    to its majority person; an unmapped identifier never matches) and `linkage_affected`."""
    if ids is None or affected is None:
        records = record_persons(warehouse, truth_dir)
        ids = identifier_persons(warehouse, truth_dir, records) if ids is None else ids
        affected = linkage_affected_persons(records) if affected is None else affected
    t = _truth_findings(truth_dir, period)
    p = _platform_findings(warehouse, period).merge(ids[["identifier", "person_id"]], on="identifier", how="left")
    p["person_id"] = p["person_id"].fillna(-1).astype("int64")
    tp = t[["category", "person_id"]].drop_duplicates().assign(in_truth=True)
    pp = p[["category", "person_id", "identifier"]].drop_duplicates(["category", "person_id"]).assign(in_platform=True)
    pairs = tp.merge(pp, on=["category", "person_id"], how="outer")
    pairs[["in_truth", "in_platform"]] = pairs[["in_truth", "in_platform"]].fillna(False).astype(bool)
    pairs["linkage_affected"] = pairs["person_id"].isin(list(affected))

    def score(c: pd.DataFrame, suffix: str = "") -> dict[str, float | int]:
        n_t, n_p = int(c["in_truth"].sum()), int(c["in_platform"].sum())
        hit = int((c["in_truth"] & c["in_platform"]).sum())
        return {f"truth{suffix}": n_t, f"platform{suffix}": n_p, f"matched{suffix}": hit,
                f"precision{suffix}": hit / n_p if n_p else float("nan"),
                f"recall{suffix}": hit / n_t if n_t else float("nan")}

    rows = []
    for ft in FINDING_TYPES:
        c = pairs[pairs["category"] == ft.category]
        rows.append({
            "period": period, "category": ft.category, **score(c), **score(c[~c["linkage_affected"]], "_clean"),
            "truth_departments": ", ".join(sorted(set(t.loc[t["category"] == ft.category, "department"]
                                                      .map(DEPARTMENTS).fillna("?")))),
            "platform_departments": ", ".join(sorted(set(p.loc[p["category"] == ft.category, "department"]))),
        })
    return pd.DataFrame(rows), pairs.sort_values(["category", "person_id"]).reset_index(drop=True)


def evaluate(warehouse: Path, truth_dir: Path, periods: list[str]) -> dict[str, pd.DataFrame]:
    """Comparisons for each period: {'coverage', 'coverage_linkage_clean', 'findings', 'identifiers'}."""
    records = record_persons(warehouse, truth_dir)
    ids = identifier_persons(warehouse, truth_dir, records)
    cov = pd.concat([coverage_comparison(warehouse, truth_dir, p) for p in periods], ignore_index=True)
    clean = pd.concat([coverage_comparison(warehouse, truth_dir, p, records, linkage_clean=True) for p in periods],
                      ignore_index=True)
    affected = linkage_affected_persons(records)
    scores = pd.concat([findings_comparison(warehouse, truth_dir, p, ids, affected)[0] for p in periods],
                       ignore_index=True)
    return {"coverage": cov, "coverage_linkage_clean": clean, "findings": scores, "identifiers": ids}


def summary(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Max |diff| in points per period × level × scheme group, raw and without linkage-affected persons."""
    def worst(cov: pd.DataFrame) -> pd.Series:
        return cov.assign(a=cov["diff_pp"].abs()).groupby(["period", "level", "scheme_group"])["a"].max()
    return pd.DataFrame({"max_abs_diff_pp": worst(results["coverage"]),
                         "linkage_clean": worst(results["coverage_linkage_clean"])}).reset_index()
