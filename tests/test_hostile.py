"""Issue 9: hostile input never crashes misgen, never hangs it, never loses data.

Each test names the defence it checks; each fails without it. Fixtures that read better
as files are in tests/fixtures/hostile/ (first lines: ``# expect: <text in the validate
output>``, optional ``# classify: <text in the classify output>``). Big and deep files are generated in tmp_path at test time.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from misgen import kb as kb_module
from misgen import output, yamlio
from misgen.problems import InputError, UsageError
from tests.conftest import FIXTURES, REPO, run

HOSTILE = sorted((FIXTURES / "hostile").glob("*.yaml"))


def _header(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in path.read_bytes().decode("utf-8", "replace").lstrip("\ufeff").splitlines():
        match = re.match(r"# (expect|classify): (.*)\Z", line)
        if not match:
            break
        out.setdefault(match[1], []).append(match[2])
    return out


def _refusal(text: str) -> str:
    with pytest.raises(InputError) as info:
        yamlio.parse(text, "f.yaml")
    p = info.value.problems[0]
    return f"{p.line}:{p.column} {p.message}"


def _no_traceback(err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err, err


# =========================================================================== fixtures


@pytest.mark.parametrize("path", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_hostile_fixture_validate(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """validate names the file, line, column and problem (exit 1)."""
    expect = _header(path)["expect"]
    code, out, err = run(["--root", str(REPO), "validate", str(path)], capsys)
    _no_traceback(err)
    assert code == 1 and not out, err
    located = [line for line in err.splitlines() if path.name + ":" in line]
    assert located, err
    for needle in expect:
        assert needle in err, (needle, err)


CLASSIFY = [p for p in HOSTILE if "classify" in _header(p)]


@pytest.mark.parametrize("path", CLASSIFY, ids=[p.stem for p in CLASSIFY])
def test_hostile_fixture_classify(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same refusal reaches `misgen classify FILE` as unusable input (exit 2)."""
    code, out, err = run(["--root", str(REPO), "classify", str(path)], capsys)
    _no_traceback(err)
    assert code == 2 and out == ""
    for needle in _header(path)["classify"]:
        assert needle in err, (needle, err)


@pytest.mark.parametrize("variant", ["bom-crlf", "norway-words"])
def test_hostile_looking_valid_case_passes(
    variant: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A BOM, CRLF line ends and YAML 1.1 'booleans' as text are fine in a valid case."""
    ok = run(
        ["--root", str(REPO), "validate", str(FIXTURES / "valid" / "valid-minimal-case.yaml")],
        capsys,
    )
    if ok[0] != 0:
        pytest.skip("the valid fixture does not match the current data: " + ok[2][:200])
    text = (FIXTURES / "valid" / "valid-minimal-case.yaml").read_text()
    path = tmp_path / "valid-minimal-case.yaml"
    if variant == "bom-crlf":
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    else:
        text = re.sub(r"(?m)^title: .*$", "title: NO", text, count=1)
        path.write_text(re.sub(r"(?m)^    venue: .*$", "    venue: on", text, count=1))
    code, out, err = run(["--root", str(REPO), "validate", str(path)], capsys)
    assert code == 0 and out.startswith("ok:"), err


def test_python_tag_never_executes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "pwned"
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f'title: !!python/object/apply:os.system ["touch {marker}"]\n')
    assert run(["--root", str(REPO), "classify", str(scenario)], capsys)[0] == 2
    assert not marker.exists()


# =========================================================================== parsing


ALL_TAGS = [
    "!!python/object:os.system {}",
    "!!python/object/new:os.system [ls]",
    "!!python/module:os ''",
    "!!python/tuple [1]",
    "!!python/str x",
    "!!python/name:os.system ''",
    "!!binary aGVsbG8=",
    "!!omap [a: 1]",
    "!!pairs [a: 1]",
    "!!set {a}",
    "!!timestamp 2024-03-01",
    "!!int '1'",
    "!!float '1'",
    "!!bool yes",
    "!!null ''",
    "!!str x",
    "!!map {}",
    "!!seq []",
    "!!merge x",
    "!!value x",
    "!include other.yaml",
    "!ENV HOME",
    "!Ref x",
    "!<tag:yaml.org,2002:str> x",
    "!<!> x",
    "! x",
    "!custom [a]",
]


@pytest.mark.parametrize("value", ALL_TAGS)
def test_every_tag_is_refused(value: str) -> None:
    assert "tag" in _refusal(f"a: {value}\n")


def test_tags_on_keys_and_nested_nodes_are_refused() -> None:
    assert "tag" in _refusal("? !!str k\n: v\n")
    assert "tag" in _refusal("a:\n  - b: !!python/object:os.system {}\n")


@pytest.mark.parametrize("kind", ["flow-list", "flow-map", "block-list", "block-map", "mixed"])
def test_deep_nesting_is_refused_fast(kind: str) -> None:
    n = 5000
    text = {
        "flow-list": "a: " + "[" * n + "]" * n,
        "flow-map": "a: " + "{a: " * n + "1" + "}" * n,
        "block-list": "a:\n" + "- " * n + "x\n",
        "block-map": "".join(" " * i + "k:\n" for i in range(1000)),
        "mixed": "a: " + "[{a: " * (n // 2) + "1" + "}]" * (n // 2),
    }[kind]
    start = time.perf_counter()
    assert "nesting deeper than" in _refusal(text)
    assert time.perf_counter() - start < 1.0


def test_depth_cap_is_exact() -> None:
    inside = "a: " + "[" * (yamlio.MAX_DEPTH - 1) + "]" * (yamlio.MAX_DEPTH - 1)
    assert yamlio.parse(inside, "f").data is not None
    assert "nesting deeper" in _refusal("a: " + "[" * yamlio.MAX_DEPTH + "]" * yamlio.MAX_DEPTH)


def test_deep_file_through_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("title: " + "[" * 20000 + "]" * 20000 + "\n")
    code, _, err = run(["--root", str(REPO), "validate", str(deep)], capsys)
    assert code == 1 and re.search(r"deep\.yaml:1:\d+: nesting deeper than 32 levels", err), err


def test_tens_of_megabytes_refused_without_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.write(b"title: x\nsummary: ")
        handle.truncate(30 * 1024 * 1024)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(InputError) as info:
            yamlio.load_file(big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "31,457,280 bytes, over the 1,048,576-byte cap" in info.value.problems[0].message
    assert time.perf_counter() - start < 0.5 and peak < 1_000_000


def test_read_is_bounded_even_when_the_size_lies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files whose size is not known up front (/proc, growing files): at most cap + 1 bytes are read."""
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * (8 * yamlio.MAX_FILE_BYTES))
    real_fstat = os.fstat

    def lying_fstat(fd: int) -> os.stat_result:
        st = real_fstat(fd)
        return os.stat_result(
            (
                st.st_mode,
                st.st_ino,
                st.st_dev,
                st.st_nlink,
                st.st_uid,
                st.st_gid,
                0,
                int(st.st_atime),
                int(st.st_mtime),
                int(st.st_ctime),
            )
        )

    monkeypatch.setattr(yamlio.os, "fstat", lying_fstat)
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as info:
            yamlio.load_file(big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "larger than the 1,048,576-byte cap" in info.value.problems[0].message
    assert peak < 3 * yamlio.MAX_FILE_BYTES


def test_big_file_through_every_reader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"title: " + b"x" * (20 * 1024 * 1024) + b"\n")
    for argv in (
        ["validate", str(big)],
        ["classify", str(big)],
        ["new", "zz-big", "--answers", str(big), "-o", str(tmp_path / "n.yaml")],
    ):
        start = time.perf_counter()
        code, _, err = run(["--root", str(REPO), *argv], capsys)
        assert code in (1, 2) and "byte cap" in err, (argv, err)
        assert time.perf_counter() - start < 5
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(big.read_bytes())))
    code, _, err = run(["--root", str(REPO), "classify", "-"], capsys)
    assert code == 2 and "<stdin>: file is larger than the 1,048,576-byte cap" in err


def test_very_long_line_and_keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    long_line = tmp_path / "long.yaml"
    long_line.write_text("title: " + "x" * 900_000 + "\n")
    code, _, err = run(["--root", str(REPO), "classify", str(long_line)], capsys)
    assert code == 2 and "long.yaml:1:8: title: String should have at most 300 characters" in err
    assert "longer than 200 characters" in _refusal('"' + "k" * 300 + '": 1\n')
    assert "longer than 200 characters" in _refusal("? " + "k" * 100_000 + "\n: 1\n")
    assert "YAML syntax error" in _refusal(
        '"' + "k" * 100_000 + '": 1\n'
    )  # libyaml: implicit keys stop at 1024


@pytest.mark.parametrize(
    "raw, needle",
    [
        (bytes(range(256)) * 4, "NUL byte"),
        (b"title: x\n\x00\x01\x02", "2:1 file contains a NUL byte"),
        (b"title: x\nsummary: caf\xe9\n", "2:13 invalid UTF-8 at byte 21"),
        (b"title: caf\xc3\xa9\nsummary: \xc3\xa9\xff", "2:11 invalid UTF-8 at byte 24"),
        ("title: x\n".encode("utf-16"), "NUL byte"),
        (b"\xff\xfetitle", "invalid UTF-8 at byte 0"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "NUL byte"),
    ],
)
def test_binary_and_bad_encodings(raw: bytes, needle: str) -> None:
    with pytest.raises(InputError) as info:
        yamlio.parse(yamlio.decode(raw, "f"), "f")
    p = info.value.problems[0]
    assert needle in f"{p.line}:{p.column} {p.message}", p


def test_bom_and_crlf_and_tab_after_colon_are_accepted() -> None:
    doc = yamlio.parse(yamlio.decode(b"\xef\xbb\xbftitle: a\r\nsummary:\tb\r\n", "f"), "f")
    assert doc.data == {"title": "a", "summary": "b"}


def test_yaml11_scalars_stay_text() -> None:
    text = "\n".join(
        f"k{i}: {v}"
        for i, v in enumerate(
            [
                "yes",
                "No",
                "ON",
                "off",
                "y",
                "n",
                "2024-03-01",
                "2024-02-30",
                "2001-12-14t21:59:43.10-05:00",
                "1:30",
                "0x1F",
                "0o17",
                "0b101",
                "1_000",
                ".inf",
                "-.Inf",
                ".NaN",
                "=",
                "<<",
            ]
        )
    )
    data = yamlio.parse(text, "f").data
    assert all(isinstance(v, str) for v in data.values()), data
    assert yamlio.parse("a: 010\nb: 1.10\nc: true\nd: ~\ne: -5\nf: 1e3\n", "f").data == {
        "a": 10,
        "b": 1.1,
        "c": True,
        "d": None,
        "e": -5,
        "f": 1000.0,
    }


def test_huge_integer_refused_not_crashed() -> None:
    assert "5,000 digits is too long" in _refusal("a: " + "1" * 5000 + "\n")
    assert yamlio.parse("a: '" + "1" * 5000 + "'\n", "f").data["a"] == "1" * 5000
    assert yamlio.parse("a: " + "1" * 5000 + ".5\n", "f").data["a"] == float("inf")


def test_raw_control_character_is_located() -> None:
    assert (
        _refusal("a: 1\ntitle: éé\x1b[31m\n")
        == "2:10 character U+001B is not allowed in YAML (control characters are not allowed)"
    )
    assert "U+007F" in _refusal("a: \x7f\n")
    assert yamlio.parse('a: "\\e[31m\\x9b"\n', "f").data == {"a": "\x1b[31m\x9b"}  # escaped is fine


def test_lone_surrogate_from_a_caller() -> None:
    assert "not valid Unicode" in _refusal("a: \ud800\n")


def test_unclosed_quote_names_where_it_opened() -> None:
    assert (
        _refusal('a: 1\nb: "open\nc: 2\n')
        == "4:1 YAML syntax error: found unexpected end of stream (while scanning a quoted scalar that starts on line 2)"
    )


def test_tab_indentation_says_tab() -> None:
    assert "a tab in the indentation" in _refusal("a:\n\tb: 1\n")


def _data_extremes() -> tuple[int, int, int]:
    """Largest file, deepest nesting and longest key in the data root (the caps must admit them)."""
    size = depth = key = 0

    def walk(node: Any, level: int) -> None:
        nonlocal depth, key
        if isinstance(node, (dict, list)):
            depth = max(depth, level)
            for k in node if isinstance(node, dict) else ():
                key = max(key, len(k))
            for child in node.values() if isinstance(node, dict) else node:
                walk(child, level + 1)

    for path in [
        *REPO.glob("taxonomy/*.yaml"),
        *REPO.glob("classifier/*.yaml"),
        *REPO.glob("cases/*.yaml"),
    ]:
        size = max(size, path.stat().st_size)
        walk(yamlio.load_file(path).data, 1)
    return size, depth, key


def test_caps_are_configurable(tmp_path: Path) -> None:
    size, depth, key = _data_extremes()
    scenario = tmp_path / "s.yaml"
    nested = "[" * depth + "]" * depth
    scenario.write_text(f"title: x\nsetup: {{a: {nested}}}\n{'k' * (key + 1)}: 1\n# {'p' * size}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MISGEN_")}

    def classify(**caps: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "misgen",
                "--root",
                str(REPO),
                "classify",
                str(scenario),
                "--format",
                "json",
            ],
            env={**env, **caps},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    # nonsense values keep the defaults (the file is under every default cap) instead of crashing at import
    default = classify(MISGEN_MAX_FILE_BYTES="²", MISGEN_MAX_DEPTH="-1", MISGEN_MAX_KEY_LENGTH="９")
    assert (
        default.returncode == 2
        and f"s.yaml:3:1: {'k' * (key + 1)}: unknown field" in default.stderr
    ), default.stderr
    small = classify(MISGEN_MAX_FILE_BYTES=str(size + 10))
    assert small.returncode == 2 and f"over the {size + 10:,}-byte cap" in small.stderr, (
        small.stderr
    )
    shallow = classify(MISGEN_MAX_DEPTH=str(depth))
    assert (
        shallow.returncode == 2
        and f"s.yaml:2:{11 + depth - 1}: nesting deeper than {depth} levels" in shallow.stderr
    ), shallow.stderr
    short = classify(MISGEN_MAX_KEY_LENGTH=str(key))
    assert (
        short.returncode == 2
        and f"s.yaml:3:1: mapping key longer than {key} characters" in short.stderr
    ), short.stderr


@pytest.mark.parametrize(
    "value, expected",
    [
        ("5", 5),
        ("²", 7),
        ("９", 7),
        ("0", 7),
        ("-3", 7),
        (" 12 ", 12),
        ("9" * 40, 7),
        ("1e9", 7),
        ("", 7),
        ("abc", 7),
    ],
)
def test_env_int(monkeypatch: pytest.MonkeyPatch, value: str, expected: int) -> None:
    monkeypatch.setenv("MISGEN_TEST_CAP", value)
    assert yamlio._env_int("MISGEN_TEST_CAP", 7) == expected


# =========================================================================== the validator's hints


def test_union_errors_name_the_real_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Union tags (`Answer`, `constrained-str`, a condition's `is`) are not field names."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        'signals:\n  goal-directed: {answer: "yes", evidence: 12}\n  single-target: {answr: "yes"}\n'
    )
    code, _, err = run(["--root", str(REPO), "classify", str(scenario)], capsys)
    assert code == 2
    assert "s.yaml:2:44: signals.goal-directed.evidence: Input should be a valid string" in err
    assert "s.yaml:3:19: signals.single-target.answr: unknown field 'answr'" in err
    assert "s.yaml:3:18: signals.single-target.answer: required field 'answer' is missing" in err
    assert "Answer" not in err and "constrained-str" not in err


def test_condition_tag_is_not_taken_for_a_key(
    root_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = root_copy / "classifier" / "rules.yaml"
    text = rules.read_text()
    rules.write_text(
        text.replace(
            "definitions:\n",
            'definitions:\n  bad-def:\n    name: bad\n    when: {signal: Bad_Signal, is: "yes"}\n',
            1,
        )
    )
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    line = text[: text.index("definitions:\n")].count("\n") + 4
    assert (
        code == 1
        and f"classifier/rules.yaml:{line}:20: definitions.bad-def.when.signal: String should match pattern"
        in err
    )


# =========================================================================== data


def _append_duplicate(path: Path, list_key: str, first_item_key: str = "id") -> None:
    """Copy the first item of ``list_key`` to the end of the list (a duplicate id)."""
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{list_key}:")) + 1
    while not lines[start].lstrip().startswith(f"- {first_item_key}:"):
        start += 1
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and (
        not lines[end].strip()
        or len(lines[end]) - len(lines[end].lstrip()) > indent
        or lines[end].startswith(" " * indent + " ")
    ):
        end += 1
    block = "".join(lines[start:end])
    last = end
    while last < len(lines) and (not lines[last].strip() or lines[last].startswith(" ")):
        last += 1
    path.write_text("".join(lines[:last]) + block + "".join(lines[last:]))


@pytest.mark.parametrize(
    "rel, key, kind",
    [
        ("taxonomy/signals.yaml", "signals", "signal"),
        ("taxonomy/labels.yaml", "labels", "label"),
        ("taxonomy/relations.yaml", "relations", "relation"),
        ("taxonomy/frameworks.yaml", "frameworks", "framework"),
        ("taxonomy/sources.yaml", "sources", "source"),
    ],
)
def test_duplicate_taxonomy_ids_are_found(
    root_copy: Path, capsys: pytest.CaptureFixture[str], rel: str, key: str, kind: str
) -> None:
    """Before: the dict built from the list silently kept the last of two equal ids."""
    _append_duplicate(root_copy / rel, key)
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 1 and re.search(
        rf"{rel}:\d+:\d+: {key}\[\d+\]\.id: duplicate {kind} id '", err
    ), err


def test_duplicate_subtype_id_is_found(root_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = root_copy / "taxonomy" / "labels.yaml"
    text = path.read_text()
    match = re.search(r"\n( +)- id: (\w[\w-]*\.[\w-]+)\n", text)
    assert match
    pad = match[1]
    path.write_text(
        text.replace(
            match[0],
            f"\n{pad}- id: {match[2]}\n{pad}  name: again\n"
            f"{pad}  definition: The same subtype id a second time.\n" + match[0],
            1,
        )
    )
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 1 and f"duplicate subtype id '{match[2]}'" in err, err


def test_case_ids_compared_folded(root_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two files, one id; an upper-case file name cannot carry its own id (ids are lowercase)."""
    src = root_copy / "cases" / "coinrun-go-right.yaml"
    shutil.copy(src, root_copy / "cases" / "COINRUN-GO-RIGHT.yaml")
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 1
    assert re.search(
        r"cases/COINRUN-GO-RIGHT\.yaml:\d+:5: id: id 'coinrun-go-right' differs from the file name 'COINRUN-GO-RIGHT'",
        err,
    )
    assert "id 'coinrun-go-right' is already used by cases/COINRUN-GO-RIGHT.yaml" in err


def test_case_file_with_other_suffix_is_not_silently_skipped(
    root_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(root_copy / "cases" / "coinrun-go-right.yaml", root_copy / "cases" / "new-case.yml")
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 1 and "cases/new-case.yml: ignored: case files must end in '.yaml'" in err


@pytest.mark.parametrize(
    "cycle, expected",
    [
        (
            "  loop-a:\n    name: a\n    when: {use: loop-b}\n  loop-b:\n    name: b\n    when: {not: {use: loop-a}}\n",
            [
                "definition 'loop-a' uses itself (a cycle)",
                "definition 'loop-b' uses itself (a cycle)",
            ],
        ),
        (
            "  loop-self:\n    name: s\n    when: {any: [{use: loop-self}]}\n",
            ["definition 'loop-self' uses itself (a cycle)"],
        ),
    ],
)
def test_use_cycles_are_refused(
    root_copy: Path, capsys: pytest.CaptureFixture[str], cycle: str, expected: list[str]
) -> None:
    rules = root_copy / "classifier" / "rules.yaml"
    rules.write_text(rules.read_text().replace("definitions:\n", "definitions:\n" + cycle, 1))
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 1 and all(e in err for e in expected), err
    code, _, err = run(["--root", str(root_copy), "classify", "--all"], capsys)  # no RecursionError
    assert code == 1 and "uses itself" in err


def _add_definitions(root: Path, text: str) -> None:
    rules = root / "classifier" / "rules.yaml"
    rules.write_text(rules.read_text().replace("definitions:\n", "definitions:\n" + text, 1))


def test_long_use_chain_is_checked_in_linear_time(
    root_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Following the uses from every definition in turn took 83 s for a 3,000-long chain."""
    n = 3000
    _add_definitions(
        root_copy,
        "".join(f"  chain-{i}:\n    name: c\n    when: {{use: chain-{i + 1}}}\n" for i in range(n))
        + f"  chain-{n}:\n    name: c\n    when: {{not: {{use: chain-0}}}}\n"
        + "".join(f"  tail-{i}:\n    name: t\n    when: {{use: tail-{i + 1}}}\n" for i in range(n))
        + f"  tail-{n}:\n    name: t\n    when: {{all: [{{use: chain-5}}]}}\n",
    )
    start = time.perf_counter()
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert time.perf_counter() - start < 15
    assert (
        code == 1
        and "definition 'chain-0' uses itself (a cycle)" in err
        and "definition 'chain-3000' uses itself" in err
    )
    assert (
        f"definition 'tail-0' starts a chain of {n + 1} definitions through 'use' (at most {kb_module.MAX_USE_DEPTH})"
        in err
    )
    assert "definition 'tail-0' uses itself" not in err


def test_use_chain_depth_cap(root_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Evaluation recurses once per `use`: chains are capped so no verdict can hit Python's stack limit."""
    depth = kb_module.MAX_USE_DEPTH
    chain = "".join(
        f"  deep-{i}:\n    name: d\n    when: {{not: {{not: {{use: deep-{i + 1}}}}}}}\n"
        for i in range(depth)
    )
    _add_definitions(
        root_copy,
        chain
        + f"  deep-{depth}:\n    name: d\n    when: {{any: [{{use: deep-{depth + 1}}}]}}\n"
        + f"  deep-{depth + 1}:\n    name: d\n    when: {{not: {{use: deep-{depth + 2}}}}}\n"
        + f"  deep-{depth + 2}:\n    name: d\n    when: {{all: [{{use: deep-{depth + 3}}}]}}\n"
        + f"  deep-{depth + 3}:\n    name: d\n    when: {{any: [{{use: deep-{depth + 4}}}]}}\n"
        + f"  deep-{depth + 4}:\n    name: d\n    when: {{in: [x], signal: nothing}}\n",
    )
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 1 and f"definition 'deep-0' starts a chain of {depth + 5} definitions" in err
    assert f"definition 'deep-4' starts a chain of {depth + 1} definitions" in err
    assert "definition 'deep-5' starts a chain" not in err  # exactly at the cap is fine


@pytest.mark.parametrize(
    "graph, cyclic, depth",
    [
        (
            {"a": ["b"], "b": ["a"], "c": ["a", "d"], "d": [], "e": ["e"], "f": ["c"]},
            {"a", "b", "e"},
            {"d": 1, "c": 2, "f": 3},
        ),
        ({"x": ["y", "z"], "y": ["z"], "z": []}, set(), {"z": 1, "y": 2, "x": 3}),
        (
            {f"n{i}": [f"n{(i + 1) % 50_000}"] for i in range(50_000)},
            {f"n{i}" for i in range(50_000)},
            {},
        ),
    ],
)
def test_cycles_and_depth(
    graph: dict[str, list[str]], cyclic: set[str], depth: dict[str, int]
) -> None:
    assert kb_module._cycles_and_depth(graph) == (cyclic, depth)


def test_many_errors_are_reported_in_linear_time() -> None:
    """The union-noise filter once compared every error with every other: 60,000 bad signals hung."""
    from pydantic import ValidationError

    from misgen import loading, models

    data = {"signals": {f"s{i}": {"b": 1} for i in range(30_000)}}
    with pytest.raises(ValidationError) as info:
        models.Scenario.model_validate(data)
    start = time.perf_counter()
    problems = loading.problems_from(info.value, yamlio.Document(data, {}), "s.yaml")
    assert time.perf_counter() - start < 10
    assert len(problems) == 60_000 and not any("constrained-str" in p.field for p in problems)


def test_relation_to_itself_and_to_missing(
    root_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = root_copy / "taxonomy" / "relations.yaml"
    text = path.read_text()
    source = re.search(r"\n    source: (\S+)\n", text)
    targets = list(re.finditer(r"\n    target: (\S+)\n", text))
    assert source and len(targets) >= 2
    first, second = targets[0], targets[1]
    path.write_text(
        text[: first.start()]
        + f"\n    target: {source[1]}\n"
        + text[first.end() : second.start()]
        + "\n    target: no-such-label\n"
        + text[second.end() :]
    )
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert (
        code == 1
        and "a relation cannot point at itself" in err
        and "unknown label or subtype 'no-such-label'" in err
    )


def _outside(elsewhere: Path, rel: str, root: Path) -> Path:
    target = elsewhere / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(root / rel), target)
    return target


def test_symlinked_case_leading_out_is_refused(
    root_copy: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path_factory.mktemp("elsewhere") / "secret.yaml"
    secret.write_text("id: secret\npassword: hunter2\n")
    (root_copy / "cases" / "secret.yaml").symlink_to(secret)
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 1 and "cases/secret.yaml: symlink points outside the data root" in err
    assert "hunter2" not in err and "password" not in err
    code, _, err = run(
        ["--root", str(root_copy), "validate", str(root_copy / "cases" / "secret.yaml")], capsys
    )
    assert code == 1 and "cases/secret.yaml: symlink points outside the data root" in err


def test_symlinked_cases_folder_leading_out_is_refused(
    root_copy: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path_factory.mktemp("elsewhere") / "cases"
    shutil.move(str(root_copy / "cases"), real)
    (root_copy / "cases").symlink_to(real, target_is_directory=True)
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 1 and "cases/coinrun-go-right.yaml: symlink points outside the data root" in err


def test_symlinked_taxonomy_file_leading_out_is_refused(
    root_copy: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _outside(tmp_path_factory.mktemp("elsewhere"), "taxonomy/sources.yaml", root_copy)
    (root_copy / "taxonomy" / "sources.yaml").symlink_to(target)
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 1 and "taxonomy/sources.yaml: symlink points outside the data root" in err


def test_symlink_inside_the_root_is_fine(
    root_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.move(str(root_copy / "taxonomy" / "sources.yaml"), root_copy / "sources-real.yaml")
    (root_copy / "taxonomy" / "sources.yaml").symlink_to(root_copy / "sources-real.yaml")
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 0, err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_in_cases_does_not_hang(root_copy: Path) -> None:
    os.mkfifo(root_copy / "cases" / "pipe.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "misgen", "--root", str(root_copy), "validate"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1 and "cases/pipe.yaml: not a regular file" in result.stderr


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/null", "."])
def test_devices_and_folders_as_scenarios(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    if not Path(target).exists():
        pytest.skip(f"no {target}")
    code, _, err = run(["--root", str(REPO), "classify", target], capsys)
    assert code == 2 and f"{target}: not a regular file" in err


def test_validate_an_empty_folder_checks_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["--root", str(REPO), "validate", str(tmp_path)], capsys)
    assert code == 0 and out.startswith("ok: 0 file(s) checked")


def test_answers_file_problems_are_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: a bad key in --answers escaped as a pydantic ValidationError (exit 3)."""
    answers = tmp_path / "a.json"
    answers.write_text('{"Bad Key": "yes",\n "goal-directed": "maybe"}')
    code, _, err = run(
        [
            "--root",
            str(REPO),
            "new",
            "zz-case",
            "--answers",
            str(answers),
            "-o",
            str(tmp_path / "zz-case.yaml"),
        ],
        capsys,
    )
    assert code == 2 and "a.json:1:13: signals.Bad Key: String should match pattern" in err
    answers.write_text("signals:\n  goal-directed: maybe\n")
    code, _, err = run(
        [
            "--root",
            str(REPO),
            "new",
            "zz-case",
            "--answers",
            str(answers),
            "-o",
            str(tmp_path / "zz-case.yaml"),
        ],
        capsys,
    )
    assert (
        code == 2
        and "a.json:2:18: signals.goal-directed: 'maybe' is not an answer of 'goal-directed'" in err
    )
    assert not (tmp_path / "zz-case.yaml").exists()


@pytest.mark.parametrize(
    "case_id", ["../../etc/passwd", "/tmp/x", "a/b", "ABC", "café", "ａｂｃ", "a" * 65, "x\n", ".."]
)
def test_new_refuses_ids_that_are_paths(
    case_id: str, root_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.name for p in root_copy.rglob("*"))
    code, _, err = run(["--root", str(root_copy), "new", case_id], capsys)
    assert code == 2 and "not a valid case id" in err
    assert sorted(p.name for p in root_copy.rglob("*")) == before


# =========================================================================== terminal output

PAYLOAD = "\x1b[31mRED\x1b]8;;https://evil.example\x07link\x1b]8;;\x07 \x9b2J \u202eevil\u202c [/bold] [link=https://evil.example]x[/link]"
WEB_PAYLOAD = ' <script>alert(1)</script> "]; click x "javascript:alert(2)" | #quot; `x` & %% -->'
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _poison(node: Any) -> Any:
    """Append the payloads to every free-text string (ids, literals and URLs have no spaces)."""
    if isinstance(node, dict):
        return {k: _poison(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_poison(v) for v in node]
    if isinstance(node, str) and " " in node:
        return node[:60] + " " + PAYLOAD + WEB_PAYLOAD
    return node


@pytest.fixture(scope="module")
def poisoned_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the data root whose every free-text field carries terminal escapes and rich markup."""
    root = tmp_path_factory.mktemp("poisoned")
    for name in ("taxonomy", "classifier", "cases"):
        for src in sorted((REPO / name).glob("*.yaml")):
            dest = root / name / src.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            data = yamlio.load_file(src).data
            dest.write_text(
                json.dumps(_poison(data), indent=1)
            )  # JSON is YAML; escapes stay escaped
    loaded = kb_module.load(root)
    assert loaded.ok, [p.message for p in loaded.problems[:5]]
    return root


def _assert_inert(text: str) -> None:
    bad = UNSAFE.search(text)
    assert bad is None, (
        f"raw {bad.group()!r} reached the terminal: ...{text[max(0, bad.start() - 60) : bad.start() + 20]!r}"
    )


def test_every_explain_rendering_is_inert(
    poisoned_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """All ids, every renderable: no raw control/bidi character, no markup interpreted or crashing."""
    from misgen import explain, render
    from misgen.engine import Classifier
    from misgen.evaluation import classify_all, report

    loaded = kb_module.load(poisoned_root)
    out = output.console()
    # every id of every kind, except that signals and cases (slow to explain) are sampled
    sampled = set(list(loaded.signals)[3:]) | set(list(loaded.cases)[5:])
    for key in [k for k in explain.all_ids(loaded) if k not in sampled]:
        found = explain.lookup(loaded, key)
        assert found is not None, key
        for part in explain.as_renderables(loaded, *found):
            out.print(part)
    out.print(explain.taxonomy_tree(loaded))
    clf = Classifier.from_kb(loaded)
    case = next(iter(loaded.cases.values()))
    out.print(render.verdict_tree(clf.classify(case.signals, case_id=case.id), case.title))
    rows = classify_all(loaded)
    from misgen import tables

    out.print(tables.cases_table(rows))
    for part in tables.eval_tables(report(loaded, rows)):
        out.print(part)
    text = capsys.readouterr().out
    _assert_inert(text)
    assert (
        "[/bold]" in text and "[link=https://evil.example]" in text
    )  # printed as text, not markup
    assert "\\x1b[31mRED" in text and "\\u202e" in text  # shown as visible escapes


@pytest.mark.parametrize(
    "argv",
    [
        ["taxonomy"],
        ["explain", "coinrun-go-right"],
        ["explain", "misspecification"],
        ["classify", "--all"],
        ["eval"],
        ["validate"],
    ],
)
def test_cli_text_output_is_inert(
    poisoned_root: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["--root", str(poisoned_root), *argv], capsys)
    assert code in (0, 1), err
    _no_traceback(err)
    _assert_inert(out + err)


def test_classify_scenario_title_is_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(json.dumps({"title": PAYLOAD[:290], "signals": {"goal-directed": "yes"}}))
    code, out, err = run(["--root", str(REPO), "classify", str(scenario)], capsys)
    assert code == 0, err
    _assert_inert(out)
    assert "[link=https://evil.example]" in out
    code, out, _ = run(["--root", str(REPO), "classify", str(scenario), "--format", "json"], capsys)
    assert code == 0 and not re.search(r"[\x7f-\x9f\u202a-\u202e]", out)


def test_problem_messages_are_inert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Keys and values from the file appear in messages and hints; they are printed escaped."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        '"k\\e[2J\\x9b": 1\n"k\\e[2J\\x9b": 2\nsignals: {"goal\\u202e": "ye\\es"}\n'
    )
    code, _, err = run(["--root", str(REPO), "classify", str(scenario)], capsys)
    assert code == 2 and "duplicate key 'k\\x1b[2J\\x9b'" in err
    _assert_inert(err)
    scenario.write_text(
        'sources:\n  - {id: a, authors: [x], year: 2020, title: t, venue: v, url: "https://x.org", verified: "ye\\e[2J\\u202es"}\n'
    )
    code, _, err = run(["--root", str(REPO), "classify", str(scenario)], capsys)
    assert code == 2 and "'ye\\x1b[2J\\u202es' is text here" in err
    _assert_inert(err)


def test_usage_errors_are_inert(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--root", str(REPO), "validate", "no-such\x1b[2J\u202e.yaml"], capsys)
    assert code == 2 and "no-such\\x1b[2J\\u202e.yaml" in err
    _assert_inert(err)
    code, _, err = run(["--root", str(REPO), "explain", "nope\x1b]0;pwned\x07"], capsys)
    assert code == 2
    _assert_inert(err)


def test_json_output_escapes_c1_and_bidi(capsys: pytest.CaptureFixture[str]) -> None:
    payload = {"t": "a\x9b31m\u202eb\x1bc\x7f"}
    output.dump_json(payload)
    text = capsys.readouterr().out
    assert not UNSAFE.search(text) and json.loads(text) == payload


@pytest.mark.parametrize("columns", ["²", "0", "99999999999999999999", "-5", "abc"])
def test_odd_terminal_sizes(
    columns: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    monkeypatch.setenv("LINES", columns)
    code, out, err = run(["--root", str(REPO), "explain", "misspecification"], capsys)
    assert code == 0 and out, err


def _graph(root: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    import misgen.graph.command  # noqa: F401  (an import error must fail, not skip)
    code, out, err = run(["--root", str(root), "graph", "--format", fmt], capsys)
    assert code == 0, err
    return out


@pytest.mark.parametrize("fmt", ["svg", "mermaid", "dot", "text"])
def test_graph_output_is_inert(
    poisoned_root: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Data text in every graph format: no raw control characters, no markup that escapes its label."""
    out = _graph(poisoned_root, fmt, capsys)
    _assert_inert(out.replace("\n", "").replace("\t", ""))
    assert "evil.example" in out  # the data is there, as text
    if fmt == "svg":
        import xml.etree.ElementTree as ET

        svg = ET.fromstring(out)
        assert not [
            el for el in svg.iter() if el.tag.rsplit("}", 1)[-1] in ("script", "foreignObject")
        ]
        assert not [a for el in svg.iter() for a in el.attrib if a.lower().startswith("on")]
        assert not [
            v for el in svg.iter() for a, v in el.attrib.items() if "javascript:" in v.lower()
        ]
    elif fmt == "mermaid":
        assert (
            not re.search(r"(?m)^\s*click\b", out)
            and "<script" not in out
            and '"]; click' not in out
        )
    elif fmt == "dot":
        assert all(
            len(re.findall(r'(?<!\\)"', line)) % 2 == 0 for line in out.splitlines()
        )  # no label breaks out


def test_graph_json_output_is_inert(
    poisoned_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _graph(poisoned_root, "json", capsys)
    assert json.loads(out)
    _assert_inert(out.replace("\n", ""))


def test_docs_output_is_inert(
    poisoned_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import misgen.docs  # noqa: F401  (an import error must fail, not skip)
    code, _, err = run(
        ["--root", str(poisoned_root), "docs", "--out", str(tmp_path / "site")], capsys
    )
    assert code == 0, err
    for path in (tmp_path / "site").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            _assert_inert(text.replace("\n", "").replace("\t", ""))
            assert (
                "<script" not in text
                and "](javascript:" not in text
                and 'href="javascript:' not in text
            ), path


# =========================================================================== output files


@pytest.mark.parametrize("fail_at", ["write", "fsync", "replace", "interrupt"])
def test_crash_during_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: str
) -> None:
    target = tmp_path / "graph.svg"
    target.write_text("old content\n")
    target.chmod(0o644)

    def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise (
            KeyboardInterrupt if fail_at == "interrupt" else OSError(28, "No space left on device")
        )

    if fail_at == "write":
        real_fdopen = os.fdopen

        class Failing(io.BufferedWriter):
            def write(self, data: Any) -> int:
                super().write(bytes(data)[: len(data) // 2])  # half of it, then the disk is full
                self.flush()
                raise OSError(28, "No space left on device")

        monkeypatch.setattr(
            output.os,
            "fdopen",
            lambda fd, mode="r", *a, **k: (
                Failing(io.FileIO(fd, "wb")) if "w" in mode else real_fdopen(fd, mode, *a, **k)
            ),
        )
    elif fail_at == "fsync":
        monkeypatch.setattr(output.os, "fsync", boom)
    else:
        monkeypatch.setattr(output.os, "replace", boom)
    with pytest.raises((OSError, KeyboardInterrupt)) as info:
        output.atomic_write(target, "new content " * 1000 + "\n", force=True)
    assert target.read_text() == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "graph.svg"
    ]  # no temporary file left behind
    if isinstance(info.value, OSError):
        assert info.value.filename == str(
            target
        )  # the message names the file asked for, not the temp


def test_crash_during_create_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "new-case.yaml"
    monkeypatch.setattr(
        output.os, "link", lambda *_a: (_ for _ in ()).throw(OSError(1, "Operation not permitted"))
    )
    with pytest.raises(OSError):
        output.atomic_create(target, "id: new-case\n")
    assert list(tmp_path.iterdir()) == []


def test_replacing_keeps_permissions_and_new_files_follow_the_umask(tmp_path: Path) -> None:
    """mkstemp creates 0600 files: without the defence a --force rewrite makes a shared file private."""
    target = tmp_path / "out.svg"
    target.write_text("old")
    target.chmod(0o644)
    output.atomic_write(target, "new", force=True)
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o644
    umask = os.umask(0o022)
    try:
        output.atomic_create(tmp_path / "fresh.yaml", "x")
        assert (tmp_path / "fresh.yaml").stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(umask)


def test_never_overwrites_without_force(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("precious")
    with pytest.raises(UsageError, match="--force"):
        output.atomic_write(target, "new")
    dangling = tmp_path / "link.txt"
    dangling.symlink_to(tmp_path / "missing-target")
    with pytest.raises(UsageError, match="--force"):
        output.atomic_write(dangling, "new")
    with pytest.raises(UsageError, match="never overwrites"):
        output.atomic_create(target, "new")
    assert target.read_text() == "precious" and dangling.is_symlink()


def test_write_errors_are_exit_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: a folder or an unwritable place as -o was an 'internal error' (exit 3)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, _, err = run(
        ["--root", str(REPO), "new", "zz-case", "-o", str(blocker / "zz-case.yaml")], capsys
    )
    assert code == 2 and f"misgen: error: {blocker / 'zz-case.yaml'}:" in err
    _no_traceback(err)


def test_graph_output_never_overwritten_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import misgen.graph.command  # noqa: F401  (an import error must fail, not skip)
    target = tmp_path / "g.dot"
    target.write_text("precious\n")
    code, _, err = run(["--root", str(REPO), "graph", "--format", "dot", "-o", str(target)], capsys)
    assert code == 2 and "--force" in err and target.read_text() == "precious\n"
    code, _, err = run(
        ["--root", str(REPO), "graph", "--format", "dot", "-o", str(target), "--force"], capsys
    )
    assert code == 0, err
    assert target.read_text().startswith(("digraph", "strict digraph"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]
    folder = tmp_path / "a-folder"
    folder.mkdir()
    code, _, err = run(
        ["--root", str(REPO), "graph", "--format", "dot", "-o", str(folder), "--force"], capsys
    )
    assert code == 2 and folder.is_dir()
    _no_traceback(err)


# =========================================================================== every command


def _broken_root(root: Path) -> None:
    signals = root / "taxonomy" / "signals.yaml"
    signals.write_text(signals.read_text().replace("signals:\n", "signals: &bomb\n", 1))


COMMANDS = [
    ["validate"],
    ["taxonomy"],
    ["explain", "misspecification"],
    ["classify", "--all"],
    ["classify", "SCENARIO"],
    ["eval"],
    ["graph"],
    ["docs", "--check"],
    ["new", "zz-case"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_every_command_reports_bad_data_with_file_and_line(
    argv: list[str], root_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _broken_root(root_copy)
    scenario = tmp_path / "s.yaml"
    scenario.write_text("title: x\n")
    argv = [str(scenario) if a == "SCENARIO" else a for a in argv]
    code, _, err = run(["--root", str(root_copy), *argv], capsys)
    _no_traceback(err)
    assert code == 1, err
    assert re.search(r"taxonomy/signals\.yaml:\d+:\d+: anchor '&bomb' is not allowed", err), err


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from misgen import datacmds
    from misgen.cli import main

    def boom(_args: object) -> int:
        raise RuntimeError("kaput \x1b[2J")

    monkeypatch.setattr(datacmds, "cmd_validate", boom)
    with pytest.raises(RuntimeError, match="kaput"):
        main(["--debug", "validate"])


def test_recursion_is_unusable_input_not_a_bug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from misgen import datacmds

    def deep(_args: object) -> int:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(datacmds, "cmd_validate", deep)
    code, _, err = run(["validate"], capsys)
    assert code == 2 and "nests too deeply" in err


def test_internal_error_text_is_inert(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from misgen import datacmds

    def boom(_args: object) -> int:
        raise RuntimeError("kaput \x1b[2J")

    monkeypatch.setattr(datacmds, "cmd_validate", boom)
    code, _, err = run(["validate"], capsys)
    assert code == 3 and "kaput \\x1b[2J" in err


@pytest.mark.parametrize(
    "raw", [b"\x00\x01", b"\xff\xfe\xfd", b"a: [", b"- 1\n", b"title: !!binary aGk=\n", b""]
)
def test_classify_stdin(
    raw: bytes, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    code, _, err = run(["--root", str(REPO), "classify", "-"], capsys)
    _no_traceback(err)
    if raw == b"":
        assert code == 2 and "<stdin>:1:1: a scenario must be a YAML mapping" in err
    else:
        assert code == 2 and err.startswith("<stdin>"), err
