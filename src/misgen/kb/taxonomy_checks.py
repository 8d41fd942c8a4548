"""Checks of taxonomy/ (labels, relations, frameworks, signals, debate) and of condition trees."""

from __future__ import annotations

from collections.abc import Iterator

from misgen import ids, models
from misgen.conditions import signals_in as engine_signals_in
from misgen.conditions import walk
from misgen.kb.base import KnowledgeBase, _looks_like_case, _suggest, debate_targets
from misgen.loading import locate
from misgen.problems import Problem
from misgen.yamlio import Document


def check_bibliography(kb: KnowledgeBase, doc: Document | None, rel: str) -> Iterator[Problem]:
    """One work, one record: no arXiv id, DOI or URL under two ids (draft records included).
    A placeholder (``https://example.org/TODO`` in a skeleton) names no work and is skipped."""
    from misgen.bibliography import identifiers
    from misgen.strict import PLACEHOLDER

    seen: dict[str, str] = {}
    listed = [sid for sid in kb.sources if sid not in kb.drafts]  # the file's order
    drafted_in = {  # a draft record is reported in the case file that holds it
        s.id: kb.case_paths.get(cid, f"cases/{cid}.yaml")
        for cid, case in kb.cases.items()
        for s in case.sources
        if isinstance(s, models.Source)
    }
    for sid in listed + sorted(kb.drafts):
        for key in identifiers(kb.sources[sid]):
            if PLACEHOLDER.search(key):
                continue
            first = seen.setdefault(key, sid)
            if first != sid:
                where = ("sources", listed.index(sid), "id") if sid not in kb.drafts else ()
                yield locate(
                    doc if sid not in kb.drafts else None,
                    rel if sid not in kb.drafts else drafted_in.get(sid, rel),
                    where if sid not in kb.drafts else ("sources",),
                    f"'{sid}' and '{first}' are the same work ({key})",
                    f"keep one record; cite '{first}' where '{sid}' is cited",
                )


def check_taxonomy(
    kb: KnowledgeBase, docs: dict[str, tuple[Document | None, str]]
) -> Iterator[Problem]:
    yield from check_bibliography(kb, *docs["sources"])
    # duplicate ids within each list are found by _duplicate_ids, before the dicts are built
    ldoc, lrel = docs["labels"]
    for li, label in enumerate(kb.labels.values()):
        for ci, cond in enumerate(label.necessary_conditions):
            if isinstance(cond, str):
                continue
            where = ("labels", li, "necessary_conditions", ci, "signals")
            yield from _check_condition(kb, cond.signals, ldoc, lrel, where, True)
            if any(isinstance(n, (models.LabelNode, models.UseNode)) for n in walk(cond.signals)):
                yield locate(
                    ldoc,
                    lrel,
                    where,
                    "a necessary condition reads signals only (no 'label' or 'use')",
                )
        for si, sub in enumerate(label.subtypes):
            if ids.label_of_subtype(sub.id) != label.id:
                yield locate(
                    ldoc,
                    lrel,
                    ("labels", li, "subtypes", si, "id"),
                    f"subtype '{sub.id}' must start with '{label.id}.'",
                )
            for k, src in enumerate(sub.sources):
                if src not in kb.sources:
                    yield locate(
                        ldoc,
                        lrel,
                        ("labels", li, "subtypes", si, "sources", k),
                        f"unknown source '{src}'",
                        "add it to taxonomy/sources.yaml",
                    )
        for k, src in enumerate(label.sources):
            if src not in kb.sources:
                yield locate(
                    ldoc,
                    lrel,
                    ("labels", li, "sources", k),
                    f"unknown source '{src}'",
                    "add it to taxonomy/sources.yaml",
                )
    sdoc, srel = docs["signals"]
    for si, signal in enumerate(kb.signals.values()):
        if signal.applies_when is not None:
            yield from _check_condition(
                kb, signal.applies_when, sdoc, srel, ("signals", si, "applies_when"), True
            )
            if any(
                isinstance(n, (models.LabelNode, models.UseNode)) for n in walk(signal.applies_when)
            ):
                yield locate(
                    sdoc,
                    srel,
                    ("signals", si, "applies_when"),
                    "applies_when reads signals only (no 'label' or 'use')",
                )
            if signal.id in engine_signals_in(signal.applies_when):
                yield locate(
                    sdoc, srel, ("signals", si, "applies_when"), "a signal cannot depend on itself"
                )
    if "deprecated" in docs:
        ddoc, drel = docs["deprecated"]
        for di, old in enumerate(kb.deprecated.values()):
            if old.id in kb.signals:
                yield locate(
                    ddoc,
                    drel,
                    ("deprecated", di, "id"),
                    f"'{old.id}' is a current signal and cannot also be deprecated",
                    "retired ids are never reused for a new question",
                )
            for k, new in enumerate(old.replaced_by):
                if new not in kb.signals:
                    yield locate(
                        ddoc,
                        drel,
                        ("deprecated", di, "replaced_by", k),
                        f"unknown signal '{new}'",
                        _suggest(new, kb.signals),
                    )
            for answer, targets in old.translate.items():
                for new, value in targets.items():
                    if new not in old.replaced_by:
                        yield locate(
                            ddoc,
                            drel,
                            ("deprecated", di, "translate", answer, new),
                            f"'{new}' is not listed in replaced_by",
                        )
                    elif new in kb.signals and value not in kb.signals[new].answers:
                        yield locate(
                            ddoc,
                            drel,
                            ("deprecated", di, "translate", answer, new),
                            f"'{value}' is not an answer of signal '{new}'",
                            f"allowed: {', '.join(kb.signals[new].answers)}",
                        )
    if "debate" in docs:
        bdoc, brel = docs["debate"]
        known = debate_targets(kb)
        for pi, pos in enumerate(kb.positions.values()):
            if pos.source not in kb.sources:
                yield locate(
                    bdoc,
                    brel,
                    ("positions", pi, "source"),
                    f"unknown source '{pos.source}'",
                    "add it to taxonomy/sources.yaml",
                )
            for k, target in enumerate(pos.bears_on):
                if target not in known and not (
                    target in kb.cases or not kb.cases and _looks_like_case(target)
                ):
                    yield locate(
                        bdoc,
                        brel,
                        ("positions", pi, "bears_on", k),
                        f"unknown id '{target}'",
                        "use a label, subtype, signal, rule, relation, case or framework:term id",
                    )
    rdoc, rrel = docs["relations"]
    nodes = set(kb.labels) | set(kb.subtypes)
    for ri, rel in enumerate(kb.relations):
        for end in ("source", "target"):
            if getattr(rel, end) not in nodes:
                yield locate(
                    rdoc,
                    rrel,
                    ("relations", ri, end),
                    f"unknown label or subtype '{getattr(rel, end)}'",
                    _suggest(getattr(rel, end), nodes),
                )
        if rel.source == rel.target:
            yield locate(
                rdoc, rrel, ("relations", ri, "target"), "a relation cannot point at itself"
            )
        for k, src in enumerate(rel.sources):
            if src not in kb.sources:
                yield locate(rdoc, rrel, ("relations", ri, "sources", k), f"unknown source '{src}'")
    fdoc, frel = docs["frameworks"]
    kinds = kb.signals.get("system-kind")
    for fi, fw in enumerate(kb.frameworks.values()):
        for k, kind in enumerate(fw.scope):
            if kinds is None or kind not in kinds.answers or kind == models.UNKNOWN:
                yield locate(
                    fdoc,
                    frel,
                    ("frameworks", fi, "scope", k),
                    f"'{kind}' is not a kind of system",
                    f"allowed: {', '.join(a for a in (kinds.answers if kinds else []) if a != models.UNKNOWN)}",
                )
        for k, src in enumerate(fw.sources):
            if src not in kb.sources:
                yield locate(
                    fdoc, frel, ("frameworks", fi, "sources", k), f"unknown source '{src}'"
                )
        for ti, term in enumerate(fw.terms):
            for mi, mapping in enumerate(term.maps_to):
                if mapping.target not in nodes:
                    yield locate(
                        fdoc,
                        frel,
                        ("frameworks", fi, "terms", ti, "maps_to", mi, "target"),
                        f"unknown label or subtype '{mapping.target}'",
                        _suggest(mapping.target, nodes),
                    )
            yield from _check_condition(
                kb, term.when, fdoc, frel, ("frameworks", fi, "terms", ti, "when"), allow_label=True
            )
    # every id is unique across kinds, so `misgen explain ID` is unambiguous
    owners: dict[str, str] = {}
    for kind, keys in (("signal", kb.signals), ("label", kb.labels), ("framework", kb.frameworks)):
        for key in keys:
            if ids.fold(key) in owners:
                yield locate(
                    None,
                    "taxonomy",
                    (),
                    f"{kind} id '{key}' is also used by a {owners[ids.fold(key)]}",
                    "ids must be unique across kinds",
                )
            owners[ids.fold(key)] = kind


def _check_condition(
    kb: KnowledgeBase,
    node: models.Condition,
    doc: Document | None,
    rel: str,
    path: tuple[str | int, ...],
    allow_label: bool = False,
) -> Iterator[Problem]:
    if isinstance(node, (models.AllNode, models.AnyNode)):
        key = "all" if isinstance(node, models.AllNode) else "any"
        for i, child in enumerate(node.all if isinstance(node, models.AllNode) else node.any):
            yield from _check_condition(kb, child, doc, rel, path + (key, i), allow_label)
    elif isinstance(node, models.NotNode):
        yield from _check_condition(kb, node.not_, doc, rel, path + ("not",), allow_label)
    elif isinstance(node, models.AtLeastNode):
        if node.at_least > len(node.of):
            yield locate(
                doc,
                rel,
                path + ("at-least",),
                f"at-least {node.at_least} of only {len(node.of)} conditions can never be true",
            )
        for i, child in enumerate(node.of):
            yield from _check_condition(kb, child, doc, rel, path + ("of", i), allow_label)
    elif isinstance(node, (models.IsNode, models.InNode)):
        signal = kb.signals.get(node.signal)
        if signal is None:
            yield locate(
                doc,
                rel,
                path + ("signal",),
                f"unknown signal '{node.signal}'",
                _suggest(node.signal, kb.signals),
            )
            return
        values = [node.is_] if isinstance(node, models.IsNode) else node.in_
        for value in values:
            if value not in signal.answers:
                yield locate(
                    doc,
                    rel,
                    path + (("is",) if isinstance(node, models.IsNode) else ("in",)),
                    f"'{value}' is not an answer of signal '{signal.id}'",
                    f"allowed: {', '.join(signal.answers)}",
                )
    elif isinstance(node, models.UseNode):
        if allow_label:
            yield locate(
                doc, rel, path + ("use",), "'use' is only available in classifier/rules.yaml"
            )
        elif node.use not in kb.definitions:
            yield locate(
                doc,
                rel,
                path + ("use",),
                f"unknown definition '{node.use}'",
                _suggest(node.use, kb.definitions),
            )
    elif isinstance(node, models.LabelNode):
        if not allow_label:
            yield locate(
                doc,
                rel,
                path + ("label",),
                "'label' conditions are only allowed in framework terms (rules must never read labels)",
            )
        elif node.label not in kb.labels and node.label not in kb.subtypes:
            yield locate(doc, rel, path + ("label",), f"unknown label or subtype '{node.label}'")
