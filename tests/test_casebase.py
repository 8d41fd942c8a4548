"""The case base is a test suite: one test per case, one per rule, and the coverage bar."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from misgen.engine import Classifier
from misgen.evaluation import classify_all, failing, report
from misgen.kb import KnowledgeBase, iter_case_files

REPO = Path(__file__).resolve().parent.parent
CASE_IDS = sorted(p.stem for p in iter_case_files(REPO))


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_case_agrees_or_declares(case_id: str, kb: KnowledgeBase, clf: Classifier) -> None:
    case = kb.cases[case_id]
    verdict = clf.classify(case.signals, case_id=case_id)
    declared = case.curated.disagreement
    if verdict.primary == case.curated.labels[0]:
        assert declared is None, (
            f"{case_id}: declared disagreement is stale; remove curated.disagreement"
        )
    else:
        assert declared is not None, (
            f"{case_id}: classifier says {verdict.primary}, curator {case.curated.labels[0]}; declare it"
        )
        assert declared.classifier == (verdict.primary or "undetermined")


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_case_cites_sources_and_answers_every_signal(case_id: str, kb: KnowledgeBase) -> None:
    case = kb.cases[case_id]
    assert set(case.signals) == set(kb.signals)
    assert case.sources


def rule_ids() -> list[str]:
    from misgen.kb import load

    return [r.id for r in load(REPO).rules]


@pytest.mark.parametrize("rule_id", rule_ids())
def test_rule_fires_and_stays_silent_as_declared(
    rule_id: str, kb: KnowledgeBase, clf: Classifier
) -> None:
    rule = next(r for r in kb.rules if r.id == rule_id)
    assert rule.tests.fires_on and rule.tests.silent_on, "every rule needs both kinds of test case"
    for cid in rule.tests.fires_on:
        fired = {f.rule for f in clf.classify(kb.cases[cid].signals).fired}
        # a rule can be dropped from the verdict only by the exclusive-label policy
        raw = clf._decide(
            {k: a.answer for k, a in kb.cases[cid].signals.items()}, {}, with_traces=False
        )
        assert rule_id in fired or rule.label in clf.policy.exclusive, (
            f"{rule_id} should fire on {cid}"
        )
        assert raw is not None
    for cid in rule.tests.silent_on:
        fired = {f.rule for f in clf.classify(kb.cases[cid].signals).fired}
        assert rule_id not in fired, f"{rule_id} should stay silent on {cid}"


def test_coverage_bar(kb: KnowledgeBase) -> None:
    primaries = Counter(c.curated.labels[0] for c in kb.cases.values())
    assert len(kb.cases) >= 60
    for label in ("misspecification", "shard-imbalance", "deceptive-alignment", "reflective-drift"):
        assert primaries[label] >= 10, (label, primaries[label])
    assert primaries["none"] >= 8
    kinds = Counter(c.kind for c in kb.cases.values())
    assert {
        "empirical",
        "thought-experiment",
        "model-organism",
        "biological-analogy",
        "incident",
    } <= set(kinds)


def test_agreement_report(kb: KnowledgeBase) -> None:
    rep = report(kb, classify_all(kb))
    assert not failing(rep), failing(rep)
    split = rep["split"]
    assert split["cited"]["cases"] + split["uncited"]["cases"] == rep["cases"]
    assert split["cited"]["cases"] == len(rep["cited_cases"])


def test_design_card_cases(kb: KnowledgeBase, clf: Classifier) -> None:
    def verdict(cid: str):
        return clf.classify(kb.cases[cid].signals, case_id=cid)

    assert verdict("soares-happiness-opiates").primary == "misspecification"
    assert verdict("evolution-contraception").primary == "shard-imbalance"
    coin = verdict("coinrun-go-right")
    assert (coin.primary, coin.subtype) == ("misspecification", "misspecification.concept-level")
    husky = verdict("husky-wolf-snow")
    assert husky.primary in ("misspecification", "none")
