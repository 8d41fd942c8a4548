"""Performance-related behaviour that is not timing (issue 19): ``misgen docs`` syncs the disk
once, not once per generated file; the knowledge base loads with the cyclic GC paused and the
collector's state is restored. Timings themselves are measured in bench/, never here."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from misgen import commands
from tests.conftest import REPO, run


def test_docs_syncs_once_not_per_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    out = tmp_path / "site"
    code, stdout, _ = run(["--root", str(REPO), "docs", "--out", str(out)], capsys)
    assert code == 0, stdout
    written = [p for p in out.rglob("*") if p.is_file()]
    assert len(written) > 50
    assert len(calls) <= 1, f"{len(calls)} fsync calls for {len(written)} files"
    assert not [p for p in out.rglob("*.tmp")]  # atomic writes left nothing behind
    calls.clear()
    code, stdout, _ = run(["--root", str(REPO), "docs", "--out", str(out), "--check"], capsys)
    assert code == 0 and not calls


def test_atomic_write_still_syncs_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from misgen.output import atomic_write

    calls: list[int] = []
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd))
    atomic_write(tmp_path / "a.txt", "x")
    atomic_write(tmp_path / "b.txt", "x", sync=False)
    assert len(calls) == 1 and (tmp_path / "b.txt").read_text() == "x"


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_paused_while_loading_and_restored(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with commands._gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), commands._gc_paused():
            raise RuntimeError
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_small_loads_are_not_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    with commands._gc_paused():
        junk = [[i] for i in range(1000)]
    assert not frozen and junk
    monkeypatch.setattr(commands, "FREEZE_AFTER", 500)
    with commands._gc_paused():
        kept = [[i] for i in range(1000)]  # tracked objects that stay alive: a big load
    assert frozen == [True] and kept


def test_incremental_flips_equal_full_decisions(kb) -> None:  # type: ignore[no-untyped-def]
    """misgen.flips gives decide()'s primary label for every single-answer change of every
    case, under every policy (what evaluation.fragile reports)."""
    from misgen import models
    from misgen.engine import Classifier
    from misgen.flips import FlipSearch

    trials = 0
    for policy in [None, *(p.id for p in kb.policy.policies)]:
        clf = Classifier.from_kb(kb, policy)
        for case in kb.cases.values():
            search = FlipSearch(clf, {sid: a.answer for sid, a in case.signals.items()})
            for sid in kb.signals:  # every signal, answered or not
                for other in kb.signals[sid].answers:
                    trial = {**case.signals, sid: models.Answer(answer=other)}
                    assert search.primary(sid, other) == clf.decide(trial).primary, (case.id, sid, other)
                    trials += 1
    assert trials > 1000
