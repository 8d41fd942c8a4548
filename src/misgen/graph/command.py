"""``misgen graph``: build, narrow (focus, kinds), render, write."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from misgen.graph.model import KINDS, OVERVIEW_KINDS
from misgen.problems import UsageError

if TYPE_CHECKING:
    import networkx as nx  # type: ignore[import-untyped,unused-ignore]

    from misgen.kb import KnowledgeBase

#: formats that draw; without --focus or --kind they show the overview kinds only
DRAWINGS = frozenset({"svg", "mermaid", "text"})


def view(
    kb: KnowledgeBase,
    fmt: str,
    focus: str | None = None,
    depth: int = 1,
    kinds: list[str] | None = None,
    path_to: str | None = None,
) -> nx.MultiDiGraph:
    """The graph the command renders: whole, a focus neighbourhood or the path from the focus
    to ``path_to``, filtered by kind.

    Without ``focus`` and ``kinds``, the drawing formats (svg, mermaid, text) keep labels,
    subtypes, cases, frameworks and terms; dot and json keep everything. Arguments are
    checked before the (slow) build.
    """
    from misgen.graph.model import build

    _check(depth, kinds)
    if path_to is not None and focus is None:
        raise UsageError("--path-to needs --focus (the node the path starts from)")
    return narrow(build(kb), fmt, focus, depth, kinds, path_to)


def narrow(
    graph: nx.MultiDiGraph,
    fmt: str,
    focus: str | None = None,
    depth: int = 1,
    kinds: list[str] | None = None,
    path_to: str | None = None,
) -> nx.MultiDiGraph:
    """:func:`view` on a graph already built (``graph`` itself is left untouched)."""
    from misgen.graph.focus import neighbourhood, path_between, resolve, restrict

    wanted = _check(depth, kinds)
    centre = None
    if focus is not None:
        centre = resolve(graph, focus)
        if path_to is not None:
            graph = path_between(graph, centre, resolve(graph, path_to))
        else:
            graph = neighbourhood(graph, centre, depth)
    if wanted is None and centre is None and fmt in DRAWINGS:
        wanted = OVERVIEW_KINDS
    if wanted is not None and wanted != frozenset(KINDS):
        graph = restrict(graph, wanted, keep=centre)
    return graph


def _check(depth: int, kinds: list[str] | None) -> frozenset[str] | None:
    from misgen.graph.focus import check_kinds

    if depth < 0:
        raise UsageError("--depth must be 0 or more")
    return check_kinds(kinds) if kinds else None


def render(graph: nx.MultiDiGraph, fmt: str) -> str:
    if fmt == "text":  # rich costs ~65 ms: only when asked
        from misgen.graph.text import render_text

        return render_text(graph)
    from misgen.graph.formats import render_dot, render_json, render_mermaid
    from misgen.graph.svg import render_svg

    renderers = {"svg": render_svg, "mermaid": render_mermaid, "dot": render_dot, "json": render_json}
    return renderers[fmt](graph)


def command(
    kb: KnowledgeBase,
    *,
    fmt: str,
    output: str | None,
    force: bool,
    focus: str | None,
    depth: int,
    kind: list[str] | None,
    path_to: str | None = None,
) -> int:
    """Run ``misgen graph``; returns the exit code (0; usage errors raise UsageError)."""
    if output and Path(output).exists() and not force:  # say so before the slow part
        raise UsageError(f"{output} exists; pass --force to overwrite it")  # cleaned by main
    graph = view(kb, fmt, focus, depth, kind, path_to)
    if output:
        from misgen.output import atomic_write

        atomic_write(Path(output), render(graph, fmt), force=force)
        from misgen.output import clean

        print(f"wrote {clean(output)}", file=sys.stderr)
        return 0
    if fmt == "text":
        from misgen.graph.text import text_tree
        from misgen.output import console

        console().print(text_tree(graph))
        return 0
    from misgen.output import write_stdout

    write_stdout(render(graph, fmt))  # UTF-8 whatever the locale, like -o
    return 0
