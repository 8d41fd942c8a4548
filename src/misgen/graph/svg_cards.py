"""The framework cards under the overview: one card per framework, one line per term.

A term's ``maps-to`` edges are drawn as pills in the target label's colour (bold for a
label, light for a subtype) with the fit in the border: solid exact, dashed partial,
dotted lossy. Cards flow into as many columns as the drawing is wide, each card going to
the shortest column, in data order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from misgen.graph.canvas import Canvas, M, dom_id
from misgen.graph.style import INK, MUTED, NODE_STYLES, fit, sort_key, text_width, tint

if TYPE_CHECKING:
    import networkx as nx  # type: ignore[import-untyped,unused-ignore]

CARD_MIN_W, CARD_GAP, TERM_H, PILL_H = 560, 18, 24, 18
PILL_DASH = {"exact": "", "partial": "4 2", "lossy": "1 2"}


def draw_cards(
    canvas: Canvas,
    graph: nx.MultiDiGraph,
    cards: list[tuple[str | None, list[str]]],
    colours: dict[str, str],
    top: float,
    width: float,
) -> float:
    """Framework cards in a masonry of columns; returns the bottom edge."""
    canvas.text(
        M,
        top - 14,
        "FRAMEWORKS: EACH TERM AND THE LABELS OR SUBTYPES IT MAPS TO",
        10.5,
        MUTED,
        bold=True,
    )
    per_row = max(1, int((width - 2 * M + CARD_GAP) // (CARD_MIN_W + CARD_GAP)))
    card_w = (width - 2 * M - (per_row - 1) * CARD_GAP) / per_row
    heights = [top] * per_row
    for fw, terms in cards:
        col = heights.index(min(heights))
        heights[col] = _card(
            canvas, graph, fw, terms, colours, M + col * (card_w + CARD_GAP), heights[col], card_w
        )
        heights[col] += CARD_GAP
    return max(heights) - CARD_GAP


def _card(
    canvas: Canvas,
    graph: nx.MultiDiGraph,
    fw: str | None,
    terms: list[str],
    colours: dict[str, str],
    x: float,
    y: float,
    w: float,
) -> float:
    style, nodes = NODE_STYLES["framework"], graph.nodes
    term_w = w * 0.42
    lines = [_pill_lines(graph, t, w - term_w - 34, colours) for t in terms]
    height = 30 + sum(max(1, len(ls)) * TERM_H for ls in lines) + 6
    canvas.rect(x, y, w, height, "#FFFFFF", tint(style.stroke, 0.45), rx=6)
    name = str(nodes[fw]["name"]) if fw else "(framework not in view)"
    canvas.open(
        "node framework",
        dom_id(fw) if fw else None,
        f"framework {nodes[fw]['ref']}: {name}" if fw else None,
    )
    canvas.rect(x, y, w, 26, style.fill, tint(style.stroke, 0.45), rx=6)
    canvas.fitted(x + 10, y + 17.5, name, w - 20, 12, bold=True)
    canvas.close()
    ty = y + 30
    for term, pill_lines in zip(terms, lines, strict=True):
        attrs = nodes[term]
        canvas.open("node term", dom_id(term), f"term {attrs['ref']}: {attrs['name']}")
        canvas.fitted(x + 12, ty + TERM_H / 2 + 4, str(attrs["name"]), term_w, 11)
        canvas.close()
        for k, line in enumerate(pill_lines):
            for px, pw, target, text, fit_name in line:
                colour = colours.get(
                    str(nodes[target].get("label", nodes[target]["ref"])), "#8C959F"
                )
                is_label = nodes[target]["kind"] == "label"
                py = ty + k * TERM_H + (TERM_H - PILL_H) / 2
                canvas.open("edge maps-to", None, f"maps-to ({fit_name}): {term} -> {target}")
                canvas.rect(
                    x + term_w + 22 + px,
                    py,
                    pw,
                    PILL_H,
                    tint(colour, 0.38 if is_label else 0.13),
                    colour,
                    rx=PILL_H / 2,
                    width=1.3,
                    dash=PILL_DASH.get(fit_name, ""),
                )
                canvas.text(
                    x + term_w + 22 + px + 8, py + PILL_H / 2 + 3.7, text, 10.5, INK, bold=is_label
                )
                canvas.close()
        ty += max(1, len(pill_lines)) * TERM_H
    return y + height


def _pill_lines(
    graph: nx.MultiDiGraph, term: str, room: float, colours: dict[str, str]
) -> list[list[tuple[float, float, str, str, str]]]:
    """The term's targets as pills (x, width, target, text, fit), wrapped to ``room``."""
    targets = sorted(
        (
            (v, str(d.get("fit")))
            for _, v, d in graph.out_edges(term, data=True)
            if d["type"] == "maps-to"
        ),
        key=lambda t: (sort_key(graph.nodes[t[0]]), t[0]),
    )
    lines: list[list[tuple[float, float, str, str, str]]] = [[]]
    x = 0.0
    for target, fit_name in targets:
        attrs = graph.nodes[target]
        text = fit(str(attrs["name"]), min(room, 220) - 16, 10.5, attrs["kind"] == "label")
        pw = min(room, text_width(text, 10.5, attrs["kind"] == "label") + 16)
        if x and x + pw > room:
            lines.append([])
            x = 0.0
        lines[-1].append((x, pw, target, text, fit_name))
        x += pw + 6
    return lines if lines[0] else []
