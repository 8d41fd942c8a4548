"""Layout of the overview SVG: rows of case chips per label and subtype, chip columns chosen
for a 16:9 drawing, and lanes for the relation arcs (misgen.graph.svg_overview draws it)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from misgen.graph.canvas import M
from misgen.graph.focus import home
from misgen.graph.style import sort_key, text_width
from misgen.graph.svg_cards import CARD_GAP, CARD_MIN_W, TERM_H

if TYPE_CHECKING:
    import networkx as nx  # type: ignore[import-untyped,unused-ignore]

Box = tuple[float, float, float, float]  # x, y, w, h

LH = 30  # one line of chips
CHIP_H = 22
GX = 16  # gap between chip columns
LABEL_H, SUB_H, SUB_INDENT = 26, 22, 22
BAND_PAD, BAND_GAP = 10, 10
LANE = 11  # distance between relation arc lanes


@dataclass
class Row:
    node: str | None  # the label or subtype drawn at the row's start
    label: str | None  # the band's label ref
    cases: list[str]
    y: float = 0.0
    lines: int = 1


@dataclass
class Layout:
    cols: int
    chip_w: float
    tax_w: float
    lanes: int
    x_tax: float = M
    pos: dict[str, Box] = field(default_factory=dict)
    bands: list[tuple[str, float, float]] = field(default_factory=list)  # label ref, top, bottom

    @property
    def x_grid(self) -> float:
        return self.x_tax + self.tax_w + 30 + self.lanes * LANE

    @property
    def width(self) -> float:
        return self.x_grid + self.cols * (self.chip_w + GX) - GX + M


# --------------------------------------------------------------------------- structure


def chip_rows(nodes: dict[str, dict[str, Any]]) -> list[Row]:
    """One row per label (its cases with no subtype), then one per subtype, in taxonomy order."""
    labels = sorted(
        (n for n, a in nodes.items() if a["kind"] == "label"), key=lambda n: sort_key(nodes[n])
    )
    subtypes: dict[str, list[str]] = defaultdict(list)
    for n in sorted(
        (n for n, a in nodes.items() if a["kind"] == "subtype"), key=lambda n: sort_key(nodes[n])
    ):
        subtypes[f"label:{nodes[n]['label']}"].append(n)
    members: dict[str | None, list[str]] = defaultdict(list)
    for n in sorted(n for n, a in nodes.items() if a["kind"] == "case"):
        members[home(nodes, n)].append(n)
    rows = []
    for lab in labels:
        rows.append(Row(lab, nodes[lab]["ref"], members.get(lab, [])))
        rows += [Row(sub, nodes[lab]["ref"], members.get(sub, [])) for sub in subtypes.get(lab, [])]
    if members.get(None):
        rows.append(Row(None, None, members[None]))
    return rows


def framework_cards(
    graph: nx.MultiDiGraph, nodes: dict[str, dict[str, Any]]
) -> list[tuple[str | None, list[str]]]:
    """(framework node or None, its term nodes), in data order."""
    frameworks = sorted(
        (n for n, a in nodes.items() if a["kind"] == "framework"), key=lambda n: sort_key(nodes[n])
    )
    terms = sorted(
        (n for n, a in nodes.items() if a["kind"] == "term"), key=lambda n: sort_key(nodes[n])
    )
    cards: list[tuple[str | None, list[str]]] = [
        (fw, [t for t in terms if nodes[t].get("framework") == nodes[fw]["ref"]])
        for fw in frameworks
    ]
    homeless = [t for t in terms if f"framework:{nodes[t].get('framework')}" not in nodes]
    return cards + ([(None, homeless)] if homeless else [])


def choose_layout(
    nodes: dict[str, dict[str, Any]],
    rows: list[Row],
    relations: list[Any],
    cards: list[tuple[str | None, list[str]]],
) -> Layout:
    widths = sorted(
        text_width(str(a["ref"]), 11) for a in nodes.values() if a["kind"] == "case"
    ) or [100.0]
    chip_w = min(250.0, max(150.0, widths[int(0.9 * (len(widths) - 1))] + 34))
    names = [
        text_width(str(a["name"]), 13, True) + 56 for a in nodes.values() if a["kind"] == "label"
    ]
    names += [
        text_width(str(a["name"]), 11) + SUB_INDENT + 44
        for a in nodes.values()
        if a["kind"] == "subtype"
    ]
    layout = Layout(4, chip_w, min(270.0, max([170.0, *names])), lane_count(rows, relations))
    bands = len({r.label for r in rows})
    card_lines = sum(2 + len(terms) for _, terms in cards)
    best: tuple[float, int] | None = None
    for cols in range(2, 15):
        layout.cols = cols
        lines = sum(max(1, math.ceil(len(r.cases) / cols)) for r in rows)
        per_row = max(1, int((layout.width - 2 * M + CARD_GAP) // (CARD_MIN_W + CARD_GAP)))
        height = (
            lines * LH + bands * (2 * BAND_PAD + BAND_GAP) + 300 + card_lines * TERM_H / per_row
        )
        score = abs(math.log(layout.width / height / (16 / 9)))
        if best is None or score < best[0] - 1e-9:
            best = (score, cols)
    layout.cols = best[1] if best else 4
    return layout


def lane_count(rows: list[Row], relations: list[Any]) -> int:
    index = {r.node: i for i, r in enumerate(rows)}
    spans = sorted(
        (abs(index.get(u, 0) - index.get(v, 0)), min(index.get(u, 0), index.get(v, 0)))
        for u, v, _ in relations
    )
    return (
        max(assign_lanes([(lo, lo + span) for span, lo in spans], margin=0.5)) + 1 if spans else 0
    )


def assign_lanes(intervals: list[tuple[float, float]], margin: float) -> list[int]:
    """Greedy interval colouring: a lane for each interval, no two overlapping in one lane."""
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


def place_rows(layout: Layout, rows: list[Row], top: float) -> float:
    y, band_label, band_top = top, "\0", top
    for row in rows:
        if row.label != band_label:
            if band_label != "\0":
                layout.bands.append((band_label or "", band_top, y + BAND_PAD))
                y += BAND_PAD + BAND_GAP
            band_label, band_top = row.label or "", y
            y += BAND_PAD
        row.y, row.lines = y, max(1, math.ceil(len(row.cases) / layout.cols))
        if row.node:
            is_label = row.node.startswith("label:")
            h = LABEL_H if is_label else SUB_H
            x = layout.x_tax + (0 if is_label else SUB_INDENT)
            layout.pos[row.node] = (x, y + (LH - h) / 2, layout.tax_w - (x - layout.x_tax), h)
        for i, case in enumerate(row.cases):
            line, col = divmod(i, layout.cols)
            layout.pos[case] = (
                layout.x_grid + col * (layout.chip_w + GX),
                y + line * LH + (LH - CHIP_H) / 2,
                layout.chip_w,
                CHIP_H,
            )
        y += row.lines * LH
    if rows:
        layout.bands.append((band_label or "", band_top, y + BAND_PAD))
        y += BAND_PAD
    return y
