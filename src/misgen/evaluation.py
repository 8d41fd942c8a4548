"""The agreement report: classifier verdicts against curated labels (pure).

This is the only module that reads curated labels next to verdicts; the engine never
sees them. Figures are given on every case and twice more, split by whether a rule's
tests cite the case (``fires_on`` / ``silent_on``): the rules were written against the
cited cases, so only the uncited split is anything like an accuracy.

A disagreement is a differing primary label. It is *declared* when the case file's
``curated.disagreement.classifier`` names what the classifier says, with a reason. An
undeclared disagreement, or a declaration that no longer matches, fails ``misgen eval``.
Label-set and subtype differences are reported, never counted as agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from misgen import models
from misgen.engine import Classifier, Verdict
from misgen.kb import KnowledgeBase

SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Row:
    case: str
    title: str
    verdict: Verdict
    curated: tuple[str, ...]
    curated_subtype: str | None

    @property
    def agrees(self) -> bool:
        return self.verdict.primary == self.curated[0]

    @property
    def jaccard(self) -> float:
        got, want = set(self.verdict.labels), set(self.curated)
        return len(got & want) / len(got | want)

    @property
    def subtype_outcome(self) -> str | None:
        """agree / disagree / not_given, for a curated subtype whose label the classifier
        made primary too; None when there is nothing to compare."""
        if self.curated_subtype is None or not self.agrees:
            return None
        if self.verdict.subtype is None:
            return "not_given"
        return "agree" if self.verdict.subtype == self.curated_subtype else "disagree"


def cited_cases(kb: KnowledgeBase) -> set[str]:
    """Cases named by any rule's tests: the rules were written against these."""
    return {cid for rule in kb.rules for cid in (*rule.tests.fires_on, *rule.tests.silent_on)}


def classify_all(
    kb: KnowledgeBase, explain: bool = False, policy: str | None = None
) -> list[Row]:
    """Every case's verdict; ``explain=True`` adds near misses, questions and perspectives."""
    clf = Classifier.from_kb(kb, policy)
    rows = []
    for cid, case in kb.cases.items():
        verdict = clf.classify(case.signals, case_id=cid, explain=explain)
        rows.append(Row(cid, case.title, verdict, tuple(case.curated.labels), case.curated.subtype))
    return rows


def figures(rows: list[Row]) -> dict[str, Any]:
    """Primary agreement, exact label sets, mean Jaccard and subtype outcomes for ``rows``."""
    n = len(rows)
    outcomes = [r.subtype_outcome for r in rows]
    return {
        "cases": n,
        "primary_accuracy": _round(sum(r.agrees for r in rows) / n) if n else None,
        "label_set_exact": _round(sum(set(r.verdict.labels) == set(r.curated) for r in rows) / n)
        if n
        else None,
        "jaccard": _round(sum(r.jaccard for r in rows) / n) if n else None,
        "undetermined": sum(r.verdict.primary is None for r in rows),
        "subtypes": {k: outcomes.count(k) for k in ("agree", "disagree", "not_given")},
    }


def report(
    kb: KnowledgeBase, rows: list[Row], policy: str | None = None, fragility: bool = True
) -> dict[str, Any]:
    assert kb.policy is not None
    named = kb.policy.named(policy)
    labels = list(named.precedence)
    outcomes = labels + ["undetermined"]
    by_label = {lab: sum(r.curated[0] == lab for r in rows) for lab in labels}
    confusion = {cur: {pred: 0 for pred in outcomes} for cur in labels}
    for r in rows:
        confusion[r.curated[0]][r.verdict.primary or "undetermined"] += 1
    per_label = {}
    for lab in labels:
        tp = sum(lab in r.verdict.labels and lab in r.curated for r in rows)
        fp = sum(lab in r.verdict.labels and lab not in r.curated for r in rows)
        fn = sum(lab not in r.verdict.labels and lab in r.curated for r in rows)
        per_label[lab] = {
            "precision": _round(tp / (tp + fp) if tp + fp else None),
            "recall": _round(tp / (tp + fn) if tp + fn else None),
            "support": tp + fn,
        }
    disagreements = []
    for r in rows:
        declared = kb.cases[r.case].curated.disagreement
        said = r.verdict.primary or "undetermined"
        if r.agrees and declared is None:
            continue
        disagreements.append(
            {
                "case": r.case,
                "classifier": said,
                "curated": r.curated[0],
                "declared": declared is not None and declared.classifier == said and not r.agrees,
                "stale": declared is not None and (r.agrees or declared.classifier != said),
                "reason": declared.reason if declared else None,
            }
        )
    differences = [
        {
            "case": r.case,
            "classifier_labels": list(r.verdict.labels),
            "curated_labels": list(r.curated),
            "classifier_subtype": r.verdict.subtype,
            "curated_subtype": r.curated_subtype,
            "subtype": r.subtype_outcome,
        }
        for r in rows
        if r.agrees and (set(r.verdict.labels) != set(r.curated) or r.subtype_outcome in ("disagree", "not_given"))
    ]
    cited = cited_cases(kb)
    out = {
        "schema_version": SCHEMA_VERSION,
        "policy": named.id,
        **figures(rows),
        "by_label": by_label,
        "split": {
            "uncited": figures([r for r in rows if r.case not in cited]),
            "cited": figures([r for r in rows if r.case in cited]),
        },
        "cited_cases": sorted(c for c in cited if c in kb.cases),
        "per_label": per_label,
        "confusion": confusion,
        "disagreements": disagreements,
        "differences": differences,
        "fragile": fragile(kb, rows, policy) if fragility else [],
    }
    return out


def fragile(kb: KnowledgeBase, rows: list[Row], policy: str | None = None) -> list[dict[str, Any]]:
    """Verdicts one answer away from another primary label.

    For every case and every answer the curator gave (not "unknown"), try each other
    answer of that signal; report the answers whose change alone changes the primary
    label, with the strength of the answer the verdict hinges on. Cases absent here need
    at least two changed answers (or only answers to unknowns) to flip.
    """
    from misgen.flips import FlipSearch  # decide() on the changed answers, incrementally

    clf = Classifier.from_kb(kb, policy)
    found = []
    for r in rows:
        answers = kb.cases[r.case].signals
        search = FlipSearch(clf, {sid: a.answer for sid, a in answers.items()})
        for sid, answer in answers.items():
            if answer.answer in (models.UNKNOWN, models.NOT_APPLICABLE) or sid not in kb.signals:
                continue
            flips = []
            for other in kb.signals[sid].answers:
                if other == answer.answer:
                    continue
                primary = search.primary(sid, other)
                if primary != r.verdict.primary:
                    flips.append({"to": other, "primary": primary or "undetermined"})
            if flips:
                found.append(
                    {
                        "case": r.case,
                        "answer": sid,
                        "current": answer.answer,
                        "strength": answer.strength,
                        "flips": flips,
                    }
                )
    return found


def compare_policies(kb: KnowledgeBase) -> dict[str, Any]:
    """Figures under every named policy, and the cases whose primary label differs."""
    assert kb.policy is not None
    names = [p.id for p in kb.policy.policies]
    runs = {name: classify_all(kb, policy=name) for name in names}
    cited = cited_cases(kb)
    figures_by = {
        name: {
            **figures(rows),
            "uncited": figures([r for r in rows if r.case not in cited]),
        }
        for name, rows in runs.items()
    }
    flips = []
    for i, cid in enumerate(kb.cases):
        primaries = {name: runs[name][i].verdict.primary or "undetermined" for name in names}
        if len(set(primaries.values())) > 1:
            flips.append(
                {"case": cid, "curated": kb.cases[cid].curated.labels[0], "primary": primaries}
            )
    return {
        "schema_version": SCHEMA_VERSION,
        "default": kb.policy.default,
        "policies": figures_by,
        "flips": flips,
    }


def failing(rep: dict[str, Any]) -> list[dict[str, Any]]:
    """Disagreements that fail CI: undeclared, or declared but no longer true."""
    return [d for d in rep["disagreements"] if not d["declared"]]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
