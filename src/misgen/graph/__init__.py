"""The relation graph: built from the data with networkx, drawn from it, never by hand.

Nodes are labels, subtypes, cases, frameworks, terms, rules, signals and sources (ids
``kind:ref``); edges are typed (``subtype-of``, the taxonomy relations, ``curated-as``,
``classified-as``, the case links, ``has-term``, ``maps-to``, ``supports``,
``uses-signal``, ``cites``). :func:`build` makes the ``networkx.MultiDiGraph``;
:func:`integrity_problems` checks it for ``misgen validate`` without importing networkx;
the ``render_*`` functions turn a graph into SVG, Mermaid, DOT, node-link JSON or a
terminal tree; :func:`command` runs ``misgen graph``.

networkx is imported only inside the functions that need it (it costs ~100 ms).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from misgen.graph.command import command, narrow, render, view
from misgen.graph.focus import neighbourhood, resolve, restrict
from misgen.graph.formats import node_link, render_dot, render_json, render_mermaid
from misgen.graph.integrity import graph_problems, integrity_problems
from misgen.graph.model import CASE_LINKS, EDGE_TYPES, KINDS, OVERVIEW_KINDS, build, node_id
from misgen.graph.svg import render_svg

if TYPE_CHECKING:
    import networkx as nx  # type: ignore[import-untyped,unused-ignore]
    from rich.tree import Tree


def render_text(graph: nx.MultiDiGraph, width: int = 100) -> str:
    """The terminal tree as plain text; see :mod:`misgen.graph.text` (imported here lazily: rich costs ~65 ms)."""
    from misgen.graph import text

    return text.render_text(graph, width)


def text_tree(graph: nx.MultiDiGraph) -> Tree:
    from misgen.graph import text

    return text.text_tree(graph)


__all__ = [
    "CASE_LINKS",
    "EDGE_TYPES",
    "KINDS",
    "OVERVIEW_KINDS",
    "build",
    "command",
    "graph_problems",
    "integrity_problems",
    "narrow",
    "neighbourhood",
    "node_id",
    "node_link",
    "render",
    "render_dot",
    "render_json",
    "render_mermaid",
    "render_svg",
    "render_text",
    "resolve",
    "restrict",
    "text_tree",
    "view",
]
