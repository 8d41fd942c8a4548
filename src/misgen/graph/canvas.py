"""A tiny SVG writer: shapes as strings, every text and attribute value XML-escaped.

Only presentation attributes are used (no ``<style>``, no scripts, no external resources),
so the file renders the same in browsers, Inkscape and slide software. Coordinates go
through :func:`num`, so equal input gives byte-identical output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from misgen.graph.style import INK, MUTED, fit, num, text_width, wrap, xml

FONT = "'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif"
M = 32  # the outer margin of every drawing


@dataclass
class Canvas:
    parts: list[str] = field(default_factory=list)
    arrows: set[str] = field(default_factory=set)

    def add(self, element: str) -> None:
        self.parts.append(element)

    def open(self, cls: str, ident: str | None = None, tooltip: str | None = None) -> None:
        attrs = f' class="{xml(cls)}"' + (f' id="{xml(ident)}"' if ident else "")
        self.add(f"<g{attrs}>" + (f"<title>{xml(tooltip)}</title>" if tooltip else ""))

    def close(self) -> None:
        self.add("</g>")

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: str,
        stroke: str = "none",
        rx: float = 0,
        width: float = 1,
        dash: str = "",
        opacity: float = 1,
    ) -> None:
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        extra += f' opacity="{num(opacity)}"' if opacity != 1 else ""
        extra += f' stroke-width="{num(width)}"' if stroke != "none" else ""
        self.add(
            f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" rx="{num(rx)}" '
            f'fill="{fill}" stroke="{stroke}"{extra}/>'
        )

    def circle(self, cx: float, cy: float, r: float, fill: str, stroke: str = "none") -> None:
        self.add(
            f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(r)}" fill="{fill}" stroke="{stroke}"/>'
        )

    def text(
        self,
        x: float,
        y: float,
        content: str,
        size: float = 12,
        fill: str = INK,
        bold: bool = False,
        anchor: str = "start",
        italic: bool = False,
    ) -> None:
        extra = ' font-weight="bold"' if bold else ""
        extra += ' font-style="italic"' if italic else ""
        extra += f' text-anchor="{anchor}"' if anchor != "start" else ""
        self.add(
            f'<text x="{num(x)}" y="{num(y)}" font-size="{num(size)}" fill="{fill}"{extra}>{xml(content)}</text>'
        )

    def fitted(
        self, x: float, y: float, content: str, width: float, size: float = 12, **kw: object
    ) -> None:
        self.text(x, y, fit(content, width, size, bool(kw.get("bold"))), size, **kw)  # type: ignore[arg-type]

    def paragraph(
        self,
        x: float,
        y: float,
        content: str,
        width: float,
        size: float = 12,
        leading: float = 1.4,
        max_lines: int = 3,
        **kw: object,
    ) -> float:
        """Wrapped text whose first baseline is ``y``; returns the height of the lines after the first."""
        lines = wrap(content, width, size, max_lines)
        for i, line in enumerate(lines):
            self.text(x, y + i * size * leading, line, size, **kw)  # type: ignore[arg-type]
        return (len(lines) - 1) * size * leading

    def path(
        self,
        d: str,
        colour: str,
        width: float = 1.4,
        dash: str = "",
        arrow: bool = False,
        tooltip: str | None = None,
        opacity: float = 1,
    ) -> None:
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        extra += f' opacity="{num(opacity)}"' if opacity != 1 else ""
        if arrow:
            self.arrows.add(colour)
            extra += f' marker-end="url(#arrow-{colour.lstrip("#")})"'
        tail = f"><title>{xml(tooltip)}</title></path>" if tooltip else "/>"
        self.add(
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{num(width)}"'
            f' stroke-linecap="round"{extra}{tail}'
        )

    def render(self, width: float, height: float, title: str, desc: str) -> str:
        defs = "".join(
            f'<marker id="arrow-{c.lstrip("#")}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>'
            for c in sorted(self.arrows)
        )
        head = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(width)}" height="{num(height)}" '
            f'viewBox="0 0 {num(width)} {num(height)}" font-family="{xml(FONT)}">\n'
            f"<title>{xml(title)}</title>\n<desc>{xml(desc)}</desc>\n"
            f"<defs>{defs}</defs>\n"
            f'<rect x="0" y="0" width="{num(width)}" height="{num(height)}" fill="#FFFFFF"/>\n'
        )
        return head + "\n".join(self.parts) + "\n</svg>\n"


def dom_id(nid: str) -> str:
    """An XML-name-safe element id: ``case:a-b`` -> ``case-a-b`` (``/`` and ``:`` become ``--``)."""
    kind, _, ref = nid.partition(":")
    return f"{kind}-{ref.replace('/', '--').replace(':', '--')}"


def p(*points: float) -> str:
    return " ".join(f"{num(points[i])},{num(points[i + 1])}" for i in range(0, len(points), 2))


# --------------------------------------------------------------------------- legend

Swatch = tuple[
    str, ...
]  # ("box", fill, stroke) | ("line", colour, dash, arrow) | ("dot", colour) | ...


@dataclass
class Legend:
    sections: list[tuple[str, list[tuple[Swatch, str]]]] = field(default_factory=list)

    def section(self, title: str, entries: Sequence[tuple[Swatch, str]]) -> None:
        if entries:
            self.sections.append((title, list(entries)))

    def widths(self) -> list[float]:
        return [
            max([text_width(title, 11, True)] + [34 + text_width(t, 11) for _, t in entries]) + 28
            for title, entries in self.sections
        ]

    def min_width(self) -> float:
        return max(self.widths(), default=0)

    def draw(self, canvas: Canvas, x0: float, y0: float, max_width: float) -> float:
        """Draw the sections left to right, wrapping at ``max_width``; return the height used."""
        x, y, row_h = x0, y0, 0.0
        for (title, entries), w in zip(self.sections, self.widths(), strict=True):
            h = 20 + 17 * len(entries)
            if x > x0 and x + w > x0 + max_width:
                x, y, row_h = x0, y + row_h + 12, 0.0
            canvas.text(x, y + 12, title.upper(), 10, MUTED, bold=True)
            for i, (swatch, label) in enumerate(entries):
                sy = y + 20 + 17 * i
                _swatch(canvas, swatch, x, sy)
                canvas.text(x + 34, sy + 11, label, 11)
            x += w
            row_h = max(row_h, h)
        return y + row_h - y0


def _swatch(canvas: Canvas, swatch: Swatch, x: float, y: float) -> None:
    kind = swatch[0]
    if kind == "box":
        canvas.rect(x, y + 2, 26, 11, swatch[1], swatch[2], rx=3)
    elif kind == "pill":
        canvas.rect(
            x,
            y + 2,
            26,
            11,
            swatch[1],
            swatch[2],
            rx=5.5,
            width=1.3,
            dash=swatch[3] if len(swatch) > 3 else "",
        )
    elif kind == "line":
        canvas.path(
            f"M{p(x, y + 7.5, x + 26, y + 7.5)}", swatch[1], 1.8, swatch[2], swatch[3] == "arrow"
        )
    elif kind == "dot":
        canvas.circle(x + 13, y + 7.5, 4, swatch[1])
    elif kind == "stripe":
        canvas.rect(x, y + 1, 26, 13, "#FFFFFF", "#8C959F", rx=3)
        canvas.rect(
            x + 0.5, y + 1.5, 5, 12, swatch[1], swatch[2] if len(swatch) > 2 else "none", rx=1.5
        )
