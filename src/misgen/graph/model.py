"""The relation graph as plain data: typed nodes and typed edges derived from the knowledge base.

This module never imports networkx, so the integrity checks that ``misgen validate`` runs
cost a few milliseconds; :func:`misgen.graph.build` wraps the same nodes and edges in a
``networkx.MultiDiGraph``.

Node ids are ``kind:ref`` (``case:coinrun-go-right``, ``subtype:misspecification.spec-level``,
``term:framework:term``), so a case and a source that happen to share a slug never collide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from misgen import models
from misgen.conditions import signals_in
from misgen.graph.kinds import KINDS as KINDS  # the graph's node kinds, re-exported

if TYPE_CHECKING:
    import networkx as nx  # type: ignore[import-untyped,unused-ignore]

    from misgen.kb import KnowledgeBase

#: what the drawings show when neither --focus nor --kind narrows the graph
OVERVIEW_KINDS: frozenset[str] = frozenset({"label", "subtype", "case", "framework", "term"})

TAXONOMY_RELATIONS: tuple[str, ...] = ("often-confused-with", "can-co-occur-with", "can-lead-to")
CASE_LINKS: tuple[str, ...] = (
    "variant-of",
    "same-mechanism-as",
    "contrast-with",
    "follow-up-of",
    "analogous-to",
)
#: every edge type, in the order legends list them
EDGE_TYPES: tuple[str, ...] = (
    "subtype-of",
    *TAXONOMY_RELATIONS,
    "curated-as",
    "classified-as",
    *CASE_LINKS,
    "has-term",
    "maps-to",
    "supports",
    "uses-signal",
    "cites",
)
#: edge types whose direction carries no meaning (drawn without an arrowhead)
SYMMETRIC: frozenset[str] = frozenset(
    {
        "often-confused-with",
        "can-co-occur-with",
        "same-mechanism-as",
        "contrast-with",
        "analogous-to",
    }
)

FILES = {
    "label": "taxonomy/labels.yaml",
    "subtype": "taxonomy/labels.yaml",
    "signal": "taxonomy/signals.yaml",
    "framework": "taxonomy/frameworks.yaml",
    "term": "taxonomy/frameworks.yaml",
    "source": "taxonomy/sources.yaml",
    "rule": "classifier/rules.yaml",
}


def node_id(kind: str, ref: str) -> str:
    """The graph id of a data object.

    >>> node_id("case", "coinrun-go-right")
    'case:coinrun-go-right'
    """
    return f"{kind}:{ref}"


def split_id(nid: str) -> tuple[str, str]:
    """``'term:fw:t'`` -> ``('term', 'fw:t')``."""
    kind, _, ref = nid.partition(":")
    return kind, ref


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    type: str
    attrs: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Parts:
    """Nodes (id -> attributes, insertion-ordered) and edges, before networkx sees them."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    #: edges whose far end is not a node (only in data that failed validation)
    dangling: list[Edge] = field(default_factory=list)
    #: nodes the data refers to from outside any node: sources cited by a relation (an
    #: edge), signals read by a policy caveat. They are not orphans.
    referenced: set[str] = field(default_factory=set)

    def node(self, kind: str, ref: str, **attrs: Any) -> None:
        nid = node_id(kind, ref)
        if nid not in self.nodes:
            self.nodes[nid] = {"kind": kind, "ref": ref, **attrs}

    def edge(self, source: str, target: str, type_: str, **attrs: Any) -> None:
        edge = Edge(source, target, type_, attrs)
        (self.edges if source in self.nodes and target in self.nodes else self.dangling).append(
            edge
        )


def _taxonomy_ref(kb: KnowledgeBase, ref: str) -> str:
    return node_id("subtype" if ref in kb.subtypes else "label", ref)


def collect(kb: KnowledgeBase, verdicts: dict[str, str | None] | None = None) -> Parts:
    """Derive every node and edge from ``kb``.

    ``verdicts`` maps case id to the classifier's primary label (``None`` when undetermined);
    without it no ``classified-as`` edges are made (the integrity checks do not need them).
    """
    parts = Parts()
    _taxonomy_nodes(kb, parts)
    _source_nodes(kb, parts)
    for cid in sorted(kb.cases):
        case = kb.cases[cid]
        verdict = (
            {} if verdicts is None else {"classified": verdicts.get(cid)}
        )  # None: undetermined
        parts.node(
            "case",
            cid,
            name=case.title,
            case_kind=case.kind,
            domain=case.domain,
            curated=case.curated.labels[0],
            secondary=list(case.curated.labels[1:]),
            subtype=case.curated.subtype,
            **verdict,
            file=kb.case_paths.get(cid, f"cases/{cid}.yaml"),
        )
    _taxonomy_edges(kb, parts)
    _rule_parts(kb, parts)
    _framework_parts(kb, parts)
    _case_edges(kb, parts, verdicts)
    return parts


def _taxonomy_nodes(kb: KnowledgeBase, parts: Parts) -> None:
    for order, label in enumerate(kb.labels.values()):
        parts.node(
            "label",
            label.id,
            name=label.name,
            order=order,
            goal_failure=label.goal_failure,
            file=FILES["label"],
        )
        for sub_order, sub in enumerate(label.subtypes):
            parts.node(
                "subtype",
                sub.id,
                name=sub.name,
                order=order * 1000 + sub_order,
                label=label.id,
                file=FILES["subtype"],
            )
    for sid in sorted(kb.signals):
        parts.node("signal", sid, name=sid, title=kb.signals[sid].question, file=FILES["signal"])
    for order, rule in enumerate(kb.rules):
        parts.node(
            "rule",
            rule.id,
            name=rule.id,
            title=rule.message,
            label=rule.label,
            role=rule.role,
            order=order,
            file=FILES["rule"],
        )
    for order, framework in enumerate(kb.frameworks.values()):
        parts.node(
            "framework", framework.id, name=framework.name, order=order, file=FILES["framework"]
        )
        for term_order, term in enumerate(framework.terms):
            parts.node(
                "term",
                f"{framework.id}:{term.id}",
                name=term.name,
                framework=framework.id,
                order=order * 1000 + term_order,
                file=FILES["term"],
            )


def _source_nodes(kb: KnowledgeBase, parts: Parts) -> None:
    def add(src: models.Source, file: str) -> None:
        parts.node(
            "source",
            src.id,
            name=src.title,
            year=src.year,
            verified=src.verified,
            url=src.locator(),
            file=file,
        )

    for sid in sorted(kb.sources):
        add(kb.sources[sid], FILES["source"])


def _cites(parts: Parts, source: str, refs: list[str]) -> None:
    for ref in sorted(set(refs)):
        parts.edge(source, node_id("source", ref), "cites")


def _taxonomy_edges(kb: KnowledgeBase, parts: Parts) -> None:
    for label in kb.labels.values():
        _cites(parts, node_id("label", label.id), label.sources)
        for sub in label.subtypes:
            parts.edge(node_id("subtype", sub.id), node_id("label", label.id), "subtype-of")
            _cites(parts, node_id("subtype", sub.id), sub.sources)
    for rel in sorted(kb.relations, key=lambda r: r.id):
        parts.edge(
            _taxonomy_ref(kb, rel.source),
            _taxonomy_ref(kb, rel.target),
            rel.type,
            relation=rel.id,
            sources=sorted(rel.sources),
        )
        parts.referenced.update(node_id("source", ref) for ref in rel.sources)
    for caveat in getattr(kb.policy, "caveats", None) or ():
        parts.referenced.update(
            node_id("signal", sid) for sid in signals_in(caveat.when, kb.definitions)
        )


def _rule_parts(kb: KnowledgeBase, parts: Parts) -> None:
    for rule in kb.rules:
        rid = node_id("rule", rule.id)
        parts.edge(rid, node_id("label", rule.label), "supports", role=rule.role)
        subtypes = {rule.subtype} if rule.subtype else set()
        subtypes |= set(rule.subtype_by.map.values()) if rule.subtype_by else set()
        for sub in sorted(subtypes):
            parts.edge(rid, node_id("subtype", sub), "supports", role="subtype")
        used = set(signals_in(rule.when, kb.definitions))
        used |= set(signals_in(rule.unless, kb.definitions)) if rule.unless else set()
        used |= {rule.subtype_by.signal} if rule.subtype_by else set()
        for sid in sorted(used):
            parts.edge(rid, node_id("signal", sid), "uses-signal")
        _cites(parts, rid, rule.sources)


def _framework_parts(kb: KnowledgeBase, parts: Parts) -> None:
    for fid in sorted(kb.frameworks):
        framework = kb.frameworks[fid]
        _cites(parts, node_id("framework", fid), framework.sources)
        for term in sorted(framework.terms, key=lambda t: t.id):
            tid = node_id("term", f"{fid}:{term.id}")
            parts.edge(node_id("framework", fid), tid, "has-term")
            for mapping in sorted(term.maps_to, key=lambda m: m.target):
                parts.edge(tid, _taxonomy_ref(kb, mapping.target), "maps-to", fit=mapping.fit)
            for sid in sorted(set(signals_in(term.when, {}))):
                parts.edge(tid, node_id("signal", sid), "uses-signal")


def _case_edges(kb: KnowledgeBase, parts: Parts, verdicts: dict[str, str | None] | None) -> None:
    for cid in sorted(kb.cases):
        case = kb.cases[cid]
        me = node_id("case", cid)
        for index, label in enumerate(case.curated.labels):
            parts.edge(
                me,
                node_id("label", label),
                "curated-as",
                role="primary" if index == 0 else "secondary",
            )
        if case.curated.subtype:
            parts.edge(me, node_id("subtype", case.curated.subtype), "curated-as", role="subtype")
        verdict = (verdicts or {}).get(cid)
        if verdict is not None:
            parts.edge(
                me,
                node_id("label", verdict),
                "classified-as",
                agrees=verdict == case.curated.labels[0],
            )
        for link in sorted(case.links, key=lambda lk: (lk.type, lk.case)):
            parts.edge(me, node_id("case", link.case), link.type)
        _cites(parts, me, [c.source for c in case.citations()])


def build(kb: KnowledgeBase) -> nx.MultiDiGraph:
    """The relation graph of ``kb``, classifying every case for its ``classified-as`` edge.

    Node ids are ``kind:ref``; every node has ``kind``, ``ref`` and ``name``; every edge has
    ``type`` (also its key, so parallel edges of different types coexist).

    >>> from misgen.kb import load
    >>> from misgen.root import find_root
    >>> g = build(load(find_root()))
    >>> g.nodes["case:coinrun-go-right"]["kind"]
    'case'
    >>> {t for _, _, t in g.edges(keys=True)} >= {"subtype-of", "curated-as", "classified-as", "maps-to"}
    True
    """
    import networkx as nx  # type: ignore[import-untyped,unused-ignore]

    from misgen.graph.style import colours_for

    verdicts: dict[str, str | None] | None = None
    if kb.policy is not None:  # a knowledge base that failed validation cannot classify
        from misgen.engine import Classifier

        clf = Classifier.from_kb(kb)
        verdicts = {cid: clf.decide(case.signals).primary for cid, case in kb.cases.items()}
    parts = collect(kb, verdicts)
    graph = nx.MultiDiGraph(name="misgen")
    graph.add_nodes_from(parts.nodes.items())
    # every view keeps the full label -> colour map, so a label looks the same in all of them
    graph.graph["label_colours"] = colours_for(
        [a for a in parts.nodes.values() if a["kind"] == "label"]
    )
    for edge in sorted(parts.edges, key=lambda e: (e.source, e.target, e.type)):
        graph.add_edge(edge.source, edge.target, key=edge.type, type=edge.type, **edge.attrs)
    return graph
