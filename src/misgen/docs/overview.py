"""The home page, the agreement report and the relation graph page."""

from __future__ import annotations

import re
from typing import Any

from misgen.docs import context as paths
from misgen.docs import md
from misgen.docs.conditions import trace
from misgen.docs.context import Context

_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)")


def _first_sentence(value: str) -> str:
    found = _SENTENCE.match(" ".join(value.split()))
    return found.group(1) if found else value


def _example(ctx: Context) -> list[str]:
    """A real verdict, cut to its first fired rule, to show how verdict trees read."""
    preferred = "coinrun-go-right" if "coinrun-go-right" in ctx.verdicts else None
    cid = preferred or next((c for c, v in ctx.verdicts.items() if v.fired), None)
    if cid is None:
        return []
    verdict = ctx.verdicts[cid]
    here = paths.INDEX
    lines = [
        f"For example, the verdict on {ctx.case(here, cid)}: the classifier says {ctx.outcome(here, verdict)}.",
        "",
    ]
    first = verdict.fired[0]
    lines.append(f"- rule {ctx.rule(here, first.rule)} ({md.text(first.role)})")
    lines += trace(ctx, here, first.trace, 1)
    return lines


def index_page(ctx: Context) -> str:
    here = paths.INDEX
    kb = ctx.kb
    counts = [
        str(len(kb.labels)),
        str(len(kb.subtypes)),
        str(len(kb.signals)),
        str(len(kb.rules)),
        str(len(kb.cases)),
        str(len(kb.frameworks)),
        str(len(kb.relations)),
        str(len(ctx.bibliography)),
    ]
    glance = []
    for lab in kb.labels.values():
        curated = ctx.curated_primary.get(lab.id, [])
        glance.append(
            [
                ctx.label(here, lab.id, name=True),
                md.text(_first_sentence(lab.definition)),
                "yes" if lab.goal_failure else "no",
                str(len(curated)),
                str(len(ctx.classified_primary.get(lab.id, []))),
            ]
        )
    browse = [
        (
            paths.LABELS,
            "Labels and subtypes",
            "definitions, how to tell neighbours apart, rules and examples",
        ),
        (paths.SIGNALS, "Signals", "the diagnostic questions every case answers"),
        (paths.RULES, "Rules", "the classifier, rule by rule, with limitations and tests"),
        (paths.CASES, "Cases", "every case with its evidence, verdict tree and sources"),
        (paths.FRAMEWORKS, "Frameworks", "cross-walk tables to other published taxonomies"),
        (
            paths.RELATIONS,
            "Relations",
            "which labels are confused, co-occur or lead to one another",
        ),
        (paths.AGREEMENT, "Agreement report", "the classifier against the curated labels"),
        (paths.GRAPH, "Relation graph", "labels, subtypes, cases and their links"),
        (paths.SOURCES, "Sources", "the bibliography"),
    ]
    return md.page(
        "misgen",
        [
            (
                "misgen is a formal taxonomy and an explainable, rule-based classifier of AI goal failures: cases "
                "where a trained system competently pursues something other than what its designers intended. "
                "Each case in the case base answers a fixed set of diagnostic questions (the signals) with "
                "evidence and sources; a small rule base turns the answers into labels, and every verdict carries "
                "the trace of how it was reached. Curators label each case independently, and the agreement "
                "report shows where the two differ and why."
            ),
            "",
            (
                "These pages are generated from the data files by `misgen docs`; CI runs `misgen docs --check` "
                "so they never go stale."
            ),
        ],
        [
            "## Counts",
            "",
            *md.table(
                [
                    "labels",
                    "subtypes",
                    "signals",
                    "rules",
                    "cases",
                    "frameworks",
                    "relations",
                    "sources",
                ],
                [counts],
                ["r"] * 8,
            ),
        ],
        [
            "## Labels at a glance",
            "",
            *md.table(
                ["label", "in one sentence", "goal failure", "curated cases", "classifier says"],
                glance,
                ["l", "l", "l", "r", "r"],
            ),
        ],
        [
            "## How to read a verdict",
            "",
            (
                "A verdict names a primary label (and any secondary ones), a subtype, a status (`classified`, "
                "`not-a-goal-failure` or `undetermined`) and an evidence grade: the weakest strength "
                "(`measured`, `inferred`, `speculative`) among the answers that made the primary rule true."
            ),
            "",
            (
                "Below it, each rule that fired is shown as a tree of its conditions, as evaluated on the case: "
                "✔ true, ✘ false, ? unknown. Signals answered `unknown` are neither yes nor no, so they can leave a "
                "rule undecided but never make it fire. Near misses are rules one answer away from firing, and the "
                "questions that could change the verdict are the unanswered signals whose answer would matter."
            ),
            "",
            *_example(ctx),
        ],
        [
            "## Browse",
            "",
            *md.bullets(
                f"{ctx.to(here, page, md.text(title))}: {what}" for page, title, what in browse
            ),
        ],
    )


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def agreement_page(ctx: Context) -> str:
    here = paths.AGREEMENT
    rep: dict[str, Any] = ctx.report
    rows = [
        [
            ctx.label(here, lab),
            str(count),
            _num(rep["per_label"][lab]["precision"]),
            _num(rep["per_label"][lab]["recall"]),
            str(rep["per_label"][lab]["support"]),
        ]
        for lab, count in rep["by_label"].items()
    ]
    cols = list(next(iter(rep["confusion"].values())).keys()) if rep["confusion"] else []
    confusion = [
        [ctx.label(here, cur), *(str(row[c]) if row[c] else "·" for c in cols)]
        for cur, row in rep["confusion"].items()
    ]
    dis_rows = []
    for d in rep["disagreements"]:
        status = "yes" if d["declared"] else ("stale" if d["stale"] else "**no**")
        dis_rows.append(
            [
                ctx.case(here, d["case"]),
                md.code(d["classifier"]),
                md.code(d["curated"]),
                status,
                md.text(d["reason"] or ""),
            ]
        )
    dis = (
        md.table(["case", "classifier", "curator", "declared", "reason"], dis_rows)
        if dis_rows
        else ["None: the classifier agrees with every curated primary label."]
    )
    return md.page(
        "Agreement report",
        [
            (
                f"The classifier's verdicts on {rep['cases']} cases against the curators' labels (the classifier never "
                "sees them). `misgen eval` prints the same report and fails on an undeclared or stale disagreement."
            ),
            "",
            f"Policy: `{rep['policy']}`. *Uncited* cases are those no rule's tests name; the rules "
            "were written against the *cited* ones, so only the uncited figures are anything like "
            "an accuracy. Subtypes: agree / disagree / not given by the classifier (never counted "
            "as agreement).",
            "",
            *md.table(
                ["cases", "n", "primary", "label set", "Jaccard", "subtypes a/d/ng", "undetermined"],
                [
                    [
                        name,
                        str(f["cases"]),
                        f"{f['primary_accuracy']:.3f}",
                        f"{f['label_set_exact']:.3f}",
                        f"{f['jaccard']:.3f}",
                        "/".join(str(f["subtypes"][k]) for k in ("agree", "disagree", "not_given")),
                        str(f["undetermined"]),
                    ]
                    for name, f in (
                        ("uncited", rep["split"]["uncited"]),
                        ("cited", rep["split"]["cited"]),
                        ("all", rep),
                    )
                ],
                ["l", "r", "r", "r", "r", "r", "r"],
            ),
        ],
        [
            "## Per label",
            "",
            "Precision and recall count every label of a verdict, primary or secondary.",
            "",
            *md.table(
                ["label", "curated primaries", "precision", "recall", "support"],
                rows,
                ["l", "r", "r", "r", "r"],
            ),
        ],
        [
            "## Confusion",
            "",
            "Rows: the curated primary label; columns: the classifier's.",
            "",
            *md.table(
                [md.text("curated \\ classifier"), *(md.code(c) for c in cols)],
                confusion,
                ["l", *(["r"] * len(cols))],
            ),
        ],
        ["## Disagreements", "", *dis],
    )


def graph_files(ctx: Context) -> dict[str, str]:
    """The graph page and its SVG, drawn by :mod:`misgen.graph` (imported here: networkx is slow to load).

    The page shows the drawing inline, at full size, in a frame that scrolls both ways, with
    every node a link to its page (an ``<img>`` would shrink it to unreadable text and kill
    the links and tooltips). The static site draws no Mermaid, so the page points to
    ``misgen graph --format mermaid`` for GitHub instead of dumping its source.
    """
    from misgen.graph import render_svg, view

    here = paths.GRAPH
    # the same drawing as `misgen graph --format svg`: labels, subtypes, cases, frameworks and terms
    graph = view(ctx.kb, "svg")
    svg = render_svg(graph)
    pages = {nid: page for nid, attrs in graph.nodes(data=True) if (page := _node_page(ctx, attrs))}
    page = md.page(
        "Relation graph",
        [
            (
                "Labels, subtypes, cases and their typed relations, built from the data. "
                "`misgen graph` draws it in the terminal or as SVG, Mermaid, DOT or JSON, and `--focus ID` "
                "draws the neighbourhood of one node."
            ),
            "",
            (
                "The drawing is shown at full size: scroll inside the frame to move around, hover over a "
                "node for its details, click it to open its page. "
                + ctx.to(here, paths.GRAPH_SVG, "Open the drawing on its own")
                + " to see it whole or zoom with the browser."
            ),
        ],
        [inline_svg(svg, pages, here)],
        [
            "## Mermaid, for GitHub",
            "",
            (
                "This site does not draw Mermaid diagrams; GitHub does, in issues, pull requests and "
                "Markdown files. `misgen graph --format mermaid --focus ID` prints the neighbourhood "
                "of one label or case, small enough to paste there."
            ),
        ],
    )
    # the file on its own (site/graph.svg): the same links, relative to the site's root
    return {here: page, paths.GRAPH_SVG: link_nodes(svg, pages, paths.INDEX)}


def _node_page(ctx: Context, attrs: dict[str, Any]) -> str | None:
    """The generated page of a graph node, if it has one."""
    kind, ref = attrs.get("kind"), str(attrs.get("ref", ""))
    kb = ctx.kb
    if kind == "label" and ref in kb.labels:
        return paths.label_page(ref)
    if kind == "subtype" and ref in kb.subtypes:
        return paths.subtype_page(ref)
    if kind == "case" and ref in kb.cases:
        return paths.case_page(ref)
    if kind == "framework" and ref in kb.frameworks:
        return paths.framework_page(ref)
    if kind == "term" and attrs.get("framework") in kb.frameworks:
        return paths.framework_page(str(attrs["framework"]))
    if kind == "signal" and ref in kb.signals:
        return paths.signal_page(ref)
    if kind == "rule" and any(r.id == ref for r in kb.rules):
        return paths.rule_page(ref)
    return None


def site_url(here: str, page: str) -> str:
    """The link from page ``here`` to ``page`` on the built site, which serves ``a/b.md`` as
    ``a/b/`` (MkDocs' default ``use_directory_urls``). Raw HTML is not rewritten by MkDocs
    the way Markdown links are, so the inline drawing needs these.

    >>> site_url("graph.md", "cases/coinrun-go-right.md")
    '../cases/coinrun-go-right/'
    >>> site_url("graph.md", "labels/index.md")
    '../labels/'
    """

    def directory(p: str) -> list[str]:
        parts = p[: -len(".md")].split("/")
        return parts[:-1] if parts[-1] == "index" else parts

    src, dst = directory(here), directory(page)
    common = 0
    while common < min(len(src), len(dst)) and src[common] == dst[common]:
        common += 1
    return "/".join([".."] * (len(src) - common) + dst[common:]) + "/"


_TAG = re.compile(r"<g\b[^>]*>|</g>")
_ID = re.compile(r'\bid="([^"]*)"')


def link_nodes(svg: str, pages: dict[str, str], here: str) -> str:
    """``svg`` with each node's group wrapped in a link to its page, relative to ``here``."""
    from misgen.graph.canvas import dom_id
    from misgen.graph.style import xml

    links = {dom_id(nid): site_url(here, page) for nid, page in pages.items()}
    out: list[str] = []
    stack: list[bool] = []
    last = 0
    for tag in _TAG.finditer(svg):
        out.append(svg[last : tag.start()])
        last = tag.end()
        if tag.group() == "</g>":
            out.append("</g></a>" if stack and stack.pop() else "</g>")
            continue
        found = _ID.search(tag.group())
        href = links.get(found.group(1)) if found and 'class="node' in tag.group() else None
        stack.append(href is not None)
        link = f'<a href="{xml(href)}" target="_top" style="text-decoration: none">'
        out.append((link if href else "") + tag.group())
    out.append(svg[last:])
    return "".join(out)


def inline_svg(svg: str, pages: dict[str, str], here: str) -> str:
    """``svg`` as a raw HTML block for a Markdown page: in a scrolling frame, without the XML
    declaration, each node a link (:func:`link_nodes`), no blank line (which would end the
    HTML block) and no brace (which a template plugin could read as markup)."""
    body = svg.split("?>", 1)[1].lstrip() if svg.startswith("<?xml") else svg
    text = link_nodes(body, pages, here).replace("{", "&#123;").replace("}", "&#125;")
    text = "\n".join(line for line in text.splitlines() if line.strip())
    return (
        '<div class="misgen-graph" style="overflow: auto; max-height: 85vh; max-width: 100%; '
        'border: 1px solid #d0d7de; border-radius: 6px;">\n' + text + "\n</div>"
    )
