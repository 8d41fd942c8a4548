"""What every page generator needs: the knowledge base, the verdicts, indexes and page paths.

Everything is computed once, in sorted order, so each page is a pure function of the
context and the whole site is deterministic. Page paths are built only from ids checked
against the id grammar (:func:`misgen.docs.md.check_id`), so no data can place a file
outside the output folder.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from misgen import models
from misgen.docs import md
from misgen.engine import Classifier, Verdict
from misgen.kb import KnowledgeBase

INDEX = "index.md"
LABELS = "labels/index.md"
SIGNALS = "signals/index.md"
RULES = "rules/index.md"
CASES = "cases/index.md"
FRAMEWORKS = "frameworks/index.md"
RELATIONS = "relations.md"
SOURCES = "sources.md"
AGREEMENT = "report.md"
GRAPH = "graph.md"
GRAPH_SVG = "graph.svg"
DEBATE = "debate.md"
MATRIX = "frameworks/matrix.md"


def label_page(label_id: str) -> str:
    return f"labels/{md.check_id(label_id, 'label')}.md"


def subtype_page(subtype_id: str) -> str:
    return f"subtypes/{md.check_id(subtype_id, 'subtype')}.md"


def node_page(node_id: str) -> str:
    """A label or a subtype."""
    return subtype_page(node_id) if "." in node_id else label_page(node_id)


def signal_page(signal_id: str) -> str:
    return f"signals/{md.check_id(signal_id, 'signal')}.md"


def rule_page(rule_id: str) -> str:
    label, name = md.check_id(rule_id, "rule").split("/", 1)
    return f"rules/{label}/{name}.md"


def case_page(case_id: str) -> str:
    return f"cases/{md.check_id(case_id, 'case')}.md"


def framework_page(framework_id: str) -> str:
    return f"frameworks/{md.check_id(framework_id, 'framework')}.md"


@dataclass(frozen=True)
class Context:
    kb: KnowledgeBase
    classifier: Classifier
    verdicts: dict[str, Verdict]
    report: dict[str, Any]
    incoming: dict[str, list[tuple[str, models.Link]]]
    curated_primary: dict[str, list[str]]
    curated_secondary: dict[str, list[str]]
    curated_subtype: dict[str, list[str]]
    classified_primary: dict[str, list[str]]
    classified_subtype: dict[str, list[str]]
    fired_on: dict[str, list[str]]
    bibliography: dict[str, models.Source]
    cited_by: dict[str, list[str]]

    # -- links ------------------------------------------------------------------

    def to(self, here: str, page: str, label: str) -> str:
        """A link from page ``here`` to ``page``; ``label`` is escaped Markdown."""
        return md.link(label, md.rel(here, page))

    def label(self, here: str, label_id: str, name: bool = False) -> str:
        if label_id not in self.kb.labels:
            return md.code(label_id)
        shown = md.text(self.kb.labels[label_id].name) if name else md.code(label_id)
        return self.to(here, label_page(label_id), shown)

    def node(self, here: str, node_id: str, name: bool = False) -> str:
        if node_id in self.kb.labels:
            return self.label(here, node_id, name)
        if node_id in self.kb.subtypes:
            shown = md.text(self.kb.subtypes[node_id].name) if name else md.code(node_id)
            return self.to(here, subtype_page(node_id), shown)
        return md.code(node_id)

    def signal(self, here: str, signal_id: str) -> str:
        if signal_id not in self.kb.signals:
            return md.code(signal_id)
        return self.to(here, signal_page(signal_id), md.code(signal_id))

    def rule(self, here: str, rule_id: str) -> str:
        if not any(r.id == rule_id for r in self.kb.rules):
            return md.code(rule_id)
        return self.to(here, rule_page(rule_id), md.code(rule_id))

    def case(self, here: str, case_id: str, title: bool = True) -> str:
        case = self.kb.cases.get(case_id)
        if case is None:
            return md.code(case_id)
        shown = md.text(case.title) if title else md.code(case_id)
        return self.to(here, case_page(case_id), shown)

    def framework(self, here: str, framework_id: str) -> str:
        fw = self.kb.frameworks.get(framework_id)
        if fw is None:
            return md.code(framework_id)
        return self.to(here, framework_page(framework_id), md.text(fw.name))

    def subtype_short(self, here: str, subtype_id: str) -> str:
        """A subtype linked by the part of its id after the label (for narrow table cells)."""
        if subtype_id not in self.kb.subtypes:
            return md.code(subtype_id)
        return self.to(here, subtype_page(subtype_id), md.code(subtype_id.split(".", 1)[1]))

    def _labels(
        self, here: str, labels: tuple[str, ...] | list[str], subtype: str | None, short: bool
    ) -> str:
        text = " + ".join(self.label(here, lab) for lab in labels)
        if subtype:
            text += f" ({self.subtype_short(here, subtype) if short else self.node(here, subtype)})"
        return text

    def outcome(self, here: str, verdict: Verdict, short: bool = False) -> str:
        """A verdict's labels (primary first) and subtype, linked."""
        if verdict.primary is None:
            return "undetermined"
        return self._labels(here, verdict.labels, verdict.subtype, short)

    def curated(self, here: str, case: models.Case, short: bool = False) -> str:
        return self._labels(here, case.curated.labels, case.curated.subtype, short)

    def sources(self, here: str, source_ids: list[str]) -> list[str]:
        """Bullet lines citing taxonomy sources by id."""
        out = []
        for sid in source_ids:
            src = self.bibliography.get(sid)
            out.append(citation(src) if src else md.code(sid))
        return md.bullets(out)


def citation(src: models.Source) -> str:
    """One reference as Markdown; the link only if the locator is a safe http(s) URL."""
    authors = list(src.authors)
    shown = authors if len(authors) <= 8 else authors[:6]
    who = ", ".join(md.text(a) for a in shown) + (", et al." if len(shown) < len(authors) else "")
    where = []
    if src.arxiv:
        where.append(
            md.ext_link(md.text(f"arXiv:{src.arxiv}"), f"https://arxiv.org/abs/{src.arxiv}")
        )
    if src.doi:
        where.append(md.ext_link(md.text(f"doi:{src.doi}"), f"https://doi.org/{src.doi}"))
    if src.url:
        where.append(md.ext_link(md.text(_host(src.url)), src.url))
    line = f"{who} ({src.year}). {md.emph(src.title)}. {md.text(src.venue)}."
    if where:
        line += " " + ", ".join(where) + "."
    if not src.verified:
        line += " " + md.emph("Unverified: " + (src.note or "not checked"))
    return f"{line} {md.code(src.id)}"


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(url).netloc if md.safe_url(url) else ""
    return host.removeprefix("www.") or "link"


def build(kb: KnowledgeBase) -> Context:
    from misgen.evaluation import classify_all, report

    rows = classify_all(kb, explain=True)
    verdicts = {r.case: r.verdict for r in rows}
    incoming: dict[str, list[tuple[str, models.Link]]] = defaultdict(list)
    curated_primary: dict[str, list[str]] = defaultdict(list)
    curated_secondary: dict[str, list[str]] = defaultdict(list)
    curated_subtype: dict[str, list[str]] = defaultdict(list)
    classified_primary: dict[str, list[str]] = defaultdict(list)
    classified_subtype: dict[str, list[str]] = defaultdict(list)
    fired_on: dict[str, list[str]] = defaultdict(list)
    bibliography: dict[str, models.Source] = dict(sorted(kb.sources.items()))
    cited_by: dict[str, list[str]] = defaultdict(list)
    for cid, case in kb.cases.items():
        for lk in case.links:
            incoming[lk.case].append((cid, lk))
        curated_primary[case.curated.labels[0]].append(cid)
        for lab in case.curated.labels[1:]:
            curated_secondary[lab].append(cid)
        if case.curated.subtype:
            curated_subtype[case.curated.subtype].append(cid)
        verdict = verdicts[cid]
        classified_primary[verdict.primary or "undetermined"].append(cid)
        if verdict.subtype:
            classified_subtype[verdict.subtype].append(cid)
        for fired in verdict.fired:
            fired_on[fired.rule].append(cid)
        for cite in case.citations():
            cited_by[cite.source].append(cid)
    return Context(
        kb=kb,
        classifier=Classifier.from_kb(kb),
        verdicts=verdicts,
        report=report(kb, rows),
        incoming=dict(incoming),
        curated_primary=dict(curated_primary),
        curated_secondary=dict(curated_secondary),
        curated_subtype=dict(curated_subtype),
        classified_primary=dict(classified_primary),
        classified_subtype=dict(classified_subtype),
        fired_on=dict(fired_on),
        bibliography=dict(sorted(bibliography.items())),
        cited_by=dict(cited_by),
    )
