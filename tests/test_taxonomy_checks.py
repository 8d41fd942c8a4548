"""Checks of the taxonomy files that no other test exercised (issue 20 mutation review)."""

from __future__ import annotations

from pathlib import Path

from misgen.kb import load


def test_a_subtype_must_start_with_its_label(root_copy: Path) -> None:
    labels = root_copy / "taxonomy" / "labels.yaml"
    text = labels.read_text(encoding="utf-8")
    assert "  - id: misspecification.spec-level" in text
    # moved under the wrong label's namespace: ids stay unique, only the prefix rule breaks
    labels.write_text(
        text.replace("  - id: misspecification.spec-level", "  - id: shard-imbalance.spec-level", 1),
        encoding="utf-8",
    )
    found = [p.message for p in load(root_copy).problems]
    assert "subtype 'shard-imbalance.spec-level' must start with 'misspecification.'" in found, found


def test_validate_checks_the_cue_file(root_copy: Path, capsys) -> None:
    from tests.conftest import run

    cues = root_copy / "classifier" / "cues.yaml"
    text = cues.read_text(encoding="utf-8")
    cues.write_text(text.replace("      match: [", "      matches: [", 1), encoding="utf-8")
    code, out, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code != 0
    assert "classifier/cues.yaml" in out + err and "examples" in out + err
