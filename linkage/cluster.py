"""Connected components over accepted links (union-find: linear, no SQL dialect involved)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


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
