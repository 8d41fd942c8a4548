"""Checks of each case file against the taxonomy, its sources and the other cases."""

from __future__ import annotations

from collections.abc import Iterator

from misgen import ids, models
from misgen.conditions import condition_text, truth
from misgen.kb.base import KnowledgeBase, _dupes, _suggest
from misgen.kb.rule_checks import _plain
from misgen.loading import locate
from misgen.problems import Problem
from misgen.yamlio import Document


def check_cases(
    kb: KnowledgeBase, case_docs: dict[str, tuple[Document | None, str]]
) -> Iterator[Problem]:
    bib: dict[str, tuple[str, models.Source]] = {
        sid: ("taxonomy/sources.yaml", s) for sid, s in kb.sources.items()
    }
    for cid, case in kb.cases.items():
        doc, rel = case_docs[cid]
        yield from _check_case(kb, case, doc, rel, bib)


def _check_case(
    kb: KnowledgeBase,
    case: models.Case,
    doc: Document | None,
    rel: str,
    bib: dict[str, tuple[str, models.Source]],
) -> Iterator[Problem]:
    local = {s.id for s in case.sources}
    for i, sid in _dupes(s.id for s in case.sources):
        yield locate(doc, rel, ("sources", i, "id"), f"duplicate source id '{sid}'")
    for i, src in enumerate(case.sources):
        other = bib.get(src.id)
        if other and (other[1].title != src.title or other[1].year != src.year):
            yield locate(
                doc,
                rel,
                ("sources", i, "id"),
                f"source '{src.id}' is also defined in {other[0]} with a different title or year",
                "reuse the same metadata for the same work, or choose a new id",
            )
        bib.setdefault(src.id, (rel, src))
    for sid in kb.signals:
        if sid not in case.signals:
            yield locate(
                doc,
                rel,
                ("signals",),
                f"signal '{sid}' is not answered",
                'add it; answer "unknown" if the evidence is silent',
            )
    for sid, answer in case.signals.items():
        path = ("signals", sid)
        signal = kb.signals.get(sid)
        if signal is None:
            retired = kb.deprecated.get(sid)
            if retired is not None:
                yield locate(
                    doc,
                    rel,
                    path,
                    f"signal '{sid}' was retired in {retired.since} (replaced by {', '.join(retired.replaced_by)})",
                    f"run 'misgen migrate {rel}' to translate this file; nothing is lost",
                )
            else:
                yield locate(doc, rel, path, f"unknown signal '{sid}'", _suggest(sid, kb.signals))
            continue
        if answer.answer not in signal.answers:
            yield locate(
                doc,
                rel,
                path + ("answer",),
                f"'{answer.answer}' is not an answer of '{sid}'",
                f"allowed: {', '.join(signal.answers)}",
            )
        if answer.answer not in (models.UNKNOWN, "not-applicable"):
            for need in ("strength", "evidence", "source"):
                if getattr(answer, need) is None:
                    yield locate(
                        doc,
                        rel,
                        path,
                        f"answer '{answer.answer}' needs {need}",
                        "every known answer states its evidence, its strength and its source",
                    )
        if answer.source is not None and answer.source not in local:
            yield locate(
                doc,
                rel,
                path + ("source",),
                f"unknown source '{answer.source}'",
                "list it under sources in this file",
            )
    values = {sid: a.answer for sid, a in case.signals.items()}
    for sid, signal in kb.signals.items():
        given = case.signals.get(sid)
        if signal.applies_when is None or given is None or not _plain(signal.applies_when):
            continue  # a 'use' or 'label' there is refused by check_taxonomy
        applies = truth(signal.applies_when, values, kb.definitions)
        if applies is False and given.answer not in (models.NOT_APPLICABLE, models.UNKNOWN):
            yield locate(
                doc,
                rel,
                ("signals", sid, "answer"),
                f"'{sid}' only applies when {condition_text(signal.applies_when)}, which this case answers otherwise",
                "answer 'not-applicable'",
            )
        elif applies is True and given.answer == models.NOT_APPLICABLE:
            yield locate(
                doc,
                rel,
                ("signals", sid, "answer"),
                f"'{sid}' applies here ({condition_text(signal.applies_when)})",
                "give an answer, or 'unknown' if the evidence is silent",
            )
    labels = case.curated.labels
    for k, lab in enumerate(labels):
        if lab not in kb.labels:
            yield locate(
                doc,
                rel,
                ("curated", "labels", k),
                f"unknown label '{lab}'",
                _suggest(lab, kb.labels),
            )
    for k, lab in _dupes(labels):
        yield locate(doc, rel, ("curated", "labels", k), f"label '{lab}' is listed twice")
    if case.curated.subtype and (
        case.curated.subtype not in kb.subtypes
        or ids.label_of_subtype(case.curated.subtype) != labels[0]
    ):
        yield locate(
            doc,
            rel,
            ("curated", "subtype"),
            f"'{case.curated.subtype}' is not a subtype of the primary label '{labels[0]}'",
        )
    dis = case.curated.disagreement
    if dis is not None and (dis.classifier not in kb.labels and dis.classifier != "undetermined"):
        yield locate(
            doc,
            rel,
            ("curated", "disagreement", "classifier"),
            f"unknown label '{dis.classifier}'",
            "name a label, or 'undetermined'",
        )
    for k, dispute in enumerate(case.disputes):
        if dispute.label not in kb.labels and dispute.label not in kb.subtypes:
            yield locate(
                doc, rel, ("disputes", k, "label"), f"unknown label or subtype '{dispute.label}'"
            )
        for j, lab in enumerate(dispute.with_labels):
            if lab not in kb.labels:
                yield locate(doc, rel, ("disputes", k, "with_labels", j), f"unknown label '{lab}'")
        for j, held in enumerate(dispute.held_by):
            if held not in local:
                yield locate(
                    doc,
                    rel,
                    ("disputes", k, "held_by", j),
                    f"unknown source '{held}'",
                    "list it under sources in this file",
                )
    for k, link in enumerate(case.links):
        if link.case == case.id:
            yield locate(doc, rel, ("links", k, "case"), "a case cannot link to itself")
        elif link.case not in kb.cases:
            yield locate(
                doc,
                rel,
                ("links", k, "case"),
                f"unknown case '{link.case}'",
                _suggest(link.case, kb.cases),
            )
