"""The suites, declared as data: one per staged table and per published mart.

Tolerances (`mostly`) are what a real registry reaches, not what the generator produces; each is argued in
docs/quality.md. Blocking = the period must not flow downstream; warning = published, but visible.
"""

from __future__ import annotations

from expectations.reference import current_district_codes
from expectations.specs import Check, Suite

DIVISIONS = "staging.stg_ca_divisions__townships"
GENDERS = ("1", "2", "9")
USCC = r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}"
SCHEME_GROUPS = ("pension", "medical", "unemployment", "work_injury", "maternity")
SOURCES = (
    "si_employee",
    "si_resident",
    "si_benefit",
    "ps_hukou",
    "ps_residence",
    "hfp_vital",
    "ca_death",
    "ca_assistance",
    "ca_divisions",
    "ic_enterprise",
    "tax_withholding",
    "survey_returns",
    "audit_verdicts",
)


# --- building blocks ---------------------------------------------------------------------------------------
def key_checks() -> list[Check]:
    return [
        Check("record_key_not_null", "not_null", "record_key", why="lineage key"),
        Check("record_key_unique", "unique", columns=("record_key",), why="one staged row per delivered row"),
    ]


def id_checks(required: float = 0.97, where: str | None = None) -> list[Check]:
    return [
        Check(
            "id_number_present",
            "not_null",
            "id_number",
            mostly=required,
            where=where,
            why="person sources must identify people; a few % unrecoverable IDs are normal",
        ),
        Check(
            "id_check_digit_rate",
            "is_true",
            "id_is_valid",
            mostly=0.95,
            where="id_number_raw IS NOT NULL" + (f" AND ({where})" if where else ""),
            why="registries carry ~1-3 % bad check digits; >5 % means a broken extract",
        ),
    ]


def district_checks(required: float = 0.99, column: str = "district_code") -> list[Check]:
    return [
        Check(
            f"{column}_present",
            "not_null",
            column,
            mostly=required,
            blocking=False,
            why="unknown districts are quarantined, so NULLs here are few",
        ),
        Check(
            f"{column}_current",
            "in_set",
            column,
            values=current_district_codes(),
            why="staging maps every code to the 38 end-2016 codes; anything else is a mapping bug",
        ),
    ]


def township_checks(
    column: str = "township_code", exists_mostly: float = 0.97, blocking: bool = True
) -> list[Check]:
    return [
        Check(
            f"{column}_9_digits",
            "regex",
            column,
            pattern=r"\d{9}",
            mostly=0.99,
            blocking=blocking,
            why="GB/T 10114 township codes are district code + 3 digits",
        ),
        Check(
            f"{column}_exists",
            "in_table",
            column,
            ref_table=DIVISIONS,
            # staged sources carry the current district prefix; the list carries the code in force then
            ref_column="township_code_current",
            mostly=exists_mostly,
            blocking=blocking,
            why="codes must be in that period's civil-affairs list (abolished ones included)",
        ),
    ]


def code(
    name: str,
    column: str,
    values: tuple[str, ...],
    blocking: bool = True,
    mostly: float = 1.0,
    why: str = "unknown codes are quarantined by staging",
) -> Check:
    return Check(name, "in_set", column, values=values, blocking=blocking, mostly=mostly, why=why)


def not_after_period(column: str, mostly: float = 0.99, low: str = "DATE '1900-01-01'") -> Check:
    return Check(
        f"{column}_in_range",
        "between",
        column,
        min_sql=low,
        max_sql="{period_end}",
        mostly=mostly,
        blocking=False,
        why="dates after the period end or before 1900 are entry errors",
    )


def snapshot_volume() -> list[Check]:
    return [
        Check(
            "volume_not_halved",
            "volume",
            min_ratio=0.5,
            max_ratio=None,
            why="a registry snapshot does not lose half its rows in a month: partial delivery",
        ),
        Check(
            "volume_not_doubled",
            "volume",
            min_ratio=None,
            max_ratio=2.0,
            blocking=False,
            why="doubling suggests a file delivered twice under two names",
        ),
    ]


def events_volume() -> list[Check]:
    return [
        Check(
            "volume_vs_previous",
            "volume",
            min_ratio=0.3,
            max_ratio=3.0,
            blocking=False,
            why="event counts vary by month (holidays, year-end) but not by a factor of three",
        )
    ]


def nonempty(blocking: bool = True) -> Check:
    return Check(
        "has_rows",
        "row_count",
        min_rows=1,
        blocking=blocking,
        why="an empty snapshot means the step did not run; an event source may have a quiet month (warning)",
    )


def stg(source: str, model: str, checks: list[Check]) -> Suite:
    return Suite(
        name=model,
        table=f"staging.{model}",
        source=source,
        checks=tuple(checks),
        description=f"staged {source} delivery",
    )


# --- staging ---------------------------------------------------------------------------------------------
_STAGING = [
    stg(
        "si_employee",
        "stg_si_employee__enrollments",
        [
            *key_checks(),
            nonempty(),
            *id_checks(),
            *district_checks(),
            Check(
                "name_present", "not_null", "name", mostly=0.99, blocking=False, why="name needed for linkage"
            ),
            code("scheme_code_domain", "scheme_code", ("110", "210", "310", "410", "510")),
            code("contribution_status_domain", "contribution_status", ("1", "2", "3")),
            code("gender_domain", "gender", GENDERS),
            Check(
                "scheme_code_present", "not_null", "scheme_code", why="the row is an enrollment in a scheme"
            ),
            not_after_period("birth_date"),
            not_after_period("enrolled_date", low="DATE '1951-01-01'"),
            not_after_period("last_paid_month", low="DATE '1951-01-01'"),
            Check(
                "employer_no_present",
                "not_null",
                "employer_no",
                mostly=0.99,
                blocking=False,
                why="employee schemes are enrolled through a unit",
            ),
            *snapshot_volume(),
        ],
    ),
    stg(
        "si_resident",
        "stg_si_resident__enrollments",
        [
            *key_checks(),
            nonempty(),
            *id_checks(),
            *district_checks(),
            *township_checks(),
            code("scheme_code_domain", "scheme_code", ("170", "390")),
            code("contribution_status_domain", "contribution_status", ("1", "2", "3")),
            code("subsidy_category_domain", "subsidy_category", ("0", "1", "2", "3")),
            code("gender_domain", "gender", GENDERS),
            not_after_period("birth_date"),
            not_after_period("enrolled_date", low="DATE '1990-01-01'"),
            Check(
                "last_paid_year_in_range",
                "between",
                "last_paid_year",
                min_sql="1990",
                max_sql="year({period_end})",
                mostly=0.99,
                blocking=False,
                why="no payments for future years",
            ),
            *snapshot_volume(),
        ],
    ),
    stg(
        "si_benefit",
        "stg_si_benefit__payments",
        [
            *key_checks(),
            nonempty(blocking=False),
            *id_checks(required=0.99),
            *district_checks(),
            code("scheme_code_domain", "scheme_code", ("110", "170")),
            Check(
                "amount_positive",
                "between",
                "amount",
                min_sql="0.01",
                max_sql="100000",
                mostly=0.999,
                blocking=False,
                why="a monthly pension is positive and far below 100k yuan",
            ),
            not_after_period("benefit_month", low="DATE '1990-01-01'"),
            *events_volume(),
        ],
    ),
    stg(
        "ps_hukou",
        "stg_ps_hukou__residents",
        [
            *key_checks(),
            nonempty(),
            *id_checks(required=0.99),
            *district_checks(),
            Check(
                "township_code_mapped",
                "not_null",
                "township_code",
                mostly=0.95,
                blocking=False,
                why="township names are mapped by name; a few % of free-text names do not match",
            ),
            code("hukou_status_domain", "hukou_status", ("正常", "死亡注销", "迁出注销")),
            code("gender_domain", "gender", GENDERS),
            Check(
                "household_no_present",
                "not_null",
                "household_no",
                mostly=0.99,
                blocking=False,
                why="household visits are planned by household",
            ),
            not_after_period("birth_date"),
            not_after_period("change_date"),
            *snapshot_volume(),
        ],
    ),
    stg(
        "ps_residence",
        "stg_ps_residence__permits",
        [
            *key_checks(),
            nonempty(),
            *id_checks(),
            *district_checks(),
            Check(
                "township_code_mapped",
                "not_null",
                "township_code",
                mostly=0.95,
                blocking=False,
                why="township names are mapped by name; a few % of free-text names do not match",
            ),
            Check(
                "hukou_place_code_6_digits",
                "regex",
                "hukou_place_code",
                pattern=r"\d{6}",
                mostly=0.99,
                blocking=False,
                why="any province's GB/T 2260 code",
            ),
            code("gender_domain", "gender", GENDERS),
            not_after_period("birth_date"),
            not_after_period("registered_date", low="DATE '2000-01-01'"),
            *snapshot_volume(),
        ],
    ),
    stg(
        "hfp_vital",
        "stg_hfp_vital__events",
        [
            *key_checks(),
            nonempty(blocking=False),
            *id_checks(where="event_type = '死亡'"),
            *district_checks(),
            code("event_type_domain", "event_type", ("出生", "死亡")),
            Check(
                "certificate_no_unique",
                "unique",
                columns=("certificate_no",),
                mostly=1.0,
                blocking=False,
                why="one row per certificate; repeats are re-issued certificates to review",
            ),
            Check(
                "mother_id_on_births",
                "not_null",
                "mother_id_number",
                mostly=0.95,
                blocking=False,
                where="event_type = '出生'",
                why="a newborn's home district comes from the mother",
            ),
            not_after_period("event_date", low="DATE '1900-01-01'"),
            *events_volume(),
        ],
    ),
    stg(
        "ca_death",
        "stg_ca_death__records",
        [
            *key_checks(),
            nonempty(blocking=False),
            *id_checks(),
            *district_checks(),
            Check(
                "death_date_present",
                "not_null",
                "death_date",
                mostly=0.99,
                why="a death record needs its date",
            ),
            not_after_period("death_date"),
            Check(
                "cremation_after_death",
                "expr",
                sql="cremation_date IS NULL OR death_date IS NULL OR cremation_date >= death_date",
                mostly=0.99,
                blocking=False,
                why="order of events",
            ),
            *events_volume(),
        ],
    ),
    stg(
        "ca_assistance",
        "stg_ca_assistance__recipients",
        [
            *key_checks(),
            nonempty(),
            *id_checks(),
            *district_checks(),
            *township_checks(),
            code("assistance_type_domain", "assistance_type", ("城市低保", "农村低保", "特困供养")),
            not_after_period("start_month", low="DATE '1990-01-01'"),
            *snapshot_volume(),
        ],
    ),
    stg(
        "ca_divisions",
        "stg_ca_divisions__townships",
        [
            *key_checks(),
            nonempty(),
            *district_checks(required=1.0),
            Check("township_code_unique", "unique", columns=("township_code",), why="the code list's key"),
            Check("township_code_9_digits", "regex", "township_code", pattern=r"\d{9}", why="GB/T 10114"),
            Check(
                "township_in_its_district",
                "expr",
                sql="left(township_code, 6) = district_code OR status = '撤销'",
                mostly=0.98,
                blocking=False,
                why="codes keep the district prefix they were issued under; renamed districts lag",
            ),
            code("township_type_domain", "township_type", ("街道", "镇", "乡")),
            code("status_domain", "status", ("有效", "撤销")),
            Check(
                "abolished_have_successor",
                "not_null",
                "successor_code",
                where="status = '撤销'",
                why="abolished townships must map to the one that absorbed them",
            ),
            Check("township_count", "row_count", min_rows=900, why="Chongqing has about 1,000 townships"),
        ],
    ),
    stg(
        "ic_enterprise",
        "stg_ic_enterprise__enterprises",
        [
            *key_checks(),
            nonempty(),
            *district_checks(),
            Check(
                "credit_or_registration_no",
                "expr",
                sql="credit_code IS NOT NULL OR registration_no IS NOT NULL",
                mostly=0.99,
                why="an enterprise must be identifiable",
            ),
            Check(
                "credit_code_format",
                "regex",
                "credit_code",
                pattern=USCC,
                mostly=0.99,
                blocking=False,
                why="GB 32100 character set",
            ),
            Check(
                "credit_code_unique",
                "unique",
                columns=("credit_code",),
                mostly=1.0,
                blocking=False,
                why="one entity per code; repeats are re-registrations",
            ),
            code("registration_status_domain", "registration_status", ("存续", "在业", "注销", "吊销")),
            code(
                "industry_section_domain", "industry_section", tuple("ABCDEFGHIJKLMNOPQRST"), blocking=False
            ),
            not_after_period("founded_date"),
            *snapshot_volume(),
        ],
    ),
    stg(
        "tax_withholding",
        "stg_tax_withholding__withholdings",
        [
            *key_checks(),
            nonempty(blocking=False),
            *id_checks(where="document_type = '居民身份证'"),
            Check(
                "employer_tax_id_present",
                "not_null",
                "employer_tax_id",
                why="employer gaps need the employer",
            ),
            Check(
                "tax_month_in_range",
                "between",
                "tax_month",
                min_sql="{period_start} - INTERVAL 12 MONTH",
                max_sql="{period_start}",
                mostly=0.99,
                blocking=False,
                why="withholding is declared monthly",
            ),
            Check(
                "income_non_negative",
                "between",
                "income",
                min_sql="0",
                mostly=0.999,
                blocking=False,
                why="income can be zero, not negative",
            ),
            *events_volume(),
        ],
    ),
    stg(
        "survey_returns",
        "stg_survey_returns__visits",
        [
            # No has_rows: returns answer the platform's own worklists, so a period may have none.
            *key_checks(),
            *township_checks(exists_mostly=0.99),
            Check(
                "surveyor_present",
                "not_null",
                "surveyor_no",
                mostly=0.99,
                blocking=False,
                why="accountability",
            ),
            not_after_period("survey_date", low="DATE '2014-01-01'"),
        ],
    ),
]

# --- marts -----------------------------------------------------------------------------------------------
IDENTIFIER = r"CB\d{12}"


def mart(name: str, checks: list[Check], period_column: str | None = "period") -> Suite:
    return Suite(
        name=f"mart_{name}",
        table=f"marts.{name}",
        checks=tuple(checks),
        period_column=period_column,
        description=f"published mart {name}",
    )


_MARTS = [
    mart(
        "quarantine",
        [
            nonempty(),
            code("source_domain", "source", SOURCES),
            Check(
                "row_unique",
                "unique",
                columns=("source", "file_name", "row_number"),
                why="a delivered row is quarantined once",
            ),
            Check("has_reason", "expr", sql="len(reasons) > 0", why="every quarantined row says why"),
        ],
    ),
    mart(
        "reconciliation",
        [
            nonempty(),
            code("source_domain", "source", SOURCES),
            Check(
                "file_unique", "unique", columns=("source", "file_name"), why="one line per delivered file"
            ),
            Check(
                "rows_add_up",
                "expr",
                sql="rows_in = rows_staged + rows_quarantined",
                where="status not in ('rejected', 'duplicate_file')",
                why="every loaded row is either staged or quarantined",
            ),
            Check(
                "quarantine_share",
                "expr",
                sql="rows_quarantined <= 0.05 * greatest(rows_in, 1)",
                blocking=False,
                why="a real registry quarantines a few %; more needs a look",
            ),
        ],
    ),
    mart(
        "record_identifiers",
        [
            nonempty(),
            Check(
                "identifier_present", "not_null", "identifier", why="every linked record has an identifier"
            ),
            Check("identifier_format", "regex", "identifier", pattern=IDENTIFIER, why="CB + 12 digits"),
            Check(
                "record_unique",
                "unique",
                columns=("source", "file_name", "row_number"),
                why="a record links to exactly one identifier",
            ),
            code("source_domain", "source", SOURCES),
        ],
    ),
    mart(
        "persons",
        [
            nonempty(),
            Check("identifier_present", "not_null", "identifier", why="the person key"),
            Check("identifier_unique", "unique", columns=("identifier",), why="one row per person"),
            Check("identifier_format", "regex", "identifier", pattern=IDENTIFIER, why="CB + 12 digits"),
            *district_checks(required=0.99),
        ],
        period_column=None,
    ),
    mart(
        "person_ledger",
        [
            nonempty(),
            Check(
                "identifier_present", "not_null", "identifier", why="every ledger person has an identifier"
            ),
            Check(
                "identifier_is_person",
                "in_table",
                "identifier",
                ref_table="marts.persons",
                ref_column="identifier",
                ref_period=False,
                why="ledger rows must join to marts.persons",
            ),
            Check(
                "ledger_key_unique",
                "unique",
                columns=("identifier", "scheme_group"),
                why="one status per person, scheme group and period",
            ),
            code("scheme_group_domain", "scheme_group", SCHEME_GROUPS, why="the five groups of the contract"),
            code(
                "status_domain",
                "status",
                ("not_required", "insured", "lapsed", "never"),
                why="ledger statuses",
            ),
            Check(
                "district_code_current",
                "in_set",
                "district_code",
                values=current_district_codes(),
                why="every output reports the 38 current codes",
            ),
            Check(
                "status_partition",
                "expr",
                sql="NOT is_should_insure OR (is_insured::INT + is_lapsed::INT + is_never::INT) = 1",
                why="should-be-insured splits exactly into insured, lapsed and never",
            ),
            Check(
                "flags_only_if_should",
                "expr",
                sql="is_should_insure OR NOT (is_lapsed OR is_never)",
                why="lapsed/never are defined only for the should-be-insured",
            ),
        ],
    ),
    mart(
        "coverage",
        [
            nonempty(),
            code("scheme_group_domain", "scheme_group", SCHEME_GROUPS, why="the five groups of the contract"),
            code("level_domain", "level", ("city", "district", "township"), why="aggregation levels"),
            Check(
                "district_code_present",
                "not_null",
                "district_code",
                where="level <> 'city'",
                blocking=False,
                why="persons with no known home district (e.g. seen only in tax records) form an unassigned "
                "row per level: visible as a warning, not a reason to stop publishing",
            ),
            Check(
                "district_code_current",
                "in_set",
                "district_code",
                values=current_district_codes(),
                why="every mart district is one of the 38 current codes",
            ),
            Check(
                "township_code_9_digits",
                "regex",
                "township_code",
                pattern=r"\d{9}",
                mostly=0.99,
                blocking=False,
                why="GB/T 10114; unmapped townships may aggregate under a placeholder",
            ),
            Check(
                "cell_unique", "unique", columns=("coverage_id",), why="one row per period, group and area"
            ),
            Check(
                "insured_within_should",
                "expr",
                sql="insured <= should AND insured >= 0",
                why="coverage = insured ∩ should / should",
            ),
            Check("rate_in_unit_interval", "between", "rate", min_sql="0", max_sql="1", why="a share"),
            Check(
                "rate_is_ratio",
                "expr",
                sql="should = 0 OR abs(rate - insured / should) < 1e-6",
                why="the published rate must be the ratio of the published counts",
            ),
        ],
    ),
    mart(
        "survey_worklist",
        [
            nonempty(),
            Check("item_unique", "unique", columns=("worklist_item_id",), why="one visit per household item"),
            *township_checks(exists_mostly=0.99),
            Check(
                "district_code_current",
                "in_set",
                "district_code",
                values=current_district_codes(),
                why="every mart district is one of the 38 current codes",
            ),
            Check("has_reason", "expr", sql="len(reasons) > 0", why="a visit says why"),
            Check(
                "address_present",
                "not_null",
                "address",
                mostly=0.98,
                blocking=False,
                why="surveyors need an address; a few % come without",
            ),
        ],
    ),
    mart(
        "findings",
        [
            nonempty(),
            Check("finding_id_unique", "unique", columns=("finding_id",), why="finding key"),
            Check("finding_type_present", "not_null", "finding_type", why="a finding says what it is"),
            Check("department_present", "not_null", "department", why="every finding is routed"),
            Check(
                "district_code_current",
                "in_set",
                "district_code",
                values=current_district_codes(),
                blocking=False,
                why="routing is per district",
            ),
            Check(
                "identifier_present",
                "not_null",
                "identifier",
                mostly=0.99,
                blocking=False,
                why="employer findings may have no person",
            ),
        ],
    ),
]

SUITES: dict[str, Suite] = {s.name: s for s in (*_STAGING, *_MARTS)}
