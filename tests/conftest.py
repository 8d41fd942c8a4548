from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from misgen.cli import main
from misgen.engine import Classifier
from misgen.kb import KnowledgeBase, load

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("MISGEN_ROOT", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@pytest.fixture(scope="session")
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("misgen-cache")


@pytest.fixture(autouse=True)
def _private_cache(monkeypatch: pytest.MonkeyPatch, _session_cache: Path) -> None:
    """The classify snapshot cache (misgen.snapshot) of the tests, never the user's."""
    monkeypatch.setenv("MISGEN_CACHE_DIR", str(_session_cache))
    monkeypatch.delenv("MISGEN_NO_CACHE", raising=False)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    loaded = load(REPO)
    assert loaded.ok, "\n".join(f"{p.location()} {p.field}: {p.message}" for p in loaded.problems)
    return loaded


@pytest.fixture(scope="session")
def clf(kb: KnowledgeBase) -> Classifier:
    return Classifier.from_kb(kb)


@pytest.fixture
def root_copy(tmp_path: Path) -> Path:
    """A writable copy of the data root."""
    for name in ("taxonomy", "classifier", "cases", "schema"):
        shutil.copytree(REPO / name, tmp_path / name)
    return tmp_path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


os.environ.setdefault("NO_COLOR", "1")
