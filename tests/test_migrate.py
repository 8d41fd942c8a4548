"""misgen migrate: old case and scenario files become valid current ones, nothing lost."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from misgen.cli import main

REPO = Path(__file__).resolve().parents[1]
V1 = REPO / "tests" / "fixtures" / "v1"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _copy(tmp_path: Path, name: str) -> Path:
    """A v1 case under a fresh id (the case base already holds the original id)."""
    text = (V1 / f"{name}.yaml").read_text(encoding="utf-8")
    new_id = f"old-{name}"
    text = re.sub(rf"^id: {name}$", f"id: {new_id}", text, flags=re.MULTILINE)
    path = tmp_path / f"{new_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _words(text: str) -> str:
    return " ".join(text.replace('\\"', '"').split())


@pytest.mark.parametrize("name", ["coinrun-go-right", "sleeper-agents"])
def test_old_case_becomes_valid_and_loses_nothing(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(tmp_path, name)
    before = path.read_text(encoding="utf-8")
    old = yaml.safe_load(before)
    bibliography = (REPO / "taxonomy" / "sources.yaml").read_bytes()
    code, _, err = run(["--root", str(REPO), "validate", str(path)], capsys)
    assert code == 1 and "was retired" in err and "misgen migrate" in err

    code, out, err = run(["--root", str(REPO), "migrate", str(path)], capsys)
    assert code == 0, err
    assert "induced" in out and "capability-dependent" in out
    after = path.read_text(encoding="utf-8")
    code, _, err = run(["--root", str(REPO), "validate", str(path)], capsys)
    assert code == 0, err

    new = yaml.safe_load(after)
    flat = _words(after)
    for sid, answer in old["signals"].items():
        if sid in new["signals"]:
            assert new["signals"][sid] == answer, sid  # kept exactly
        else:  # retired: its answer and evidence survive in the replacement's evidence
            assert f'{sid}: "{answer["answer"]}"' in flat, sid
            if answer.get("evidence"):
                assert _words(answer["evidence"]).rstrip(".") in flat, sid
    # everything outside the signals and sources blocks is byte for byte the same
    strip = lambda t: re.sub(r"(?ms)^(signals|sources):\n.*?(?=^\S|\Z)", "", t)  # noqa: E731
    assert strip(after) == strip(before)
    assert "TODO(migrate)" in after
    assert (REPO / "taxonomy" / "sources.yaml").read_bytes() == bibliography  # nothing new to add
    # inline source records became citations of the same works (all already in the bibliography)
    assert [c["source"] for c in new["sources"]] == [s["id"] for s in old["sources"]]


def test_migrate_is_idempotent_and_dry_run_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(tmp_path, "coinrun-go-right")
    before = path.read_text(encoding="utf-8")
    code, out, _ = run(["--root", str(REPO), "migrate", "--dry-run", str(path)], capsys)
    assert code == 0 and "would change" in out
    assert path.read_text(encoding="utf-8") == before
    run(["--root", str(REPO), "migrate", str(path)], capsys)
    once = path.read_text(encoding="utf-8")
    code, out, _ = run(["--root", str(REPO), "migrate", str(path)], capsys)
    assert code == 0 and "already current" in out
    assert path.read_text(encoding="utf-8") == once


def test_migrated_signals_follow_applies_when(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _copy(tmp_path, "coinrun-go-right")
    run(["--root", str(REPO), "migrate", str(path)], capsys)
    signals = yaml.safe_load(path.read_text(encoding="utf-8"))["signals"]
    # single-target is "yes" in CoinRun, so the drive questions do not apply
    assert signals["intended-among-drives"]["answer"] == "not-applicable"
    assert signals["proxy-among-drives"]["answer"] == "not-applicable"
    assert signals["system-kind"]["answer"] == "unknown"


def test_classify_reads_an_old_scenario_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.yaml"
    path.write_text(
        'signals:\n  goal-directed: "yes"\n  induced: "yes"\n  single-target: "yes"\n'
        '  good-in-training: "yes"\n  oversight-conditioned: "no"\n  concealment: "no"\n'
        '  goal-changed-over-time: "no"\n'
    )
    code, out, err = run(["--root", str(REPO), "classify", str(path), "--format", "json"], capsys)
    assert code == 0, err
    assert "retired signal" in err and "misgen migrate" in err
    assert json.loads(out)["primary"] == "misspecification"
    assert "induced" in path.read_text()  # reading never rewrites the file


def test_scenario_migration_adds_no_new_questions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.yaml"
    path.write_text('title: partial\nsignals:\n  goal-directed: "yes"\n  induced: "no"\n')
    code, _, err = run(["--root", str(REPO), "migrate", str(path)], capsys)
    assert code == 0, err
    signals = yaml.safe_load(path.read_text())["signals"]
    assert set(signals) == {"goal-directed", "induction"}
    assert signals["induction"]["answer"] == "unknown"


def test_migrate_refuses_a_file_without_signals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("title: nothing\n")
    code, _, err = run(["--root", str(REPO), "migrate", str(path)], capsys)
    assert code == 2 and "no 'signals' mapping" in err
    assert path.read_text() == "title: nothing\n"
