"""``misgen taxonomy`` and ``misgen explain``: look up any id and describe it."""

from __future__ import annotations

import difflib
from typing import Any

from rich.panel import Panel
from rich.text import Text
from rich.tree import Tree

from misgen import models
from misgen.kb import KnowledgeBase
from misgen.conditions import condition_text
from misgen.output import clean


def lookup(kb: KnowledgeBase, key: str) -> tuple[str, Any] | None:
    if key in kb.labels:
        return "label", kb.labels[key]
    if key in kb.subtypes:
        return "subtype", kb.subtypes[key]
    if key in kb.signals:
        return "signal", kb.signals[key]
    if key in kb.cases:
        return "case", kb.cases[key]
    if key in kb.frameworks:
        return "framework", kb.frameworks[key]
    for rule in kb.rules:
        if rule.id == key:
            return "rule", rule
    for rel in kb.relations:
        if rel.id == key:
            return "relation", rel
    for fw in kb.frameworks.values():
        for term in fw.terms:
            if key in (f"{fw.id}:{term.id}", term.id):
                return "term", (fw, term)
    if key in kb.sources:
        return "source", kb.sources[key]
    if key in kb.positions:
        return "position", kb.positions[key]
    return None


def key_of(kind: str, obj: Any) -> str:
    return f"{obj[0].id}:{obj[1].id}" if kind == "term" else obj.id


def debate(kb: KnowledgeBase, kind: str, obj: Any) -> list[Any]:
    """The debate positions bearing on the explained id, as renderables."""
    from misgen.kb import positions_on

    found = positions_on(kb, key_of(kind, obj))
    if not found:
        return []
    lines = []
    for p in found:
        where = f"{p.source}" + (f", {p.locator}" if p.locator else "")
        lines += [f"{clean(p.id)}: {clean(p.holder)} ({clean(where)})", "  " + clean(p.claim), ""]
    return [Panel(Text("\n".join(lines).rstrip()), title="positions in the debate (taxonomy/debate.yaml)")]


def all_ids(kb: KnowledgeBase) -> list[str]:
    out = [
        *kb.labels,
        *kb.subtypes,
        *kb.signals,
        *kb.cases,
        *kb.frameworks,
        *(r.id for r in kb.rules),
        *(r.id for r in kb.relations),
        *kb.sources,
    ]
    out += [f"{fw.id}:{t.id}" for fw in kb.frameworks.values() for t in fw.terms]
    return out


def suggest(kb: KnowledgeBase, key: str) -> str | None:
    close = difflib.get_close_matches(key, all_ids(kb), n=1, cutoff=0.5)
    return close[0] if close else None


def taxonomy_dict(kb: KnowledgeBase) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "labels": [lab.model_dump(mode="json", by_alias=True) for lab in kb.labels.values()],
        "signals": [s.model_dump(mode="json") for s in kb.signals.values()],
        "relations": [r.model_dump(mode="json") for r in kb.relations],
        "frameworks": [
            f.model_dump(mode="json", by_alias=True, exclude_none=True)
            for f in kb.frameworks.values()
        ],
    }


def taxonomy_tree(kb: KnowledgeBase) -> Tree:
    tree = Tree(Text("misgen taxonomy", style="bold"))
    labels = tree.add(Text("labels", style="bold"))
    for lab in kb.labels.values():
        node = labels.add(Text.assemble((lab.id, "bold cyan"), f"  {clean(lab.name)}"))
        node.add(Text(clean(lab.definition), style="dim"))
        for sub in lab.subtypes:
            node.add(Text.assemble((sub.id, "cyan"), f"  {clean(sub.name)}"))
    signals = tree.add(Text("signals (the diagnostic questions)", style="bold"))
    for sig in kb.signals.values():
        signals.add(
            Text.assemble(
                (sig.id, "green"),
                f"  {clean(sig.question)}  ",
                (f"[{' / '.join(sig.answers)}]", "dim"),
            )
        )
    rels = tree.add(Text("relations", style="bold"))
    for rel in kb.relations:
        rels.add(Text(f"{rel.source} —{rel.type}→ {rel.target}"))
    fws = tree.add(Text("frameworks", style="bold"))
    for fw in kb.frameworks.values():
        fws.add(Text(f"{fw.id}  {clean(fw.name)} ({len(fw.terms)} terms)"))
    return tree


def _cases_for(kb: KnowledgeBase, label: str) -> list[str]:
    return [
        cid
        for cid, c in kb.cases.items()
        if label in c.curated.labels or c.curated.subtype == label
    ]


def as_dict(kb: KnowledgeBase, kind: str, obj: Any) -> dict[str, Any]:
    if kind == "case":
        from misgen.engine import Classifier
        from misgen.serialize import verdict_dict

        verdict = Classifier.from_kb(kb).classify(obj.signals, case_id=obj.id)
        return {
            "kind": kind,
            "id": obj.id,
            "case": obj.model_dump(mode="json"),
            "verdict": verdict_dict(verdict),
        }
    if kind == "term":
        fw, term = obj
        return {
            "kind": kind,
            "id": f"{fw.id}:{term.id}",
            "framework": fw.id,
            **term.model_dump(mode="json", by_alias=True, exclude_none=True),
        }
    data = obj.model_dump(mode="json", by_alias=True, exclude_none=True)
    extra: dict[str, Any] = {}
    if kind in ("label", "subtype"):
        extra["example_cases"] = _cases_for(kb, obj.id)
        extra["rules"] = [r.id for r in kb.rules if r.label == obj.id or r.subtype == obj.id]
        extra["relations"] = [r.id for r in kb.relations if obj.id in (r.source, r.target)]
    return {"kind": kind, **data, **extra}


def as_renderables(kb: KnowledgeBase, kind: str, obj: Any, trace: bool = False) -> list[Any]:
    """What ``misgen explain`` prints; for a case, the compact verdict unless ``trace``."""
    if kind == "case":
        from misgen.engine import Classifier
        from misgen.output import console
        from misgen.render import compact_verdict, verdict_tree

        verdict = Classifier.from_kb(kb).classify(obj.signals, case_id=obj.id)
        curated = " + ".join(obj.curated.labels) + (
            f" ({obj.curated.subtype})" if obj.curated.subtype else ""
        )
        parts: list[Any] = [
            Panel(
                Text(clean(obj.summary)),
                title=Text(clean(obj.title)),
                subtitle=f"{obj.kind} · {obj.domain}",
            ),
            verdict_tree(verdict) if trace else compact_verdict(verdict, None, console().width),
            Text(f"curated: {curated}", style="bold"),
            Text(clean(obj.curated.reasoning)),
        ]
        if obj.curated.disagreement:
            parts.append(
                Text(
                    f"declared disagreement (classifier: {obj.curated.disagreement.classifier}): "
                    + clean(obj.curated.disagreement.reason),
                    style="yellow",
                )
            )
        for dispute in obj.disputes:
            parts.append(
                Text(
                    f"disputed reading: {dispute.reading()} (held by {', '.join(dispute.held_by)}): "
                    + clean(dispute.argument),
                    style="dim",
                )
            )
        return parts
    if kind == "term":
        fw, term = obj
        lines = [
            f"{clean(fw.name)}: {clean(term.name)}",
            "",
            clean(term.definition),
            "",
            "maps to:",
        ]
        lines += [f"  {m.target} ({m.fit}): {clean(m.note)}" for m in term.maps_to]
        return [Panel(Text("\n".join(lines)), title=f"term {fw.id}:{term.id}")]
    if kind == "rule":
        r: models.Rule = obj
        lines = [
            f"label: {r.label} ({r.role})" + (f", subtype {r.subtype}" if r.subtype else ""),
            "",
            clean(r.message),
            "",
            "limitations:",
            *[f"  - {clean(x)}" for x in r.limitations],
            "",
            f"fires on: {', '.join(r.tests.fires_on)}",
            f"silent on: {', '.join(r.tests.silent_on)}",
            f"sources: {', '.join(r.sources)}",
        ]
        return [Panel(Text("\n".join(lines)), title=f"rule {r.id}")]
    if kind == "signal":
        s: models.Signal = obj
        lines = [
            clean(s.question),
            "",
            f"answers: {' / '.join(s.answers)}",
            "",
            "guidance: " + clean(s.guidance),
            "",
            "examples:",
            *(f"  {clean(answer)}: {clean(text)}" for answer, text in s.examples.items()),
        ]
        if s.applies_when is not None:
            lines += ["", f"applies only when {condition_text(s.applies_when)}; otherwise not-applicable"]
        used = [r.id for r in kb.rules if s.id in _rule_signals(kb, r)]
        lines += ["", f"used by rules: {', '.join(used) or '(none: informational)'}"]
        return [Panel(Text("\n".join(lines)), title=f"signal {s.id}")]
    if kind in ("label", "subtype"):
        lines = [clean(obj.name), "", clean(obj.definition)]
        if kind == "label":
            lines += [
                "",
                "necessary conditions:",
                *[f"  - {clean(x)}" for x in obj.condition_texts()],
                "",
                "indicators:",
                *[f"  - {clean(x)}" for x in obj.indicators],
                "",
                "subtypes: " + ", ".join(s.id for s in obj.subtypes),
            ]
        for rel in kb.relations:
            if obj.id in (rel.source, rel.target):
                other = rel.target if rel.source == obj.id else rel.source
                lines += ["", f"{rel.type} {other}: {clean(rel.rationale)}"]
                if rel.deciding_question:
                    lines.append(f"  deciding question: {clean(rel.deciding_question)}")
        lines += [
            "",
            "sources: " + ", ".join(obj.sources),
            "example cases: " + (", ".join(_cases_for(kb, obj.id)) or "-"),
        ]
        return [Panel(Text("\n".join(lines)), title=f"{kind} {obj.id}")]
    if kind == "relation":
        r2: models.Relation = obj
        lines = [f"{r2.source} —{r2.type}→ {r2.target}", "", clean(r2.rationale)]
        if r2.deciding_question:
            lines += ["", "deciding question: " + clean(r2.deciding_question)]
        return [Panel(Text("\n".join(lines)), title=f"relation {r2.id}")]
    if kind == "framework":
        lines = [clean(obj.description), ""] + [
            f"  {obj.id}:{t.id}  {clean(t.name)}" for t in obj.terms
        ]
        # a str Panel title is parsed as rich markup whatever the console says: pass Text
        return [Panel(Text("\n".join(lines)), title=Text(f"framework {clean(obj.name)}"))]
    if kind == "position":
        pos: models.Position = obj
        where = pos.source + (f", {pos.locator}" if pos.locator else "")
        text = f"{pos.holder} ({where})\n\n{pos.claim}\n\nbears on: {', '.join(pos.bears_on)}"
        return [Panel(Text(clean(text)), title=f"position {pos.id}")]
    src: models.Source = obj
    return [
        Panel(
            Text(
                clean(
                    f"{', '.join(src.authors)} ({src.year}). {src.title}. {src.venue}. {src.locator()}"
                )
            ),
            title=f"source {src.id}",
        )
    ]


def _rule_signals(kb: KnowledgeBase, rule: models.Rule) -> set[str]:
    from misgen.conditions import condition_text, signals_in

    return signals_in(rule.when, kb.definitions) | (
        signals_in(rule.unless, kb.definitions) if rule.unless else set()
    )
