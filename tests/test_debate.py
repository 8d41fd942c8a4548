"""The other side of the debate: positions, disputes at every level, framework scope (issue 16)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from misgen.cli import main
from misgen.engine import Classifier
from misgen.kb import load, positions_on

REPO = Path(__file__).resolve().parents[1]
KB = load(REPO)
CLF = Classifier.from_kb(KB)


def perspectives(cid: str) -> dict:
    verdict = CLF.classify(KB.cases[cid].signals, case_id=cid)
    return {p.framework: p for p in verdict.perspectives}


def test_a_non_agentic_classifier_gets_no_mesa_optimizer_term() -> None:
    assert KB.cases["husky-wolf-snow"].signals["system-kind"].answer == "predictor"
    got = perspectives("husky-wolf-snow")
    for fw in ("hubinger-pseudo-alignment", "shard-theory", "ngo-alignment-problem"):
        assert not got[fw].applicable and got[fw].terms == () and got[fw].possible == (), fw


def test_a_reward_hack_is_not_robust_alignment() -> None:
    got = perspectives("coastrunners-lagoon-loop")["hubinger-pseudo-alignment"]
    assert got.applicable
    assert "robust-alignment" not in got.terms
    assert "outer-alignment-failure" in got.terms


def test_scope_is_ignored_when_the_kind_is_unknown() -> None:
    from misgen import models

    verdict = CLF.classify({"goal-directed": models.Answer(answer="yes")})
    assert all(p.applicable for p in verdict.perspectives)


def test_the_thread_positions_are_in_the_data() -> None:
    for pid in (
        "generalization-is-neutral",
        "malgeneralization",
        "story-one-is-misspecification",
        "extending-reward-is-sketchy",
        "behavioural-goal",
        "one-is-a-case-of-two",
        "pseudo-alignment-mapping",
        "shards-are-not-the-failure",
    ):
        assert pid in KB.positions, pid
        assert KB.positions[pid].source in KB.sources
    assert {p.id for p in positions_on(KB, "single-target")} >= {"one-is-a-case-of-two"}


def test_explain_shows_the_positions_bearing_on_an_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(REPO), "explain", "spec-scores-failure-high", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "extending-reward-is-sketchy" in data["debate"]
    assert main(["--root", str(REPO), "explain", "spec-scores-failure-high"]) == 0
    assert "extending-reward-is-sketchy" in capsys.readouterr().out
    assert main(["--root", str(REPO), "explain", "malgeneralization"]) == 0
    assert "malgeneralization" in capsys.readouterr().out


def test_disputes_at_subtype_level_and_the_misattribution_fixed() -> None:
    opiates = KB.cases["soares-happiness-opiates"]
    assert any(d.label == "misspecification.spec-level" for d in opiates.disputes)
    balance = KB.cases["soares-happiness-drive-balance"]
    assert all("shah-2022-goal-misgeneralization" not in d.held_by for d in balance.disputes)


def _root_copy(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for part in ("taxonomy", "classifier", "cases"):
        shutil.copytree(REPO / part, root / part)
    return root


def test_a_position_on_an_unknown_id_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _root_copy(tmp_path)
    path = root / "taxonomy" / "debate.yaml"
    path.write_text(path.read_text().replace("bears_on: [spec-scores-failure-high, misspecification.spec-level]", "bears_on: [spec-scores-failure-hi]"))
    assert main(["--root", str(root), "validate"]) == 1
    assert "unknown id 'spec-scores-failure-hi'" in capsys.readouterr().err


def test_a_dispute_on_an_unknown_subtype_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _root_copy(tmp_path)
    path = root / "cases" / "soares-happiness-opiates.yaml"
    path.write_text(path.read_text().replace("label: misspecification.spec-level", "label: misspecification.spec-lvl"))
    assert main(["--root", str(root), "validate"]) == 1
    assert "unknown label or subtype 'misspecification.spec-lvl'" in capsys.readouterr().err


def test_a_framework_scope_must_name_a_kind_of_system(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _root_copy(tmp_path)
    path = root / "taxonomy" / "frameworks.yaml"
    path.write_text(path.read_text().replace("scope: [rl-policy, llm-agent, hypothetical-agent]", "scope: [rl-policy, robot]"))
    assert main(["--root", str(root), "validate"]) == 1
    assert "'robot' is not a kind of system" in capsys.readouterr().err


def test_docs_have_a_debate_page_and_a_framework_matrix() -> None:
    from misgen.docs import generate

    pages = generate(KB)
    assert all(f"`{pid}`" in pages["debate.md"] for pid in KB.positions)
    matrix = pages["frameworks/matrix.md"]
    assert "husky-wolf-snow" in matrix and "n/a" in matrix
    assert "debate.md" in pages["signals/single-target.md"]
