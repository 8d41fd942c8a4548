"""Pages for the relations, the frameworks (cross-walks) and the sources."""

from __future__ import annotations

from collections.abc import Iterator

from misgen import models
from misgen.docs import context as paths
from misgen.docs import md
from misgen.docs.conditions import condition
from misgen.docs.context import Context, citation
from misgen.docs.taxonomy import sources_section

# --------------------------------------------------------------------------- relations


def relations_page(ctx: Context) -> str:
    here = paths.RELATIONS
    sections = []
    for rtype in ("often-confused-with", "can-co-occur-with", "can-lead-to"):
        rels = sorted(
            (r for r in ctx.kb.relations if r.type == rtype),
            key=lambda r: (r.source, r.target, r.id),
        )
        if not rels:
            continue
        rows = [
            [
                ctx.node(here, r.source),
                ctx.node(here, r.target),
                md.text(r.rationale),
                md.text(r.deciding_question or ""),
                ", ".join(md.code(s) for s in r.sources),
            ]
            for r in rels
        ]
        sections.append(
            [
                f"## {md.text(rtype)}",
                "",
                *md.table(["from", "to", "why", "deciding question", "sources"], rows),
            ]
        )
    return md.page(
        "Relations",
        [
            "How labels and subtypes relate: which are confused (with the question that decides), which "
            "co-occur and which lead to one another. Sources are listed on the "
            + ctx.to(here, paths.SOURCES, "sources page")
            + ".",
        ],
        *sections,
    )


# --------------------------------------------------------------------------- frameworks


def frameworks_index(ctx: Context) -> str:
    here = paths.FRAMEWORKS
    fws = list(ctx.kb.frameworks.values())
    rows = []
    for lab in ctx.kb.labels.values():
        for node_id in [lab.id, *(s.id for s in lab.subtypes)]:
            cells = []
            for fw in fws:
                hits = [
                    f"{md.text(t.name)} ({md.text(m.fit)})"
                    for t in fw.terms
                    for m in t.maps_to
                    if m.target == node_id
                ]
                cells.append("; ".join(hits))
            rows.append([ctx.node(here, node_id), *cells])
    listing = [f"- {ctx.framework(here, fw.id)}: {md.text(fw.description)}" for fw in fws]
    return md.page(
        "Frameworks",
        [
            (
                "The cross-walk: how the terms of other published frameworks map onto misgen's labels and "
                "subtypes. Fit is `exact`, `partial` or `lossy`. Each case page shows the terms that apply to it, "
                "and "
                + ctx.to(here, paths.MATRIX, "the cases-by-framework matrix")
                + " shows them all at once, "
                "including where the frameworks disagree with each other."
            ),
        ],
        [
            "## Cross-walk",
            "",
            *md.table(["misgen", *(ctx.framework(here, fw.id) for fw in fws)], rows),
        ]
        if fws
        else [],
        ["## Frameworks", "", *listing],
    )


def framework_page(ctx: Context, fw: models.Framework) -> str:
    here = paths.framework_page(fw.id)
    sections = []
    applies: dict[str, list[str]] = {t.id: [] for t in fw.terms}
    for cid, verdict in ctx.verdicts.items():
        for p in verdict.perspectives:
            if p.framework == fw.id:
                for term_id in p.terms:
                    applies.setdefault(term_id, []).append(cid)
    for term in fw.terms:
        rows = [[ctx.node(here, m.target), md.code(m.fit), md.text(m.note)] for m in term.maps_to]
        hits = applies.get(term.id, [])
        sections.append(
            [
                f"## {md.text(term.name)}",
                "",
                f"{md.code(fw.id + ':' + term.id)}",
                "",
                md.text(term.definition),
                "",
                *md.table(["maps to", "fit", "note"], rows),
                "",
                "Applies to a case when:",
                "",
                *condition(ctx, here, term.when),
                "",
                f"Applies to {len(hits)} case(s):",
                "",
                *(md.bullets(ctx.case(here, c) for c in hits) or ["None."]),
            ]
        )
    return md.page(
        md.text(fw.name),
        [
            f"{md.code(fw.id)} · {ctx.to(here, paths.FRAMEWORKS, 'all frameworks')}",
            "",
            md.text(fw.description),
        ],
        *sections,
        sources_section(ctx, here, list(fw.sources)),
    )


# --------------------------------------------------------------------------- sources


def _taxonomy_citations(ctx: Context) -> Iterator[tuple[str, str, str]]:
    """(source id, page, escaped label) for every citation outside the cases."""
    for lab in ctx.kb.labels.values():
        for sid in lab.sources:
            yield sid, paths.label_page(lab.id), md.code(lab.id)
        for sub in lab.subtypes:
            for sid in sub.sources:
                yield sid, paths.subtype_page(sub.id), md.code(sub.id)
    for rule in ctx.kb.rules:
        for sid in rule.sources:
            yield sid, paths.rule_page(rule.id), md.code(rule.id)
    for rel in ctx.kb.relations:
        for sid in rel.sources:
            yield sid, paths.RELATIONS, md.code(rel.id)
    for fw in ctx.kb.frameworks.values():
        for sid in fw.sources:
            yield sid, paths.framework_page(fw.id), md.code(fw.id)


def sources_page(ctx: Context) -> str:
    here = paths.SOURCES
    cited: dict[str, list[str]] = {}
    for sid, page, label in _taxonomy_citations(ctx):
        entry = ctx.to(here, page, label)
        if entry not in cited.setdefault(sid, []):
            cited[sid].append(entry)
    lines = []
    for sid, src in ctx.bibliography.items():
        users = cited.get(sid, []) + [
            ctx.to(here, paths.case_page(c), md.code(c)) for c in ctx.cited_by.get(sid, [])
        ]
        lines.append(f"- {citation(src)}")
        if users:
            lines.append(f"    - Cited by: {', '.join(users)}")
    unverified = sum(not s.verified for s in ctx.bibliography.values())
    return md.page(
        "Sources",
        [
            (
                f"{len(ctx.bibliography)} works, {unverified} of them not yet verified (marked). Links go to arXiv, "
                "the DOI resolver or the publisher."
            ),
        ],
        lines,
    )
