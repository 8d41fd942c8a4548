"""The views the command draws: a focus neighbourhood, a kind filter, and render order."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from misgen.graph.model import EDGE_TYPES, KINDS
from misgen.graph.style import sort_key
from misgen.problems import UsageError

if TYPE_CHECKING:
    import networkx as nx  # type: ignore[import-untyped,unused-ignore]

#: taxonomy hubs: reached, drawn, never walked through (pitfalls item 9: walking through a
#: label turns a 2-step neighbourhood of ~20 nodes into ~2,000)
HUB_KINDS = frozenset({"label", "subtype"})
#: any other node with more neighbours than this is a hub too (a much-cited source, say)
HUB_DEGREE = 12
#: which kind wins when a bare id names several nodes (a case and a source may share a slug)
FOCUS_PRIORITY = ("case", "label", "subtype", "rule", "framework", "term", "signal", "source")


def resolve(graph: nx.MultiDiGraph, wanted: str) -> str:
    """The node a ``--focus`` argument names: ``kind:ref`` or a bare id (see FOCUS_PRIORITY)."""
    if wanted in graph:
        return wanted
    matches = {
        str(attrs["kind"]): str(nid)
        for nid, attrs in graph.nodes(data=True)
        if attrs["ref"] == wanted
    }
    for kind in FOCUS_PRIORITY:
        if kind in matches:
            return matches[kind]
    refs = sorted({str(attrs["ref"]) for _, attrs in graph.nodes(data=True)})
    close = difflib.get_close_matches(wanted, refs, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UsageError(
        f"--focus {wanted}: no such case, label, subtype, rule, signal, framework, term or source{hint}"
    )


def path_between(graph: nx.MultiDiGraph, start: str, end: str) -> nx.MultiDiGraph:
    """The shortest chain of relations from ``start`` to ``end``, edges read in either
    direction (networkx's breadth-first ``shortest_path`` on an undirected view, no copy),
    with every edge among the nodes on it. Labels and subtypes are stepped through only as
    the ends: a path through a label hub ("both are curated misspecification") says little,
    so hubs in the middle are avoided whenever another path exists.
    """
    import networkx as nx

    undirected = graph.to_undirected(as_view=True)
    hubs = {n for n, kind in graph.nodes(data="kind") if kind in ("label", "subtype")} - {start, end}
    try:
        nodes = nx.shortest_path(nx.restricted_view(undirected, hubs, []), start, end)
    except nx.NetworkXNoPath:
        try:
            nodes = nx.shortest_path(undirected, start, end)
        except nx.NetworkXNoPath:
            raise UsageError(f"no chain of relations joins {start} and {end}") from None
    sub = graph.subgraph(nodes).copy()
    for step, nid in enumerate(nodes):
        sub.nodes[nid]["distance"] = step
    sub.graph.update(focus=start, depth=len(nodes) - 1, path=list(nodes))
    return sub


def neighbourhood(graph: nx.MultiDiGraph, focus: str, depth: int) -> nx.MultiDiGraph:
    """The nodes within ``depth`` steps of ``focus`` (edges in either direction) and all edges among them.

    A bounded breadth-first search over the successor and predecessor views: no copy of
    the whole graph (``nx.ego_graph(undirected=True)`` makes one per call). Hubs (labels,
    subtypes, nodes with more than HUB_DEGREE neighbours) are included but not walked
    through unless they are the focus; ``hidden`` on a node counts its neighbours left out.
    Each node gets ``distance`` (and ``hub`` if it was not walked through); the graph gets
    ``focus`` and ``depth``.
    """
    distance = {focus: 0}
    frontier = [focus]
    # no path is longer than the node count, and the walk ends with its frontier: a depth of
    # 10**20 costs what the whole graph costs, not 10**20 empty steps
    for step in range(1, min(depth, graph.number_of_nodes()) + 1):
        if not frontier:
            break
        reached: list[str] = []
        for node in frontier:
            if node != focus and _is_hub(graph, node):
                continue
            for other in sorted(_neighbours(graph, node)):
                if other not in distance:
                    distance[other] = step
                    reached.append(other)
        frontier = reached
    sub = graph.subgraph(distance).copy()
    for node, dist in distance.items():
        attrs = sub.nodes[node]
        attrs["distance"] = dist
        if node != focus and _is_hub(graph, node):
            attrs["hub"] = True
        left_out = len(_neighbours(graph, node) - distance.keys())
        if left_out:
            attrs["hidden"] = left_out
    sub.graph.update(focus=focus, depth=depth)
    return sub


def _neighbours(graph: nx.MultiDiGraph, node: str) -> set[str]:
    return set(graph.succ[node]) | set(graph.pred[node])


def _is_hub(graph: nx.MultiDiGraph, node: str) -> bool:
    return graph.nodes[node]["kind"] in HUB_KINDS or len(_neighbours(graph, node)) > HUB_DEGREE


def check_kinds(kinds: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(kinds)
    unknown = sorted(chosen - set(KINDS))
    if unknown:
        raise UsageError(
            f"--kind {', '.join(unknown)}: unknown kind (choose from {', '.join(KINDS)})"
        )
    return chosen


def restrict(
    graph: nx.MultiDiGraph, kinds: frozenset[str], keep: str | None = None
) -> nx.MultiDiGraph:
    """Only the nodes of ``kinds`` (and ``keep``, the focus), with the edges among them."""
    nodes = [n for n, a in graph.nodes(data=True) if a["kind"] in kinds or n == keep]
    sub = graph.subgraph(nodes).copy()
    sub.graph.update(graph.graph)
    hidden = dict(graph.graph.get("not_shown", {}))  # restricting twice adds up
    for node, attrs in graph.nodes(data=True):
        if attrs["kind"] not in kinds and node != keep:
            hidden[attrs["kind"]] = hidden.get(attrs["kind"], 0) + 1
    sub.graph["not_shown"] = dict(sorted(hidden.items()))
    return sub


def ordered_nodes(graph: nx.MultiDiGraph) -> list[tuple[str, dict[str, Any]]]:
    """Nodes in render order: by kind, then taxonomy order, then id."""
    return sorted(graph.nodes(data=True), key=lambda item: (sort_key(item[1]), item[0]))


def ordered_edges(graph: nx.MultiDiGraph) -> list[tuple[str, str, dict[str, Any]]]:
    """Edges in render order: by type (legend order), then source, then target."""
    rank = {t: i for i, t in enumerate(EDGE_TYPES)}
    return sorted(
        ((u, v, d) for u, v, d in graph.edges(data=True)),
        key=lambda e: (rank.get(e[2]["type"], 99), e[0], e[1]),
    )


def count_phrase(graph: nx.MultiDiGraph) -> str:
    """``'5 labels, 14 subtypes, 1 case'``: the nodes of each kind, in kind order."""
    count = {k: 0 for k in KINDS}
    for _, attrs in graph.nodes(data=True):
        count[attrs["kind"]] = count.get(attrs["kind"], 0) + 1
    return ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in count.items() if n)


def home(nodes: Any, case: str) -> str | None:
    """The node a case is drawn under: its curated subtype if present, else its primary label.

    ``nodes`` is ``graph.nodes`` or any mapping of node id to attributes.
    """
    attrs = nodes[case]
    sub, lab = f"subtype:{attrs.get('subtype')}", f"label:{attrs.get('curated')}"
    if sub in nodes and nodes[sub].get("label") == attrs.get("curated"):
        return sub
    return lab if lab in nodes else None
