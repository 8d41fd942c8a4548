"""The terminal rendering: a rich tree.

Whole graph: label -> subtype -> cases (each with its classifier verdict and links), the
taxonomy relations under their source, framework terms with their mappings, then any
other kinds present, one section each. Focus: a breadth-first tree from the focus node,
each child prefixed by the edge types that join it to its parent (``<-`` when the edge
points at the parent). Data text goes through :func:`misgen.output.clean` and into
``rich.text.Text`` objects, never into markup, so a title cannot style or break the output.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from rich.text import Text
from rich.tree import Tree

from misgen.graph.focus import count_phrase, home, ordered_nodes
from misgen.graph.model import CASE_LINKS, KINDS, TAXONOMY_RELATIONS
from misgen.output import clean

if TYPE_CHECKING:
    import networkx as nx  # type: ignore[import-untyped,unused-ignore]


def render_text(graph: nx.MultiDiGraph, width: int = 100) -> str:
    """The tree as plain text at a fixed width (what ``-o FILE`` writes and tests compare)."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system=None,
        force_terminal=False,
        no_color=True,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )
    console.print(text_tree(graph))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def text_tree(graph: nx.MultiDiGraph) -> Tree:
    """The rich tree (printed to the terminal by ``misgen graph``)."""
    if "focus" in graph.graph:
        return _focus_tree(graph)
    return _overview_tree(graph)


def _name(attrs: dict[str, Any], bold: bool = False) -> Text:
    text = Text(f"{attrs['kind']} ", style="dim")
    text.append(clean(attrs["ref"]), style="bold" if bold else "")
    if attrs["name"] != attrs["ref"]:
        text.append(
            f"  {clean(attrs['name'])}", style="dim" if attrs["kind"] in ("case", "source") else ""
        )
    return text


def _overview_tree(graph: nx.MultiDiGraph) -> Tree:
    nodes = dict(ordered_nodes(graph))
    root = Tree(Text(f"misgen relation graph: {count_phrase(graph)}", style="bold"))
    placed: set[str] = set()
    for lab, attrs in nodes.items():
        if attrs["kind"] != "label":
            continue
        branch = root.add(_name(attrs, bold=True))
        placed.add(lab)
        _relations(graph, lab, branch)
        _cases(
            graph, nodes, [n for n in graph.pred[lab] if _is_home(graph, n, lab)], branch, placed
        )
        for sub in (
            n for n, a in nodes.items() if a["kind"] == "subtype" and a.get("label") == attrs["ref"]
        ):
            twig = branch.add(_name(nodes[sub]))
            placed.add(sub)
            _relations(graph, sub, twig)
            _cases(
                graph, nodes, [n for n in graph.pred[sub] if _is_home(graph, n, sub)], twig, placed
            )
    frameworks = [n for n, a in nodes.items() if a["kind"] == "framework"]
    for fw in frameworks:
        branch = root.add(_name(nodes[fw], bold=True))
        placed.add(fw)
        for term in (t for t in nodes if nodes[t]["kind"] == "term" and t in graph.succ[fw]):
            placed.add(term)
            _outgoing(graph, term, branch.add(_name(nodes[term])), ("maps-to",))
    rest = [n for n in nodes if n not in placed]
    for kind in KINDS:
        members = [n for n in rest if nodes[n]["kind"] == kind]
        if members:
            section = root.add(Text(f"{kind}s ({len(members)})", style="bold"))
            for n in members:
                _outgoing(graph, n, section.add(_name(nodes[n])), None)
    hidden = graph.graph.get("not_shown", {})
    if hidden:
        root.add(
            Text(
                "not shown: "
                + ", ".join(f"{v} {k}s" for k, v in sorted(hidden.items()))
                + " (use --focus ID or --kind)",
                style="dim",
            )
        )
    return root


def _is_home(graph: nx.MultiDiGraph, case: str, node: str) -> bool:
    return graph.nodes[case]["kind"] == "case" and home(graph.nodes, case) == node


def _relations(graph: nx.MultiDiGraph, node: str, branch: Tree) -> None:
    for _, target, d in sorted(
        graph.out_edges(node, data=True), key=lambda e: (e[2]["type"], e[1])
    ):
        if d["type"] in TAXONOMY_RELATIONS:
            text = Text(f"{d['type']} → ", style="italic")
            text.append(clean(graph.nodes[target]["ref"]))
            branch.add(text)


def _cases(
    graph: nx.MultiDiGraph,
    nodes: dict[str, dict[str, Any]],
    cases: list[str],
    branch: Tree,
    placed: set[str],
) -> None:
    for case in sorted(cases):
        attrs = nodes[case]
        placed.add(case)
        text = Text(clean(attrs["ref"]), style="bold")
        secondary = attrs.get("secondary") or []
        if secondary:
            text.append(f" +{','.join(secondary)}")
        verdict = attrs.get("classified")
        if "classified" in attrs:
            agrees = verdict == attrs.get("curated")
            text.append(
                f"  classifier: {verdict or 'undetermined'}", style="green" if agrees else "yellow"
            )
        twig = branch.add(text)
        _outgoing(graph, case, twig, CASE_LINKS)


def _outgoing(
    graph: nx.MultiDiGraph, node: str, branch: Tree, types: tuple[str, ...] | None
) -> None:
    for _, target, d in sorted(
        graph.out_edges(node, data=True), key=lambda e: (e[2]["type"], e[1])
    ):
        if types is None or d["type"] in types:
            text = Text(
                f"{d['type']}" + (f" ({d['fit']})" if d.get("fit") else "") + " → ", style="italic"
            )
            text.append(clean(graph.nodes[target]["ref"]))
            branch.add(text)


def _focus_tree(graph: nx.MultiDiGraph) -> Tree:
    focus = graph.graph["focus"]
    nodes = dict(graph.nodes(data=True))
    root = Tree(_with_hidden(_name(nodes[focus], bold=True), nodes[focus]))
    seen = {focus}
    frontier = [(focus, root)]
    while frontier:
        nxt = []
        for node, branch in frontier:
            if nodes[node].get(
                "hub"
            ):  # reached, not walked through: its neighbours came another way
                continue
            step = int(nodes[node].get("distance", 0)) + 1
            neighbours = sorted(
                (set(graph.succ[node]) | set(graph.pred[node])) - seen,
                key=lambda n: (KINDS.index(nodes[n]["kind"]), n),
            )
            for other in neighbours:
                if int(nodes[other].get("distance", step)) != step:
                    continue
                seen.add(other)
                label = Text(_joins(graph, node, other), style="italic")
                label.append(" ")
                label.append_text(_with_hidden(_name(nodes[other]), nodes[other]))
                nxt.append((other, branch.add(label)))
        frontier = nxt
    return root


def _joins(graph: nx.MultiDiGraph, parent: str, child: str) -> str:
    out = [
        f"{d['type']}" + (f" ({d['fit']})" if d.get("fit") else "") + " →"
        for d in sorted(
            graph.get_edge_data(parent, child, default={}).values(), key=lambda d: d["type"]
        )
    ]
    out += [
        f"← {d['type']}"
        for d in sorted(
            graph.get_edge_data(child, parent, default={}).values(), key=lambda d: d["type"]
        )
    ]
    return ", ".join(out)


def _with_hidden(text: Text, attrs: dict[str, Any]) -> Text:
    if attrs.get("hidden"):
        text.append(f"  (+{attrs['hidden']} not shown)", style="dim")
    return text
