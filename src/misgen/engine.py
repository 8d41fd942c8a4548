"""The classification engine: pure functions from signal answers to an explained verdict.

No I/O, no printing, and no access to curated labels: :func:`classify` receives only the
answers (``signal id -> Answer``) and the rule base. Conditions are evaluated in Kleene's
three-valued logic (``True``, ``False``, ``None`` for unknown), so an unanswered signal
never counts as "no". A rule fires when its ``when`` is True and its ``unless`` is not
True. Because Kleene logic is monotone in information, answering an unknown signal can
never un-fire a rule whose ``when`` was already True (``unless`` aside).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from misgen import models
from misgen.models import UNKNOWN

if TYPE_CHECKING:
    from misgen.kb import KnowledgeBase

Truth = bool | None


@dataclass(frozen=True)
class Trace:
    """One evaluated condition node, with its children."""

    op: str
    value: Truth
    name: str | None = None
    signal: str | None = None
    expected: tuple[str, ...] = ()
    actual: str | None = None
    strength: str | None = None
    threshold: int | None = None
    children: tuple[Trace, ...] = ()


@dataclass(frozen=True)
class Fired:
    rule: str
    label: str
    role: str
    subtype: str | None
    trace: Trace
    unless: Trace | None
    grade: str


@dataclass(frozen=True)
class NearMiss:
    rule: str
    label: str
    signal: str
    current: str
    needed: str


@dataclass(frozen=True)
class Question:
    signal: str
    question: str
    impact: int
    outcomes: tuple[tuple[str, str], ...]  # (answer, resulting verdict summary)


@dataclass(frozen=True)
class Perspective:
    framework: str
    name: str
    terms: tuple[str, ...]
    possible: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    case: str | None
    status: str
    primary: str | None
    labels: tuple[str, ...]
    subtype: str | None
    fired: tuple[Fired, ...]
    near_misses: tuple[NearMiss, ...] = ()
    questions: tuple[Question, ...] = ()
    perspectives: tuple[Perspective, ...] = ()
    evidence_grade: str = "none"
    caveats: tuple[tuple[str, str], ...] = ()

    def summary(self) -> str:
        if self.primary is None:
            return "undetermined"
        text = " + ".join(self.labels)
        return f"{text} ({self.subtype})" if self.subtype else text


# --------------------------------------------------------------------------- evaluation


def signals_in(
    node: models.Condition,
    definitions: Mapping[str, models.Definition],
    seen: frozenset[str] = frozenset(),
) -> set[str]:
    """Every signal a condition reads, following ``use`` into definitions (cycle-safe).

    The one place that walks a condition tree for its signals; the classifier, the graph,
    the docs and ``misgen explain`` all use it.
    """
    if isinstance(node, (models.IsNode, models.InNode)):
        return {node.signal}
    if isinstance(node, models.UseNode):
        definition = definitions.get(node.use)
        if definition is None or node.use in seen:
            return set()
        return signals_in(definition.when, definitions, seen | {node.use})
    if isinstance(node, models.NotNode):
        return signals_in(node.not_, definitions, seen)
    out: set[str] = set()
    for child in (
        getattr(node, "all", None) or getattr(node, "any", None) or getattr(node, "of", None) or []
    ):
        out |= signals_in(child, definitions, seen)
    return out


@dataclass(frozen=True)
class Decision:
    """The bare outcome of the rules, without explanations (cheap)."""

    status: str
    primary: str | None
    labels: tuple[str, ...]
    subtype: str | None


_NO_TRACE = Trace("none", True)


def _and(values: list[Truth]) -> Truth:
    if any(v is False for v in values):
        return False
    return True if all(v is True for v in values) else None


def _or(values: list[Truth]) -> Truth:
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


class Classifier:
    """The rule base, ready to classify. Build it once with :meth:`from_kb`."""

    def __init__(
        self,
        signals: Mapping[str, models.Signal],
        rules: tuple[models.Rule, ...],
        definitions: Mapping[str, models.Definition],
        policy: models.Policy,
        labels: Mapping[str, models.Label],
        frameworks: Mapping[str, models.Framework],
    ) -> None:
        self.signals = signals
        self.rules = rules
        self.definitions = definitions
        self.policy = policy
        self.labels = labels
        self.frameworks = frameworks
        self.rank = {lab: i for i, lab in enumerate(policy.precedence)}
        self.grade_rank = {g: i for i, g in enumerate(policy.grade_order)}
        self.rule_signals = {
            r.id: sorted(
                signals_in(r.when, definitions)
                | (signals_in(r.unless, definitions) if r.unless else set())
            )
            for r in rules
        }

    @classmethod
    def from_kb(cls, kb: KnowledgeBase) -> Classifier:
        assert kb.policy is not None, "a knowledge base with problems cannot classify"
        return cls(kb.signals, kb.rules, kb.definitions, kb.policy, kb.labels, kb.frameworks)

    # -- conditions ---------------------------------------------------------

    def evaluate(
        self,
        node: models.Condition,
        values: Mapping[str, str],
        strengths: Mapping[str, str | None],
        verdict_labels: frozenset[str] | None = None,
    ) -> Trace:
        """Evaluate one condition tree in three-valued logic and return its trace."""
        name = node.name
        if isinstance(node, (models.IsNode, models.InNode)):
            expected = (node.is_,) if isinstance(node, models.IsNode) else tuple(node.in_)
            actual = values.get(node.signal, UNKNOWN)
            if actual in expected:
                value: Truth = True
            elif actual == UNKNOWN:
                value = None
            else:
                value = False
            return Trace(
                "is" if isinstance(node, models.IsNode) else "in",
                value,
                name,
                node.signal,
                expected,
                actual,
                strengths.get(node.signal),
            )
        if isinstance(node, models.AllNode):
            kids = tuple(self.evaluate(c, values, strengths, verdict_labels) for c in node.all)
            return Trace("all", _and([k.value for k in kids]), name, children=kids)
        if isinstance(node, models.AnyNode):
            kids = tuple(self.evaluate(c, values, strengths, verdict_labels) for c in node.any)
            return Trace("any", _or([k.value for k in kids]), name, children=kids)
        if isinstance(node, models.NotNode):
            kid = self.evaluate(node.not_, values, strengths, verdict_labels)
            return Trace("not", None if kid.value is None else not kid.value, name, children=(kid,))
        if isinstance(node, models.AtLeastNode):
            kids = tuple(self.evaluate(c, values, strengths, verdict_labels) for c in node.of)
            yes = sum(k.value is True for k in kids)
            maybe = sum(k.value is None for k in kids)
            value = (
                True if yes >= node.at_least else (None if yes + maybe >= node.at_least else False)
            )
            return Trace("at-least", value, name, threshold=node.at_least, children=kids)
        if isinstance(node, models.UseNode):
            definition = self.definitions[node.use]
            kid = self.evaluate(definition.when, values, strengths, verdict_labels)
            return Trace(
                "use", kid.value, name or definition.name, expected=(node.use,), children=(kid,)
            )
        if isinstance(node, models.LabelNode):
            if verdict_labels is None:
                return Trace("label", None, name, expected=(node.label,))
            return Trace("label", node.label in verdict_labels, name, expected=(node.label,))
        raise TypeError(f"unknown condition node {type(node).__name__}")  # pragma: no cover

    def truth(
        self,
        node: models.Condition,
        values: Mapping[str, str],
        verdict_labels: frozenset[str] | None = None,
    ) -> Truth:
        """The value :meth:`evaluate` would give, without building a trace (the hot path)."""
        if isinstance(node, models.IsNode):
            actual = values.get(node.signal, UNKNOWN)
            return True if actual == node.is_ else (None if actual == UNKNOWN else False)
        if isinstance(node, models.InNode):
            actual = values.get(node.signal, UNKNOWN)
            return True if actual in node.in_ else (None if actual == UNKNOWN else False)
        if isinstance(node, models.AllNode):
            out: Truth = True
            for child in node.all:
                value = self.truth(child, values, verdict_labels)
                if value is False:
                    return False
                if value is None:
                    out = None
            return out
        if isinstance(node, models.AnyNode):
            out = False
            for child in node.any:
                value = self.truth(child, values, verdict_labels)
                if value is True:
                    return True
                if value is None:
                    out = None
            return out
        if isinstance(node, models.NotNode):
            value = self.truth(node.not_, values, verdict_labels)
            return None if value is None else not value
        if isinstance(node, models.AtLeastNode):
            kids = [self.truth(c, values, verdict_labels) for c in node.of]
            yes = sum(k is True for k in kids)
            maybe = sum(k is None for k in kids)
            return (
                True if yes >= node.at_least else (None if yes + maybe >= node.at_least else False)
            )
        if isinstance(node, models.UseNode):
            return self.truth(self.definitions[node.use].when, values, verdict_labels)
        if isinstance(node, models.LabelNode):
            return None if verdict_labels is None else node.label in verdict_labels
        raise TypeError(f"unknown condition node {type(node).__name__}")  # pragma: no cover

    def _fires(self, rule: models.Rule, values: Mapping[str, str]) -> bool:
        return self.truth(rule.when, values) is True and (
            rule.unless is None or self.truth(rule.unless, values) is not True
        )

    # -- verdicts -----------------------------------------------------------

    def _grade(self, trace: Trace, negated: bool = False) -> str:
        """The weakest evidence strength among the leaves that made ``trace`` true."""
        worst = self.policy.grade_order[0]
        for leaf in _supporting_leaves(trace, negated):
            grade = leaf.strength or "unstated"
            if self.grade_rank.get(grade, 99) > self.grade_rank.get(worst, 99):
                worst = grade
        return worst

    def _decide(
        self,
        values: Mapping[str, str],
        strengths: Mapping[str, str | None],
        with_traces: bool = True,
    ) -> tuple[str, str | None, tuple[str, ...], str | None, tuple[Fired, ...]]:
        fired: list[Fired] = []
        for rule in self.rules:
            if not self._fires(rule, values):
                continue
            if with_traces:
                when = self.evaluate(rule.when, values, strengths)
                unless = (
                    self.evaluate(rule.unless, values, strengths)
                    if rule.unless is not None
                    else None
                )
            else:
                when, unless = _NO_TRACE, None
            subtype = rule.subtype
            if subtype is None and rule.subtype_by is not None:
                subtype = rule.subtype_by.map.get(values.get(rule.subtype_by.signal, UNKNOWN))
            fired.append(
                Fired(
                    rule.id,
                    rule.label,
                    rule.role,
                    subtype,
                    when,
                    unless,
                    self._grade(when) if with_traces else "",
                )
            )
        labels = {f.label for f in fired}
        goal_labels = {lab for lab in labels if lab not in self.policy.exclusive}
        if goal_labels:
            labels = goal_labels
            fired = [f for f in fired if f.label in labels]
        ordered = tuple(sorted(labels, key=lambda lab: self.rank[lab]))
        primary_candidates = [
            lab for lab in ordered if any(f.label == lab and f.role == "primary" for f in fired)
        ]
        primary = (primary_candidates or list(ordered) or [None])[0]
        if primary is not None:
            ordered = (primary,) + tuple(lab for lab in ordered if lab != primary)
        subtype = next((f.subtype for f in fired if f.label == primary and f.subtype), None)
        if primary is None:
            status = "undetermined"
        elif primary == self.policy.not_a_goal_failure:
            status = "not-a-goal-failure"
        else:
            status = "classified"
        return status, primary, ordered, subtype, tuple(fired)

    def decide(self, answers: Mapping[str, models.Answer]) -> Decision:
        """Labels only, without traces, near misses, questions or perspectives (about 10x faster)."""
        values = {sid: a.answer for sid, a in answers.items()}
        status, primary, labels, subtype, _ = self._decide(values, {}, with_traces=False)
        return Decision(status, primary, labels, subtype)

    def classify(
        self, answers: Mapping[str, models.Answer], case_id: str | None = None, explain: bool = True
    ) -> Verdict:
        """Classify one case from its signal answers (never its curated labels).

        With ``explain=False`` the verdict keeps labels, fired rules with their traces, the
        evidence grade and caveats, but skips near misses, questions and perspectives (the
        expensive parts, not needed for tables and reports).

        >>> from misgen.kb import load
        >>> from misgen.root import find_root
        >>> clf = Classifier.from_kb(load(find_root()))
        >>> clf.classify({}).status
        'undetermined'
        """
        values = {sid: a.answer for sid, a in answers.items()}
        strengths = {sid: a.strength for sid, a in answers.items()}
        status, primary, labels, subtype, fired = self._decide(values, strengths)
        fired_ids = {f.rule for f in fired}
        near = tuple(self._near_misses(values, strengths, fired_ids)) if explain else ()
        questions = (
            tuple(self._questions(values, strengths, (status, primary, labels, subtype)))
            if explain
            else ()
        )
        grade = "none"
        primary_fired = [f for f in fired if f.label == primary]
        if primary_fired:
            grade = min((f.grade for f in primary_fired), key=lambda g: self.grade_rank.get(g, 99))
        verdict_labels = frozenset(labels) | ({subtype} if subtype else set()) if primary else None
        perspectives = (
            tuple(self._perspectives(values, strengths, verdict_labels)) if explain else ()
        )
        caveats = tuple(
            (c.id, c.message) for c in self.policy.caveats if self.truth(c.when, values) is True
        )
        return Verdict(
            case_id,
            status,
            primary,
            labels,
            subtype,
            fired,
            near,
            questions,
            perspectives,
            grade,
            caveats,
        )

    def _near_misses(
        self, values: Mapping[str, str], strengths: Mapping[str, str | None], fired: set[str]
    ) -> Iterator[NearMiss]:
        for rule in self.rules:
            if rule.id in fired:
                continue
            for sid in self.rule_signals[rule.id]:
                current = values.get(sid, UNKNOWN)
                for answer in self.signals[sid].answers:
                    if answer == current or answer == UNKNOWN:
                        continue
                    trial = {**values, sid: answer}
                    if self._fires(rule, trial):
                        if rule.label in self.policy.exclusive:
                            # an exclusive label is dropped when a goal label fires: check it survives
                            fired_after = self._decide(trial, strengths, with_traces=False)[4]
                            if rule.id not in {f.rule for f in fired_after}:
                                continue
                        yield NearMiss(rule.id, rule.label, sid, current, answer)

    def _questions(
        self,
        values: Mapping[str, str],
        strengths: Mapping[str, str | None],
        base: tuple[str, str | None, tuple[str, ...], str | None],
    ) -> Iterator[Question]:
        found = []
        for sid, signal in self.signals.items():
            if values.get(sid, UNKNOWN) != UNKNOWN:
                continue
            impact = 0
            outcomes = []
            for answer in signal.answers:
                if answer == UNKNOWN:
                    continue
                status, primary, labels, subtype, _ = self._decide(
                    {**values, sid: answer}, strengths, with_traces=False
                )
                if (status, primary) != base[:2]:
                    impact += 3
                elif labels != base[2] or subtype != base[3]:
                    impact += 1
                else:
                    continue
                text = (
                    "undetermined"
                    if primary is None
                    else " + ".join(labels) + (f" ({subtype})" if subtype else "")
                )
                outcomes.append((answer, text))
            if impact:
                found.append(Question(sid, signal.question, impact, tuple(outcomes)))
        order = list(self.signals)
        yield from sorted(found, key=lambda q: (-q.impact, order.index(q.signal)))

    def _perspectives(
        self,
        values: Mapping[str, str],
        strengths: Mapping[str, str | None],
        verdict_labels: frozenset[str] | None,
    ) -> Iterator[Perspective]:
        for fw in self.frameworks.values():
            terms, possible = [], []
            for term in fw.terms:
                value = self.truth(term.when, values, verdict_labels)
                if value is True:
                    terms.append(term.id)
                elif value is None:
                    possible.append(term.id)
            yield Perspective(fw.id, fw.name, tuple(terms), tuple(possible))


def _supporting_leaves(trace: Trace, negated: bool = False) -> Iterator[Trace]:
    """Leaves whose answers made a true trace true (under ``not``, the false ones)."""
    if trace.op in ("is", "in"):
        if trace.value is (not negated):
            yield trace
        return
    for child in trace.children:
        yield from _supporting_leaves(child, negated ^ (trace.op == "not"))
