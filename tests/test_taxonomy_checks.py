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
