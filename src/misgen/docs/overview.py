"""The home page, the agreement report and the relation graph page."""

from __future__ import annotations

import re
from typing import Any

from misgen.docs import context as paths
from misgen.docs import md
from misgen.docs.conditions import trace
from misgen.docs.context import Context

#: Mermaid refuses diagrams longer than this by default (its ``maxTextSize``).
MERMAID_MAX = 50_000
#: the graphs tried for the Mermaid block, largest first, until one fits under MERMAID_MAX
MERMAID_VIEWS: tuple[tuple[list[str] | None, str], ...] = (
    (None, ""),
    (
        ["label", "subtype", "framework", "term"],
        " without the cases, which would exceed Mermaid's size limit",
    ),
    (
        ["label", "subtype"],
        " for the labels and subtypes only, as the full graph would exceed Mermaid's size limit",
    ),
)
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
    """The graph page and its SVG, drawn by :mod:`misgen.graph` (imported here: networkx is slow to load)."""
    from misgen.graph import render_mermaid, render_svg, restrict, view

    here = paths.GRAPH
    # the same drawing as `misgen graph --format svg`: labels, subtypes, cases, frameworks and terms
    graph = view(ctx.kb, "svg")
    svg = render_svg(graph)
    block = ["## Mermaid", ""]
    for kinds, what in MERMAID_VIEWS:
        mermaid = render_mermaid(restrict(graph, frozenset(kinds)) if kinds else graph)
        if len(mermaid) <= MERMAID_MAX:
            block += [
                f"The same relations as Mermaid source{what} (GitHub draws it; the static site shows the source):",
                "",
                *md.fence(mermaid, "mermaid"),
            ]
            break
    else:
        block.append(
            "The Mermaid source is over Mermaid's size limit; run `misgen graph --format mermaid --focus ID` "
            "for the neighbourhood of one node."
        )
    page = md.page(
        "Relation graph",
        [
            (
                "Labels, subtypes, cases and their typed relations, built from the data. "
                "`misgen graph` draws it in the terminal or as SVG, Mermaid, DOT or JSON, and `--focus ID` "
                "draws the neighbourhood of one node."
            ),
        ],
        ["![The relation graph of labels, subtypes and cases](graph.svg)"],
        block,
    )
    return {here: page, paths.GRAPH_SVG: svg}
