"""What every renderer shares: colours, edge styles, text measurement and escaping.

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies); the label whose ``goal_failure`` is false is always grey.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from misgen.graph.kinds import KINDS

LABEL_PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#8C6D31",
    "#6A3D9A",
)
NOT_A_FAILURE = "#8C8C8C"
INK, MUTED, FAINT, PAPER = "#1F2328", "#57606A", "#D0D7DE", "#FFFFFF"


@dataclass(frozen=True)
class EdgeStyle:
    colour: str
    dash: str = ""  # SVG stroke-dasharray; "" = solid
    width: float = 1.4
    arrow: bool = True
    blurb: str = ""


EDGE_STYLES: dict[str, EdgeStyle] = {
    "subtype-of": EdgeStyle("#8C959F", "", 1.2, True, "subtype of its label"),
    "often-confused-with": EdgeStyle(
        "#D55E00", "6 3", 1.8, False, "often confused with (taxonomy)"
    ),
    "can-co-occur-with": EdgeStyle("#009E73", "2 3", 1.8, False, "can co-occur with (taxonomy)"),
    "can-lead-to": EdgeStyle("#1F2328", "", 1.8, True, "can lead to (taxonomy)"),
    "curated-as": EdgeStyle("#0072B2", "", 1.3, True, "curated as (the curator's label)"),
    "classified-as": EdgeStyle(
        "#CC79A7", "5 3", 1.3, True, "classified as (the classifier's verdict)"
    ),
    "variant-of": EdgeStyle("#E69F00", "", 1.5, True, "variant of (case link)"),
    "same-mechanism-as": EdgeStyle("#009E73", "", 1.5, False, "same mechanism as (case link)"),
    "contrast-with": EdgeStyle("#D55E00", "4 3", 1.5, False, "contrast with (case link)"),
    "follow-up-of": EdgeStyle("#0072B2", "", 1.5, True, "follow-up of (case link)"),
    "analogous-to": EdgeStyle("#8C6D31", "1 3", 1.8, False, "analogous to (case link)"),
    "has-term": EdgeStyle("#8C959F", "", 1.0, True, "framework has term"),
    "maps-to": EdgeStyle("#6A3D9A", "", 1.3, True, "term maps to label or subtype"),
    "supports": EdgeStyle("#8C6D31", "", 1.2, True, "rule supports label or subtype"),
    "uses-signal": EdgeStyle("#56B4E9", "3 2", 1.2, True, "rule or term reads signal"),
    "cites": EdgeStyle("#B0B7BF", "1 2", 1.0, True, "cites source"),
}
#: maps-to edges show the fit of the mapping in their dash pattern
FIT_DASH = {"exact": "", "partial": "6 3", "lossy": "1 3"}


@dataclass(frozen=True)
class NodeStyle:
    fill: str
    stroke: str
    blurb: str
    shape: (
        str  # mermaid / dot vocabulary: box, round, stadium, hexagon, cylinder, note, parallelogram
    )


NODE_STYLES: dict[str, NodeStyle] = {
    "label": NodeStyle("#0072B2", "#0072B2", "label (failure mode)", "stadium"),
    "subtype": NodeStyle("#E8F1F8", "#0072B2", "subtype", "round"),
    "case": NodeStyle(PAPER, "#57606A", "case", "box"),
    "framework": NodeStyle("#EFE7F6", "#6A3D9A", "framework", "parallelogram"),
    "term": NodeStyle("#F7F2FB", "#6A3D9A", "framework term", "round"),
    "rule": NodeStyle("#FBF4E4", "#8C6D31", "rule", "hexagon"),
    "signal": NodeStyle("#EAF6FC", "#2B8CBE", "signal (diagnostic question)", "note"),
    "source": NodeStyle("#F3F4F6", "#8C959F", "source (publication)", "cylinder"),
}


def label_colours(graph: Any) -> dict[str, str]:
    """Label ref -> colour, by the label's place in taxonomy/labels.yaml.

    :func:`misgen.graph.build` stores the map for every label in ``graph.graph``, so a
    label keeps its colour in a view that does not include it (a subtype, a case); for a
    graph made elsewhere it is derived from the label nodes present.
    """
    stored = graph.graph.get("label_colours")
    if stored:
        return dict(stored)
    labels = [a for _, a in graph.nodes(data=True) if a["kind"] == "label"]
    return colours_for(labels)


def colours_for(labels: list[dict[str, Any]]) -> dict[str, str]:
    colours: dict[str, str] = {}
    index = 0
    for attrs in sorted(labels, key=lambda a: (a.get("order", 0), a["ref"])):
        if attrs.get("goal_failure", True) is False:
            colours[attrs["ref"]] = NOT_A_FAILURE
        else:
            colours[attrs["ref"]] = LABEL_PALETTE[index % len(LABEL_PALETTE)]
            index += 1
    return colours


def tint(colour: str, amount: float) -> str:
    """Mix ``colour`` with white: amount 0 = white, 1 = the colour."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * amount):02X}" for c in rgb)


def sort_key(attrs: dict[str, Any]) -> tuple[int, int, str]:
    """Render order of a node: kind, then its place in the data files, then its id."""
    kind = attrs["kind"]
    return (
        KINDS.index(kind) if kind in KINDS else len(KINDS),
        int(attrs.get("order", 0)),
        str(attrs["ref"]),
    )


# --------------------------------------------------------------------------- text measurement

# Advance widths of DejaVu Sans (per 1000 em) for printable ASCII. It is the widest of the
# fonts the SVG asks for, so boxes sized with it also fit Liberation Sans, Arial, Helvetica.
_WIDTHS = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
        (
            318,
            401,
            460,
            838,
            636,
            950,
            780,
            275,
            390,
            390,
            500,
            838,
            318,
            361,
            318,
            337,
            *([636] * 10),
            337,
            337,
            838,
            838,
            838,
            531,
            1000,
            684,
            686,
            698,
            770,
            632,
            575,
            775,
            752,
            295,
            295,
            656,
            557,
            863,
            748,
            787,
            603,
            787,
            695,
            635,
            611,
            732,
            684,
            989,
            685,
            611,
            685,
            390,
            337,
            390,
            838,
            500,
            500,
            613,
            635,
            550,
            635,
            615,
            352,
            635,
            634,
            278,
            278,
            579,
            278,
            974,
            634,
            612,
            635,
            635,
            411,
            521,
            392,
            634,
            592,
            818,
            592,
            592,
            525,
            636,
            337,
            636,
            838,
        ),
        strict=True,
    )
)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated rendered width in px (slightly generous, so text never spills)."""
    total = 0
    for ch in text:
        width = _WIDTHS.get(ch)
        if width is None:
            width = 1000 if unicodedata.east_asian_width(ch) in "WF" else 720
        total += width
    return total * size / 1000 * (1.08 if bold else 1.0)


def fit(text: str, width: float, size: float, bold: bool = False) -> str:
    """``text`` cut with an ellipsis so that it fits ``width`` px."""
    text = " ".join(text.split())
    if text_width(text, size, bold) <= width:
        return text
    while text and text_width(text + "…", size, bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text: str, width: float, size: float, max_lines: int = 3) -> list[str]:
    """Greedy word wrap to ``width`` px; the last line is cut with an ellipsis if need be."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and text_width(line + " " + words[0], size) <= width:
            line += " " + words.pop(0)
        lines.append(line)
    if words:
        lines[-1] = fit(lines[-1] + " " + " ".join(words), width, size)
    return [fit(line, width, size) for line in lines]


def num(value: float) -> str:
    """Coordinates with one decimal and no trailing zero: byte-identical output across runs."""
    text = f"{value:.1f}"
    return text.removesuffix(".0")


# --------------------------------------------------------------------------- escaping

# XML 1.0 forbids most C0 controls even as character references, and the bidi overrides
# could reorder what a reader sees: both are replaced.
_XML_BAD = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]"
)


def xml(text: object) -> str:
    """Escape for SVG text content and double-quoted attributes.

    >>> xml('<script>"x" & y</script>')
    '&lt;script&gt;&quot;x&quot; &amp; y&lt;/script&gt;'
    """
    clean = _XML_BAD.sub("\ufffd", str(text))
    return (
        clean.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 ,.:()/_-]")


def mermaid_text(text: object) -> str:
    """A Mermaid label body: everything outside a small safe set becomes a ``#code;`` entity.

    Quotes, brackets, pipes, semicolons, ``<``, backticks and newlines can then never close
    the label or start new syntax (nodes, edges, ``click`` callbacks).

    >>> mermaid_text('x"]; click A "javascript:alert(1)"')
    'x#quot;#93;#59; click A #quot;javascript:alert(1)#quot;'
    """
    out = []
    for ch in " ".join(_XML_BAD.sub(" ", str(text)).split()):
        if _MERMAID_SAFE.match(ch):
            out.append(ch)
        elif ch == '"':
            out.append("#quot;")
        else:
            out.append(f"#{ord(ch)};")
    return "".join(out)


_MERMAID_ID = re.compile(r"\A[a-z][a-z0-9_]*\Z")


def mermaid_id(nid: str) -> str:
    """A Mermaid node id from a validated graph id: ``case:a-b`` -> ``case_a_b``.

    Slugs never contain ``_``, so ``-`` -> ``_`` and the separators ``: . /`` -> ``__`` keep
    distinct ids distinct. Anything else is refused rather than passed through.
    """
    out = nid.replace(":", "__").replace(".", "__").replace("/", "__").replace("-", "_")
    if not _MERMAID_ID.match(out):
        raise ValueError(f"not a valid graph id: {nid!r}")
    return out


def dot_quote(text: object) -> str:
    """A DOT double-quoted string (backslashes and quotes escaped, one line).

    >>> dot_quote('a "b" \\\\ c')
    '"a \\\\"b\\\\" \\\\\\\\ c"'
    """
    clean = " ".join(_XML_BAD.sub(" ", str(text)).split())
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'
