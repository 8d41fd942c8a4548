"""SVG rendering with no system dependency: the layout is computed here, in pure Python.

Two layouts:

* the **overview** (:mod:`misgen.graph.svg_overview`) for the whole case base: taxonomy,
  framework terms and cases in label bands;
* the **layered** drawing below for a focus neighbourhood (columns by distance from the
  focus) or any graph holding signals, rules or sources (columns by kind). Every edge is
  drawn, coloured and dashed by type; a legend lists the node and edge kinds present.

Every node is a ``<g>`` with an ``id`` and a ``<title>`` tooltip carrying its graph id.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from misgen.graph.canvas import Canvas, Legend, M, dom_id, p
from misgen.graph.focus import count_phrase
from misgen.graph.model import EDGE_TYPES, KINDS, OVERVIEW_KINDS
from misgen.graph.style import (
    EDGE_STYLES,
    FIT_DASH,
    INK,
    MUTED,
    NODE_STYLES,
    label_colours,
    sort_key,
    tint,
)
from misgen.graph.svg_overview import render_overview

if TYPE_CHECKING:
    import networkx as nx  # type: ignore[import-untyped,unused-ignore]

NW, NH, VGAP = 230, 24, 9  # node box
COL_GAP, SUB_GAP = 190, 60  # between layers, between the sub-columns of a long layer
MAX_ROWS = 22  # a layer taller than this wraps into sub-columns
DISPLAY_NAME = frozenset({"label", "subtype", "framework", "term"})  # the rest show their id


def render_svg(graph: nx.MultiDiGraph) -> str:
    """An SVG document (a string) for ``graph``: the overview or the layered drawing.

    >>> from misgen.kb import load
    >>> from misgen.root import find_root
    >>> from misgen.graph import build
    >>> render_svg(build(load(find_root()))).startswith('<?xml')
    True
    """
    kinds = {a["kind"] for _, a in graph.nodes(data=True)}
    if "focus" not in graph.graph and "label" in kinds and kinds <= OVERVIEW_KINDS:
        return render_overview(graph)
    return render_layered(graph)


def render_layered(graph: nx.MultiDiGraph) -> str:
    nodes: dict[str, dict[str, Any]] = dict(graph.nodes(data=True))
    colours = label_colours(graph)
    focus = graph.graph.get("focus")
    layers = _layers(graph, nodes)
    legend = _legend(graph, nodes)
    if focus:
        title = f"Neighbourhood of {nodes[focus]['kind']} {nodes[focus]['ref']} (depth {graph.graph.get('depth', 1)})"
    else:
        title = "misgen relation graph: " + ", ".join(
            f"{k}s" for k in KINDS if k in kinds_of(nodes)
        )
    subtitle = _subtitle(graph)

    spans = [(len(layer) - 1) // MAX_ROWS + 1 for layer in layers]
    col_x = [
        M + sum(spans[:i]) * (NW + SUB_GAP) + i * (COL_GAP - SUB_GAP) for i in range(len(layers))
    ]
    content_w = (col_x[-1] + spans[-1] * (NW + SUB_GAP) - SUB_GAP + M + 70) if layers else 0
    width = max(content_w, legend.min_width() + 2 * M, 720)
    extra = Canvas().paragraph(M, 0, subtitle, width - 2 * M, 12)
    heads_y = M + 70 + extra
    top = heads_y + 22
    heights = [min(len(layer), MAX_ROWS) * (NH + VGAP) - VGAP for layer in layers]
    tallest = max(heights, default=0)
    pos: dict[str, tuple[float, float]] = {}
    for layer, x, height in zip(layers, col_x, heights, strict=True):
        for i, node in enumerate(layer):
            sub, row = divmod(i, MAX_ROWS)
            pos[node] = (x + sub * (NW + SUB_GAP), top + (tallest - height) / 2 + row * (NH + VGAP))
    legend_top = top + tallest + 40
    legend_h = legend.draw(Canvas(), M, legend_top, width - 2 * M)

    canvas = Canvas()
    canvas.text(M, M + 20, title, 20, INK, bold=True)
    canvas.paragraph(M, M + 44, subtitle, width - 2 * M, 12, fill=MUTED)
    for i, x in enumerate(col_x):
        if focus:
            head = "focus" if i == 0 else f"{i} step{'s' if i > 1 else ''} away"
        else:
            head = f"{nodes[layers[i][0]]['kind']}s"
        canvas.text(x, heads_y, head.upper(), 10.5, MUTED, bold=True)
    _edges(canvas, graph, pos, layer_of={n: i for i, layer in enumerate(layers) for n in layer})
    for node in (n for layer in layers for n in layer):
        _node(canvas, node, nodes[node], pos[node], colours, node == focus)
    legend.draw(canvas, M, legend_top, width - 2 * M)
    return canvas.render(width, legend_top + legend_h + M, title, subtitle)


def kinds_of(nodes: dict[str, dict[str, Any]]) -> set[str]:
    return {str(a["kind"]) for a in nodes.values()}


def _layers(graph: nx.MultiDiGraph, nodes: dict[str, dict[str, Any]]) -> list[list[str]]:
    """Columns of nodes; each ordered by kind, then by the mean row of its neighbours to its left."""
    focused = "focus" in graph.graph
    groups: dict[int, list[str]] = defaultdict(list)
    for n, attrs in nodes.items():
        groups[int(attrs.get("distance", 0)) if focused else KINDS.index(attrs["kind"])].append(n)
    layers: list[list[str]] = []
    rank: dict[str, int] = {}
    for k in sorted(groups):

        def order(n: str) -> tuple[int, float, tuple[int, int, str]]:
            left = [rank[o] for o in (set(graph.succ[n]) | set(graph.pred[n])) if o in rank]
            kind_rank = KINDS.index(nodes[n]["kind"]) if nodes[n]["kind"] in KINDS else 99
            return kind_rank, (sum(left) / len(left) if left else -1.0), sort_key(nodes[n])

        layer = sorted(groups[k], key=order)
        rank.update({n: len(rank) + i for i, n in enumerate(layer)})
        layers.append(layer)
    return layers


def _subtitle(graph: nx.MultiDiGraph) -> str:
    text = f"{count_phrase(graph)}; {graph.number_of_edges()} edges"
    if "focus" in graph.graph:
        text += (
            ". Labels, subtypes and much-linked nodes are reached but not walked through;"
            " +N counts a node's neighbours left out. Faint edges join nodes of one column"
        )
    hidden = graph.graph.get("not_shown", {})
    if hidden:
        text += ". Filtered out: " + ", ".join(f"{v} {k}s" for k, v in sorted(hidden.items()))
    return text + ". Hover a node for its id."


def _node(
    canvas: Canvas,
    nid: str,
    attrs: dict[str, Any],
    at: tuple[float, float],
    colours: dict[str, str],
    is_focus: bool,
) -> None:
    kind = str(attrs["kind"])
    x, y = at
    style = NODE_STYLES.get(kind, NODE_STYLES["source"])
    fill, stroke, ink = style.fill, style.stroke, INK
    if kind == "label":
        fill = stroke = colours.get(str(attrs["ref"]), style.fill)
        ink = "#FFFFFF"
    elif kind == "subtype":
        colour = colours.get(str(attrs.get("label")), style.stroke)
        fill, stroke = tint(colour, 0.14), colour
    elif kind == "case":
        stroke = tint(colours.get(str(attrs.get("curated")), style.stroke), 0.8)
    text = str(attrs["name"] if kind in DISPLAY_NAME else attrs["ref"])
    tip = f"{kind} {attrs['ref']}" + (f": {attrs['name']}" if attrs["name"] != attrs["ref"] else "")
    if attrs.get("title"):
        tip += f"\n{attrs['title']}"
    if attrs.get("hidden"):
        tip += f"\n{attrs['hidden']} more neighbours not shown"
    canvas.open(f"node {kind}" + (" focus" if is_focus else ""), dom_id(nid), tip)
    rx = NH / 2 if kind == "label" else 3 if kind in ("case", "source", "rule") else 7
    canvas.rect(
        x, y, NW, NH, fill, INK if is_focus else stroke, rx=rx, width=2.5 if is_focus else 1.2
    )
    badge = f"+{attrs['hidden']}" if attrs.get("hidden") else ""
    room = NW - 20 - (len(badge) * 7 + 6 if badge else 0)
    canvas.fitted(
        x + 10,
        y + NH / 2 + 4.5,
        text,
        room,
        12 if kind != "label" else 12.5,
        fill=ink,
        bold=kind in ("label", "framework") or is_focus,
    )
    if badge:
        canvas.text(
            x + NW - 9,
            y + NH / 2 + 4,
            badge,
            10.5,
            "#FFFFFF" if kind == "label" else MUTED,
            anchor="end",
        )
    canvas.close()


def _edges(
    canvas: Canvas,
    graph: nx.MultiDiGraph,
    pos: dict[str, tuple[float, float]],
    layer_of: dict[str, int],
) -> None:
    """Edges between layers in full colour; edges within a layer (context among the
    neighbours) faint and first, so the focus's own edges stay on top."""
    rank = {t: i for i, t in enumerate(EDGE_TYPES)}
    edges = sorted(
        ((u, v, d) for u, v, d in graph.edges(data=True) if u in pos and v in pos),
        key=lambda e: (layer_of[e[0]] != layer_of[e[1]], rank.get(e[2]["type"], 99), e[0], e[1]),
    )
    # spread the ends that meet one side of a node, ordered by where the other end is
    sides: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
    plan = []
    for i, (u, v, _) in enumerate(edges):
        (ux, uy), (vx, vy) = pos[u], pos[v]
        if abs(ux - vx) < 1:
            su = sv = "right"
        else:
            su, sv = ("right", "left") if ux < vx else ("left", "right")
        sides[(u, su)].append((vy, i))
        sides[(v, sv)].append((uy, i))
        plan.append((su, sv))
    offset: dict[tuple[str, int], float] = {}
    for (node, _), items in sides.items():
        items.sort()
        step = min(4.0, (NH - 8) / max(1, len(items) - 1))
        for j, (_, i) in enumerate(items):
            offset[(node, i)] = (j - (len(items) - 1) / 2) * step
    for i, (u, v, d) in enumerate(edges):
        style = EDGE_STYLES.get(d["type"], EDGE_STYLES["cites"])
        su, sv = plan[i]
        x1 = pos[u][0] + (NW if su == "right" else 0)
        x2 = pos[v][0] + (NW if sv == "right" else 0)
        y1 = pos[u][1] + NH / 2 + offset[(u, i)]
        y2 = pos[v][1] + NH / 2 + offset[(v, i)]
        if su == sv:  # same column: an arc bulging to the right
            bulge = min(26 + abs(y2 - y1) * 0.12, 70)
            d_path = f"M{p(x1, y1)} C{p(x1 + bulge, y1, x2 + bulge, y2, x2, y2)}"
        else:
            bend = (x2 - x1) * 0.45
            d_path = f"M{p(x1, y1)} C{p(x1 + bend, y1, x2 - bend, y2, x2, y2)}"
        dash = FIT_DASH.get(str(d.get("fit")), "") if d["type"] == "maps-to" else style.dash
        faint = layer_of[u] == layer_of[v]
        canvas.path(
            d_path,
            style.colour,
            style.width * (0.8 if faint else 1),
            dash,
            style.arrow,
            f"{d['type']}: {u} -> {v}",
            opacity=0.3 if faint else 1,
        )


def _legend(graph: nx.MultiDiGraph, nodes: dict[str, dict[str, Any]]) -> Legend:
    legend = Legend()
    present = kinds_of(nodes)
    legend.section(
        "Nodes",
        [
            (
                ("pill" if k == "label" else "box", NODE_STYLES[k].fill, NODE_STYLES[k].stroke),
                NODE_STYLES[k].blurb,
            )
            for k in KINDS
            if k in present
        ],
    )
    types = {str(d["type"]) for _, _, d in graph.edges(data=True)}
    entries = [
        (
            (
                "line",
                EDGE_STYLES[t].colour,
                EDGE_STYLES[t].dash,
                "arrow" if EDGE_STYLES[t].arrow else "",
            ),
            t,
        )
        for t in EDGE_TYPES
        if t in types
    ]
    half = (len(entries) + 1) // 2 if len(entries) > 8 else len(entries)
    legend.section("Edges", entries[:half])
    legend.section("Edges (cont.)" if half < len(entries) else "", entries[half:])
    if "maps-to" in types:
        fits = sorted(
            {str(d.get("fit")) for _, _, d in graph.edges(data=True) if d["type"] == "maps-to"}
        )
        legend.section(
            "maps-to fit",
            [
                (("line", EDGE_STYLES["maps-to"].colour, FIT_DASH.get(f, ""), "arrow"), f)
                for f in fits
            ],
        )
    return legend
