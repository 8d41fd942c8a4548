"""The engine: Kleene truth tables per node, and properties over generated answers."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from misgen import models
from misgen.engine import Classifier
from misgen.kb import KnowledgeBase

Y, N, U = "yes", "no", "unknown"


def cond(data: object) -> models.Condition:
    return models.Definition.model_validate({"name": "t", "when": data}).when


@pytest.fixture(scope="module")
def tiny(kb: KnowledgeBase) -> Classifier:
    return Classifier.from_kb(kb)


def ev(clf: Classifier, node: object, **answers: str) -> bool | None:
    values = {k.replace("_", "-"): v for k, v in answers.items()}
    return clf.evaluate(cond(node), values, {}).value


IS_A = {"signal": "goal-directed", "is": "yes"}
IS_B = {"signal": "single-target", "is": "yes"}


@pytest.mark.parametrize("a, expected", [(Y, True), (N, False), (U, None)])
def test_is(tiny: Classifier, a: str, expected: bool | None) -> None:
    assert ev(tiny, IS_A, goal_directed=a) is expected


def test_missing_signal_is_unknown(tiny: Classifier) -> None:
    assert ev(tiny, IS_A) is None


@pytest.mark.parametrize("a, expected", [(Y, False), (N, True), (U, None)])
def test_not(tiny: Classifier, a: str, expected: bool | None) -> None:
    assert ev(tiny, {"not": IS_A}, goal_directed=a) is expected


KLEENE_AND = {
    (Y, Y): True,
    (Y, N): False,
    (Y, U): None,
    (N, Y): False,
    (N, N): False,
    (N, U): False,
    (U, Y): None,
    (U, N): False,
    (U, U): None,
}
KLEENE_OR = {
    (Y, Y): True,
    (Y, N): True,
    (Y, U): True,
    (N, Y): True,
    (N, N): False,
    (N, U): None,
    (U, Y): True,
    (U, N): None,
    (U, U): None,
}


@pytest.mark.parametrize("a, b", list(KLEENE_AND))
def test_all_truth_table(tiny: Classifier, a: str, b: str) -> None:
    assert ev(tiny, {"all": [IS_A, IS_B]}, goal_directed=a, single_target=b) is KLEENE_AND[(a, b)]


@pytest.mark.parametrize("a, b", list(KLEENE_OR))
def test_any_truth_table(tiny: Classifier, a: str, b: str) -> None:
    assert ev(tiny, {"any": [IS_A, IS_B]}, goal_directed=a, single_target=b) is KLEENE_OR[(a, b)]


@pytest.mark.parametrize(
    "a, b, c, expected",
    [
        (Y, Y, N, True),
        (Y, N, N, False),
        (Y, U, N, None),
        (U, U, U, None),
        (N, N, Y, False),
        (Y, Y, Y, True),
    ],
)
def test_at_least_truth_table(
    tiny: Classifier, a: str, b: str, c: str, expected: bool | None
) -> None:
    node = {"at-least": 2, "of": [IS_A, IS_B, {"signal": "concealment", "is": "yes"}]}
    assert ev(tiny, node, goal_directed=a, single_target=b, concealment=c) is expected


@pytest.mark.parametrize(
    "cause, expected", [("reflection", True), ("external-signal", False), ("unknown", None)]
)
def test_in(tiny: Classifier, cause: str, expected: bool | None) -> None:
    node = {"signal": "change-cause", "in": ["reflection", "self-modification"]}
    assert ev(tiny, node, change_cause=cause) is expected


def test_use_follows_definition(tiny: Classifier) -> None:
    assert ev(tiny, {"use": "competent"}, goal_directed=Y) is True
    assert ev(tiny, {"use": "competent"}, goal_directed=N) is False


def test_label_node_reads_verdict_labels_only(tiny: Classifier) -> None:
    node = cond({"label": "misspecification"})
    assert tiny.evaluate(node, {}, {}, frozenset({"misspecification"})).value is True
    assert tiny.evaluate(node, {}, {}, frozenset()).value is False
    assert tiny.evaluate(node, {}, {}, None).value is None


# --------------------------------------------------------------------------- properties


def answers_strategy(kb: KnowledgeBase) -> st.SearchStrategy[dict[str, models.Answer]]:
    fields = {sid: st.sampled_from(sig.answers) for sid, sig in kb.signals.items()}
    strengths = st.sampled_from(["measured", "inferred", "speculative", None])
    return st.fixed_dictionaries(fields).flatmap(
        lambda vals: st.fixed_dictionaries(
            {
                k: strengths.map(lambda s, v=v: models.Answer(answer=v, strength=s))
                for k, v in vals.items()
            }
        )
    )


def test_all_unknown_is_undetermined_with_questions(clf: Classifier, kb: KnowledgeBase) -> None:
    verdict = clf.classify({sid: models.Answer(answer=U) for sid in kb.signals})
    assert verdict.status == "undetermined" and verdict.primary is None and not verdict.fired
    assert verdict.questions and verdict.questions[0].signal == "goal-directed"


def test_empty_scenario_is_undetermined(clf: Classifier) -> None:
    verdict = clf.classify({})
    assert verdict.status == "undetermined" and verdict.questions


@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=st.data())
def test_verdict_properties(data: st.DataObject, clf: Classifier, kb: KnowledgeBase) -> None:
    answers = data.draw(answers_strategy(kb))
    first, second = clf.classify(answers), clf.classify(answers)
    assert first == second  # deterministic
    held = {f.label for f in first.fired if f.role == "primary"}
    assert set(first.labels) <= held  # every label backed by a fired primary rule
    assert held - set(first.labels) <= {"none"}  # only "none" is ever withheld
    assert not set(first.labels) & set(first.possible)
    if "none" in first.labels:
        assert first.labels == ("none",)
    if first.primary is not None:
        assert first.labels[0] == first.primary
        assert first.status == ("not-a-goal-failure" if first.primary == "none" else "classified")
    else:
        assert first.status == "undetermined"
    if first.subtype:
        assert first.subtype.startswith(first.primary + ".")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(data=st.data())
def test_refining_unknowns_never_unfires_a_when(
    data: st.DataObject, clf: Classifier, kb: KnowledgeBase
) -> None:
    """Declared monotonicity: answering an unknown keeps every true `when` true."""
    answers = data.draw(answers_strategy(kb))
    values = {k: a.answer for k, a in answers.items()}
    refined = {
        k: (
            data.draw(st.sampled_from([x for x in kb.signals[k].answers if x != U]))
            if v == U
            else v
        )
        for k, v in values.items()
    }
    for rule in kb.rules:
        if clf.evaluate(rule.when, values, {}).value is True:
            assert clf.evaluate(rule.when, refined, {}).value is True, rule.id


def test_near_miss_is_really_one_answer_away(clf: Classifier, kb: KnowledgeBase) -> None:
    answers = dict(kb.cases["coinrun-go-right"].signals)
    verdict = clf.classify(answers)
    assert verdict.near_misses
    for miss in verdict.near_misses:
        changed = {**answers, miss.signal: models.Answer(answer=miss.needed)}
        assert miss.rule in {f.rule for f in clf.classify(changed).fired}


def test_questions_change_the_verdict(clf: Classifier) -> None:
    verdict = clf.classify({"goal-directed": models.Answer(answer=Y)})
    assert verdict.status == "undetermined"
    top = verdict.questions[0]
    assert top.outcomes and all(result != "undetermined" for _, result in top.outcomes[:1])


def test_engine_never_reads_curated_labels(clf: Classifier, kb: KnowledgeBase) -> None:
    case = kb.cases["coinrun-go-right"]
    flipped = case.model_copy(
        update={"curated": case.curated.model_copy(update={"labels": ["none"]})}
    )
    assert clf.classify(flipped.signals) == clf.classify(case.signals)


def test_evidence_grade_is_weakest_supporting_strength(clf: Classifier) -> None:
    answers = {
        "goal-directed": models.Answer(answer=Y, strength="measured"),
        "single-target": models.Answer(answer=Y, strength="speculative"),
        "good-in-training": models.Answer(answer=Y, strength="measured"),
        "oversight-conditioned": models.Answer(answer="no", strength="measured"),
        "concealment": models.Answer(answer="no", strength="measured"),
        "goal-changed-over-time": models.Answer(answer="no", strength="measured"),
    }
    assert clf.classify(answers).evidence_grade == "speculative"
    answers["single-target"] = models.Answer(answer=Y, strength="measured")
    assert clf.classify(answers).evidence_grade == "measured"


def test_every_combination_of_core_signals_classifies(clf: Classifier) -> None:
    core = [
        "goal-directed",
        "single-target",
        "spec-scores-failure-high",
        "oversight-conditioned",
        "modification-reasoning",
    ]
    for combo in itertools.product([Y, N, U], repeat=len(core)):
        verdict = clf.classify({s: models.Answer(answer=a) for s, a in zip(core, combo)})
        assert verdict.status in ("classified", "not-a-goal-failure", "undetermined")
