"""Graph integrity checks run by ``misgen validate``: plain Python, no networkx, no classifier.

Three invariants: ``subtype-of`` has no cycle; no node is an orphan (nothing refers to it and
it refers to nothing); every case is reachable from each of its curated labels (walking the
``curated-as`` and ``subtype-of`` edges backwards from the label reaches the case).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from misgen.graph.model import Edge, collect, node_id, split_id
from misgen.problems import Problem

if TYPE_CHECKING:
    from misgen.kb import KnowledgeBase

_MEMBERSHIP = frozenset({"curated-as", "subtype-of"})


def integrity_problems(kb: KnowledgeBase) -> list[Problem]:
    """Check the relation graph of ``kb``; an empty list means it is sound.

    >>> from misgen.kb import load
    >>> from misgen.root import find_root
    >>> problems = integrity_problems(load(find_root()))
    >>> all(p.message and p.hint for p in problems)
    True
    """
    parts = collect(kb)
    return graph_problems(
        parts.nodes,
        parts.edges,
        curated={
            node_id("case", cid): [node_id("label", lab) for lab in case.curated.labels]
            for cid, case in kb.cases.items()
        },
        referenced=parts.referenced,
    )


def graph_problems(
    nodes: Mapping[str, Mapping[str, Any]],
    edges: Iterable[Edge],
    curated: Mapping[str, list[str]] | None = None,
    referenced: Iterable[str] = (),
) -> list[Problem]:
    """The checks on any node and edge lists (what :func:`integrity_problems` feeds them).

    ``curated`` maps a case node to the label nodes it must be reachable from (by default
    the targets of its ``curated-as`` edges); ``referenced`` names nodes the data refers to
    from outside the graph (a relation's sources, a caveat's signals): not orphans.
    """
    edges = list(edges)
    problems = _cycles(nodes, [e for e in edges if e.type == "subtype-of"])
    problems += _orphans(nodes, edges, set(referenced))
    problems += _unreachable(nodes, edges, curated)
    return sorted(problems)


def _where(nodes: Mapping[str, Mapping[str, Any]], nid: str) -> tuple[str, str]:
    kind, ref = split_id(nid)
    return str(nodes.get(nid, {}).get("file", kind)), ref


def _cycles(nodes: Mapping[str, Mapping[str, Any]], edges: list[Edge]) -> list[Problem]:
    parent: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        parent[e.source].append(e.target)
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    found: list[Problem] = []
    for start in sorted(parent):
        if start in state:
            continue
        path = [start]
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(parent[start])))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(child) == 1:
                loop = path[path.index(child) :] + [child]
                file, ref = _where(nodes, child)
                found.append(
                    Problem(
                        file,
                        None,
                        None,
                        ref,
                        "subtype-of forms a cycle: " + " -> ".join(loop),
                        "a subtype must sit under exactly one label, never under itself",
                    )
                )
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(parent.get(child, [])))))
    return found


def _orphans(
    nodes: Mapping[str, Mapping[str, Any]], edges: list[Edge], referenced: set[str]
) -> list[Problem]:
    touched = set(referenced)
    for e in edges:
        touched.add(e.source)
        touched.add(e.target)
    found = []
    for nid in sorted(set(nodes) - touched):
        kind, _ = split_id(nid)
        file, ref = _where(nodes, nid)
        found.append(
            Problem(
                file,
                None,
                None,
                ref,
                f"{kind} '{ref}' is an orphan: nothing refers to it and it refers to nothing",
                "connect it (cite it, use it, link it) or remove it",
            )
        )
    return found


def _unreachable(
    nodes: Mapping[str, Mapping[str, Any]],
    edges: list[Edge],
    curated: Mapping[str, list[str]] | None,
) -> list[Problem]:
    up: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        if e.type in _MEMBERSHIP:
            up[e.source].append(e.target)
    if curated is None:
        curated = {e.source: [] for e in edges if e.type == "curated-as"}
        for e in edges:
            if e.type == "curated-as" and split_id(e.target)[0] == "label":
                curated[e.source].append(e.target)
    found = []
    for case in sorted(curated):
        seen, frontier = {case}, [case]
        while frontier:  # tiny: a case reaches its labels and subtype, a subtype its label
            nxt = [t for n in frontier for t in up.get(n, ()) if t not in seen]
            seen.update(nxt)
            frontier = nxt
        for label in curated[case]:
            if label not in seen or label not in nodes:
                file, ref = _where(nodes, case)
                found.append(
                    Problem(
                        file,
                        None,
                        None,
                        "curated.labels",
                        f"case '{ref}' is not reachable from its label '{split_id(label)[1]}'",
                        "the label must exist in taxonomy/labels.yaml",
                    )
                )
    return found
