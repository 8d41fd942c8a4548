"""How good the suggestions are on the case base (``misgen suggest --eval``), pure.

For each case, the suggestions are made from the case's own ``summary`` and ``setup`` text
only (never its evidence, quotes or curated fields) and compared with its curated answers:

- ``proposed``: cases where the signal got a suggestion; ``correct``: of those, the ones equal
  to the curated answer (a suggestion where the curator answered "unknown" is not correct);
- ``precision`` = correct / proposed; ``coverage`` = the share of the curated answers other
  than "unknown" that got a suggestion (``curated`` counts them);
- ``verdict_agreement``: the share of cases whose verdict from the accepted suggestions
  alone has the curated primary label as its primary label (undetermined never agrees).

Figures are given on every case and split by the cue file's ``tuned_on`` list: the cases
whose text was read while the cues were written, and the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from misgen import models
from misgen.suggest.cueset import CueSet
from misgen.suggest.match import Result, suggest

SCHEMA_VERSION = 1
SETUP_FIELDS = ("training", "intended_goal", "training_signal", "training_behaviour", "what_changed", "failure_behaviour")


def case_text(case: models.Case) -> str:
    """The text suggestions are made from: the summary, then each setup field as a paragraph."""
    parts = [case.summary]
    for name in SETUP_FIELDS:
        parts.append(getattr(case.setup, name))
    return "\n\n".join(parts)


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def figures(
    rows: Iterable[tuple[str, dict[str, str], dict[str, str], bool]], signals: list[str]
) -> dict[str, Any]:
    """Per-signal and overall figures for rows of (case id, suggested answers, curated
    answers, verdict agrees)."""
    rows = list(rows)
    per: dict[str, dict[str, Any]] = {}
    totals = {"proposed": 0, "correct": 0, "curated": 0, "covered": 0}
    for sid in signals:
        proposed = correct = curated = covered = 0
        for _cid, got, want, _agrees in rows:
            mine, theirs = got.get(sid), want.get(sid, models.UNKNOWN)
            if mine is not None:
                proposed += 1
                correct += mine == theirs
            if theirs != models.UNKNOWN:
                curated += 1
                covered += mine is not None
        per[sid] = {
            "proposed": proposed,
            "correct": correct,
            "precision": _ratio(correct, proposed),
            "coverage": _ratio(covered, curated),
            "curated": curated,
        }
        for key, value in (("proposed", proposed), ("correct", correct), ("curated", curated), ("covered", covered)):
            totals[key] += value
    return {
        "cases": len(rows),
        "signals": per,
        "overall": {
            "proposed": totals["proposed"],
            "correct": totals["correct"],
            "precision": _ratio(totals["correct"], totals["proposed"]),
            "coverage": _ratio(totals["covered"], totals["curated"]),
            "curated": totals["curated"],
        },
        "verdict_agreement": _ratio(sum(r[3] for r in rows), len(rows)),
    }


def evaluate(
    cases: dict[str, models.Case],
    cueset: CueSet,
    signals: list[str],
    classify: Callable[[dict[str, models.Answer]], str | None],
    applies: Any = None,
) -> dict[str, Any]:
    """The ``--eval`` report. ``classify``: answers -> primary label (None: undetermined)."""
    rows = []
    for cid, case in sorted(cases.items()):
        result: Result = suggest(case_text(case), cueset, applies)
        got = {sid: s.answer for sid, s in result.suggestions.items()}
        want = {sid: a.answer for sid, a in case.signals.items()}
        answers = {sid: models.Answer(answer=a, strength="inferred") for sid, a in got.items()}
        rows.append((cid, got, want, classify(answers) == case.curated.labels[0]))
    tuned = set(cueset.tuned_on)
    report = {"schema_version": SCHEMA_VERSION, **figures(rows, signals)}
    report["split"] = {
        "tuned": figures([r for r in rows if r[0] in tuned], signals),
        "untuned": figures([r for r in rows if r[0] not in tuned], signals),
    }
    report["tuned_on_missing"] = sorted(tuned - set(cases))
    report["case_ids"] = {"tuned": sorted(tuned & set(cases)), "untuned": sorted(set(cases) - tuned)}
    return report
