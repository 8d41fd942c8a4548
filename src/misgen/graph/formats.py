"""Text formats for other tools: Mermaid (GitHub, MkDocs), DOT (Graphviz) and node-link JSON.

Each escapes data for its own syntax: Mermaid labels use ``#code;`` entities and node ids
built only from validated ASCII ids; DOT strings are quoted with backslash escapes; JSON
is JSON. Output is sorted, so the same data gives byte-identical text.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from misgen.graph.focus import home, ordered_edges, ordered_nodes
from misgen.graph.model import KINDS, SYMMETRIC
from misgen.graph.style import (
    EDGE_STYLES,
    FIT_DASH,
    NODE_STYLES,
    dot_quote,
    label_colours,
    mermaid_id,
    mermaid_text,
)

if TYPE_CHECKING:
    import networkx as nx  # type: ignore[import-untyped,unused-ignore]

JSON_FORMAT, JSON_VERSION = "misgen-graph", 1

_MERMAID_SHAPES = {
    "stadium": ('(["', '"])'),
    "round": ('("', '")'),
    "box": ('["', '"]'),
    "hexagon": ('{{"', '"}}'),
    "cylinder": ('[("', '")]'),
    "note": ('>"', '"]'),
    "parallelogram": ('[/"', '"/]'),
}


def _display(attrs: dict[str, Any]) -> str:
    return str(
        attrs["name"]
        if attrs["kind"] in ("label", "subtype", "framework", "term")
        else attrs["ref"]
    )


# --------------------------------------------------------------------------- mermaid


def render_mermaid(graph: nx.MultiDiGraph) -> str:
    """A Mermaid ``flowchart``. Without a focus, cases sit in one subgraph per curated label,
    so the ``curated-as`` (primary) and ``subtype-of`` edges are implied rather than drawn,
    and ``classified-as`` is drawn only where the classifier disagrees; this keeps the full
    case base under Mermaid's default limit of 500 edges.

    >>> render_mermaid(__import__("networkx").MultiDiGraph()).splitlines()[0]
    'flowchart LR'
    """
    focused = "focus" in graph.graph
    nodes = ordered_nodes(graph)
    lines = ["flowchart LR"]
    groups = {} if focused else _mermaid_groups(graph, nodes)
    for nid, attrs in nodes:
        if nid not in groups:
            lines.append("    " + _mermaid_node(nid, attrs))
    for nid, attrs in nodes:
        if attrs["kind"] == "label" and nid in groups:
            lines += _mermaid_group(graph, nid, groups, nodes)
    styles: dict[str, list[int]] = defaultdict(list)
    count = 0
    for u, v, d in ordered_edges(graph):
        kind = d["type"]
        if _implied(graph, groups, u, v, d):
            continue
        arrow = "---" if kind in SYMMETRIC else "-->"
        lines.append(f"    {mermaid_id(u)} {arrow}|{mermaid_text(kind)}| {mermaid_id(v)}")
        styles[kind if kind != "maps-to" else f"maps-to:{d.get('fit')}"].append(count)
        count += 1
    for kind in KINDS:
        members = [mermaid_id(n) for n, a in nodes if a["kind"] == kind]
        if members:
            st = NODE_STYLES[kind]
            lines.append(f"    classDef {kind} fill:{st.fill},stroke:{st.stroke},color:#1F2328")
            lines.append(f"    class {','.join(members)} {kind}")
    colours = label_colours(graph)
    for nid, attrs in nodes:
        if attrs["kind"] == "label":
            lines.append(
                f"    style {mermaid_id(nid)} fill:{colours[attrs['ref']]},stroke:{colours[attrs['ref']]},color:#FFFFFF"
            )
    for key, indices in sorted(styles.items()):
        kind, _, fit = key.partition(":")
        edge_style = EDGE_STYLES[kind]
        dash = FIT_DASH.get(fit, "") if kind == "maps-to" else edge_style.dash
        extra = f",stroke-dasharray:{dash}" if dash else ""
        lines.append(
            f"    linkStyle {','.join(map(str, indices))} stroke:{edge_style.colour},"
            f"stroke-width:{edge_style.width}px{extra}"
        )
    return "\n".join(lines) + "\n"


def _implied(
    graph: nx.MultiDiGraph, groups: dict[str, str], u: str, v: str, d: dict[str, Any]
) -> bool:
    """Whether the subgraph nesting already shows this edge."""
    kind, home = d["type"], groups.get(u)
    if home is None:
        return False
    if kind == "subtype-of":
        return v in groups
    if kind == "curated-as" and d.get("role") in ("primary", "subtype"):
        return home == v or (
            d.get("role") == "primary" and graph.nodes[home].get("label") == graph.nodes[v]["ref"]
        )
    return kind == "classified-as" and bool(d.get("agrees"))


def _mermaid_node(nid: str, attrs: dict[str, Any]) -> str:
    open_, close = _MERMAID_SHAPES[NODE_STYLES[attrs["kind"]].shape]
    return f"{mermaid_id(nid)}{open_}{mermaid_text(_display(attrs))}{close}"


def _mermaid_groups(
    graph: nx.MultiDiGraph, nodes: list[tuple[str, dict[str, Any]]]
) -> dict[str, str]:
    """Node -> the label or subtype whose subgraph holds it (labels hold themselves)."""
    groups: dict[str, str] = {}
    for nid, attrs in nodes:
        kind = attrs["kind"]
        if kind == "label" or kind == "subtype" and f"label:{attrs['label']}" in graph:
            groups[nid] = nid
        elif kind == "case" and (where := home(graph.nodes, nid)) is not None:
            groups[nid] = where
    return {
        n: g for n, g in groups.items() if g in groups
    }  # a subtype without its label holds no one


def _mermaid_group(
    graph: nx.MultiDiGraph,
    label: str,
    groups: dict[str, str],
    nodes: list[tuple[str, dict[str, Any]]],
) -> list[str]:
    """``subgraph`` blocks: a label with its own cases, then one nested block per subtype."""
    ref = graph.nodes[label]["ref"]
    out = [
        f'    subgraph group__{mermaid_id(label)}["{mermaid_text(graph.nodes[label]["name"])}"]',
        "        " + _mermaid_node(label, graph.nodes[label]),
    ]
    out += [
        "        " + _mermaid_node(n, a)
        for n, a in nodes
        if a["kind"] == "case" and groups.get(n) == label
    ]
    for sub, attrs in nodes:
        if attrs["kind"] == "subtype" and attrs.get("label") == ref and sub in groups:
            out.append(
                f'        subgraph group__{mermaid_id(sub)}["{mermaid_text(attrs["name"])}"]'
            )
            out.append("            " + _mermaid_node(sub, attrs))
            out += [
                "            " + _mermaid_node(n, a)
                for n, a in nodes
                if a["kind"] == "case" and groups.get(n) == sub
            ]
            out.append("        end")
    out.append("    end")
    return out


# --------------------------------------------------------------------------- dot

_DOT_SHAPES = {
    "stadium": "box",
    "round": "box",
    "box": "box",
    "hexagon": "hexagon",
    "cylinder": "cylinder",
    "note": "note",
    "parallelogram": "parallelogram",
}


def render_dot(graph: nx.MultiDiGraph) -> str:
    """A Graphviz ``digraph``; node ids are the graph ids, every string is quoted and escaped."""
    colours = label_colours(graph)
    out = [
        "digraph misgen {",
        '    graph [rankdir=LR, fontname="Helvetica", fontsize=11, overlap=false, splines=true];',
        '    node [fontname="Helvetica", fontsize=10, style="filled,rounded", shape=box];',
        '    edge [fontname="Helvetica", fontsize=9];',
    ]
    focus = graph.graph.get("focus")
    for nid, attrs in ordered_nodes(graph):
        st = NODE_STYLES[attrs["kind"]]
        fill, font = st.fill, "#1F2328"
        if attrs["kind"] == "label":
            fill, font = colours[attrs["ref"]], "#FFFFFF"
        tooltip = f"{attrs['kind']} {attrs['ref']}: {attrs['name']}"
        extra = ", penwidth=2.5" if nid == focus else ""
        out.append(
            f"    {dot_quote(nid)} [label={dot_quote(_display(attrs))}, tooltip={dot_quote(tooltip)}, "
            f"shape={_DOT_SHAPES[st.shape]}, fillcolor={dot_quote(fill)}, color={dot_quote(st.stroke)}, "
            f"fontcolor={dot_quote(font)}, class={dot_quote(attrs['kind'])}{extra}];"
        )
    for u, v, d in ordered_edges(graph):
        edge_style = EDGE_STYLES[d["type"]]
        dash = FIT_DASH.get(str(d.get("fit")), "") if d["type"] == "maps-to" else edge_style.dash
        style = "solid" if not dash else "dotted" if dash.startswith(("1 ", "2 ")) else "dashed"
        arrow = ", dir=none" if d["type"] in SYMMETRIC else ""
        label = f"{d['type']} ({d['fit']})" if d.get("fit") else d["type"]
        out.append(
            f"    {dot_quote(u)} -> {dot_quote(v)} [class={dot_quote(d['type'])}, tooltip={dot_quote(label)}, "
            f"color={dot_quote(edge_style.colour)}, style={style}{arrow}];"
        )
    out.append("}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- json


def node_link(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """The node-link document (also readable by ``networkx.node_link_graph(data, edges="links")``)."""
    nodes = [
        {
            "id": nid,
            "kind": attrs["kind"],
            **{k: v for k, v in sorted(attrs.items()) if k != "kind"},
        }
        for nid, attrs in ordered_nodes(graph)
    ]
    links = [
        {
            "source": u,
            "target": v,
            "type": d["type"],
            "key": d["type"],
            **{k: val for k, val in sorted(d.items()) if k != "type"},
        }
        for u, v, d in ordered_edges(graph)
    ]
    meta = {"format": JSON_FORMAT, "version": JSON_VERSION}
    meta.update({k: graph.graph[k] for k in ("focus", "depth") if k in graph.graph})
    return {
        "schema_version": JSON_VERSION,  # as every misgen JSON envelope; networkx ignores it
        "directed": True,
        "multigraph": True,
        "graph": meta,
        "nodes": nodes,
        "links": links,
    }


def render_json(graph: nx.MultiDiGraph) -> str:
    from misgen.output import json_text

    return json_text(node_link(graph))
