"""Property-based tests (issue 9): generated YAML and random bytes never get past the contract.

The contract, for the loader, the validator and the classifier: a clean refusal (an
:class:`InputError` carrying located problems; exit 1 or 2 with a message naming the file)
or a valid result; never another exception, never exit 3, never a raw control character
on the terminal. Budgets are fixed and the runs derandomized, so CI is deterministic and
the whole file stays well under 20 seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from misgen import loading, models, yamlio
from misgen.cli import main
from misgen.problems import InputError
from tests.conftest import FIXTURES, REPO


def budget(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --------------------------------------------------------------------------- strategies

#: pieces of YAML syntax, hostile constructs and awkward characters, glued at random
TOKENS = [
    "title",
    "signals",
    "goal-directed",
    "answer",
    "setup",
    "a",
    "- ",
    "-",
    ": ",
    ":",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\t",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "? ",
    "&a ",
    "*a",
    "<<: ",
    "!!python/object/apply:os.system ",
    "!include ",
    "!!set ",
    "!!binary ",
    "!e!x ",
    "! ",
    "%YAML 1.1\n",
    "%TAG !e! tag:x,2000:\n",
    "---\n",
    "...\n",
    "'",
    '"',
    "\\",
    "\\e",
    "# c",
    "|\n",
    ">-\n",
    "yes",
    "no",
    "on",
    "~",
    "null",
    "true",
    "FALSE",
    "1",
    "-0",
    "010",
    "1.10",
    "1e999",
    ".inf",
    ".NaN",
    "0x1F",
    "2024-02-30",
    "1:30",
    "9" * 4400,
    "k" * 300,
    "x" * 1500,
    "\x1b[31m",
    "\x9b",
    "\x7f",
    "\u202e",
    "\ufeff",
    "\x00",
    "\x85",
    "\u2028",
    "\U0001f600",
    "é",
    "\ufffe",
    "\udc80",
]
token_soup = st.lists(st.sampled_from(TOKENS) | st.text(max_size=4), max_size=50).map("".join)
#: line-shaped YAML: indentation, a key, a separator, a value made of tokens
yaml_lines = st.lists(
    st.tuples(
        st.sampled_from(["", "", "  ", "    ", "\t", " "]),
        st.sampled_from(
            ["title", "signals", "goal-directed", "answer", "- ", "a", "<<", '"k"', "? x"]
        )
        | st.text(max_size=3),
        st.sampled_from([": ", ":", ": - ", "- "]),
        st.lists(st.sampled_from(TOKENS), max_size=3).map("".join),
    ).map("".join),
    max_size=12,
).map("\n".join)
#: well-formed mappings whose plain scalars are the hostile tokens (huge numbers, tags, controls...)
plain_docs = st.lists(
    st.tuples(st.sampled_from(["title", "summary", "id", "a"]), st.sampled_from(TOKENS)), max_size=5
).map(lambda pairs: "".join(f"{key}: {value}\n" for key, value in pairs))
yaml_texts = token_soup | yaml_lines | plain_docs

#: BMP text: libyaml refuses the surrogate-pair escapes (\\ud83d\\ude00) that ASCII-only JSON uses above it
bmp_text = st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | bmp_text
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(bmp_text, inner, max_size=4),
    max_leaves=25,
)

TEMPLATE = (FIXTURES / "valid" / "valid-minimal-case.yaml").read_text(encoding="utf-8")
TEMPLATE_LINES = TEMPLATE.splitlines(keepends=True)


@st.composite
def mutated_case(draw: Any) -> bytes:
    """The valid case fixture with a few lines replaced, inserted, deleted or corrupted."""
    lines = list(TEMPLATE_LINES)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "value", "indent"]))
        i = draw(st.integers(0, len(lines) - 1))
        piece = draw(yaml_texts)
        if op == "replace":
            lines[i] = piece + "\n"
        elif op == "insert":
            lines.insert(i, piece + "\n")
        elif op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "value" and ": " in lines[i]:
            lines[i] = lines[i].split(": ", 1)[0] + ": " + piece + "\n"
        elif op == "indent":
            lines[i] = draw(st.sampled_from(["", " ", "\t", "    "])) + lines[i].lstrip(" ")
    raw = "".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(max_size=8)) + raw[at:]
    return raw


SIGNALS = [
    "goal-directed",
    "single-target",
    "spec-scores-failure-high",
    "concealment",
    "no-such-signal",
    "Bad_Key",
]
ANSWERS = ["yes", "no", "unknown", "not-applicable", "maybe", "", "YES"]


@st.composite
def scenarios(draw: Any) -> bytes:
    """A scenario in the case format (everything optional), or junk, as file bytes."""
    kind = draw(st.sampled_from(["structured", "structured", "text", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    if kind == "text":
        return draw(yaml_texts).encode("utf-8", "surrogatepass")
    answer = (
        st.sampled_from(ANSWERS)
        | json_values
        | st.fixed_dictionaries(
            {"answer": st.sampled_from(ANSWERS)},
            optional={
                "evidence": st.text(max_size=20) | scalars,
                "strength": st.sampled_from(["measured", "bogus"]),
                "source": st.sampled_from(["a-source", "../x"]),
                "extra": scalars,
            },
        )
    )
    data = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "title": st.text(max_size=40) | scalars,
                "id": st.sampled_from(["my-case", "Bad_Id", "../../etc/passwd"])
                | st.text(max_size=8),
                "kind": st.sampled_from(["empirical", "incident", "nope"]),
                "signals": st.dictionaries(
                    st.sampled_from(SIGNALS) | st.text(max_size=6), answer, max_size=5
                )
                | json_values,
                "setup": json_values,
                "curated": json_values,
                "links": json_values,
                "unknown-field": scalars,
            },
        )
    )
    if draw(st.booleans()):
        return json.dumps(data, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    import yaml

    return yaml.safe_dump(
        data, allow_unicode=draw(st.booleans()), default_flow_style=draw(st.booleans())
    ).encode("utf-8", "surrogatepass")


# --------------------------------------------------------------------------- helpers

PLAIN = (dict, list, str, int, float, bool, type(None))
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _depth(node: Any) -> int:
    if isinstance(node, dict):
        return 1 + max((_depth(v) for v in node.values()), default=0)
    if isinstance(node, list):
        return 1 + max((_depth(v) for v in node), default=0)
    return 0


def _plain(node: Any) -> bool:
    if isinstance(node, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in node.items())
    if isinstance(node, list):
        return all(_plain(v) for v in node)
    return isinstance(node, PLAIN)


def _check_refusal(exc: InputError, name: str) -> None:
    assert exc.problems
    for p in exc.problems:
        assert p.path == name and p.message
        assert p.line is None or p.line >= 1


def _parse_contract(text: str) -> None:
    try:
        doc = yamlio.parse(text, "f.yaml")
    except InputError as exc:
        _check_refusal(exc, "f.yaml")
        return
    assert _plain(doc.data)
    assert _depth(doc.data) <= yamlio.MAX_DEPTH
    if isinstance(doc.data, (dict, list)):
        assert doc.mark_for(()) is not None


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _cli_contract(code: int, out: str, err: str, name: str, allowed: tuple[int, ...]) -> None:
    assert code in allowed, (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    if code != 0:
        assert re.search(rf"(^|/){re.escape(name)}(:\d+(:\d+)?)?: ", err, re.MULTILINE), err
    assert not RAW_CONTROL.search(out + err.replace("\n", "")), (out + err)[:500]


# --------------------------------------------------------------------------- the loader


@budget(400)
@given(yaml_texts)
def test_generated_yaml_text(text: str) -> None:
    _parse_contract(text)


@budget(300)
@given(
    st.binary(max_size=600)
    | st.builds(
        lambda a, b: a.encode("utf-8", "surrogatepass") + b, yaml_texts, st.binary(max_size=50)
    )
)
def test_random_bytes(raw: bytes) -> None:
    try:
        text = yamlio.decode(raw, "f.yaml")
    except InputError as exc:
        _check_refusal(exc, "f.yaml")
        return
    _parse_contract(text)


@budget(200)
@given(json_values)
def test_json_is_read_back_exactly(data: Any) -> None:
    """JSON (ASCII-escaped, BMP) is YAML 1.2: misgen reads it back unchanged, types included."""
    if _depth(data) > yamlio.MAX_DEPTH:
        return
    doc = yamlio.parse(json.dumps(data), "f.json")
    assert doc.data == data and json.dumps(doc.data) == json.dumps(data)


@budget(120)
@given(mutated_case())
def test_validator_on_mutated_cases(raw: bytes) -> None:
    """The per-file validator: problems with positions, or a model; nothing else."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "valid-minimal-case.yaml"
        path.write_bytes(raw)
        model, _doc, problems = loading.load_model(path, models.Case, "case.yaml")
    assert (model is None) == bool(problems)
    for p in problems:
        assert p.path == "case.yaml" and p.message


# --------------------------------------------------------------------------- the CLI


@budget(10)
@given(mutated_case())
def test_validate_command_on_mutated_cases(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "valid-minimal-case.yaml"
        path.write_bytes(raw)
        code, out, err = _cli(["--root", str(REPO), "validate", str(path)])
    _cli_contract(code, out, err, path.name, (0, 1))


@budget(35)
@given(scenarios(), st.sampled_from(["text", "json"]))
def test_classify_command_on_generated_scenarios(raw: bytes, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.yaml"
        path.write_bytes(raw)
        code, out, err = _cli(["--root", str(REPO), "classify", str(path), "--format", fmt])
    _cli_contract(code, out, err, "s.yaml", (0, 2))
    if code == 0 and fmt == "json":
        verdict = json.loads(out)
        assert verdict["status"] and "fired" in verdict
    elif code == 0:
        assert out.strip()
