"""Semantics v2: each verdict follows from the label definitions (issue 13).

Behaviour tests on the real rule base, plus property tests of the one interpreter.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from misgen import ids, models
from misgen.conditions import truth
from misgen.engine import Classifier
from misgen.kb import load

ROOT = Path(__file__).resolve().parents[1]
KB = load(ROOT)
CLF = Classifier.from_kb(KB)
GOAL_LABELS = {lab for lab, label in KB.labels.items() if label.goal_failure}


def answers(**values: str) -> dict[str, models.Answer]:
    return {k.replace("_", "-"): models.Answer(answer=v) for k, v in values.items()}


def test_secondary_support_alone_is_never_primary() -> None:
    verdict = CLF.classify(answers(goal_directed="yes", concealment="yes"))
    assert verdict.status == "undetermined"
    assert verdict.primary is None and verdict.labels == ()
    assert "deceptive-alignment" in verdict.possible


def test_retraining_with_competence_unknown_is_undetermined_not_none() -> None:
    verdict = CLF.classify(answers(goal_changed_over_time="yes", change_cause="external-signal"))
    assert verdict.status == "undetermined"
    assert "none" in verdict.possible
    assert any(q.signal == "goal-directed" for q in verdict.questions)


def test_none_needs_goal_rules_false_not_unknown() -> None:
    verdict = CLF.classify(
        answers(goal_directed="no", goal_changed_over_time="yes", change_cause="external-signal")
    )
    assert verdict.status == "not-a-goal-failure"
    assert verdict.labels == ("none",)


def test_adversarial_redirect_mid_conversation_is_not_drift() -> None:
    for cause in ("external-input", "in-context-dynamics"):
        verdict = CLF.classify(
            answers(
                goal_directed="yes",
                goal_changed_over_time="yes",
                change_cause=cause,
                adversarial_input="yes",
            )
        )
        assert "reflective-drift" not in verdict.labels, cause


def test_drift_requires_competence() -> None:
    verdict = CLF.classify(
        answers(goal_directed="no", goal_changed_over_time="yes", change_cause="in-context-dynamics")
    )
    assert "reflective-drift" not in verdict.labels


def test_all_unknown_is_undetermined_with_questions() -> None:
    verdict = CLF.classify({})
    assert verdict.status == "undetermined"
    assert verdict.questions


def test_deception_needs_the_motive_not_just_reasoning_somewhere() -> None:
    base = dict(goal_directed="yes", oversight_conditioned="yes", modification_reasoning="yes")
    assert CLF.classify(answers(**base, modification_motive="no")).primary is None
    held = CLF.classify(answers(**base, modification_motive="yes", planted_conditioning="no"))
    assert held.primary == "deceptive-alignment"
    assert held.subtype == "deceptive-alignment.emergent"


def test_planted_trigger_without_motive_is_only_possible() -> None:
    verdict = CLF.classify(
        answers(goal_directed="yes", oversight_conditioned="yes", planted_conditioning="yes")
    )
    assert verdict.primary is None
    assert "deceptive-alignment" in verdict.possible
    trained = CLF.classify(
        answers(
            goal_directed="yes",
            oversight_conditioned="yes",
            planted_conditioning="yes",
            modification_motive="yes",
        )
    )
    assert trained.subtype == "deceptive-alignment.trained-in"


def test_outside_fault_blocks_every_goal_label() -> None:
    verdict = CLF.classify(
        answers(
            goal_directed="yes",
            non_learned_component="yes",
            oversight_conditioned="yes",
            modification_motive="yes",
            goal_changed_over_time="yes",
            change_cause="reflection",
            single_target="yes",
            spec_scores_failure_high="yes",
        )
    )
    assert verdict.labels == ("none",)


def test_policies_order_but_never_delete() -> None:
    scenario = answers(
        goal_directed="yes",
        spec_scores_failure_high="yes",
        oversight_conditioned="yes",
        modification_motive="yes",
        planted_conditioning="no",
    )
    fix = Classifier.from_kb(KB, "fix-first").classify(scenario)
    root = Classifier.from_kb(KB, "root-cause").classify(scenario)
    assert set(fix.labels) == set(root.labels) == {"deceptive-alignment", "misspecification"}
    assert fix.primary == "deceptive-alignment" and root.primary == "misspecification"


# -- every co-occurrence and lead-to relation has an answer set that yields both labels

WITNESSES = {
    "gaming-with-concealment": dict(
        goal_directed="yes",
        spec_scores_failure_high="yes",
        concealment="yes",
        modification_motive="yes",
        planted_conditioning="no",
    ),
    "shards-and-drift": dict(
        goal_directed="yes",
        single_target="no",
        intended_among_drives="no",
        goal_changed_over_time="yes",
        change_cause="learning-dynamics",
    ),
    "proxy-and-shards": dict(
        goal_directed="yes",
        single_target="no",
        intended_among_drives="no",
        proxy_among_drives="yes",
        good_in_training="yes",
        spec_scores_failure_high="no",
        oversight_conditioned="no",
        concealment="no",
        goal_changed_over_time="no",
    ),
    "misspecified-goal-leads-to-deception": dict(
        # the smile maximizer: a criterion the signal favours, protected by deception (a
        # deceptive system's good training record does not show its target fit training)
        goal_directed="yes",
        single_target="yes",
        good_in_training="yes",
        spec_scores_failure_high="yes",
        oversight_conditioned="yes",
        modification_motive="yes",
        planted_conditioning="no",
    ),
    "self-modification-leads-to-misspecification": dict(
        goal_directed="yes",
        goal_changed_over_time="yes",
        change_cause="self-modification",
        spec_scores_failure_high="yes",
    ),
}


@pytest.mark.parametrize(
    "relation",
    [r for r in KB.relations if r.type in ("can-co-occur-with", "can-lead-to")],
    ids=lambda r: r.id,
)
def test_every_co_occurrence_relation_has_a_witness(relation: models.Relation) -> None:
    assert relation.id in WITNESSES, f"add a witness answer set for relation {relation.id}"
    verdict = CLF.classify(answers(**WITNESSES[relation.id]))
    for end in (relation.source, relation.target):
        node = end if end in KB.subtypes else None
        label = ids.label_of_subtype(end) if node else end
        assert label in verdict.labels, (relation.id, verdict.summary())
        if node and label == verdict.primary:
            assert verdict.subtype == node


# -- rule tests are checked on the rule itself, before labels are combined (none included)


@pytest.mark.parametrize("rule", KB.rules, ids=lambda r: r.id)
def test_rule_fires_on_and_silent_on_its_cited_cases(rule: models.Rule) -> None:
    for cid in rule.tests.fires_on:
        values = {s: a.answer for s, a in KB.cases[cid].signals.items()}
        assert CLF._fires(rule, values), f"{rule.id} should fire on {cid}"
    for cid in rule.tests.silent_on:
        values = {s: a.answer for s, a in KB.cases[cid].signals.items()}
        assert not CLF._fires(rule, values), f"{rule.id} should stay silent on {cid}"


# -- near misses are complete and questions are ranked by impact


def _values(verdict_answers: dict[str, models.Answer]) -> dict[str, str]:
    return {s: a.answer for s, a in verdict_answers.items()}


@pytest.mark.parametrize("cid", sorted(KB.cases)[:40])
def test_near_misses_are_every_single_answer_change_that_fires_a_rule(cid: str) -> None:
    case = KB.cases[cid]
    values = _values(case.signals)
    verdict = CLF.classify(case.signals, case_id=cid)
    fired = {f.rule for f in verdict.fired}
    expected = set()
    for rule in KB.rules:
        if rule.id in fired:
            continue
        for sid in CLF.rule_signals[rule.id]:
            for answer in KB.signals[sid].answers:
                if answer in (values.get(sid, "unknown"), "unknown"):
                    continue
                trial = {**values, sid: answer}
                if not CLF._fires(rule, trial):
                    continue
                if rule.label == "none" and "none" not in CLF.decide(
                    {k: models.Answer(answer=v) for k, v in trial.items()}
                ).labels:
                    continue
                expected.add((rule.id, sid, answer))
    assert {(n.rule, n.signal, n.needed) for n in verdict.near_misses} == expected


def test_questions_are_ranked_by_impact() -> None:
    verdict = CLF.classify(answers(goal_directed="yes", good_in_training="yes"))
    impacts = [q.impact for q in verdict.questions]
    assert impacts == sorted(impacts, reverse=True)
    assert impacts[0] > impacts[-1], "a flattened ranking would make every impact equal"
    top = verdict.questions[0]
    base = (verdict.status, verdict.primary)
    expected = 0
    for answer in KB.signals[top.signal].answers:
        if answer == "unknown":
            continue
        trial = CLF.decide(
            {**answers(goal_directed="yes", good_in_training="yes"), top.signal: models.Answer(answer=answer)}
        )
        if (trial.status, trial.primary) != base:
            expected += 3
        elif (trial.labels, trial.subtype, trial.possible) != (verdict.labels, verdict.subtype, verdict.possible):
            expected += 1
    assert top.impact == expected


# -- one interpreter: the traced evaluation agrees with truth(); monotonicity on the verdict path

SIGNALS = sorted(KB.signals)


def _leaf() -> st.SearchStrategy[models.Condition]:
    def make(sid: str, draw_in: bool, picks: list[int]) -> models.Condition:
        options = KB.signals[sid].answers
        chosen = [options[i % len(options)] for i in picks] or [options[0]]
        if draw_in:
            return models.InNode.model_validate({"signal": sid, "in": chosen})
        return models.IsNode.model_validate({"signal": sid, "is": chosen[0]})

    return st.builds(make, st.sampled_from(SIGNALS), st.booleans(), st.lists(st.integers(0, 9), max_size=3))


TREES = st.recursive(
    _leaf(),
    lambda kids: st.one_of(
        st.lists(kids, min_size=1, max_size=3).map(lambda c: models.AllNode.model_validate({"all": c})),
        st.lists(kids, min_size=1, max_size=3).map(lambda c: models.AnyNode.model_validate({"any": c})),
        kids.map(lambda c: models.NotNode.model_validate({"not": c})),
        st.tuples(st.integers(1, 3), st.lists(kids, min_size=1, max_size=3)).map(
            lambda t: models.AtLeastNode.model_validate({"at-least": t[0], "of": t[1]})
        ),
    ),
    max_leaves=8,
)


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, str]:
    out = {}
    for sid in SIGNALS:
        options = KB.signals[sid].answers
        out[sid] = draw(st.sampled_from(options))
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREES, answer_sets())
def test_traced_evaluation_agrees_with_truth(tree: models.Condition, values: dict[str, str]) -> None:
    assert CLF.evaluate(tree, values, {}).value == truth(tree, values, KB.definitions)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets(), st.sampled_from(SIGNALS), st.data())
def test_answering_an_unknown_never_unfires_or_revives_a_rule(
    values: dict[str, str], sid: str, data: st.DataObject
) -> None:
    values = {**values, sid: "unknown"}
    answer = data.draw(st.sampled_from(KB.signals[sid].answers))
    after = {**values, sid: answer}
    for rule in KB.rules:
        if CLF.truth(rule.when, values) is True:
            assert CLF.truth(rule.when, after) is True, rule.id
        if CLF._silent(rule, values):
            assert CLF._silent(rule, after), rule.id


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets(), st.sampled_from(SIGNALS), st.data())
def test_not_a_goal_failure_survives_answering_any_unknown(
    values: dict[str, str], sid: str, data: st.DataObject
) -> None:
    """'none' is only said when no answer to an unknown could produce a goal label."""
    values = {**values, sid: "unknown"}
    verdict = CLF.decide({k: models.Answer(answer=v) for k, v in values.items()})
    if verdict.status != "not-a-goal-failure":
        return
    answer = data.draw(st.sampled_from(KB.signals[sid].answers))
    after = CLF.decide({k: models.Answer(answer=v) for k, v in {**values, sid: answer}.items()})
    assert not set(after.labels) & GOAL_LABELS
