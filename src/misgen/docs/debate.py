"""The debate page (taxonomy/debate.yaml) and the cases x frameworks matrix."""

from __future__ import annotations

from misgen.docs import md
from misgen.docs.context import DEBATE, MATRIX, RELATIONS, Context, framework_page


def target(ctx: Context, here: str, key: str) -> str:
    """A link to whatever a position bears on."""
    kb = ctx.kb
    if key in kb.labels or key in kb.subtypes:
        return ctx.node(here, key)
    if key in kb.signals:
        return ctx.signal(here, key)
    if key in kb.cases:
        return ctx.case(here, key, title=False)
    if key in kb.frameworks:
        return ctx.framework(here, key)
    if any(r.id == key for r in kb.rules):
        return ctx.rule(here, key)
    if any(r.id == key for r in kb.relations):
        return ctx.to(here, RELATIONS, md.code(key))
    if ":" in key and key.split(":", 1)[0] in kb.frameworks:
        return ctx.to(here, framework_page(key.split(":", 1)[0]), md.code(key))
    return md.code(key)


def position_lines(ctx: Context, here: str, key: str) -> list[str]:
    """A "Debate" section for the page of ``key``: the positions bearing on it."""
    from misgen.kb import positions_on

    found = positions_on(ctx.kb, key)
    if not found:
        return []
    out = ["## In the debate", ""]
    for p in found:
        out.append(
            f"- {ctx.to(here, DEBATE, md.code(p.id))}, {md.text(p.holder)}: {md.text(p.claim)}"
        )
    return out


def debate_page(ctx: Context) -> str:
    here = DEBATE
    sections = []
    for p in ctx.kb.positions.values():
        src = ctx.bibliography.get(p.source) or ctx.kb.sources.get(p.source)
        where = md.text(src.title) if src else md.code(p.source)
        if p.locator:
            where += f", {md.text(p.locator)}"
        sections.append(
            [
                f"## {md.code(p.id)}",
                "",
                f"**Held by** {md.text(p.holder)} ({where}).",
                "",
                md.text(p.claim),
                "",
                "Bears on: " + ", ".join(target(ctx, here, k) for k in p.bears_on) + ".",
            ]
        )
    return md.page(
        "The debate",
        [
            "Positions from the essay's comment thread and the literature that misgen's labels, "
            "signals and cases take sides on, each with who holds it and where. `misgen explain ID` "
            "shows the positions bearing on an id. The project's copy of the thread does not print "
            "commenters' names, so a holder is named only where the thread names them.",
        ],
        *sections,
    )


def matrix_page(ctx: Context) -> str:
    """Cases x frameworks: which term each framework gives, from the same answers."""
    here = MATRIX
    frameworks = list(ctx.kb.frameworks.values())
    head = ["case", "misgen", *(md.code(fw.id) for fw in frameworks)]
    rows = []
    disagree = 0
    for cid, verdict in ctx.verdicts.items():
        cells = []
        by_fw = {p.framework: p for p in verdict.perspectives}
        for fw in frameworks:
            p = by_fw.get(fw.id)
            if p is None:
                cells.append("")
            elif not p.applicable:
                cells.append("n/a")
            else:
                cells.append(", ".join(md.code(t) for t in p.terms) or "·")
        rows.append([ctx.case(here, cid, title=False), ctx.outcome(here, verdict, short=True), *cells])
        shah = by_fw.get("shah-goal-misgeneralization")
        hub = by_fw.get("hubinger-pseudo-alignment")
        if shah and hub and shah.applicable and hub.applicable and bool(shah.terms) != bool(hub.terms):
            disagree += 1
    return md.page(
        "Cases by framework",
        [
            "Each framework's terms for each case, computed from the same answers (`·`: no term "
            "applies; `n/a`: the kind of system is outside the framework's scope). Frameworks "
            "disagree with each other, not only with misgen: on "
            f"{disagree} cases one of Shah et al. and Hubinger et al. gives a term and the other "
            "none.",
        ],
        md.table(head, rows),
        [f"Framework pages: {', '.join(ctx.framework(here, fw.id) for fw in frameworks)}."],
    )
