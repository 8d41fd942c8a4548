"""The overview SVG: the taxonomy on the left, the cases in one band per label, the frameworks below.

::

    label     ]relation[   case chips of the label with no subtype ...
      subtype ]  arcs  [   case chips of the subtype ...
      subtype ]        [   ...
    -------------------------------------------------------------------
    framework cards: each term with pills for the labels and subtypes it maps to

Chips wrap within their row, so the drawing grows downwards with the case base; the
number of chip columns is chosen to keep the whole close to 16:9 (about 2000 x 1300 px at
60 cases, 3300 x 2300 at 500).

Edges that would turn hundreds of cases into a hairball are encoded rather than drawn,
and the legend says how: ``curated-as`` is the band and row a chip sits in (secondary
labels are dots on the chip), ``classified-as`` is the colour of the chip's left stripe,
``subtype-of`` is the tree in the taxonomy column, ``has-term`` is the framework card,
``maps-to`` is a pill in the label's colour with the fit in its border (solid exact,
dashed partial, dotted lossy). Taxonomy relations are drawn as arcs routed in lanes of
their own gutter, so none overlap; case links are curves drawn beneath the chips. Signals,
rules and sources are left out here (``--focus`` or ``--kind`` shows them); the subtitle
counts them.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from misgen.graph.canvas import Canvas, Legend, M, dom_id, p
from misgen.graph.model import CASE_LINKS, SYMMETRIC, TAXONOMY_RELATIONS
from misgen.graph.overview_layout import (
    LANE,
    LH,
    Box,
    Layout,
    Row,
    assign_lanes,
    chip_rows,
    choose_layout,
    framework_cards,
    place_rows,
)
from misgen.graph.style import (
    EDGE_STYLES,
    FIT_DASH,
    INK,
    MUTED,
    label_colours,
    sort_key,
    tint,
)
from misgen.graph.svg_cards import PILL_DASH, draw_cards

if TYPE_CHECKING:
    import networkx as nx  # type: ignore[import-untyped,unused-ignore]


def render_overview(graph: nx.MultiDiGraph) -> str:
    nodes: dict[str, dict[str, Any]] = dict(graph.nodes(data=True))
    colours = label_colours(graph)
    rows = chip_rows(nodes)
    relations = [(u, v, d) for u, v, d in graph.edges(data=True) if d["type"] in TAXONOMY_RELATIONS]
    cards = framework_cards(graph, nodes)
    layout = choose_layout(nodes, rows, relations, cards)
    legend = _legend(graph, nodes, colours)
    width = max(layout.width, legend.min_width() + 2 * M)

    summary = _summary(graph, nodes)
    y_legend = M + 60 + Canvas().paragraph(M, 0, summary, width - 2 * M, 12.5)
    legend_h = legend.draw(Canvas(), M, y_legend, width - 2 * M)
    top = y_legend + legend_h + 44
    bottom = place_rows(layout, rows, top)

    canvas = Canvas()
    canvas.text(M, M + 20, "misgen relation graph", 22, INK, bold=True)
    canvas.paragraph(M, M + 43, summary, width - 2 * M, 12.5, fill=MUTED)
    legend.draw(canvas, M, y_legend, width - 2 * M)
    canvas.text(layout.x_tax, top - 14, "TAXONOMY", 10.5, MUTED, bold=True)
    canvas.text(
        layout.x_grid,
        top - 14,
        "CASES, IN THE ROW OF THEIR CURATED LABEL AND SUBTYPE",
        10.5,
        MUTED,
        bold=True,
    )
    _bands(canvas, layout, rows, colours, width)
    _links(canvas, graph, layout)
    _relations(canvas, layout, relations)
    _taxonomy(canvas, layout, rows, nodes, colours)
    _chips(canvas, layout, rows, nodes, colours)
    if cards:
        bottom = draw_cards(canvas, graph, cards, colours, bottom + 44, width)
    return canvas.render(width, bottom + M, "misgen relation graph", summary)


# --------------------------------------------------------------------------- drawing


def _summary(graph: nx.MultiDiGraph, nodes: dict[str, dict[str, Any]]) -> str:
    count: dict[str, int] = defaultdict(int)
    for a in nodes.values():
        count[a["kind"]] += 1
    links = len(_link_edges(graph))
    rels = sum(1 for _, _, d in graph.edges(data=True) if d["type"] in TAXONOMY_RELATIONS)
    text = (
        f"{count['case']} cases, {count['label']} labels, {count['subtype']} subtypes, "
        f"{rels} taxonomy relations, {links} case links"
    )
    if count["framework"]:
        text += f", {count['framework']} frameworks with {count['term']} terms"
    hidden = graph.graph.get("not_shown", {})
    if hidden:
        text += (
            ". Not drawn: "
            + ", ".join(f"{v} {k}s" for k, v in sorted(hidden.items()))
            + " (use --focus ID or --kind)"
        )
    return text + ". Hover a node for its id."


def _bands(
    canvas: Canvas, layout: Layout, rows: list[Row], colours: dict[str, str], width: float
) -> None:
    for label, top, bottom in layout.bands:
        colour = colours.get(label, "#8C959F")
        canvas.rect(
            layout.x_tax - 10,
            top,
            width - M + 10 - layout.x_tax,
            bottom - top,
            tint(colour, 0.07),
            tint(colour, 0.3),
            rx=8,
        )
    for prev, row in itertools.pairwise(rows):
        if row.label == prev.label:  # a hairline between the rows of one band
            colour = tint(colours.get(str(row.label), "#8C959F"), 0.35)
            canvas.path(f"M{p(layout.x_grid - 6, row.y, width - M - 4, row.y)}", colour, 1)


def _taxonomy(
    canvas: Canvas,
    layout: Layout,
    rows: list[Row],
    nodes: dict[str, dict[str, Any]],
    colours: dict[str, str],
) -> None:
    label_box: dict[str, Box] = {}
    for row in rows:
        if row.node is None:
            canvas.text(
                layout.x_tax, row.y + LH / 2 + 4, "(label not in view)", 11, MUTED, italic=True
            )
            continue
        attrs = nodes[row.node]
        x, y, w, h = layout.pos[row.node]
        colour = colours.get(str(row.label), "#8C959F")
        if attrs["kind"] == "label":
            label_box[str(row.label)] = (x, y, w, h)
            total = sum(len(r.cases) for r in rows if r.label == row.label)
            canvas.open(
                "node label",
                dom_id(row.node),
                f"label {attrs['ref']}: {attrs['name']} ({total} cases)",
            )
            canvas.rect(x, y, w, h, colour, colour, rx=h / 2)
            canvas.fitted(
                x + 12, y + h / 2 + 4.5, str(attrs["name"]), w - 50, 13, fill="#FFFFFF", bold=True
            )
            canvas.text(x + w - 12, y + h / 2 + 4.5, str(total), 12, "#FFFFFF", anchor="end")
        else:
            lx, ly, _, lh = label_box.get(str(row.label), (layout.x_tax, y, 0, 0))
            canvas.path(
                f"M{p(lx + 11, ly + lh, lx + 11, y + h / 2, x, y + h / 2)}",
                EDGE_STYLES["subtype-of"].colour,
                1.2,
            )
            canvas.open(
                "node subtype",
                dom_id(row.node),
                f"subtype {attrs['ref']}: {attrs['name']} ({len(row.cases)} cases)",
            )
            canvas.rect(x, y, w, h, tint(colour, 0.14), colour, rx=6)
            canvas.fitted(x + 9, y + h / 2 + 4, str(attrs["name"]), w - 40, 11)
            canvas.text(x + w - 9, y + h / 2 + 4, str(len(row.cases)), 11, MUTED, anchor="end")
        canvas.close()


def _chips(
    canvas: Canvas,
    layout: Layout,
    rows: list[Row],
    nodes: dict[str, dict[str, Any]],
    colours: dict[str, str],
) -> None:
    for case in (c for row in rows for c in row.cases):
        attrs = nodes[case]
        x, y, w, h = layout.pos[case]
        curated, verdict = str(attrs.get("curated")), attrs.get("classified")
        secondary = [s for s in attrs.get("secondary", []) if s in colours]
        tip = (
            f"case {attrs['ref']}: {attrs['name']}\ncurated: {', '.join([curated, *attrs.get('secondary', [])])}"
            + (f" ({attrs['subtype']})" if attrs.get("subtype") else "")
            + f"\nclassifier: {verdict or 'undetermined'}"
        )
        canvas.open("node case", dom_id(case), tip)
        canvas.rect(x, y, w, h, "#FFFFFF", tint(colours.get(curated, "#8C959F"), 0.75), rx=4)
        if verdict in colours:
            canvas.rect(x + 1.5, y + 1.5, 6, h - 3, colours[str(verdict)], rx=2)
        else:
            canvas.rect(
                x + 1.5, y + 1.5, 6, h - 3, "#FFFFFF", "#8C959F", rx=2, width=1, dash="2 1.5"
            )
        for i, sec in enumerate(reversed(secondary)):
            canvas.circle(x + w - 9 - 11 * i, y + h / 2, 4, colours[sec])
        canvas.fitted(x + 13, y + h / 2 + 4, str(attrs["ref"]), w - 21 - 11 * len(secondary), 11)
        canvas.close()


def _relations(canvas: Canvas, layout: Layout, relations: list[Any]) -> None:
    """Orthogonal arcs in the gutter right of the taxonomy, one lane each where they overlap."""
    x_r = layout.x_tax + layout.tax_w
    arcs = sorted(
        (
            (
                abs(_mid(layout.pos[v]) - _mid(layout.pos[u])),
                min(_mid(layout.pos[u]), _mid(layout.pos[v])),
                u,
                v,
                d,
            )
            for u, v, d in relations
            if u in layout.pos and v in layout.pos
        ),
        key=lambda a: (a[0], a[1], a[2], a[3], a[4]["type"]),
    )
    lane_of = assign_lanes([(a[1], a[1] + a[0]) for a in arcs], margin=3)
    # ports on a node's right edge: arcs leaving upwards on top, inner lanes highest, so none cross
    ports: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for i, (_, _, u, v, _) in enumerate(arcs):
        for me, other in ((u, v), (v, u)):
            up = _mid(layout.pos[other]) < _mid(layout.pos[me])
            ports[me].append((0, lane_of[i], i) if up else (1, -lane_of[i], i))
    offset = {
        (i, node): off
        for node, items in ports.items()
        for off, (_, _, i) in zip(
            _spread(len(items), layout.pos[node][3]), sorted(items), strict=True
        )
    }
    for i, (_, _, u, v, d) in enumerate(arcs):
        style = EDGE_STYLES[d["type"]]
        xl = x_r + 16 + lane_of[i] * LANE
        y1, y2 = _mid(layout.pos[u]) + offset[(i, u)], _mid(layout.pos[v]) + offset[(i, v)]
        s, r = (1 if y2 > y1 else -1), min(5.0, abs(y2 - y1) / 2)
        path = (
            f"M{p(x_r, y1)} L{p(xl - r, y1)} Q{p(xl, y1, xl, y1 + s * r)} L{p(xl, y2 - s * r)} "
            f"Q{p(xl, y2, xl - r, y2)} L{p(x_r + 0.5, y2)}"
        )
        tip = f"{d['type']}: {u} -> {v}" + (f" ({d['relation']})" if d.get("relation") else "")
        canvas.path(path, style.colour, style.width, style.dash, style.arrow, tip)


def _spread(count: int, height: float) -> list[float]:
    step = min(5.0, (height - 8) / max(1, count - 1))
    return [(j - (count - 1) / 2) * step for j in range(count)]


def _link_edges(graph: nx.MultiDiGraph) -> list[tuple[str, str, str]]:
    """Case links, each symmetric pair once (a link declared from both ends is one link)."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for u, v, d in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2]["type"])):
        t = d["type"]
        if t not in CASE_LINKS:
            continue
        key = (min(u, v), max(u, v), t) if t in SYMMETRIC else (u, v, t)
        if key not in seen:
            seen.add(key)
            out.append((u, v, t))
    return out


def _links(canvas: Canvas, graph: nx.MultiDiGraph, layout: Layout) -> None:
    links = _link_edges(graph)
    # fainter as they multiply: at 100 links each is clear, at 1,000 they read as a texture
    opacity = max(0.2, min(0.6, 0.6 * math.sqrt(100 / max(1, len(links)))))
    for u, v, t in links:
        if u not in layout.pos or v not in layout.pos:
            continue
        style = EDGE_STYLES[t]
        (ax, ay), (bx, by) = _centre(layout.pos[u]), _centre(layout.pos[v])
        length = math.hypot(bx - ax, by - ay) or 1
        bow = max(14.0, min(60.0, 0.18 * length))
        cx, cy = (ax + bx) / 2 + (by - ay) / length * bow, (ay + by) / 2 - (bx - ax) / length * bow
        sx, sy = _border(layout.pos[u], cx, cy)
        ex, ey = _border(layout.pos[v], cx, cy)
        canvas.path(
            f"M{p(sx, sy)} Q{p(cx, cy, ex, ey)}",
            style.colour,
            1.2,
            style.dash,
            style.arrow,
            f"{t}: {u} -> {v}",
            opacity=opacity,
        )


def _mid(box: Box) -> float:
    return box[1] + box[3] / 2


def _centre(box: Box) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1] + box[3] / 2


def _border(box: Box, tx: float, ty: float) -> tuple[float, float]:
    """Where the ray from the box centre towards (tx, ty) leaves the box."""
    cx, cy = _centre(box)
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(box[2] / 2 / abs(dx) if dx else math.inf, box[3] / 2 / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


def _line(t: str) -> tuple[str, ...]:
    s = EDGE_STYLES[t]
    return ("line", s.colour, s.dash, "arrow" if s.arrow else "")


def _legend(
    graph: nx.MultiDiGraph, nodes: dict[str, dict[str, Any]], colours: dict[str, str]
) -> Legend:
    legend = Legend()
    labels = sorted((a for a in nodes.values() if a["kind"] == "label"), key=sort_key)
    legend.section(
        "Labels",
        [
            (("pill", colours[str(a["ref"])], colours[str(a["ref"])]), str(a["name"]))
            for a in labels
        ],
    )
    legend.section(
        "Case chips",
        [
            (("box", "#FFFFFF", "#8C959F"), "chip: a case, in its curated row"),
            (("stripe", "#0072B2"), "stripe: the classifier's label"),
            (("stripe", "#FFFFFF", "#8C959F"), "dashed stripe: undetermined"),
            (("dot", "#E69F00"), "dot: a secondary curated label"),
        ],
    )
    present = {d["type"] for _, _, d in graph.edges(data=True)}
    legend.section(
        "Taxonomy", [(_line(t), t) for t in ("subtype-of", *TAXONOMY_RELATIONS) if t in present]
    )
    legend.section("Case links", [(_line(t), t) for t in CASE_LINKS if t in present])
    if "maps-to" in present:
        fits = sorted(
            {str(d.get("fit")) for _, _, d in graph.edges(data=True) if d["type"] == "maps-to"},
            key=lambda f: list(FIT_DASH).index(f) if f in FIT_DASH else 9,
        )
        legend.section(
            "Term maps to",
            [
                (("pill", tint("#8C959F", 0.13), "#57606A", PILL_DASH.get(f, "")), f"{f} fit")
                for f in fits
            ],
        )
    return legend
