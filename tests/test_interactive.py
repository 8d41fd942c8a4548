"""Drive the guided questionnaire through a pseudo-terminal, as a person would."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


class Terminal:
    def __init__(self, argv: list[str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb"}
        env.pop("MISGEN_ROOT", None)
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, close_fds=True
        )
        os.close(slave)
        self.buffer = ""

    def read_until(self, needle: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while needle not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out waiting for {needle!r}; got:\n{self.buffer[-2000:]}"
                )
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:
                    chunk = ""
                if not chunk:
                    break
                self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(needle)
        return head + needle

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def wait(self) -> int:
        try:
            while True:  # drain so the child never blocks on a full pty
                ready, _, _ = select.select([self.master], [], [], 1.0)
                if not ready and self.proc.poll() is not None:
                    break
                if ready:
                    try:
                        if not os.read(self.master, 65536):
                            break
                    except OSError:
                        break
            return self.proc.wait(timeout=30)
        finally:
            os.close(self.master)


PROMPT = "(unknown):"
EVIDENCE = "Enter to skip):"
STRENGTH = "(inferred):"


def misgen(*args: str) -> list[str]:
    return [sys.executable, "-m", "misgen", "--root", str(REPO), *args]


def test_guided_classification_reaches_a_verdict(tmp_path: Path) -> None:
    term = Terminal(misgen("classify", "--interactive"), tmp_path)
    term.read_until("competently")  # the first question is goal-directed
    term.read_until(PROMPT)
    term.send("yes\r")
    term.read_until(EVIDENCE)
    term.send("it dodges enemies on the way to the wall\r")
    term.read_until(STRENGTH)
    term.send("measured\r")
    term.read_until("verdict so far")
    transcript = ""
    for _ in range(20):  # answer "unknown" (Enter) to the rest, except single-target
        if "nearest cases" in term.buffer:
            break
        chunk = term.read_until(PROMPT, timeout=30)
        transcript += chunk
        if "ONE alternative target" in chunk:
            term.send("yes\r")
            term.read_until(EVIDENCE)
            term.send("\r")  # no evidence: no strength is asked (issue 18)
            continue
        term.send("\r")
    term.read_until("nearest cases", timeout=60)
    assert term.wait() == 0


def test_eof_leaves_nothing_written(tmp_path: Path) -> None:
    before = sorted(p.name for p in (REPO / "cases").iterdir())
    term = Terminal(
        misgen("new", "pty-test-case", "--interactive", "-o", str(tmp_path / "x.yaml")), tmp_path
    )
    term.read_until(PROMPT)
    term.send("\x04")  # Ctrl-D: end of input
    code = term.wait()
    assert code == 130
    assert not (tmp_path / "x.yaml").exists()
    assert sorted(p.name for p in (REPO / "cases").iterdir()) == before
    assert not list(tmp_path.glob(".x.yaml.*"))
