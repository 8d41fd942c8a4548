"""The rules of each label are exactly its necessary conditions (taxonomy/labels.yaml).

Soundness: whenever a label holds, none of its conditions is false.
Completeness: whenever all of a label's conditions are true, the label holds.
A rule that reads a signal its label's conditions do not mention, or that drops a
condition, fails one of the two.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from misgen import models
from misgen.conditions import truth
from misgen.engine import Classifier
from misgen.kb import load

ROOT = Path(__file__).resolve().parents[1]
KB = load(ROOT)
CLF = Classifier.from_kb(KB)
STATED = {
    lab: [c for c in label.necessary_conditions if not isinstance(c, str)]
    for lab, label in KB.labels.items()
    if label.goal_failure
}


def test_every_goal_label_states_its_conditions_in_signal_terms() -> None:
    for lab, label in KB.labels.items():
        if label.goal_failure:
            assert STATED[lab] and len(STATED[lab]) == len(label.necessary_conditions), lab


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, str]:
    # weighted towards the answers the conditions ask for, so that labels hold often
    return {sid: draw(st.sampled_from(s.answers)) for sid, s in KB.signals.items()}


def _check(values: dict[str, str]) -> None:
    verdict = CLF.decide({k: models.Answer(answer=v) for k, v in values.items()})
    for lab, conditions in STATED.items():
        results = [truth(c.signals, values, KB.definitions) for c in conditions]
        if lab in verdict.labels:
            assert False not in results, (lab, values)
        if all(r is True for r in results):
            assert lab in verdict.labels, (lab, values)


@settings(max_examples=1500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets())
def test_labels_hold_exactly_when_their_conditions_do(values: dict[str, str]) -> None:
    _check(values)


def test_conditions_on_the_case_base() -> None:
    for case in KB.cases.values():
        _check({k: a.answer for k, a in case.signals.items()})


def test_a_condition_met_only_in_part_never_gives_the_label() -> None:
    """Each condition is necessary: making any one false removes the label."""
    full = {
        "goal-directed": "yes",
        "single-target": "no",
        "intended-among-drives": "no",
        "non-learned-component": "no",
    }
    assert "shard-imbalance" in CLF.decide({k: models.Answer(answer=v) for k, v in full.items()}).labels
    for sid, wrong in (("goal-directed", "no"), ("single-target", "yes"), ("intended-among-drives", "yes"), ("non-learned-component", "yes")):
        trial = {**full, sid: wrong}
        got = CLF.decide({k: models.Answer(answer=v) for k, v in trial.items()})
        assert "shard-imbalance" not in got.labels, sid
