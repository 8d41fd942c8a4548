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
import yaml

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


# --------------------------------------------------------------------------- issue 18


def _read_any(term: Terminal, needles: tuple[str, ...], timeout: float = 30.0) -> str:
    """Read until any of ``needles`` (or the end of output); return what was read up to it."""
    deadline = time.monotonic() + timeout
    while not any(n in term.buffer for n in needles):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out waiting for {needles!r}; got:\n{term.buffer[-2000:]}")
        ready, _, _ = select.select([term.master], [], [], remaining)
        if ready:
            try:
                chunk = os.read(term.master, 65536).decode("utf-8", "replace")
            except OSError:
                chunk = ""
            if not chunk:
                break
            term.buffer += chunk
    ends = [term.buffer.index(n) + len(n) for n in needles if n in term.buffer]
    cut = min(ends) if ends else len(term.buffer)
    head, term.buffer = term.buffer[:cut], term.buffer[cut:]
    return head


def test_classify_interactive_saves_a_scenario_that_classify_and_new_read(tmp_path: Path) -> None:
    from misgen.cli import main

    saved = tmp_path / "mine.yaml"
    term = Terminal(misgen("classify", "-i", "-o", str(saved)), tmp_path)
    head = term.read_until(PROMPT)
    assert "[goal-directed]" in head  # the signal id is shown
    assert f"saved to {saved}" in head.replace("\r\n", "").replace("\n", "")
    term.send("y\r")  # one letter is enough
    term.read_until(EVIDENCE)
    term.send("\r")  # no evidence ...
    after = term.read_until("verdict so far")
    assert "strength" not in after  # ... so no strength is asked
    transcript = ""
    for _ in range(30):
        chunk = _read_any(term, (PROMPT, "saved your answers"))
        transcript += chunk
        if "saved your answers" in chunk or not chunk:
            break
        term.send("u\r" if "[single-target]" in chunk else "\r")
    assert "saved your answers" in transcript + term.buffer
    assert term.wait() == 0
    data = yaml.safe_load(saved.read_text(encoding="utf-8"))
    assert data["signals"]["goal-directed"] == "yes"  # bare: no evidence, so no strength
    assert data["signals"]["single-target"] == "unknown"
    assert main(["--root", str(REPO), "classify", str(saved)]) == 0
    case = tmp_path / "mine-case.yaml"
    assert main(["--root", str(REPO), "new", "mine-case", "--answers", str(saved), "-o", str(case)]) == 0
    assert main(["--root", str(REPO), "validate", str(case)]) == 0


def test_new_blind_asks_kind_domain_and_a_source_and_never_shows_a_verdict(tmp_path: Path) -> None:
    from misgen.cli import main

    target = tmp_path / "blind-case.yaml"
    term = Terminal(misgen("new", "blind-case", "-i", "--blind", "-o", str(target)), tmp_path)
    transcript = term.read_until(PROMPT)
    term.send("y\r")
    transcript += term.read_until(EVIDENCE)
    term.send("it steers towards the wall on every level\r")
    transcript += term.read_until(STRENGTH)
    term.send("m\r")
    for _ in range(30):
        chunk = _read_any(term, (PROMPT, "case title (one line):"))
        transcript += chunk
        if "case title" in chunk or not chunk:
            break
        term.send("\r")
    for reply, prompt in (
        ("A blind test case", "summary (one paragraph):"),
        ("An agent heads for the wall.", "(todo):"),  # kind
        ("5", "(todo):"),  # kind 5 = thought-experiment; then the domain
        ("hypothetical-agi", "Enter to skip the source):"),
        ("Ada Lovelace, Alan Turing", "source year:"),
        ("2024", "source title:"),
        ("A paper about walls", "blog):"),
        ("A blog", "DOI or URL:"),
        ("https://example.com/walls", "wrote"),
    ):
        term.send(reply + "\r")
        transcript += term.read_until(prompt)
    assert term.wait() == 0
    assert "verdict" not in transcript.lower()  # blind: no verdict so far, no final verdict
    text = target.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["kind"] == "thought-experiment" and data["domain"] == "hypothetical-agi"
    assert data["title"] == "A blind test case"
    source = data["sources"][0]
    assert source["id"] == "lovelace-2024" and source["url"] == "https://example.com/walls"
    assert source["authors"] == ["Ada Lovelace", "Alan Turing"] and source["verified"] is False
    answer = data["signals"]["goal-directed"]
    assert answer["strength"] == "measured" and answer["source"] == "lovelace-2024"
    assert "labels: [none]  # TODO: a placeholder, not a judgement" in text
    assert main(["--root", str(REPO), "validate", str(target)]) == 0
