"""Constrained components: links that would join two people are refused; must-links always hold."""

import pandas as pd

from linkage.cluster import (
    NodeFacts,
    Profile,
    constrained_components,
    node_facts,
    profiles_incompatible,
)
from linkage.collapse import standardise

FATHER = "512231197605070474"  # valid, born 1976-05-07
SON = "500233200809165639"  # valid, born 2008-09-16


def _facts(birth: str | None, name: str, dob: str, gender: str, pinyin: str | None = None) -> NodeFacts:
    return NodeFacts(birth, Profile(name, pinyin or name, dob, gender))


def test_profiles_incompatible_needs_name_date_and_gender_all_different():
    girl = Profile("王芳", "wangfang", "2014-01-16", "2")
    father = Profile("李强", "liqiang", "1982-01-18", "1")
    assert profiles_incompatible(girl, father)
    # any one of them close enough to be a typo: no verdict
    assert not profiles_incompatible(girl, Profile("王方", "wangfang", "1982-01-18", "1"))  # same reading
    assert not profiles_incompatible(girl, Profile("王芬", "wangfen", "1982-01-18", "1"))  # one character
    assert not profiles_incompatible(girl, Profile("李强", "liqiang", "2014-01-17", "1"))  # one day off
    assert not profiles_incompatible(girl, Profile("李强", "liqiang", "2014-16-01", "1"))  # day/month swapped
    assert not profiles_incompatible(girl, Profile("李强", "liqiang", "2013-12-20", "1"))  # lunar vs solar
    assert not profiles_incompatible(girl, Profile("李强", "liqiang", "1982-01-18", None))  # gender unknown
    assert not profiles_incompatible(girl, Profile("李强", "liqiang", "1982-01-18", "2"))


def test_node_facts_anchor_only_own_valid_numbers():
    distinct = pd.DataFrame(
        {
            "distinct_id": ["a", "b", "c"],
            "id_number": [FATHER, FATHER, SON],
            "id_is_valid": [True, True, False],
            "name": ["谢浩鹏", "谢伟鹏", "谢浩鹏"],
            "name_pinyin": ["xiehaopeng", "xieweipeng", "xiehaopeng"],
            "dob": ["1976-05-07", "2008-09-16", "2008-09-16"],
            "gender": ["1", "1", "1"],
        }
    )
    facts = node_facts(distinct)
    assert facts["a"].anchored_birth == "19760507"
    assert facts["b"].anchored_birth is None  # its stated date contradicts the number: maybe not its own
    assert facts["c"].anchored_birth is None  # invalid number


def test_father_and_son_of_one_name_are_not_chained_through_a_shared_row():
    # f1, f2: father's records; s1: son's own record; x: the son's row carrying the father's number.
    facts = {
        "f1": _facts("19760507", "谢浩鹏", "1976-05-07", "1"),
        "f2": _facts("19760507", "谢浩鹏", "1976-05-07", "1"),
        "s1": _facts("20080916", "谢浩鹏", "2008-09-16", "1"),
        "x": _facts(None, "谢浩鹏", "2008-09-16", "1"),
    }
    links = [("f1", "f2", 30.0), ("x", "s1", 20.0), ("f1", "x", 10.0), ("f2", "s1", 5.0)]
    res = constrained_components(sorted(facts), [], links, facts)
    assert res.labels == {"f1": "f1", "f2": "f1", "s1": "s1", "x": "s1"}
    assert sorted(res.refused) == [("f1", "x"), ("f2", "s1")]


def test_strongest_link_wins_and_order_of_input_does_not_matter():
    facts = {
        "p": _facts("19820118", "李强", "1982-01-18", "1"),
        "g": _facts("20140116", "王芳", "2014-01-16", "2"),
        "x": _facts(None, "王芳", "2014-01-16", "2"),
    }
    links = [("p", "x", 12.0), ("g", "x", 18.0)]
    a = constrained_components(["g", "p", "x"], [], links, facts)
    b = constrained_components(["x", "p", "g"], [], list(reversed(links)), facts)
    assert a.labels == b.labels == {"g": "g", "x": "g", "p": "p"}


def test_must_links_are_never_refused():
    facts = {
        "a": _facts("19760507", "谢浩鹏", "1976-05-07", "1"),
        "b": _facts("20080916", "谢浩鹏", "2008-09-16", "1"),
        "c": _facts("19760507", "谢浩鹏", "1976-05-07", "1"),
        "d": _facts(None, "谢浩鹏", "1976-05-07", "1"),
    }
    # a and b already share an identifier (prior run): kept whole, though their numbers say two people
    res = constrained_components(["a", "b", "c", "d"], [("a", "b")], [("b", "c", 9.0), ("a", "d", 8.0)], facts)
    assert res.labels == {"a": "a", "b": "a", "c": "c", "d": "a"}
    assert res.refused == [("b", "c")]


def test_stated_gender_wins_over_the_numbers():
    rows = pd.DataFrame(
        {
            "id_number": [FATHER, FATHER],
            "id_is_valid": [True, True],
            "id_gender": ["1", "1"],
            "name": ["王芳", "谢浩鹏"],
            "name_pinyin": ["wang fang", "xie hao peng"],
            "surname": ["王", "谢"],
            "given_name": ["芳", "浩鹏"],
            "birth_date": [pd.Timestamp("1976-05-07")] * 2,
            "birth_date_stated": [pd.Timestamp("2014-01-16"), pd.Timestamp("1976-05-07")],
            "id_birth_date": [pd.Timestamp("1976-05-07")] * 2,
            "gender": ["1", "1"],
            "district_code": ["500233", "500233"],
            "township_code": [None, None],
            "phone": [None, None],
            "household_no": [None, None],
            "data_issues": [["birth_date_conflict", "gender_conflict"], []],
        }
    )
    out = standardise(rows)
    assert out["gender"].tolist() == ["2", "1"]
    assert out["dob"].tolist() == ["2014-01-16", "1976-05-07"]
