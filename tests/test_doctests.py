"""The examples in docstrings run (issue 20): every ``>>>`` in src/misgen is a test.

Collected here rather than with ``--doctest-modules`` so that the suite's own options stay
simple; a module gaining doctests is found by the search below, none is listed by hand.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "misgen"
MODULES = sorted(
    "misgen." + ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
    for p in SRC.rglob("*.py")
    if ">>> " in p.read_text(encoding="utf-8")
)


def test_doctests_are_found() -> None:
    assert len(MODULES) >= 8, MODULES  # a broken search would make the tests below vacuous


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name}: no example ran"
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"
