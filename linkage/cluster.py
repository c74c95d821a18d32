"""Connected components over accepted links (union-find: linear, no SQL dialect involved)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd


def connected_components(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Map every node to its component's label (the component's smallest node id).

    Splink's own cluster ids are the same kind of label: handy within one run, NOT a stable identifier.
    """
    parent: dict[str, str] = {n: n for n in nodes}

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for a, b in edges:
        if a not in parent or b not in parent:
            raise KeyError(f"edge ({a}, {b}) refers to an unknown node")
        ra, rb = find(a), find(b)
        if ra != rb:
            # keep the smaller id as root so labels are deterministic
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    return {n: find(n) for n in parent}


# --- Components that never join two records known to be different people ---------------------------------
#
# Pairwise scores are local: a child's row carrying a parent's number can score as the parent (same number,
# phone, household) and as the child (same name and birth date), and plain connected components then chain
# parent and child into one person. Components are therefore grown edge by edge, strongest first, and an
# edge is refused when it would join two components holding a pair that cannot be one person:
#
# * two valid numbers whose birth parts differ, each matching its own record's birth date (a re-issued
#   number keeps the birth date; a mistyped digit breaks the check character, so both numbers are real and
#   each is its holder's own);
# * name, birth date and gender all disagreeing (no one-character name difference, no birth-date typo
#   pattern or date within two calendar months, both genders known and different).
#
# These rules come from how numbers are issued and how typing errors look, not from weights: they hold for
# any city's error mix. Prior identifiers' memberships (must-links) are applied first and never refused, so
# an existing identifier is never split by an incremental run (relink_all re-decides everything).


@dataclass(frozen=True, slots=True)  # slots: one of each per distinct record (millions at city scale)
class Profile:
    name: str | None
    pinyin: str | None
    dob: str | None  # ISO YYYY-MM-DD
    gender: str | None


@dataclass(frozen=True, slots=True)
class NodeFacts:
    anchored_birth: str | None  # birth part of a valid number that agrees with the record's own birth date
    profile: Profile


def node_facts(distinct: pd.DataFrame) -> dict[str, NodeFacts]:
    """Per distinct record: the facts the incompatibility rules look at (model columns of collapse.py)."""

    def text(col: str) -> list[str | None]:
        values = distinct[col].astype("string")
        return [None if pd.isna(v) else str(v) for v in values]

    ids, dobs = text("id_number"), text("dob")
    valid = distinct["id_is_valid"].fillna(False).astype(bool).tolist()
    names, pinyins, genders = text("name"), text("name_pinyin"), text("gender")
    facts: dict[str, NodeFacts] = {}
    for i, node in enumerate(distinct["distinct_id"].astype(str)):
        ident, dob = ids[i], dobs[i]
        anchored = None
        if valid[i] and ident is not None and len(ident) == 18 and dob is not None:
            birth = ident[6:14]
            if dob.replace("-", "") == birth:
                anchored = birth
        facts[node] = NodeFacts(anchored, Profile(names[i], pinyins[i], dob, genders[i]))
    return facts


def _within_one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _names_disagree(a: Profile, b: Profile) -> bool:
    if a.name is None or b.name is None:
        return False
    if a.pinyin is not None and a.pinyin == b.pinyin:
        return False
    return not _within_one_edit(a.name, b.name)


def _dates_disagree(a: str | None, b: str | None) -> bool:
    """Neither equal nor a typing error of each other (day/month swapped, one of year/month/day off, within
    two calendar months)."""
    if a is None or b is None or a == b:
        return False
    ya, ma, da = a[0:4], a[5:7], a[8:10]
    yb, mb, db = b[0:4], b[5:7], b[8:10]
    if ma == db and da == mb:
        return False
    if sum((ya == yb, ma == mb, da == db)) >= 2:
        return False
    try:  # within two calendar months: a shifted day, a lunar birthday written as a solar one
        return abs((int(ya) * 12 + int(ma)) - (int(yb) * 12 + int(mb))) > 2
    except ValueError:
        return True


def profiles_incompatible(a: Profile, b: Profile) -> bool:
    """Name AND birth date AND gender all disagree: never one person."""
    return (
        a.gender is not None
        and b.gender is not None
        and a.gender != b.gender
        and _dates_disagree(a.dob, b.dob)
        and _names_disagree(a, b)
    )


class _Component:
    __slots__ = ("births", "profiles")

    def __init__(self, facts: NodeFacts | None) -> None:
        self.births: set[str] = set()
        self.profiles: set[Profile] = set()
        if facts is not None:
            if facts.anchored_birth is not None:
                self.births.add(facts.anchored_birth)
            self.profiles.add(facts.profile)

    def conflicts_with(self, other: _Component) -> bool:
        if self.births and other.births and len(self.births | other.births) > 1:
            return True
        if len(self.profiles) * len(other.profiles) > MAX_PROFILE_CHECKS:
            return False  # pathological component: do not stall on it (logged by the caller's counts)
        return any(profiles_incompatible(a, b) for a in self.profiles for b in other.profiles)

    def absorb(self, other: _Component) -> None:
        self.births |= other.births
        self.profiles |= other.profiles


MAX_PROFILE_CHECKS = 250_000


@dataclass
class ConstrainedComponents:
    labels: dict[str, str]  # node -> component label (smallest node id of the component)
    refused: list[tuple[str, str]] = field(default_factory=list)  # links not followed (would join two people)


def constrained_components(
    nodes: Sequence[str],
    must_links: Iterable[tuple[str, str]],
    links: Iterable[tuple[str, str, float]],
    facts: Mapping[str, NodeFacts],
) -> ConstrainedComponents:
    """Components over must-links (always followed) and weighted links (strongest first, refused when the
    two components hold records that cannot be one person). Deterministic: ties broken by node ids."""
    parent: dict[str, str] = {n: n for n in nodes}
    # A component's facts are built when it first takes part in a union: a record never linked needs none.
    comp: dict[str, _Component] = {}

    def component(root: str) -> _Component:
        found = comp.get(root)
        if found is None:
            found = comp[root] = _Component(facts.get(root))
        return found

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(ra: str, rb: str) -> None:
        if rb < ra:
            ra, rb = rb, ra
        parent[rb] = ra
        component(ra).absorb(comp.pop(rb, None) or _Component(facts.get(rb)))

    for a, b in must_links:
        if a not in parent or b not in parent:
            raise KeyError(f"edge ({a}, {b}) refers to an unknown node")
        ra, rb = find(a), find(b)
        if ra != rb:
            union(ra, rb)
    refused: list[tuple[str, str]] = []
    ordered = sorted(links, key=lambda e: (-e[2], min(e[0], e[1]), max(e[0], e[1])))
    for a, b, _weight in ordered:
        if a not in parent or b not in parent:
            raise KeyError(f"edge ({a}, {b}) refers to an unknown node")
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        if component(ra).conflicts_with(component(rb)):
            refused.append((a, b))
            continue
        union(ra, rb)
    return ConstrainedComponents(labels={n: find(n) for n in parent}, refused=refused)
