"""Checks of each case file against the taxonomy, its sources and the other cases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from misgen import ids, models
from misgen.conditions import condition_text, truth
from misgen.kb.base import KnowledgeBase, _dupes, _suggest
from misgen.kb.rule_checks import _plain
from misgen.loading import locate
from misgen.problems import InputError, Problem
from misgen.yamlio import Document, parse


def check_cases(
    kb: KnowledgeBase, case_docs: dict[str, tuple[Document | None, str]]
) -> Iterator[Problem]:
    drafted: dict[str, str] = {}  # draft source id -> the file that defines it first
    for cid, case in kb.cases.items():
        doc, rel = case_docs[cid]
        yield from _check_case(kb, case, doc, rel)
        yield from _check_drafts(kb, case, doc, rel, drafted)


def _check_drafts(
    kb: KnowledgeBase, case: models.Case, doc: Document | None, rel: str, drafted: dict[str, str]
) -> Iterator[Problem]:
    """A work is defined once: a draft record must not repeat the bibliography or another draft."""
    for i, src in enumerate(case.sources):
        if not isinstance(src, models.Source):
            continue
        if src.id not in kb.drafts:
            yield locate(
                doc,
                rel,
                ("sources", i, "id"),
                f"source '{src.id}' is already defined in taxonomy/sources.yaml",
                f"cite it instead: '- source: {src.id}' (run 'misgen migrate {rel}')",
            )
        elif src.id in drafted:
            yield locate(
                doc,
                rel,
                ("sources", i, "id"),
                f"source '{src.id}' is also defined in {drafted[src.id]}",
                "run 'misgen migrate' on both files: the record moves to taxonomy/sources.yaml once",
            )
        else:
            drafted[src.id] = rel


#: a quote anchors an answer in a few words of the source; longer passages are paraphrased
MAX_QUOTE_WORDS = 40


def _check_citations(
    kb: KnowledgeBase, case: models.Case, doc: Document | None, rel: str
) -> Iterator[Problem]:
    for i, sid in _dupes(c.source for c in case.citations()):
        yield locate(doc, rel, ("sources", i), f"source '{sid}' is cited twice")
    for i, cite in enumerate(case.citations()):
        if cite.source not in kb.sources:
            yield locate(
                doc,
                rel,
                ("sources", i, "source"),
                f"source '{cite.source}' is not in the bibliography",
                "add one record for the work to taxonomy/sources.yaml (misgen explain SOURCE-ID "
                "shows an existing one), or correct the id: " + _suggest(cite.source, kb.sources),
            )


def draft_records(kb: KnowledgeBase, wanted: set[str]) -> Iterator[Problem]:
    """``--strict``: a source record written in a case file has not reached the bibliography."""
    for cid, case in kb.cases.items():
        rel = kb.case_paths.get(cid, "")
        drafts = [i for i, s in enumerate(case.sources) if isinstance(s, models.Source)]
        if not drafts or rel not in wanted:
            continue
        doc = _reparse(kb.root, rel)
        for i in drafts:
            yield locate(
                doc,
                rel,
                ("sources", i),
                "a source record in a case file: every work is defined once, in taxonomy/sources.yaml",
                f"run 'misgen migrate {rel}' to move it there and cite it by id",
            )


def unanchored(kb: KnowledgeBase, wanted: set[str]) -> Iterator[Problem]:
    """``--strict``: every ``measured`` answer of a case names where its source shows it.

    A case-base rule rather than a data error (the classifier reads answers, not anchors),
    so only ``misgen validate --strict`` (CI, pre-commit) refuses it."""
    for cid, case in kb.cases.items():
        rel = kb.case_paths.get(cid, "")
        if rel not in wanted:
            continue
        bare = [
            s
            for s, a in case.signals.items()
            if a.strength == "measured" and not (a.quote or a.locator)
        ]
        if not bare:
            continue
        doc = _reparse(kb.root, rel)
        for sid in bare:
            yield locate(
                doc,
                rel,
                ("signals", sid, "strength"),
                "a measured answer needs a quote or a locator",
                "add locator: (section, page, figure or table of the source) and, if you read the text, "
                "quote: (its words, at most 40); without one, grade it 'inferred'",
            )


def _reparse(root: Path, rel: str) -> Document | None:
    path = Path(rel) if Path(rel).is_absolute() else root / rel
    try:
        return parse(path.read_text(encoding="utf-8"), rel)
    except (OSError, UnicodeDecodeError, InputError):
        return None


def _check_anchor(
    answer: models.Answer, doc: Document | None, rel: str, path: tuple[str | int, ...]
) -> Iterator[Problem]:
    """Evidence anchors: a measured answer names where the source shows it."""
    if answer.suggested:
        yield locate(
            doc,
            rel,
            path + ("suggested",),
            "a suggested answer is not evidence yet",
            "check it against the source, then delete 'suggested: true' (or answer \"unknown\")",
        )
    if answer.quote is not None:
        words = len(answer.quote.split())
        if words > MAX_QUOTE_WORDS:
            yield locate(
                doc,
                rel,
                path + ("quote",),
                f"the quote has {words} words (at most {MAX_QUOTE_WORDS})",
                "quote the few words that carry the point; paraphrase the rest in evidence",
            )
    if (answer.quote is not None or answer.locator is not None) and answer.source is None:
        yield locate(
            doc,
            rel,
            path,
            "a quote or locator needs the source it comes from",
            "add source: (a cited source id)",
        )


def _check_case(
    kb: KnowledgeBase,
    case: models.Case,
    doc: Document | None,
    rel: str,
) -> Iterator[Problem]:
    local = {c.source for c in case.citations()}
    yield from _check_citations(kb, case, doc, rel)
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
                f"source '{answer.source}' is not cited by this case",
                "cite it under sources in this file: '- source: ID'",
            )
        yield from _check_anchor(answer, doc, rel, path)
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
                    f"source '{held}' is not cited by this case",
                    "cite it under sources in this file: '- source: ID'",
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
