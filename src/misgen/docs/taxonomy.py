"""Pages for the taxonomy: labels, subtypes, signals, relations, frameworks and sources."""

from __future__ import annotations

from misgen import models
from misgen.docs import context as paths
from misgen.docs import md
from misgen.docs.context import Context
from misgen.docs.debate import position_lines

REL_HEADS = {
    ("often-confused-with", True): "Often confused with",
    ("often-confused-with", False): "Often confused with",
    ("can-co-occur-with", True): "Can co-occur with",
    ("can-co-occur-with", False): "Can co-occur with",
    ("can-lead-to", True): "Can lead to",
    ("can-lead-to", False): "Can follow from",
}


def signals_in(ctx: Context, node: models.Condition) -> set[str]:
    """Signals a condition reads, through definitions (see :func:`misgen.engine.signals_in`)."""
    from misgen.conditions import signals_in as walk

    return walk(node, ctx.kb.definitions)


def _rule_subtypes(rule: models.Rule) -> list[str]:
    subs = [rule.subtype] if rule.subtype else []
    if rule.subtype_by:
        subs += sorted(set(rule.subtype_by.map.values()))
    return subs


def case_list(ctx: Context, here: str, case_ids: list[str], empty: str = "None yet.") -> list[str]:
    return md.bullets(ctx.case(here, cid) + f" ({md.code(cid)})" for cid in case_ids) or [empty]


def _neighbours(ctx: Context, here: str, node_ids: set[str]) -> list[str]:
    lines: list[str] = []
    for rel in sorted(ctx.kb.relations, key=lambda r: (r.type, r.source, r.target, r.id)):
        if rel.source not in node_ids and rel.target not in node_ids:
            continue
        outgoing = rel.source in node_ids
        this, other = (rel.source, rel.target) if outgoing else (rel.target, rel.source)
        head = REL_HEADS[(rel.type, outgoing)]
        who = f" (for {ctx.node(here, this)})" if len(node_ids) > 1 else ""
        line = f"- **{head}** {ctx.node(here, other)}{who}: {md.text(rel.rationale)}"
        lines.append(line)
        if rel.deciding_question:
            lines.append(f"    - **Deciding question:** {md.text(rel.deciding_question)}")
    return ["## How to tell it from its neighbours", "", *lines] if lines else []


def mapping_lines(ctx: Context, here: str, node_id: str) -> list[str]:
    rows = []
    for fw in ctx.kb.frameworks.values():
        for term in fw.terms:
            for m in term.maps_to:
                if m.target == node_id:
                    rows.append(
                        [
                            ctx.framework(here, fw.id),
                            md.text(term.name),
                            md.code(m.fit),
                            md.text(m.note),
                        ]
                    )
    if not rows:
        return []
    return ["## In other frameworks", "", *md.table(["framework", "term", "fit", "note"], rows)]


def _rules(ctx: Context, here: str, rules: list[models.Rule]) -> list[str]:
    lines = ["## Rules that support it", ""]
    for rule in rules:
        subs = ", ".join(ctx.node(here, s) for s in _rule_subtypes(rule))
        extra = f" → {subs}" if subs else ""
        lines.append(
            f"- {ctx.rule(here, rule.id)} ({md.text(rule.role)}){extra}: {md.text(rule.message)}"
        )
    return lines if rules else lines + ["No rule assigns it yet."]


def sources_section(ctx: Context, here: str, ids: list[str]) -> list[str]:
    return ["## Sources", "", *ctx.sources(here, ids)] if ids else []


# --------------------------------------------------------------------------- labels


def labels_index(ctx: Context) -> str:
    here = paths.LABELS
    rows = []
    for lab in ctx.kb.labels.values():
        subs = ", ".join(ctx.node(here, s.id, name=True) for s in lab.subtypes)
        rows.append(
            [
                ctx.label(here, lab.id, name=True),
                md.code(lab.id),
                "yes" if lab.goal_failure else "no",
                str(len(ctx.curated_primary.get(lab.id, []))),
                subs,
            ]
        )
    return md.page(
        "Labels",
        [
            (
                "Every case gets one primary label (and sometimes secondary ones) from this closed set. "
                "Each label has subtypes; the classifier's rules assign both."
            ),
        ],
        md.table(
            ["label", "id", "goal failure", "curated cases", "subtypes"],
            rows,
            ["l", "l", "l", "r", "l"],
        ),
    )


def label_page(ctx: Context, lab: models.Label) -> str:
    here = paths.label_page(lab.id)
    subs = [
        [
            ctx.node(here, s.id, name=True),
            md.code(s.id),
            md.text(s.definition),
            str(len(ctx.curated_subtype.get(s.id, []))),
        ]
        for s in lab.subtypes
    ]
    rules = [r for r in ctx.kb.rules if r.label == lab.id]
    primary = ctx.curated_primary.get(lab.id, [])
    agree = sum(ctx.verdicts[c].primary == lab.id for c in primary)
    examples = [
        "## Example cases",
        "",
        f"Curated with this primary label ({len(primary)}; the classifier agrees on {agree}):",
        "",
        *case_list(ctx, here, primary),
    ]
    secondary = ctx.curated_secondary.get(lab.id, [])
    if secondary:
        examples += [
            "",
            "Curated with this as a secondary label:",
            "",
            *case_list(ctx, here, secondary),
        ]
    return md.page(
        md.text(lab.name),
        [
            f"{md.code(lab.id)} · goal failure: {'yes' if lab.goal_failure else 'no'} · {ctx.to(here, paths.LABELS, 'all labels')}",
        ],
        ["## Definition", "", md.text(lab.definition)],
        ["## Necessary conditions", "", *md.bullets(md.text(x) for x in lab.condition_texts())],
        ["## Indicators", "", *md.bullets(md.text(x) for x in lab.indicators)],
        [
            "## Subtypes",
            "",
            *md.table(["subtype", "id", "definition", "curated cases"], subs, ["l", "l", "l", "r"]),
        ],
        _neighbours(ctx, here, {lab.id}),
        _rules(ctx, here, rules),
        examples,
        mapping_lines(ctx, here, lab.id),
        position_lines(ctx, here, lab.id),
        sources_section(ctx, here, list(lab.sources)),
    )


def subtype_page(ctx: Context, sub: models.Subtype) -> str:
    here = paths.subtype_page(sub.id)
    parent = sub.id.split(".", 1)[0]
    rules = [r for r in ctx.kb.rules if sub.id in _rule_subtypes(r)]
    curated = ctx.curated_subtype.get(sub.id, [])
    classified = ctx.classified_subtype.get(sub.id, [])
    return md.page(
        md.text(sub.name),
        [
            f"{md.code(sub.id)} · subtype of {ctx.label(here, parent, name=True)}",
        ],
        ["## Definition", "", md.text(sub.definition)],
        _neighbours(ctx, here, {sub.id}),
        _rules(ctx, here, rules),
        [
            "## Example cases",
            "",
            f"Curated with this subtype ({len(curated)}):",
            "",
            *case_list(ctx, here, curated),
            "",
            f"Given this subtype by the classifier ({len(classified)}):",
            "",
            *case_list(ctx, here, classified),
        ],
        mapping_lines(ctx, here, sub.id),
        position_lines(ctx, here, sub.id),
        sources_section(ctx, here, list(sub.sources)),
    )


# --------------------------------------------------------------------------- signals


def _signal_users(
    ctx: Context, sid: str
) -> tuple[list[str], list[str], list[tuple[str, models.Term]]]:
    rules = [r.id for r in ctx.kb.rules if sid in ctx.classifier.rule_signals.get(r.id, [])]
    defs = sorted(
        d for d, definition in ctx.kb.definitions.items() if sid in signals_in(ctx, definition.when)
    )
    terms = [
        (fw.id, t)
        for fw in ctx.kb.frameworks.values()
        for t in fw.terms
        if sid in signals_in(ctx, t.when)
    ]
    return rules, defs, terms


def signals_index(ctx: Context) -> str:
    here = paths.SIGNALS
    rows = []
    for sig in ctx.kb.signals.values():
        rules, _, _ = _signal_users(ctx, sig.id)
        rows.append(
            [
                ctx.signal(here, sig.id),
                md.text(sig.question),
                " / ".join(md.code(a) for a in sig.answers),
                str(len(rules)),
            ]
        )
    return md.page(
        "Signals",
        [
            (
                "The diagnostic questions. Every case answers each one (or says `unknown`), with its evidence, "
                "the strength of that evidence and a source; the classifier reads only these answers, never the "
                "curated labels."
            ),
        ],
        md.table(["signal", "question", "answers", "rules"], rows, ["l", "l", "l", "r"]),
    )


def signal_page(ctx: Context, sig: models.Signal) -> str:
    here = paths.signal_page(sig.id)
    counts = {a: 0 for a in sig.answers}
    for case in ctx.kb.cases.values():
        answer = case.signals.get(sig.id)
        if answer is not None:
            counts[answer.answer] = counts.get(answer.answer, 0) + 1
    rules, defs, terms = _signal_users(ctx, sig.id)
    users = [f"- rule {ctx.rule(here, r)}" for r in rules]
    users += [f"- definition {md.code(d)} ({md.text(ctx.kb.definitions[d].name)})" for d in defs]
    users += [f"- framework term {md.text(t.name)} in {ctx.framework(here, fw)}" for fw, t in terms]
    return md.page(
        md.code(sig.id),
        [
            md.strong(sig.question),
            "",
            ctx.to(here, paths.SIGNALS, "all signals"),
        ],
        [
            "## Answers",
            "",
            *md.table(
                ["answer", "cases"], [[md.code(a), str(n)] for a, n in counts.items()], ["l", "r"]
            ),
        ],
        ["## Guidance", "", md.text(sig.guidance)],
        ["## Examples", "", *(f"- {md.code(a)}: {md.text(t)}" for a, t in sig.examples.items())],
        ["## Used by", "", *(users or ["Nothing reads it yet: it is informational."])],
        position_lines(ctx, here, sig.id),
    )
