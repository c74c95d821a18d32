import pytest

from linkage.cluster import connected_components
from linkage.identifiers import Event, assign, format_identifier, identifier_number


def test_format_roundtrip():
    assert format_identifier(7) == "CB000000000007"
    assert identifier_number("CB000000000123") == 123
    with pytest.raises(ValueError):
        identifier_number("XX000000000123")


def test_connected_components_labels_by_smallest_node():
    comps = connected_components(["d", "a", "c", "b", "e"], [("d", "c"), ("c", "a"), ("e", "e")])
    assert comps == {"a": "a", "c": "a", "d": "a", "b": "b", "e": "e"}
    with pytest.raises(KeyError):
        connected_components(["a"], [("a", "z")])


def test_first_run_creates_in_order():
    res = assign({"a": "a", "b": "a", "c": "c"}, previous={}, next_number=1)
    assert res.identifiers == {"a": "CB000000000001", "b": "CB000000000001", "c": "CB000000000002"}
    assert res.events == [Event("CB000000000001", "created", None), Event("CB000000000002", "created", None)]
    assert res.next_number == 3


def test_existing_identifiers_are_kept_and_new_nodes_join():
    prev = {"a": "CB000000000005", "c": "CB000000000002"}
    res = assign({"a": "a", "b": "a", "c": "c", "z": "z"}, prev, next_number=9)
    assert res.identifiers == {
        "a": "CB000000000005",
        "b": "CB000000000005",
        "c": "CB000000000002",
        "z": "CB000000000009",
    }
    assert res.events == [Event("CB000000000009", "created", None)]


def test_merge_keeps_older_and_aliases_newer():
    prev = {"a": "CB000000000007", "b": "CB000000000003"}
    res = assign({"a": "a", "b": "a", "n": "a"}, prev, next_number=10)
    assert set(res.identifiers.values()) == {"CB000000000003"}
    assert res.events == [Event("CB000000000007", "merged_into", "CB000000000003")]
    assert res.next_number == 10  # nothing issued


def test_split_larger_part_keeps_and_never_reuses():
    prev = {"a": "CB000000000004", "b": "CB000000000004", "c": "CB000000000004"}
    res = assign({"a": "a", "b": "b", "c": "b"}, prev, next_number=20)
    assert res.identifiers["b"] == res.identifiers["c"] == "CB000000000004"
    assert res.identifiers["a"] == "CB000000000020"
    assert res.events == [
        Event("CB000000000020", "created", None),
        Event("CB000000000020", "split_from", "CB000000000004"),
    ]


def test_split_tie_goes_to_part_with_earliest_seen_record():
    prev = {"a": "CB000000000001", "b": "CB000000000001"}
    order = {"a": ("2015-02",), "b": ("2015-01",)}
    res = assign({"a": "a", "b": "b"}, prev, next_number=2, seen_order=order)
    assert res.identifiers == {"b": "CB000000000001", "a": "CB000000000002"}


def test_assign_is_deterministic_under_input_order():
    clusters = {"x": "x", "y": "y", "w": "w"}
    r1 = assign(clusters, {}, 1)
    r2 = assign(dict(reversed(list(clusters.items()))), {}, 1)
    assert r1 == r2
    assert r1.identifiers["w"] == "CB000000000001"
