"""Which single answer changes flip a verdict's primary label, without re-deciding everything.

:func:`misgen.evaluation.fragile` asks, for every case and every answered signal, what the
primary label would be with each other answer: about 45 full decisions per case, each
evaluating every rule (the largest part of ``misgen docs``). A changed answer can only
change the rules that read it, or read a conditional signal whose completion
("not-applicable" when its ``applies_when`` is false) it changes. :class:`FlipSearch`
decides the case once, then for each trial re-evaluates only those rules and combines the
result with the engine's own :meth:`~misgen.engine.Classifier._combine`: the same primary
label as :meth:`~misgen.engine.Classifier.decide` on the changed answers, by construction
(tests/test_perf_io.py compares the two on every case and policy).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from misgen.engine import _NO_TRACE, Classifier, Fired
from misgen.models import UNKNOWN


class FlipSearch:
    """One case's base decision, ready for trials that change one answer."""

    def __init__(self, clf: Classifier, answers: Mapping[str, str]) -> None:
        self.clf = clf
        self.raw = dict(answers)
        self.base = clf.complete(dict(answers))
        self.fires = [clf._fires(rule, self.base) for rule in clf.rules]
        self.readers = _readers(clf)

    def primary(self, signal: str, answer: str) -> str | None:
        """The primary label with ``signal`` answered ``answer`` instead."""
        clf = self.clf
        trial = clf.complete({**self.raw, signal: answer})
        base = self.base
        # only this answer, and the completion of conditional signals, can differ
        changed = {signal} | {
            sid for sid in clf.conditional if trial.get(sid, UNKNOWN) != base.get(sid, UNKNOWN)
        }
        fired: list[Fired] = []
        memo: dict[str, bool | None] = {}  # one set of answers: definitions evaluated once
        for index, rule in enumerate(clf.rules):
            fires = (
                clf._fires(rule, trial, memo) if self.readers[index] & changed else self.fires[index]
            )
            if not fires:
                continue
            subtype = rule.subtype
            if subtype is None and rule.subtype_by is not None:
                subtype = rule.subtype_by.map.get(trial.get(rule.subtype_by.signal, UNKNOWN))
            fired.append(Fired(rule.id, rule.label, rule.role, subtype, _NO_TRACE, None, ""))
        return clf._combine(trial, fired, memo)[1]


_READERS: dict[int, tuple[Any, list[frozenset[str]]]] = {}


def _readers(clf: Classifier) -> list[frozenset[str]]:
    """The signals each rule reads (``when`` and ``unless``, through definitions), per classifier."""
    cached = _READERS.get(id(clf))
    if cached is not None and cached[0] is clf:
        return cached[1]
    readers = [frozenset(clf.rule_signals[rule.id]) for rule in clf.rules]
    _READERS.clear()  # one classifier at a time: no growth, no stale ids
    _READERS[id(clf)] = (clf, readers)
    return readers
