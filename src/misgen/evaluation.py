"""The agreement report: classifier verdicts against curated labels (pure).

This is the only module that reads curated labels next to verdicts; the engine never
sees them. A disagreement is a differing primary label. It is *declared* when the case
file's ``curated.disagreement.classifier`` names what the classifier says, with a reason.
An undeclared disagreement, or a declaration that no longer matches, fails ``misgen eval``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from misgen.engine import Classifier, Verdict
from misgen.kb import KnowledgeBase


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


def classify_all(kb: KnowledgeBase, explain: bool = False) -> list[Row]:
    """Every case's verdict; ``explain=True`` adds near misses, questions and perspectives."""
    clf = Classifier.from_kb(kb)
    rows = []
    for cid, case in kb.cases.items():
        verdict = clf.classify(case.signals, case_id=cid, explain=explain)
        rows.append(Row(cid, case.title, verdict, tuple(case.curated.labels), case.curated.subtype))
    return rows


def report(kb: KnowledgeBase, rows: list[Row]) -> dict[str, Any]:
    labels = list(kb.policy.precedence) if kb.policy else sorted(kb.labels)
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
        precision = tp / (tp + fp) if tp + fp else None
        recall = tp / (tp + fn) if tp + fn else None
        per_label[lab] = {
            "precision": _round(precision),
            "recall": _round(recall),
            "support": tp + fn,
        }
    jaccard = [
        len(set(r.verdict.labels) & set(r.curated)) / len(set(r.verdict.labels) | set(r.curated))
        for r in rows
    ]
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
    accuracy = sum(r.agrees for r in rows) / len(rows) if rows else 0.0
    return {
        "schema_version": 1,
        "cases": len(rows),
        "by_label": by_label,
        "primary_accuracy": _round(accuracy),
        "per_label": per_label,
        "jaccard": _round(sum(jaccard) / len(jaccard) if jaccard else 0.0),
        "confusion": confusion,
        "disagreements": disagreements,
    }


def failing(rep: dict[str, Any]) -> list[dict[str, Any]]:
    """Disagreements that fail CI: undeclared, or declared but no longer true."""
    return [d for d in rep["disagreements"] if not d["declared"]]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
