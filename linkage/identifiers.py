"""Stable insurance identifiers (参保标识) on top of per-run clusters.

Rules (contract README): identifiers are never reused; when clusters holding two identifiers merge, the older
(smaller number: numbers are issued in sequence) survives and the other becomes its alias; when an identifier's
records split, the part with the most distinct records keeps it (tie: the part holding the earliest-seen
record) and the other parts get new identifiers that are `split_from` it. Every change is an event.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

PREFIX = "CB"
DIGITS = 12


def format_identifier(number: int) -> str:
    if not 0 < number < 10**DIGITS:
        raise ValueError(f"identifier number out of range: {number}")
    return f"{PREFIX}{number:0{DIGITS}d}"


def identifier_number(identifier: str) -> int:
    if not (identifier.startswith(PREFIX) and len(identifier) == len(PREFIX) + DIGITS):
        raise ValueError(f"not an identifier: {identifier!r}")
    return int(identifier[len(PREFIX) :])


@dataclass(frozen=True)
class Event:
    identifier: str
    event: str  # created / merged_into / split_from
    other_identifier: str | None


@dataclass(frozen=True)
class Assignment:
    identifiers: dict[str, str]  # node (distinct record) -> active identifier
    events: list[Event]
    next_number: int


def assign(
    clusters: Mapping[str, str],
    previous: Mapping[str, str],
    next_number: int,
    seen_order: Mapping[str, tuple] | None = None,
) -> Assignment:
    """Give every cluster an identifier, keeping previous identifiers stable.

    clusters: node -> cluster label (this run); previous: node -> active identifier before this run (nodes
    seen before); next_number: first unused identifier number; seen_order: node -> sortable key of when the
    node was first seen (default: node id), used for tie-breaks so results are deterministic.
    """
    order = seen_order or {}

    def seen_key(node: str) -> tuple:
        return (*order.get(node, ()), node)

    members: dict[str, list[str]] = defaultdict(list)
    for node, label in clusters.items():
        members[label].append(node)

    # Which cluster keeps each previous identifier: the one holding most of its nodes.
    parts: dict[str, Counter[str]] = defaultdict(Counter)
    earliest: dict[tuple[str, str], tuple] = {}
    for node, ident in previous.items():
        label = clusters.get(node)
        if label is None:
            continue  # a node outside this run's scope keeps its identifier untouched
        parts[ident][label] += 1
        key = (ident, label)
        earliest[key] = min(earliest.get(key, seen_key(node)), seen_key(node))
    keeper: dict[str, str] = {}
    for ident, counter in parts.items():
        keeper[ident] = min(counter, key=lambda lab, i=ident, c=counter: (-c[lab], earliest[(i, lab)]))

    kept_by: dict[str, list[str]] = defaultdict(list)
    for ident, label in keeper.items():
        kept_by[label].append(ident)

    events: list[Event] = []
    result: dict[str, str] = {}
    number = next_number
    # Deterministic numbering of new identifiers: clusters in order of their earliest-seen node.
    for label in sorted(members, key=lambda lab: min(seen_key(n) for n in members[lab])):
        nodes = members[label]
        kept = sorted(kept_by.get(label, []), key=identifier_number)
        if kept:
            ident = kept[0]
            for other in kept[1:]:
                events.append(Event(other, "merged_into", ident))
        else:
            ident = format_identifier(number)
            number += 1
            sources = sorted({previous[n] for n in nodes if n in previous}, key=identifier_number)
            events.append(Event(ident, "created", None))
            events.extend(Event(ident, "split_from", src) for src in sources)
        for n in nodes:
            result[n] = ident
    return Assignment(identifiers=result, events=events, next_number=number)
