"""The person-linkage model, defined once in Python and rendered per SQL dialect by Splink.

Everything here is dialect-neutral (Splink's level creators and plain substr/=/AND SQL), so the same
definition renders for DuckDB now and Spark later; trained parameters live apart (linkage/parameters.py).
"""

from __future__ import annotations

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator

UNIQUE_ID = "distinct_id"
# Share of same-person record pairs that carry two different valid ID numbers (a re-issued number), and of
# those where the name differs too (re-issue AND a name error); share of random pairs with two valid numbers.
REISSUED_PRIOR = 0.005
REISSUED_OTHER_NAME_PRIOR = 1e-6
# A re-issued number keeps the holder's birth date (address code and birth part stay, the sequence changes):
# two valid numbers with different birth parts, each matching its own record's birth date, are two people
# (a father and son of the same name, say), however much household, phone and place they share.
REISSUED_OTHER_BIRTH_PRIOR = 1e-6
DIFFERENT_VALID_U = 0.85
# A re-issue is made by the office that issued the number: it keeps the address code too. Share of re-issues
# that do (policy: a number re-issued after a pre-1999 move may carry another county's code), and the share of
# random pairs of valid numbers with the same address code (the birth date is counted in `dob`; measured
# 0.015 on a synthetic city with ~100 codes in use).
REISSUED_SAME_ADDRESS_SHARE = 0.9
SAME_ADDRESS_U = 0.015


# Two of year/month/day equal (dob is ISO text).
_DOB_CLOSE = (
    "(substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 6, 2))"
    " OR (substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 9, 2) = substr(dob_r, 9, 2))"
    " OR (substr(dob_l, 6, 2) = substr(dob_r, 6, 2) AND substr(dob_l, 9, 2) = substr(dob_r, 9, 2))"
    " OR (substr(dob_l, 6, 2) = substr(dob_r, 9, 2) AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2))"
)
# At most two calendar months apart: a shifted day across a month end, or a lunar-calendar birthday written
# as a solar one (20-50 days later). A parent's and a child's birth dates are years apart.
_MONTH_INDEX = "(cast(substr(dob_{s}, 1, 4) as int) * 12 + cast(substr(dob_{s}, 6, 2) as int))"
_DOB_NEAR = f"abs({_MONTH_INDEX.format(s='l')} - {_MONTH_INDEX.format(s='r')}) <= 2"


# The number's birth part (YYYYMMDD) and whether the record's own birth date agrees with it: a record whose
# stated date contradicts its number may be carrying someone else's number (a child's row with a parent's).
_ID_BIRTH = "substr(id_number_{s}, 7, 8)"
_OWN_NUMBER = "replace(dob_{s}, '-', '') = substr(id_number_{s}, 7, 8)"
_SAME_NAME = "(name_l = name_r OR name_pinyin_l = name_pinyin_r)"


def _both(template: str) -> str:
    return f"{template.format(s='l')} AND {template.format(s='r')}"


def _id_comparison() -> cl.CustomComparison:
    # Compared WITHOUT its birth-date part (id_core = address code + sequence + check character): the birth
    # date is compared once, in `dob`, so an exact number is not counted twice. A mistyped digit or an
    # adjacent transposition always breaks the ISO 7064 check character, while twins (consecutive sequence
    # numbers) differ in >= 2 characters and both stay valid: one edit / one transposition is strong evidence
    # of the same person, two different valid numbers is evidence of two people (or a re-issued number).
    return cl.CustomComparison(
        output_column_name="id_number",
        comparison_description="ID number without its birth-date part (address code, sequence, check)",
        comparison_levels=[
            cll.NullLevel("id_core"),
            # A child's row carrying a parent's number (shared number): same number, but the birth date is not
            # a typo of the other (not equal, not day/month swapped, not one of year/month/day off, not within
            # two calendar months) and the name is not the same name or reading. Parents and children often
            # share a surname and a character (何博航/何伟航: one edit), so a one-character difference is no
            # reason to trust the number here. The number then says nothing (weight 0: m = u); name, dob and
            # gender speak.
            cll.CustomLevel(
                f"id_core_l = id_core_r AND NOT {_SAME_NAME} AND dob_l <> dob_r AND NOT ({_DOB_CLOSE})"
                f" AND NOT ({_DOB_NEAR})",
                label_for_charts="same number, other name and birth date",
            ).configure(m_probability=1e-5, u_probability=1e-5, fix_m_probability=True, fix_u_probability=True),
            cll.ExactMatchLevel("id_core").configure(label_for_charts="same number (birth part aside)"),
            cll.LevenshteinLevel("id_core", 1).configure(label_for_charts="one character edited"),
            cll.DamerauLevenshteinLevel("id_core", 1).configure(label_for_charts="two digits transposed"),
            # Two different VALID numbers: a re-issued number (same person, same name) or twins/siblings
            # (same birth part, household, phone; different given names). EM cannot separate families from
            # persons and u-sampling would count the name twice, so these levels are fixed by policy: with the
            # same name (or reading) another birth date in each record's own number is another person, the
            # same address code and birth part a re-issue, another address code a rarer re-issue; with
            # another name near-impossible.
            cll.CustomLevel(
                f"id_is_valid_l AND id_is_valid_r AND {_SAME_NAME}"
                f" AND {_ID_BIRTH.format(s='l')} <> {_ID_BIRTH.format(s='r')} AND {_both(_OWN_NUMBER)}",
                label_for_charts="two different valid numbers, same name, other birth date",
            ).configure(
                m_probability=REISSUED_OTHER_BIRTH_PRIOR,
                u_probability=DIFFERENT_VALID_U,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            cll.CustomLevel(
                f"id_is_valid_l AND id_is_valid_r AND {_SAME_NAME}"
                " AND substr(id_number_l, 1, 14) = substr(id_number_r, 1, 14)",
                label_for_charts="two different valid numbers, same name, same address and birth part",
            ).configure(
                m_probability=REISSUED_PRIOR * REISSUED_SAME_ADDRESS_SHARE,
                u_probability=SAME_ADDRESS_U,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            cll.CustomLevel(
                f"id_is_valid_l AND id_is_valid_r AND {_SAME_NAME}",
                label_for_charts="two different valid numbers, same name",
            ).configure(
                m_probability=REISSUED_PRIOR * (1 - REISSUED_SAME_ADDRESS_SHARE),
                u_probability=DIFFERENT_VALID_U,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            cll.CustomLevel(
                "id_is_valid_l AND id_is_valid_r", label_for_charts="two different valid numbers, other name"
            ).configure(
                m_probability=REISSUED_OTHER_NAME_PRIOR,
                u_probability=DIFFERENT_VALID_U,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            cll.ElseLevel(),
        ],
    )


def _name_comparison() -> cl.CustomComparison:
    # Jaro-Winkler is coarse on 2-3 character names (STACK.md): exact (term-frequency adjusted), same
    # reading (homophone entry errors), one character off.
    return cl.CustomComparison(
        output_column_name="name",
        comparison_description="full name",
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name", term_frequency_adjustments=True),
            cll.ExactMatchLevel("name_pinyin").configure(label_for_charts="same pinyin"),
            cll.LevenshteinLevel("name", 1).configure(label_for_charts="one character different"),
            cll.ExactMatchLevel("given_name").configure(label_for_charts="same given name"),
            cll.ElseLevel(),
        ],
    )


def _dob_comparison() -> cl.CustomComparison:
    # dob is ISO text 'YYYY-MM-DD': substr works in every dialect.
    y = "substr(dob_{s}, 1, 4)"
    m = "substr(dob_{s}, 6, 2)"
    d = "substr(dob_{s}, 9, 2)"

    def eq(a: str, b: str) -> str:
        return f"{a.format(s='l')} = {b.format(s='r')}"

    return cl.CustomComparison(
        output_column_name="dob",
        comparison_description="birth date (stated, else resolved)",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel(f"{eq(y, y)} AND {eq(m, d)} AND {eq(d, m)}", label_for_charts="day and month swapped"),
            cll.CustomLevel(
                f"({eq(y, y)} AND {eq(m, m)}) OR ({eq(y, y)} AND {eq(d, d)}) OR ({eq(m, m)} AND {eq(d, d)})",
                label_for_charts="one of year/month/day different",
            ),
            cll.ElseLevel(),
        ],
    )


def _area_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="area",
        comparison_description="township, else district (current codes)",
        comparison_levels=[
            cll.NullLevel("district_code"),
            cll.ExactMatchLevel("township_code").configure(label_for_charts="same township"),
            cll.ExactMatchLevel("district_code").configure(label_for_charts="same district"),
            cll.ElseLevel(),
        ],
    )


def comparisons() -> list[cl.ComparisonCreator]:
    return [
        _id_comparison(),
        _name_comparison(),
        _dob_comparison(),
        cl.ExactMatch("gender"),
        _area_comparison(),
        cl.ExactMatch("phone"),
    ]


# Candidate pairs: exact identifiers, then name/date/place/household keys, then ID pieces for typos. Each
# entry's columns must all be equal (and not null); linkage/store.py selects the prior records that can pair
# with a new one from the same keys.
PREDICTION_BLOCKING_KEYS: tuple[tuple[str, ...], ...] = (
    ("id_number",),
    ("dob", "name_pinyin"),
    ("name", "district_code"),
    ("phone",),
    ("household_no", "given_name"),
    ("id_head",),
    ("id_tail",),
    ("id_core",),
)


def prediction_blocking_rules() -> list[BlockingRuleCreator]:
    """Splink's rules for PREDICTION_BLOCKING_KEYS, in that order."""
    return [block_on(*key) for key in PREDICTION_BLOCKING_KEYS]


def training_blocking_rules() -> list[BlockingRuleCreator]:
    """EM sessions: each fixes some comparisons and trains the others.

    No session blocks on phone/household: those blocks are full of twins and siblings who agree on
    everything but name and number, and EM would learn them as matches (measured: m(name else) 0.19).
    Splink leaves out of a session every comparison that reads a blocked column: the ID comparison reads
    id_number, name, name_pinyin and dob (its shared-number and re-issue levels), so the session that trains the
    ID levels blocks on surname + given name + district (same name, other columns) instead of dob + pinyin.
    """
    return [
        block_on("id_number"),
        block_on("surname", "given_name", "district_code"),
    ]


def deterministic_rules() -> list[BlockingRuleCreator]:
    """Near-certain matches, used to estimate the prior (lambda)."""
    return [block_on("id_number", "name"), block_on("name", "dob", "district_code")]


def settings_creator() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=UNIQUE_ID,
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=prediction_blocking_rules(),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        additional_columns_to_retain=["n_rows"],
    )
