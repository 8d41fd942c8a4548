"""``misgen docs``: the documentation site, generated from the data and committed.

The output is Markdown that reads well on GitHub and builds with MkDocs' built-in theme
(``mkdocs build --strict``, with the ``docs`` extra installed). Generation is a pure
function of the knowledge base (:func:`generate`: sorted, no timestamps); writing and
checking are at the edge (:mod:`misgen.docs.site`). Every data-derived string is escaped
for its context by :mod:`misgen.docs.md`.

Layout (relative to the output folder)::

    index.md  labels/  subtypes/  signals/  rules/<label>/  cases/  frameworks/
    relations.md  report.md  graph.md  graph.svg  sources.md  .misgen-manifest

``mkdocs.yml`` is written next to the output folder (the data root by default).
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from misgen.kb import KnowledgeBase

Advance = Callable[[], None]


def page_count(kb: KnowledgeBase) -> int:
    fixed = (
        12  # index, four section indexes, frameworks index and matrix, relations, debate,
        # agreement, graph, sources
    )
    return (
        fixed
        + len(kb.labels)
        + len(kb.subtypes)
        + len(kb.signals)
        + len(kb.rules)
        + len(kb.cases)
        + len(kb.frameworks)
    )


def generate(kb: KnowledgeBase, advance: Advance | None = None) -> dict[str, str]:
    """Every generated file, as ``{path relative to the output folder: text}``, in sorted order."""
    from misgen.docs import cases, crosswalks, debate, overview, rules, taxonomy
    from misgen.docs import context as paths

    tick = advance or (lambda: None)
    # the loader sorts cases; a knowledge base built another way must not change the output
    kb = dataclasses.replace(kb, cases=dict(sorted(kb.cases.items())))
    ctx = paths.build(kb)
    out: dict[str, str] = {}

    def add(path: str, text: str) -> None:
        out[path] = text
        tick()

    add(paths.INDEX, overview.index_page(ctx))
    add(paths.LABELS, taxonomy.labels_index(ctx))
    for lab in kb.labels.values():
        add(paths.label_page(lab.id), taxonomy.label_page(ctx, lab))
        for sub in lab.subtypes:
            add(paths.subtype_page(sub.id), taxonomy.subtype_page(ctx, sub))
    add(paths.SIGNALS, taxonomy.signals_index(ctx))
    for sig in kb.signals.values():
        add(paths.signal_page(sig.id), taxonomy.signal_page(ctx, sig))
    add(paths.RULES, rules.rules_index(ctx))
    for rule in kb.rules:
        add(paths.rule_page(rule.id), rules.rule_page(ctx, rule))
    add(paths.CASES, cases.cases_index(ctx))
    for case in kb.cases.values():
        add(paths.case_page(case.id), cases.case_page(ctx, case))
    add(paths.FRAMEWORKS, crosswalks.frameworks_index(ctx))
    for fw in kb.frameworks.values():
        add(paths.framework_page(fw.id), crosswalks.framework_page(ctx, fw))
    add(paths.RELATIONS, crosswalks.relations_page(ctx))
    add(paths.DEBATE, debate.debate_page(ctx))
    add(paths.MATRIX, debate.matrix_page(ctx))
    add(paths.AGREEMENT, overview.agreement_page(ctx))
    add(paths.SOURCES, crosswalks.sources_page(ctx))
    for path, text in overview.graph_files(ctx).items():
        out[path] = text
    tick()
    return dict(sorted(out.items()))


@contextmanager
def _progress(total: int) -> Iterator[Advance]:
    """A rich progress bar on an interactive terminal; nothing at all when piped."""
    import os

    if not sys.stderr.isatty() or os.environ.get("TERM") == "dumb":
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from misgen.output import console

    with Progress(
        TextColumn("generating docs"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("docs", total=total)
        yield lambda: bar.advance(task)


def _rerun(args: argparse.Namespace) -> str:
    words = ["misgen"]
    if getattr(args, "root", None):
        words += ["--root", args.root]
    words.append("docs")
    if getattr(args, "out", None):
        words += ["--out", args.out]
    return " ".join(shlex.quote(w) for w in words)


def _sample(items: tuple[str, ...], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _check_out(kb: KnowledgeBase, out: Path) -> None:
    """Refuse output folders whose pages or ``mkdocs.yml`` (written next to the folder) would
    land among the data or in no folder at all: ``/``, the data root or a folder above it,
    and the data folders themselves (``--out ROOT/cases``)."""
    from misgen.problems import UsageError

    try:
        real, root = out.resolve(), kb.root.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise UsageError(f"{out}: cannot resolve the output folder ({exc})") from None
    if real.parent == real:
        raise UsageError(f"{out}: the output folder needs a parent folder for mkdocs.yml")
    if real == root or root.is_relative_to(real):
        raise UsageError(
            f"{out}: the output folder would hold the data root {root}; choose a folder of its own "
            "(the default is ROOT/docs)"
        )
    for data in ("taxonomy", "classifier", "cases", "schema"):
        if real.is_relative_to(root / data):
            raise UsageError(
                f"{out}: the output folder is inside the data folder {root / data}; choose a folder "
                "of its own (the default is ROOT/docs)"
            )


def command(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    """Run ``misgen docs [--out DIR] [--check]``; returns the exit code."""
    from misgen.docs import site
    from misgen.output import clean
    from misgen.problems import UsageError

    if not getattr(args, "out", None) and not args.check:
        from misgen.root import refuse_bundled

        refuse_bundled(kb.root, "documentation", "Pass --out DIR")
    out = Path(args.out) if getattr(args, "out", None) else kb.root / "docs"
    if out.exists() and not out.is_dir():
        raise UsageError(f"{clean(out)} exists and is not a folder")
    _check_out(kb, out)
    with _progress(page_count(kb)) as advance:
        pages = generate(kb, advance)
    p = site.plan(kb, pages, out)
    if p.linked:
        raise UsageError(
            f"{clean(_sample(tuple(str(out / x) for x in p.linked)))}: a folder below {clean(out)} is a "
            "symbolic link; misgen docs never writes or removes files through one "
            "(replace the link with a real folder, or choose another --out; nothing was written)"
        )
    if getattr(args, "check", False):
        if not p.stale:
            print(
                f"ok: the docs in {clean(out)} are up to date ({len(p.files) - 1} generated files)"
            )
            return 0
        changed = tuple(x for x in p.write if x not in p.missing)
        parts = [
            f"{len(changed)} out of date" if changed else "",
            f"{len(p.missing)} missing" if p.missing else "",
            f"{len(p.obsolete)} obsolete" if p.obsolete else "",
            (f"{site.CONFIG} " + ("out of date" if p.config.exists() else "missing"))
            if p.config_state == "write"
            else "",
        ]
        listed = _sample(
            tuple(p.write) + p.obsolete + ((site.CONFIG,) if p.config_state == "write" else ())
        )
        print(
            f"misgen: the docs in {clean(out)} are stale ({', '.join(x for x in parts if x)}: {clean(listed)}); "
            f"run '{clean(_rerun(args))}' and commit the result",
            file=sys.stderr,
        )
        return 1
    if p.conflicts:
        raise UsageError(
            f"{len(p.conflicts)} file(s) in {clean(out)} were not generated by misgen docs and would be replaced: "
            f"{clean(_sample(p.conflicts))}; move them away or choose another --out (nothing was written)"
        )
    done: list[str] = []
    try:
        site.apply(p, done)
    except KeyboardInterrupt:
        print(
            f"misgen: interrupted after writing or removing {len(done)} of "
            f"{len(p.write) - (site.MANIFEST in p.write) + len(p.obsolete)} file(s) in {clean(out)}; "
            f"each file is whole, but the site is incomplete: run '{clean(_rerun(args))}' again",
            file=sys.stderr,
        )
        return 130
    if p.config_state == "foreign":
        print(
            f"misgen: left {clean(p.config)} alone: it was not generated by misgen docs",
            file=sys.stderr,
        )
    elif p.config_state == "other":
        print(
            f"misgen: left {clean(p.config)} alone: it was generated for another docs folder next "
            f"to {clean(out)}; build this site with its own config, or choose another --out",
            file=sys.stderr,
        )
    if p.stale:
        written = len([x for x in p.write if x != site.MANIFEST]) + (p.config_state == "write")
        config = f"; {site.CONFIG} at {clean(p.config)}" if p.config_state == "write" else ""
        print(
            f"wrote {written} file(s) and removed {len(p.obsolete)} in {clean(out)} ({len(p.files) - 1} generated files{config})"
        )
    else:
        print(
            f"the docs in {clean(out)} are already up to date ({len(p.files) - 1} generated files)"
        )
    return 0


__all__ = ["command", "generate"]
