"""The hardened loader: every unsafe construct refused with a located message."""

from __future__ import annotations

import pytest

from misgen import yamlio
from misgen.problems import InputError


def refuse(text: str) -> str:
    with pytest.raises(InputError) as info:
        yamlio.parse(text, "f.yaml")
    problem = info.value.problems[0]
    return f"{problem.line}:{problem.column} {problem.message}"


def test_duplicate_key_names_both_lines() -> None:
    assert refuse("a: 1\nb: 2\na: 3\n") == "3:1 duplicate key 'a' (first defined on line 1)"


def test_nested_duplicate_key() -> None:
    assert "duplicate key 'x'" in refuse("top:\n  x: 1\n  x: 2\n")


@pytest.mark.parametrize(
    "text, needle",
    [
        ("a: &x 1\nb: *x\n", "anchor"),
        ("a: *x\n", "alias"),
        ("base: {a: 1}\nother:\n  <<: {b: 2}\n", "merge keys"),
        ("a: !!set {x}\n", "tag"),
        ("a: !!python/object:os.system ls\n", "tag"),
        ("a: !include other.yaml\n", "tag"),
        ("a: !!binary aGVsbG8=\n", "tag"),
        ("--- 1\n--- 2\n", "more than one YAML document"),
        ("%YAML 1.1\n---\na: 1\n", "directives"),
        ("a: 'unclosed\n", "YAML syntax error"),
        ("? [a, b]\n: 1\n", "plain string"),
    ],
)
def test_unsafe_constructs_refused(text: str, needle: str) -> None:
    assert needle in refuse(text)


def test_alias_bomb_refused_before_expansion() -> None:
    bomb = "a: &a [x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8)
    )
    assert "anchor" in refuse(bomb)


def test_yaml12_typing_keeps_norway_strings() -> None:
    data = yamlio.parse(
        "a: no\nb: on\nc: 2024-03-01\nd: 1:30\ne: .inf\nf: true\ng: 12\nh: null\n", "f"
    ).data
    assert data == {
        "a": "no",
        "b": "on",
        "c": "2024-03-01",
        "d": "1:30",
        "e": ".inf",
        "f": True,
        "g": 12,
        "h": None,
    }


def test_bom_and_crlf_are_fine() -> None:
    doc = yamlio.parse(yamlio.decode(b"\xef\xbb\xbfa: 1\r\nb: x\r\n", "f"), "f")
    assert doc.data == {"a": 1, "b": "x"}


@pytest.mark.parametrize(
    "raw, needle",
    [
        (b"a: \xff\xfe\n", "invalid UTF-8"),
        (b"a: 1\x00\n", "NUL byte"),
    ],
)
def test_bad_bytes(raw: bytes, needle: str) -> None:
    with pytest.raises(InputError) as info:
        yamlio.decode(raw, "f")
    assert needle in info.value.problems[0].message


def test_size_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_FILE_BYTES", 100)
    with pytest.raises(InputError) as info:
        yamlio.decode(b"a: " + b"x" * 200, "f")
    assert "cap" in info.value.problems[0].message


def test_depth_cap() -> None:
    deep = "a: " + "[" * (yamlio.MAX_DEPTH + 5) + "]" * (yamlio.MAX_DEPTH + 5)
    assert "nesting deeper" in refuse(deep)


def test_long_key_refused() -> None:
    assert "longer than" in refuse("k" * 500 + ": 1\n")


def test_tabs_in_indentation() -> None:
    assert "YAML syntax error" in refuse("a:\n\tb: 1\n")


def test_marks_point_at_nodes() -> None:
    doc = yamlio.parse("a:\n  b:\n    - x\n    - y\n", "f")
    assert doc.marks[("a", "b", 1)] == (4, 7)
    assert doc.mark_for(("a", "b", 1, "missing")) == (4, 7)
