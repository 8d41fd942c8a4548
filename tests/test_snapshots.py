"""Snapshot tests of verdicts at a fixed width with colour off.

Regenerate after an intended change with: MISGEN_UPDATE_SNAPSHOTS=1 pytest tests/test_snapshots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import REPO, run

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
EMPTY = "title: nothing known yet\n"


def check(name: str, actual: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("MISGEN_UPDATE_SNAPSHOTS"):
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"missing snapshot {name}; run with MISGEN_UPDATE_SNAPSHOTS=1"
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("case", ["coinrun-go-right", "evolution-contraception"])
def test_case_verdict_snapshot(case: str, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["--root", str(REPO), "classify", str(REPO / "cases" / f"{case}.yaml"), "--format", fmt],
        capsys,
    )
    assert code == 0
    check(f"{case}.{fmt}", out)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_empty_scenario_snapshot(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "empty.yaml"
    scenario.write_text(EMPTY)
    code, out, _ = run(["--root", str(REPO), "classify", str(scenario), "--format", fmt], capsys)
    assert code == 0
    check(f"empty-scenario.{fmt}", out)
