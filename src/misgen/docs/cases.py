"""Pages for the case base: an index and one page per case."""

from __future__ import annotations

from misgen import models
from misgen.docs import context as paths
from misgen.docs import md
from misgen.docs.conditions import trace
from misgen.docs.context import Context, citation
from misgen.engine import Verdict

SETUP = (
    ("training", "Training"),
    ("intended_goal", "Intended goal"),
    ("training_signal", "Training signal"),
    ("training_behaviour", "Behaviour in training"),
    ("what_changed", "What changed"),
    ("failure_behaviour", "Failure behaviour"),
)
LINK_WORDS = {
    "variant-of": "Variant of",
    "same-mechanism-as": "Same mechanism as",
    "contrast-with": "Contrast with",
    "follow-up-of": "Follow-up of",
    "analogous-to": "Analogous to",
}


def cases_index(ctx: Context) -> str:
    here = paths.CASES
    rows = []
    for cid, case in ctx.kb.cases.items():
        verdict = ctx.verdicts[cid]
        rows.append(
            [
                ctx.case(here, cid),
                f"{md.text(case.kind)}, {md.text(case.domain)}",
                ctx.curated(here, case, short=True),
                ctx.outcome(here, verdict, short=True),
                md.MARK[verdict.primary == case.curated.labels[0]],
            ]
        )
    agree = sum(
        ctx.verdicts[c].primary == case.curated.labels[0] for c, case in ctx.kb.cases.items()
    )
    return md.page(
        "Cases",
        [
            (
                f"{len(ctx.kb.cases)} cases; the classifier's primary label matches the curator's on {agree}. "
                f"See the {ctx.to(here, paths.AGREEMENT, 'agreement report')} for the details."
            ),
        ],
        md.table(["case", "kind, domain", "curator", "classifier", "agrees"], rows),
    )


def _glance(ctx: Context, here: str, case: models.Case, verdict: Verdict) -> list[str]:
    agrees = verdict.primary == case.curated.labels[0]
    rows = [["curator", ctx.curated(here, case)], ["classifier", ctx.outcome(here, verdict)]]
    lines = [
        "## At a glance",
        "",
        *md.table(["", "labels (primary first)"], rows),
        "",
        f"- Primary labels agree: {'yes' if agrees else 'no'} {md.MARK[agrees]}",
        f"- Classifier status: {md.code(verdict.status)}; evidence grade: {md.code(verdict.evidence_grade)}",
    ]
    declared = case.curated.disagreement
    said = verdict.primary or "undetermined"
    if declared is not None:
        stale = agrees or declared.classifier != said
        lines += [
            "",
            "### Declared disagreement",
            "",
            (
                f"The curator expects the classifier to say {ctx.label(here, declared.classifier) if declared.classifier in ctx.kb.labels else md.code(declared.classifier)}"
                f" and explains why: {md.text(declared.reason)}"
            ),
        ]
        if stale:
            lines += [
                "",
                f"**This declaration is stale:** the classifier now says {md.code(said)}.",
            ]
    elif not agrees:
        lines += [
            "",
            (
                f"**Undeclared disagreement:** the classifier says {md.code(said)}; `misgen eval` fails until it is "
                "fixed or declared under `curated.disagreement`."
            ),
        ]
    return lines


def _evidence(answer: models.Answer) -> str:
    """The paraphrase, then the anchor: where in the source, and its own words."""
    text = md.text(answer.evidence or "")
    if answer.locator:
        text += f" ({md.text(answer.locator)})"
    if answer.quote:
        text += f" {md.emph(md.text(chr(8220) + answer.quote + chr(8221)))}"
    return text.strip()


def _cited(ctx: Context, cite: models.Citation) -> str:
    src = ctx.bibliography.get(cite.source)
    line = citation(src) if src is not None else md.code(cite.source)
    return line + (f" Where: {md.text(cite.locator)}." if cite.locator else "")


def _signals(ctx: Context, here: str, case: models.Case) -> list[str]:
    rows = []
    order = list(ctx.kb.signals) + sorted(set(case.signals) - set(ctx.kb.signals))
    for sid in order:
        answer = case.signals.get(sid)
        if answer is None:
            continue
        rows.append(
            [
                ctx.signal(here, sid),
                md.code(answer.answer),
                md.text(answer.strength or ""),
                _evidence(answer),
                md.code(answer.source) if answer.source else "",
            ]
        )
    return [
        "## Signals",
        "",
        "The answers the classifier reads, each with its evidence.",
        "",
        *md.table(["signal", "answer", "strength", "evidence", "source"], rows),
    ]


def _verdict(ctx: Context, here: str, verdict: Verdict) -> list[str]:
    lines = [
        "## Verdict",
        "",
        (
            f"The classifier says {ctx.outcome(here, verdict)}. The rules that fired, with "
            "each condition as evaluated (✔ true, ✘ false, ? unknown):"
        ),
        "",
    ]
    for fired in verdict.fired:
        sub = f" → {ctx.node(here, fired.subtype)}" if fired.subtype else ""
        lines.append(
            f"- rule {ctx.rule(here, fired.rule)} ({md.text(fired.role)}, evidence {md.code(fired.grade)}){sub}"
        )
        lines += trace(ctx, here, fired.trace, 1)
        if fired.unless is not None:
            lines.append("    - unless (not true, so it does not block):")
            lines += trace(ctx, here, fired.unless, 2)
    if not verdict.fired:
        lines.append("No rule fired.")
    if verdict.near_misses:
        lines += ["", "### Near misses", "", "Rules one answer away from firing:", ""]
        lines += [
            f"- {ctx.rule(here, n.rule)} would fire if {ctx.signal(here, n.signal)} were {md.code(n.needed)} "
            f"(the case says {md.code(n.current)})"
            for n in verdict.near_misses
        ]
    if verdict.questions:
        lines += ["", "### Questions that could change the verdict", ""]
        for q in verdict.questions:
            lines.append(f"- {ctx.signal(here, q.signal)}: {md.text(q.question)}")
            lines += [
                f"    - {md.code(answer)} → {md.text(result)}" for answer, result in q.outcomes
            ]
    return lines


def _perspectives(ctx: Context, here: str, verdict: Verdict) -> list[str]:
    rows = []
    for p in verdict.perspectives:
        fw = ctx.kb.frameworks.get(p.framework)
        names = {t.id: t.name for t in fw.terms} if fw else {}
        rows.append(
            [
                ctx.framework(here, p.framework),
                (", ".join(md.text(names.get(t, t)) for t in p.terms) or "no term applies")
                if p.applicable
                else "not applicable to this kind of system",
                ", ".join(md.text(names.get(t, t)) for t in p.possible),
            ]
        )
    if not rows:
        return []
    return [
        "## Perspectives by framework",
        "",
        (
            'How other frameworks would describe this case, from the same answers and verdict ("possibly": '
            "the answer depends on signals the case leaves unknown)."
        ),
        "",
        *md.table(["framework", "applies", "possibly"], rows),
    ]


def _disputes(ctx: Context, here: str, case: models.Case) -> list[str]:
    if not case.disputes:
        return []
    local = {c.source: ctx.bibliography[c.source] for c in case.citations() if c.source in ctx.bibliography}
    lines = ["## Disputes", "", "Other readings, held by named sources:", ""]
    for d in case.disputes:
        who = ", ".join(md.emph(local[s].title) if s in local else md.code(s) for s in d.held_by)
        reading = " + ".join(ctx.node(here, x) for x in [d.label, *d.with_labels])
        lines.append(f"- {reading}, held by {who}: {md.text(d.argument)}")
    return lines


def _related(ctx: Context, here: str, case: models.Case) -> list[str]:
    lines = []
    for lk in case.links:
        note = f": {md.text(lk.note)}" if lk.note else ""
        lines.append(
            f"- **{LINK_WORDS.get(lk.type, md.text(lk.type))}** {ctx.case(here, lk.case)}{note}"
        )
    for other, lk in ctx.incoming.get(case.id, []):
        note = f": {md.text(lk.note)}" if lk.note else ""
        lines.append(f"- {ctx.case(here, other)} is linked here as **{md.text(lk.type)}**{note}")
    return ["## Related cases", "", *lines] if lines else []


def case_page(ctx: Context, case: models.Case) -> str:
    here = paths.case_page(case.id)
    verdict = ctx.verdicts[case.id]
    path = ctx.kb.case_paths.get(case.id, f"cases/{case.id}.yaml")
    setup = [f"- **{label}:** {md.text(getattr(case.setup, key))}" for key, label in SETUP]
    return md.page(
        md.text(case.title),
        [
            (
                f"{md.code(case.id)} · {md.text(case.kind)} · {md.text(case.domain)} · data file {md.code(path)} · "
                f"{ctx.to(here, paths.CASES, 'all cases')}"
            ),
            "",
            md.text(case.summary),
        ],
        _glance(ctx, here, case, verdict),
        ["## Setup", "", *setup],
        _signals(ctx, here, case),
        _verdict(ctx, here, verdict),
        ["## Curator's reasoning", "", md.text(case.curated.reasoning)],
        _perspectives(ctx, here, verdict),
        _disputes(ctx, here, case),
        _related(ctx, here, case),
        ["## Sources", "", *md.bullets(_cited(ctx, c) for c in case.citations())],
    )
