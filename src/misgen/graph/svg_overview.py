"""The overview SVG: frameworks | taxonomy | cases, one horizontal band per label.

Layout, left to right::

    framework terms  --maps-to-->  label / subtypes  ]relation arcs[  case chips, one row per
                                                                       label and per subtype

Each label gets a band; its first row holds the cases curated under the label with no
subtype, then one row per subtype. Chips wrap within a row, so the drawing grows
downwards with the case base (about 1700 x 950 px at 60 cases, 3300 x 2000 at 500); the
number of chip columns is chosen to keep the aspect ratio close to 16:9.

Edges that would turn hundreds of cases into a hairball are encoded instead of drawn:
``curated-as`` is the band and row a chip sits in (secondary labels are dots on the chip),
``classified-as`` is the colour of the chip's left stripe, ``subtype-of`` is the tree in
the taxonomy column. Taxonomy relations are routed as non-overlapping arcs in their own
gutter; case-to-case links are curves drawn beneath the chips. Signals, rules and sources
are not drawn here (use ``--focus`` or ``--kind``); the subtitle says how many there are.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from misgen.graph.canvas import Canvas, Legend, p
from misgen.graph.model import CASE_LINKS, TAXONOMY_RELATIONS
from misgen.graph.style import (EDGE_STYLES, FIT_DASH, INK, MUTED, NODE_STYLES, label_colours, sort_key,
                                text_width, tint)

if TYPE_CHECKING:
    import networkx as nx

M = 32            # outer margin
LH = 30           # one line of chips
CHIP_H = 22
GX = 16           # gap between chip columns
LABEL_H, SUB_H, SUB_INDENT = 26, 22, 22
BAND_PAD, BAND_GAP = 10, 10
LANE = 11         # distance between relation arc lanes
MAPS_GUTTER = 120


@dataclass
class Row:
    node: str | None          # the label or subtype drawn at the row's start
    label: str | None         # the band's label ref
    cases: list[str]
    y: float = 0.0
    lines: int = 1


@dataclass
class Layout:
    cols: int
    chip_w: float
    x_fw: float
    fw_w: float
    x_tax: float
    tax_w: float
    x_grid: float
    lanes: int
    rows: list[Row] = field(default_factory=list)
    pos: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)  # node -> x, y, w, h
    bands: list[tuple[str, float, float]] = field(default_factory=list)  # label ref, top, bottom

    @property
    def width(self) -> float:
        return self.x_grid + self.cols * (self.chip_w + GX) - GX + M


def render_overview(graph: nx.MultiDiGraph) -> str:
    nodes: dict[str, dict[str, Any]] = dict(graph.nodes(data=True))
    colours = label_colours(nodes)
    rows = _rows(graph, nodes)
    relations = [(u, v, d) for u, v, d in graph.edges(data=True) if d["type"] in TAXONOMY_RELATIONS]
    terms = _terms(graph, nodes)
    layout = _choose(nodes, rows, relations, terms)

    legend = _legend(graph, nodes, colours)
    width = max(layout.width, legend.min_width() + 2 * M)
    canvas = Canvas()
    y_legend = M + 52
    scratch = Canvas()
    legend_h = legend.draw(scratch, M, y_legend, width - 2 * M)
    top = y_legend + legend_h + 40
    bottom = _place(layout, rows, graph, terms, top)

    _header(canvas, graph, nodes, width)
    legend.draw(canvas, M, y_legend, width - 2 * M)
    _column_titles(canvas, layout, top, bool(terms))
    _bands(canvas, layout, colours)
    _links(canvas, graph, layout)
    _relations(canvas, layout, relations)
    _maps(canvas, graph, layout)
    _taxonomy(canvas, layout, rows, nodes, colours, graph)
    _frameworks(canvas, layout, nodes, terms)
    _chips(canvas, layout, rows, nodes, colours)
    title = "misgen relation graph"
    return canvas.render(width, bottom + M, title, _summary(graph, nodes))


# --------------------------------------------------------------------------- structure


def _rows(graph: nx.MultiDiGraph, nodes: dict[str, dict[str, Any]]) -> list[Row]:
    labels = sorted((n for n, a in nodes.items() if a["kind"] == "label"), key=lambda n: sort_key(nodes[n]))
    subtypes: dict[str, list[str]] = defaultdict(list)
    for n in sorted((n for n, a in nodes.items() if a["kind"] == "subtype"), key=lambda n: sort_key(nodes[n])):
        subtypes[f"label:{nodes[n]['label']}"].append(n)
    members: dict[str | None, list[str]] = defaultdict(list)
    for n in sorted(n for n, a in nodes.items() if a["kind"] == "case"):
        attrs = nodes[n]
        sub, lab = f"subtype:{attrs.get('subtype')}", f"label:{attrs.get('curated')}"
        members[sub if sub in nodes and f"label:{nodes[sub]['label']}" == lab else lab if lab in nodes else None].append(n)
    rows = []
    for lab in labels:
        rows.append(Row(lab, nodes[lab]["ref"], members.get(lab, [])))
        rows += [Row(sub, nodes[lab]["ref"], members.get(sub, [])) for sub in subtypes.get(lab, [])]
    if members.get(None):
        rows.append(Row(None, None, members[None]))
    return rows


def _terms(graph: nx.MultiDiGraph, nodes: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Framework node -> its term nodes (sorted later, once target positions are known)."""
    out: dict[str, list[str]] = {}
    for n in sorted((n for n, a in nodes.items() if a["kind"] == "framework")):
        out[n] = sorted(t for t in graph.succ[n] if nodes[t]["kind"] == "term")
    orphans = sorted(n for n, a in nodes.items() if a["kind"] == "term" and not any(n in ts for ts in out.values()))
    if orphans:
        out[""] = orphans
    return out


def _choose(nodes: dict[str, dict[str, Any]], rows: list[Row], relations: list[Any],
            terms: dict[str, list[str]]) -> Layout:
    case_refs = sorted(str(a["ref"]) for a in nodes.values() if a["kind"] == "case")
    widths = sorted(text_width(r, 11) for r in case_refs) or [100.0]
    chip_w = min(250.0, max(150.0, widths[int(0.9 * (len(widths) - 1))] + 34))
    names = [text_width(str(a["name"]), 13, True) + 56 for a in nodes.values() if a["kind"] == "label"]
    names += [text_width(str(a["name"]), 11) + SUB_INDENT + 44 for a in nodes.values() if a["kind"] == "subtype"]
    tax_w = min(270.0, max([170.0, *names]))
    fw_names = [text_width(str(nodes[t]["name"]), 11) + 30 for ts in terms.values() for t in ts]
    fw_names += [text_width(str(nodes[f]["name"]), 12, True) + 20 for f in terms if f]
    fw_w = min(240.0, max([150.0, *fw_names])) if any(terms.values()) else 0.0
    x_tax = M + (fw_w + MAPS_GUTTER if fw_w else 0)
    lanes = _lane_count(rows, relations)
    x_grid = x_tax + tax_w + 28 + lanes * LANE
    best: tuple[float, int] | None = None
    for cols in range(2, 15):
        lines = sum(max(1, math.ceil(len(r.cases) / cols)) for r in rows)
        height = lines * LH + len({r.label for r in rows}) * (2 * BAND_PAD + BAND_GAP) + 260
        width = x_grid + cols * (chip_w + GX) + M
        score = abs(math.log(width / height / (16 / 9)))
        if best is None or score < best[0] - 1e-9:
            best = (score, cols)
    cols = best[1] if best else 4
    return Layout(cols, chip_w, M, fw_w, x_tax, tax_w, x_grid, lanes)


def _lane_count(rows: list[Row], relations: list[Any]) -> int:
    # the exact lanes are assigned after placement; rows give the order, which is all overlap needs
    index = {r.node: i for i, r in enumerate(rows)}
    spans = sorted((abs(index.get(u, 0) - index.get(v, 0)), min(index.get(u, 0), index.get(v, 0)),
                    max(index.get(u, 0), index.get(v, 0))) for u, v, _ in relations)
    return max(_assign_lanes([(lo, hi) for _, lo, hi in spans], margin=0.5)) + 1 if spans else 0


def _assign_lanes(intervals: list[tuple[float, float]], margin: float) -> list[int]:
    """Greedy interval colouring: the lane of each interval, so that no two in a lane overlap."""
    lanes: list[list[tuple[float, float]]] = []
    chosen = []
    for lo, hi in intervals:
        for k, lane in enumerate(lanes):
            if all(hi + margin < a or lo - margin > b for a, b in lane):
                lane.append((lo, hi))
                chosen.append(k)
                break
        else:
            lanes.append([(lo, hi)])
            chosen.append(len(lanes) - 1)
    return chosen


def _place(layout: Layout, rows: list[Row], graph: nx.MultiDiGraph,
           terms: dict[str, list[str]], top: float) -> float:
    nodes = graph.nodes
    layout.rows = rows
    y = top
    band_label: str | None = "\0"
    band_top = y
    for row in rows:
        if row.label != band_label:
            if band_label != "\0":
                layout.bands.append((band_label or "", band_top, y + BAND_PAD))
                y += BAND_PAD + BAND_GAP
            band_label, band_top = row.label, y
            y += BAND_PAD
        row.y, row.lines = y, max(1, math.ceil(len(row.cases) / layout.cols))
        if row.node:
            is_label = nodes[row.node]["kind"] == "label"
            h = LABEL_H if is_label else SUB_H
            x = layout.x_tax if is_label else layout.x_tax + SUB_INDENT
            layout.pos[row.node] = (x, y + (LH - h) / 2, layout.tax_w - (x - layout.x_tax), h)
        for i, case in enumerate(row.cases):
            col, line = i % layout.cols, i // layout.cols
            layout.pos[case] = (layout.x_grid + col * (layout.chip_w + GX), y + line * LH + (LH - CHIP_H) / 2,
                                layout.chip_w, CHIP_H)
        y += row.lines * LH
    if rows:
        layout.bands.append((band_label or "", band_top, y + BAND_PAD))
        y += BAND_PAD
    return max(y, _place_terms(layout, graph, terms, top))


def _place_terms(layout: Layout, graph: nx.MultiDiGraph, terms: dict[str, list[str]], top: float) -> float:
    y = top + BAND_PAD
    for fw, members in terms.items():
        if fw:
            layout.pos[fw] = (layout.x_fw, y, layout.fw_w, 26)
            y += 26 + 8
        def bary(t: str) -> tuple[float, str]:
            ys = [layout.pos[v][1] for v in graph.succ[t] if v in layout.pos and graph.nodes[v]["kind"] != "signal"]
            return (sum(ys) / len(ys) if ys else 1e9, t)
        for t in sorted(members, key=bary):
            layout.pos[t] = (layout.x_fw + 16, y, layout.fw_w - 16, SUB_H)
            y += SUB_H + 7
        y += 14
    return y


# --------------------------------------------------------------------------- drawing


def _header(canvas: Canvas, graph: nx.MultiDiGraph, nodes: dict[str, dict[str, Any]], width: float) -> None:
    canvas.text(M, M + 20, "misgen relation graph", 22, INK, bold=True)
    canvas.fitted(M, M + 42, _summary(graph, nodes), width - 2 * M, 12, fill=MUTED)


def _summary(graph: nx.MultiDiGraph, nodes: dict[str, dict[str, Any]]) -> str:
    count: dict[str, int] = defaultdict(int)
    for a in nodes.values():
        count[a["kind"]] += 1
    links = sum(1 for _, _, d in graph.edges(data=True) if d["type"] in CASE_LINKS)
    rels = sum(1 for _, _, d in graph.edges(data=True) if d["type"] in TAXONOMY_RELATIONS)
    text = (f"{count['case']} cases, {count['label']} labels, {count['subtype']} subtypes, "
            f"{rels} taxonomy relations, {links} case links")
    if count["framework"]:
        text += f", {count['framework']} frameworks ({count['term']} terms)"
    hidden = graph.graph.get("not_shown", {})
    if hidden:
        text += ". Not drawn: " + ", ".join(f"{v} {k}s" for k, v in sorted(hidden.items())) + " (use --focus ID or --kind)"
    return text + ". Hover a node for its id."


def _column_titles(canvas: Canvas, layout: Layout, top: float, frameworks: bool) -> None:
    y = top - 12
    if frameworks:
        canvas.text(layout.x_fw, y, "FRAMEWORK TERMS", 10, MUTED, bold=True)
    canvas.text(layout.x_tax, y, "TAXONOMY", 10, MUTED, bold=True)
    canvas.text(layout.x_grid, y, "CASES, BY CURATED LABEL AND SUBTYPE", 10, MUTED, bold=True)


def _bands(canvas: Canvas, layout: Layout, colours: dict[str, str]) -> None:
    right = layout.width - M + 10
    for label, top, bottom in layout.bands:
        colour = colours.get(label, "#8C959F")
        canvas.rect(layout.x_tax - 10, top, right - layout.x_tax + 10, bottom - top, tint(colour, 0.07),
                    tint(colour, 0.25), rx=8)


def _taxonomy(canvas: Canvas, layout: Layout, rows: list[Row], nodes: dict[str, dict[str, Any]],
              colours: dict[str, str], graph: nx.MultiDiGraph) -> None:
    label_box: dict[str, tuple[float, float, float, float]] = {}
    for row in rows:
        if row.node is None:
            canvas.text(layout.x_tax, row.y + LH / 2 + 4, "(no label in view)", 11, MUTED, italic=True)
            continue
        attrs = nodes[row.node]
        x, y, w, h = layout.pos[row.node]
        colour = colours.get(str(row.label), "#8C959F")
        count = len(row.cases)
        if attrs["kind"] == "label":
            label_box[str(row.label)] = (x, y, w, h)
            total = sum(len(r.cases) for r in rows if r.label == row.label)
            canvas.open("node label", _dom_id(row.node), f"label {attrs['ref']}: {attrs['name']} ({total} cases)")
            canvas.rect(x, y, w, h, colour, colour, rx=h / 2)
            canvas.fitted(x + 12, y + h / 2 + 4.5, str(attrs["name"]), w - 56, 13, fill="#FFFFFF", bold=True)
            canvas.text(x + w - 12, y + h / 2 + 4.5, str(total), 12, "#FFFFFF", anchor="end")
        else:
            lx, ly, _, lh = label_box.get(str(row.label), (layout.x_tax, y, 0, 0))
            stub = EDGE_STYLES["subtype-of"].colour
            canvas.path(f"M{p(lx + 11, ly + lh, lx + 11, y + h / 2, x, y + h / 2)}", stub, 1.2)
            canvas.open("node subtype", _dom_id(row.node), f"subtype {attrs['ref']}: {attrs['name']} ({count} cases)")
            canvas.rect(x, y, w, h, tint(colour, 0.14), colour, rx=6)
            canvas.fitted(x + 9, y + h / 2 + 4, str(attrs["name"]), w - 44, 11)
            canvas.text(x + w - 9, y + h / 2 + 4, str(count), 11, MUTED, anchor="end")
        canvas.close()


def _frameworks(canvas: Canvas, layout: Layout, nodes: dict[str, dict[str, Any]], terms: dict[str, list[str]]) -> None:
    style, tstyle = NODE_STYLES["framework"], NODE_STYLES["term"]
    for fw, members in terms.items():
        if fw:
            x, y, w, h = layout.pos[fw]
            if members:
                ys = [layout.pos[t][1] + SUB_H / 2 for t in members]
                canvas.path(f"M{p(x + 8, y + h, x + 8, max(ys))}", EDGE_STYLES["has-term"].colour, 1.2)
                for ty in ys:
                    canvas.path(f"M{p(x + 8, ty, x + 16, ty)}", EDGE_STYLES["has-term"].colour, 1.2)
            canvas.open("node framework", _dom_id(fw), f"framework {nodes[fw]['ref']}: {nodes[fw]['name']}")
            canvas.rect(x, y, w, h, style.fill, style.stroke, rx=4)
            canvas.fitted(x + 9, y + h / 2 + 4.5, str(nodes[fw]["name"]), w - 18, 12, bold=True)
            canvas.close()
        for t in members:
            x, y, w, h = layout.pos[t]
            canvas.open("node term", _dom_id(t), f"term {nodes[t]['ref']}: {nodes[t]['name']}")
            canvas.rect(x, y, w, h, tstyle.fill, tstyle.stroke, rx=6)
            canvas.fitted(x + 8, y + h / 2 + 4, str(nodes[t]["name"]), w - 16, 11)
            canvas.close()


def _chips(canvas: Canvas, layout: Layout, rows: list[Row], nodes: dict[str, dict[str, Any]],
           colours: dict[str, str]) -> None:
    for row in rows:
        for case in row.cases:
            attrs = nodes[case]
            x, y, w, h = layout.pos[case]
            curated = str(attrs.get("curated"))
            verdict = attrs.get("classified")
            secondary = [s for s in attrs.get("secondary", []) if s in colours]
            tip = f"case {attrs['ref']}: {attrs['name']}\ncurated: {', '.join([curated, *attrs.get('secondary', [])])}"
            tip += (f" ({attrs['subtype']})" if attrs.get("subtype") else "")
            tip += f"\nclassifier: {verdict or 'undetermined'}"
            canvas.open("node case", _dom_id(case), tip)
            canvas.rect(x, y, w, h, "#FFFFFF", tint(colours.get(curated, "#8C959F"), 0.75), rx=4)
            if verdict in colours:
                canvas.rect(x + 1.5, y + 1.5, 6, h - 3, colours[str(verdict)], rx=2)
            else:
                canvas.rect(x + 1.5, y + 1.5, 6, h - 3, "#FFFFFF", "#8C959F", rx=2, width=1, dash="2 1.5")
            for i, sec in enumerate(reversed(secondary)):
                canvas.circle(x + w - 9 - 11 * i, y + h / 2, 4, colours[sec])
            room = w - 15 - 8 - 11 * len(secondary)
            canvas.fitted(x + 13, y + h / 2 + 4, str(attrs["ref"]), room, 11)
            canvas.close()


def _relations(canvas: Canvas, layout: Layout, relations: list[Any]) -> None:
    x_r = layout.x_tax + layout.tax_w
    arcs = []
    for u, v, d in relations:
        if u not in layout.pos or v not in layout.pos:
            continue
        y1, y2 = _mid(layout.pos[u]), _mid(layout.pos[v])
        arcs.append((abs(y2 - y1), min(y1, y2), u, v, d))
    arcs.sort(key=lambda a: (a[0], a[1], a[2], a[3]))
    lane_of = _assign_lanes([(a[1], a[1] + a[0]) for a in arcs], margin=3)
    ports: dict[str, list[tuple[int, int, int]]] = defaultdict(list)  # node -> (group, order, arc index)
    for i, (_, _, u, v, _) in enumerate(arcs):
        for me, other in ((u, v), (v, u)):
            up = _mid(layout.pos[other]) < _mid(layout.pos[me])
            ports[me].append((0, lane_of[i], i) if up else (1, -lane_of[i], i))
    offset: dict[tuple[int, str], float] = {}
    for node, items in ports.items():
        items.sort()
        h = layout.pos[node][3]
        step = min(5.0, (h - 8) / max(1, len(items) - 1))
        for j, (_, _, i) in enumerate(items):
            offset[(i, node)] = (j - (len(items) - 1) / 2) * step
    for i, (_, _, u, v, d) in enumerate(arcs):
        style = EDGE_STYLES[d["type"]]
        xl = x_r + 16 + lane_of[i] * LANE
        y1, y2 = _mid(layout.pos[u]) + offset[(i, u)], _mid(layout.pos[v]) + offset[(i, v)]
        s = 1 if y2 > y1 else -1
        r = min(5.0, abs(y2 - y1) / 2)
        d_path = (f"M{p(x_r, y1)} H{xl - r:.1f} Q{p(xl, y1, xl, y1 + s * r)} V{y2 - s * r:.1f} "
                  f"Q{p(xl, y2, xl - r, y2)} H{x_r + 0.5:.1f}")
        tip = f"{d['type']}: {u} -> {v}" + (f" ({d['relation']})" if d.get("relation") else "")
        canvas.path(d_path, style.colour, style.width, style.dash, style.arrow, tip)


def _maps(canvas: Canvas, graph: nx.MultiDiGraph, layout: Layout) -> None:
    edges = sorted((u, v, d) for u, v, d in graph.edges(data=True)
                   if d["type"] == "maps-to" and u in layout.pos and v in layout.pos)
    ends: dict[str, list[tuple[float, str, str]]] = defaultdict(list)
    for u, v, _ in edges:
        ends[u].append((_mid(layout.pos[v]), v, u))
        ends[v].append((_mid(layout.pos[u]), u, v))
    port: dict[tuple[str, str], float] = {}
    for node, items in ends.items():
        items.sort()
        h = layout.pos[node][3]
        step = min(5.0, (h - 8) / max(1, len(items) - 1))
        for j, (_, other, _) in enumerate(items):
            port[(node, other)] = (j - (len(items) - 1) / 2) * step
    style = EDGE_STYLES["maps-to"]
    for u, v, d in edges:
        tx, ty, tw, _ = layout.pos[u]
        x1, y1 = tx + tw, _mid(layout.pos[u]) + port[(u, v)]
        x2, y2 = layout.pos[v][0], _mid(layout.pos[v]) + port[(v, u)]
        bend = (x2 - x1) * 0.5
        canvas.path(f"M{p(x1, y1)} C{p(x1 + bend, y1, x2 - bend, y2, x2, y2)}", style.colour, style.width,
                    FIT_DASH.get(str(d.get("fit")), ""), True, f"maps-to ({d.get('fit')}): {u} -> {v}")


def _links(canvas: Canvas, graph: nx.MultiDiGraph, layout: Layout) -> None:
    for u, v, d in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2]["type"])):
        if d["type"] not in CASE_LINKS or u not in layout.pos or v not in layout.pos:
            continue
        style = EDGE_STYLES[d["type"]]
        (ax, ay), (bx, by) = _centre(layout.pos[u]), _centre(layout.pos[v])
        length = math.hypot(bx - ax, by - ay) or 1
        bow = max(14.0, min(70.0, 0.2 * length))
        cx, cy = (ax + bx) / 2 + (by - ay) / length * bow, (ay + by) / 2 - (bx - ax) / length * bow
        sx, sy = _border(layout.pos[u], cx, cy)
        ex, ey = _border(layout.pos[v], cx, cy)
        canvas.path(f"M{p(sx, sy)} Q{p(cx, cy, ex, ey)}", style.colour, style.width, style.dash, style.arrow,
                    f"{d['type']}: {u} -> {v}", opacity=0.8)


def _mid(box: tuple[float, float, float, float]) -> float:
    return box[1] + box[3] / 2


def _centre(box: tuple[float, float, float, float]) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1] + box[3] / 2


def _border(box: tuple[float, float, float, float], tx: float, ty: float) -> tuple[float, float]:
    """Where the ray from the box centre towards (tx, ty) leaves the box."""
    cx, cy = _centre(box)
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(box[2] / 2 / abs(dx) if dx else math.inf, box[3] / 2 / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


def _dom_id(nid: str) -> str:
    """An XML-name-safe element id: ``case:a-b`` -> ``case-a-b`` (``/`` and ``:`` become ``--``)."""
    kind, _, ref = nid.partition(":")
    return f"{kind}-{ref.replace('/', '--').replace(':', '--')}"


def _legend(graph: nx.MultiDiGraph, nodes: dict[str, dict[str, Any]], colours: dict[str, str]) -> Legend:
    legend = Legend()
    labels = sorted((a for a in nodes.values() if a["kind"] == "label"), key=sort_key)
    legend.section("Labels", [(("pill", colours[str(a["ref"])], colours[str(a["ref"])]), str(a["name"])) for a in labels])
    legend.section("Case chips", [
        (("stripe", "#0072B2"), "stripe: the classifier's label"),
        (("stripe", "#FFFFFF", "#8C959F"), "dashed stripe: undetermined"),
        (("dot", "#E69F00"), "dot: another curated label"),
        (("box", "#FFFFFF", "#8C959F"), "row: curated label, subtype"),
    ])
    present = {d["type"] for _, _, d in graph.edges(data=True)}
    legend.section("Taxonomy", [(("line", EDGE_STYLES[t].colour, EDGE_STYLES[t].dash, "arrow" if EDGE_STYLES[t].arrow else ""),
                                 t) for t in ("subtype-of", *TAXONOMY_RELATIONS) if t in present])
    legend.section("Case links", [(("line", EDGE_STYLES[t].colour, EDGE_STYLES[t].dash, "arrow" if EDGE_STYLES[t].arrow else ""),
                                   t) for t in CASE_LINKS if t in present])
    if "maps-to" in present:
        fits = sorted({str(d.get("fit")) for _, _, d in graph.edges(data=True) if d["type"] == "maps-to"},
                      key=lambda f: list(FIT_DASH).index(f) if f in FIT_DASH else 9)
        legend.section("Term maps to", [(("line", EDGE_STYLES["maps-to"].colour, FIT_DASH.get(f, ""), "arrow"), f"{f} fit")
                                        for f in fits])
    return legend
