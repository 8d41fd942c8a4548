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
from typing import TYPE_CHECKING

from misgen import models
from misgen.conditions import Truth, at_least, compiled, signals_in, truth
from misgen.models import UNKNOWN
from misgen.verdict import (  # re-exported: misgen.engine is where callers find them
    _NO_TRACE,
    Decision,
    Fired,
    NearMiss,
    Perspective,
    Question,
    Trace,
    Verdict,
    summarize,
)

#: the signal that says what kind of system failed (frameworks declare their scope in it)
SYSTEM_KIND = "system-kind"

if TYPE_CHECKING:
    from misgen.kb import KnowledgeBase



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
        policy_name: str | None = None,
    ) -> None:
        self.signals = signals
        self.rules = rules
        self.definitions = definitions
        self.policy = policy
        self.labels = labels
        self.frameworks = frameworks
        self.named = policy.named(policy_name)
        # signals that only apply under a condition (see :meth:`complete`)
        self.conditional = tuple(sid for sid, sig in signals.items() if sig.applies_when is not None)
        self.rank = {lab: i for i, lab in enumerate(self.named.precedence)}
        self.goal_primary = tuple(
            r for r in rules if r.role == "primary" and r.label != policy.not_a_goal_failure
        )
        self.grade_rank: dict[str, int] = {g: i for i, g in enumerate(policy.grade_order)}
        # each rule's when / unless as closures (misgen.conditions.compiled): the hot path
        self._when = {r.id: compiled(r.when) for r in rules}
        self._unless = {r.id: compiled(r.unless) if r.unless is not None else None for r in rules}
        self.rule_signals = {
            r.id: sorted(
                signals_in(r.when, definitions)
                | (signals_in(r.unless, definitions) if r.unless else set())
            )
            for r in rules
        }

    @classmethod
    def from_kb(cls, kb: KnowledgeBase, policy: str | None = None) -> Classifier:
        """The classifier under the named policy (the default one when None); KeyError if unknown."""
        assert kb.policy is not None, "a knowledge base with problems cannot classify"
        return cls(
            kb.signals, kb.rules, kb.definitions, kb.policy, kb.labels, kb.frameworks, policy
        )

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
            value = at_least(node.at_least, [k.value for k in kids])
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
        memo: dict[str, Truth] | None = None,
    ) -> Truth:
        """The value :meth:`evaluate` gives, without a trace (the hot path; one interpreter).
        ``memo`` shares definition values between trees read under the same ``values``."""
        return truth(node, values, self.definitions, verdict_labels, memo)

    def _fires(
        self, rule: models.Rule, values: Mapping[str, str], memo: dict[str, Truth] | None = None
    ) -> bool:
        memo = {} if memo is None else memo
        if self._when[rule.id](values, self.definitions, None, memo) is not True:
            return False
        unless = self._unless[rule.id]
        return unless is None or unless(values, self.definitions, None, memo) is not True

    def complete(self, values: dict[str, str]) -> dict[str, str]:
        """An unanswered signal whose ``applies_when`` is false is "not-applicable": that is
        what the signal means (validate enforces it on case files), not a guess."""
        changed = True
        while changed:  # a condition may read another conditional signal: run to a fixpoint
            changed = False
            for sid in self.conditional:
                if values.get(sid, UNKNOWN) == UNKNOWN:
                    applies = self.truth(self.signals[sid].applies_when, values)  # type: ignore[arg-type]
                    if applies is False:
                        values[sid] = models.NOT_APPLICABLE
                        changed = True
        return values

    def _silent(
        self, rule: models.Rule, values: Mapping[str, str], memo: dict[str, Truth] | None = None
    ) -> bool:
        """Definitely silent: no answer to an unknown signal could make the rule fire
        (``when`` is false, or ``unless`` is true)."""
        memo = {} if memo is None else memo
        if self._when[rule.id](values, self.definitions, None, memo) is False:
            return True
        unless = self._unless[rule.id]
        return unless is not None and unless(values, self.definitions, None, memo) is True

    # -- verdicts -----------------------------------------------------------

    def _grade(self, trace: Trace, negated: bool = False) -> str:
        """The weakest evidence strength among the leaves that made ``trace`` true."""
        worst: str = self.policy.grade_order[0]
        for leaf in _supporting_leaves(trace, negated):
            if leaf.actual == models.NOT_APPLICABLE:
                continue  # follows from other answers, whose strengths are counted themselves
            grade = leaf.strength or "unstated"
            if self.grade_rank.get(grade, 99) > self.grade_rank.get(worst, 99):
                worst = grade
        return worst

    def _decide(
        self,
        values: Mapping[str, str],
        strengths: Mapping[str, str | None],
        with_traces: bool = True,
    ) -> tuple[str, str | None, tuple[str, ...], str | None, tuple[str, ...], tuple[Fired, ...]]:
        """(status, primary, labels, subtype, possible, fired rules)."""
        fired: list[Fired] = []
        memo: dict[str, Truth] = {}  # rules never read labels: definitions are shared
        for rule in self.rules:
            if not self._fires(rule, values, memo):
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
        return (*self._combine(values, fired, memo), tuple(fired))

    def _combine(
        self, values: Mapping[str, str], fired: list[Fired], memo: dict[str, Truth] | None = None
    ) -> tuple[str, str | None, tuple[str, ...], str | None, tuple[str, ...]]:
        """Status, primary, labels (ordered), subtype and possible labels from fired rules.

        A label holds when a primary rule of it fired; precedence only orders the labels that
        hold. Secondary-only labels are possible, never labels. The not-a-goal-failure label
        holds only when every goal rule of role primary is definitely silent; while one is
        unknown, "none" is only possible.
        """
        none = self.policy.not_a_goal_failure
        held = {f.label for f in fired if f.role == "primary"}
        possible = {f.label for f in fired if f.role == "secondary"} - held
        if none in held and (held - {none} or not all(
            self._silent(r, values, memo) for r in self.goal_primary
        )):
            held.discard(none)
            if not held:
                possible.add(none)
        ordered = tuple(sorted(held, key=lambda lab: self.rank[lab]))
        possible_ordered = tuple(sorted(possible, key=lambda lab: self.rank[lab]))
        if not ordered:
            return "undetermined", None, (), None, possible_ordered
        primary = ordered[0]
        subtype = next(
            (f.subtype for f in fired if f.label == primary and f.role == "primary" and f.subtype),
            None,
        )
        status = "not-a-goal-failure" if primary == none else "classified"
        return status, primary, ordered, subtype, possible_ordered

    def decide(self, answers: Mapping[str, models.Answer]) -> Decision:
        """Labels only, without traces, near misses, questions or perspectives (about 10x faster)."""
        values = self.complete({sid: a.answer for sid, a in answers.items()})
        status, primary, labels, subtype, possible, _ = self._decide(values, {}, with_traces=False)
        return Decision(status, primary, labels, subtype, possible)

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
        values = self.complete({sid: a.answer for sid, a in answers.items()})
        strengths = {sid: a.strength for sid, a in answers.items()}
        status, primary, labels, subtype, possible, fired = self._decide(values, strengths)
        fired_ids = {f.rule for f in fired}
        near = tuple(self._near_misses(values, strengths, fired_ids)) if explain else ()
        questions = (
            tuple(self._questions(values, strengths, (status, primary, labels, subtype, possible)))
            if explain
            else ()
        )
        grade = "none"
        primary_fired = [f for f in fired if f.label == primary and f.role == "primary"]
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
            possible,
            self.named.id,
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
                        if rule.label == self.policy.not_a_goal_failure:
                            # "none" holds only when no goal rule can fire: check it would hold
                            if rule.label not in self._decide(trial, strengths, False)[2]:
                                continue
                        yield NearMiss(rule.id, rule.label, sid, current, answer)

    def _questions(
        self,
        values: Mapping[str, str],
        strengths: Mapping[str, str | None],
        base: tuple[str, str | None, tuple[str, ...], str | None, tuple[str, ...]],
    ) -> Iterator[Question]:
        """Unanswered signals whose answer would change the verdict, most decisive first:
        3 points for each answer that changes the status or primary label, 1 for each that
        changes only the other labels, the subtype or the possible labels."""
        found = []
        for sid, signal in self.signals.items():
            if values.get(sid, UNKNOWN) != UNKNOWN:
                continue
            impact = 0
            outcomes = []
            for answer in signal.answers:
                if answer == UNKNOWN:
                    continue
                status, primary, labels, subtype, possible, _ = self._decide(
                    {**values, sid: answer}, strengths, with_traces=False
                )
                if (status, primary) != base[:2]:
                    impact += 3
                elif (labels, subtype, possible) != base[2:]:
                    impact += 1
                else:
                    continue
                outcomes.append((answer, summarize(primary, labels, subtype, possible)))
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
        kind = values.get(SYSTEM_KIND, UNKNOWN)
        for fw in self.frameworks.values():
            if fw.scope and kind != UNKNOWN and kind not in fw.scope:
                yield Perspective(fw.id, fw.name, (), (), applicable=False)
                continue
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


__all__ = [
    "SYSTEM_KIND",
    "_NO_TRACE",
    "Classifier",
    "Decision",
    "Fired",
    "NearMiss",
    "Perspective",
    "Question",
    "Trace",
    "Verdict",
    "summarize",
]
