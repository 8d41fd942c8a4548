"""Issue 22: the attacks the first hostile suite missed (red-team report, reviews/redteam.md).

One regression test per finding, named after it (``test_f<number>_...``, numbered as in
the report's summary table), each failing without its fix; then one property test per
class of problem: condition size, output destinations, stdout/stdin states, encodings.
Hangs are tested so that they fail instead of hanging (a lookup budget, a subprocess
timeout, a memory limit). Budgets are fixed and derandomized; the file runs in about
half a minute.
"""

from __future__ import annotations

import errno
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from misgen import conditions, models, output, root as root_module, yamledit, yamlio
from misgen import kb as kb_module
from misgen.docs import md, site
from misgen.kb import KnowledgeBase, load
from misgen.problems import InputError
from tests.conftest import REPO, run

CASE = "coinrun-go-right"
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX files and signals")


def budget(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


def _no_crash(err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err, err


def _misgen(*argv: str, timeout: float = 60, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    env.update(kwargs.pop("env", {}))
    env.pop("MISGEN_ROOT", None)
    return subprocess.run(
        [sys.executable, "-m", "misgen", *argv],
        capture_output=kwargs.pop("capture_output", True),
        timeout=timeout,
        check=False,
        env=env,
        **kwargs,
    )


# --------------------------------------------------------------------------- 1: use fan-out


def _definitions(root: Path, text: str) -> None:
    rules = root / "classifier" / "rules.yaml"
    rules.write_text(rules.read_text().replace("definitions:\n", "definitions:\n" + text, 1))


def _bomb(width: int, depth: int, prefix: str = "bomb") -> str:
    """The report's reproduction: each definition uses the previous one ``width`` times."""
    text = f'  {prefix}0:\n    name: b0\n    when: {{signal: goal-directed, in: ["yes", "unknown"]}}\n'
    for k in range(1, depth + 1):
        uses = ", ".join([f"{{use: {prefix}{k - 1}}}"] * width)
        text += f"  {prefix}{k}:\n    name: b{k}\n    when:\n      all: [{uses}]\n"
    return text


def _use_in_first_rule(root: Path, name: str) -> None:
    rules = root / "classifier" / "rules.yaml"
    text = rules.read_text()
    i = text.index("    when: {", text.index("\nrules:\n"))
    k = text.index("\n", i)
    text = text[:i] + f"    when:\n      all:\n        - {{use: {name}}}\n        - " + text[i + 10 : k] + text[k:]
    rules.write_text(text)


def test_f1_use_fan_out_is_refused_at_load_naming_the_definition(
    root_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Width 30, depth 11 (5 KB) never finished; now a located problem in well under a second."""
    _definitions(root_copy, _bomb(30, 11))
    _use_in_first_rule(root_copy, "bomb11")
    start = time.perf_counter()
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert time.perf_counter() - start < 10
    assert code == 1, err
    # the first definition over the cap is the cause; those built on it are not repeated
    assert re.search(
        r"classifier/rules\.yaml:\d+:\d+: definitions\.bomb2\.when: definition 'bomb2' expands to "
        r"[\d,]+ condition nodes through 'use' \(at most 1,000\)",
        err,
    ), err
    assert "'bomb3'" not in err and "rules[" not in err
    for argv in (["classify", str(root_copy / "cases" / f"{CASE}.yaml")], ["explain", "goal-directed"]):
        code, _, err = run(["--root", str(root_copy), *argv], capsys)
        assert code == 1 and "definition 'bomb2' expands" in err, err


def test_f1_policy_caveats_are_bounded_too(root_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Caveats accept 'use': one whose own tree expands past the cap is refused where it is."""
    _definitions(root_copy, _bomb(30, 1, "small"))  # small1: 1 + 30 * 2 = 61 nodes, fine
    policy = root_copy / "classifier" / "policy.yaml"
    uses = ", ".join(["{use: small1}"] * 20)  # 1 + 20 * 62 = 1,241 nodes: over 1,000
    policy.write_text(
        policy.read_text().replace(
            "caveats:\n", f"caveats:\n  - id: huge\n    when: {{any: [{uses}]}}\n    message: m\n", 1
        )
    )
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 1
    assert re.search(r"classifier/policy\.yaml:\d+:\d+: caveats\[0\]\.when: condition expands to", err), err


def test_f1_the_whole_rule_base_is_bounded(root_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Many rules, each under the cap, still cost the sum: the rule base has a total cap."""
    _definitions(root_copy, _bomb(30, 1, "mid"))  # mid1: 61 nodes; 120 rules using it: 7,560
    rules = root_copy / "classifier" / "rules.yaml"
    text = rules.read_text()
    block = text[text.index("\nrules:\n") + len("\nrules:\n") :]
    first = block[: block.index("\n\n") + 1]
    extra = ""
    for i in range(120):
        rule = re.sub(r"(?m)^  - id: \S+", f"  - id: misspecification/pad-{i}", first, count=1)
        rule = re.sub(r"(?m)^    label: \S+", "    label: misspecification", rule, count=1)
        rule = re.sub(r"(?m)^    subtype_by:\n(?:      .*\n)+", "", rule)
        rule = re.sub(r"(?m)^    role: \S+", "    role: secondary", rule, count=1)
        rule = re.sub(r"(?m)^    when: .*$", "    when: {any: [{use: mid1}]}", rule, count=1)
        extra += "\n" + rule
    rules.write_text(text.rstrip("\n") + "\n" + extra)
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 1
    assert "the conditions of the rule base expand to" in err and "(at most 5,000;" in err, err


class _Budget(Mapping[str, models.Definition]):
    """Definitions that refuse more than ``limit`` lookups: exponential work fails fast."""

    def __init__(self, inner: Mapping[str, models.Definition], limit: int) -> None:
        self.inner, self.limit, self.lookups = inner, limit, 0

    def __getitem__(self, key: str) -> models.Definition:
        self.lookups += 1
        if self.lookups > self.limit:
            raise AssertionError(f"more than {self.limit} definition lookups: not memoised")
        return self.inner[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.inner)

    def __len__(self) -> int:
        return len(self.inner)


def _bomb_definitions(width: int, depth: int) -> dict[str, models.Definition]:
    data = yaml.safe_load("definitions:\n" + _bomb(width, depth))["definitions"]
    return {k: models.Definition.model_validate(v) for k, v in data.items()}


@pytest.mark.parametrize("answer", ["yes", "no", "unknown"])
def test_f1_truth_and_signals_in_evaluate_each_definition_once(answer: str) -> None:
    """The interpreter and the signal walk are linear even on a definition graph past the cap."""
    defs = _bomb_definitions(30, 11)
    top = models.UseNode.model_validate({"use": "bomb11"})
    counted = _Budget(defs, 1_000)
    value = conditions.truth(top, {"goal-directed": answer}, counted)
    assert value is {"yes": True, "no": False, "unknown": True}[answer]
    assert conditions.signals_in(top, _Budget(defs, 1_000)) == {"goal-directed"}


def test_f1_a_use_cycle_reads_as_unknown_instead_of_recursing() -> None:
    defs = {
        "a": models.Definition.model_validate({"name": "a", "when": {"use": "b"}}),
        "b": models.Definition.model_validate({"name": "b", "when": {"not": {"use": "a"}}}),
    }
    assert conditions.truth(models.UseNode.model_validate({"use": "a"}), {}, defs) is None


# --------------------------------------------------------------------------- 2: MkDocs extensions


ATTR_TITLE = 'CoinRun {: onmouseover="alert(document.domain)" style="position:fixed;inset:0" }'
TEMPLATE_TEXT = "Before {{ config }} and {% for x in range(3) %}X{% endfor %} and {# note #} after."


def test_f2_text_escapes_braces_and_extension_blocks() -> None:
    escaped = md.text(ATTR_TITLE + " " + TEMPLATE_TEXT)
    assert "{" not in escaped and "}" not in escaped
    assert "&#123;: onmouseover" in escaped and "&#123;&#123; config &#125;&#125;" in escaped
    for lead in ("!!! danger", "??? note", ": definition", "=== tab"):
        assert not md.text(lead).startswith(lead[0]), lead


@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The generated pages of a root whose case title and summary carry extension syntax."""
    import shutil

    from misgen.docs import generate

    root = tmp_path_factory.mktemp("ext")
    for name in ("taxonomy", "classifier", "cases"):
        shutil.copytree(REPO / name, root / name)
    case = root / "cases" / f"{CASE}.yaml"
    text = case.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title: .*$", "title: " + yamledit.quote(ATTR_TITLE), text, count=1)
    text = re.sub(r"(?m)^summary: .*\n(?:  .*\n)*", "summary: " + yamledit.quote(TEMPLATE_TEXT) + "\n", text, count=1)
    case.write_text(text, encoding="utf-8")
    kb = load(root)
    assert kb.ok, kb.problems[:3]
    return generate(kb)


def test_f2_no_page_carries_extension_syntax_from_data(hostile_pages: dict[str, str]) -> None:
    """At the Markdown level, for every generated page: no attribute list, no template tag."""
    page = hostile_pages[f"cases/{CASE}.md"]
    assert "&#123;: onmouseover" in page
    for name, text in hostile_pages.items():
        if name.endswith(".md"):  # Mermaid's own hexagon syntax ({{"...#quot;"}}) aside
            assert not re.search(r"\{[:{%#+\-~=>]", re.sub(r"(?ms)^(`{3,})mermaid\n.*?^\1$", "", text)), name


def test_f2_builds_inert_with_attr_list_and_mkdocs_macros(
    hostile_pages: dict[str, str], tmp_path: Path
) -> None:
    """The case page built by MkDocs with attr_list and mkdocs-macros on (when installed)."""
    build = pytest.importorskip("mkdocs.commands.build")
    from mkdocs.config import load_config

    docs = tmp_path / "docs"
    (docs / "cases").mkdir(parents=True)
    (docs / "index.md").write_text("# home\n", encoding="utf-8")
    (docs / "cases" / f"{CASE}.md").write_text(hostile_pages[f"cases/{CASE}.md"], encoding="utf-8")
    plugins = ""
    try:
        import mkdocs_macros  # noqa: F401

        plugins = "plugins:\n  - macros\n"
    except ImportError:
        pass
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\ndocs_dir: docs\nmarkdown_extensions:\n  - attr_list\n" + plugins, encoding="utf-8"
    )
    build.build(load_config(str(tmp_path / "mkdocs.yml"), site_dir=str(tmp_path / "site")))
    html = (tmp_path / "site" / "cases" / CASE / "index.html").read_text(encoding="utf-8")
    h1 = re.search(r"<h1[^>]*>", html)
    assert h1 is not None and re.fullmatch(r'<h1 id="[a-z0-9_-]*">', h1.group()), h1  # no attribute from data
    assert not re.search(r"<[^<>]*(?:\sonmouseover=|position:fixed)", html)  # in text only, inert
    assert "XXX" not in html and "site_name" not in html  # no template ran
    assert "&#123;&#123; config &#125;&#125;" in html


# --------------------------------------------------------------------------- 4: what `new` writes


NASTY = "pasted \x7f text \x9b31m, NEL\x85here, \ufffe\uffff, LS\u2028, RLM\u200f, brain \U0001f9e0 é"


def test_f4_new_writes_only_what_reads_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "goal-directed:\n  answer: unknown\n  evidence: " + yamledit.quote(NASTY) + "\n", encoding="utf-8"
    )
    target = tmp_path / "nasty-case.yaml"
    code, _, err = run(
        ["--root", str(REPO), "new", "nasty-case", "--answers", str(answers), "-o", str(target)], capsys
    )
    assert code == 0, err
    doc = yamlio.load_file(target)  # libyaml reads it: no raw DEL, C1 or U+FFFE
    assert doc.data["signals"]["goal-directed"]["evidence"] == NASTY  # NEL kept, not folded
    models.Case.model_validate(doc.data)  # and it validates as written


def test_f4_a_skeleton_that_would_not_read_back_is_refused(kb: KnowledgeBase) -> None:
    from misgen import scaffold

    text = scaffold.skeleton("x-case", kb, {}, title="T" * 301)
    with pytest.raises(InputError) as info:
        scaffold.check_skeleton(text, "x.yaml", kb)
    assert "title" in info.value.problems[0].field
    lone = scaffold.skeleton("x-case", kb, {}, summary="bad \udcff byte")
    with pytest.raises(InputError):
        scaffold.check_skeleton(lone, "x.yaml", kb)
    scaffold.check_skeleton(scaffold.skeleton("x-case", kb, {}, title=NASTY), "x.yaml", kb)


# --------------------------------------------------------------------------- 5: non-BMP in mkdocs.yml


def test_f5_non_bmp_titles_survive_mkdocs_yml(kb: KnowledgeBase, tmp_path: Path) -> None:
    import dataclasses

    label = next(iter(kb.labels.values()))
    named = label.model_copy(update={"name": "Misspecification \U0001f9e0 \U0001d400"})
    kb2 = dataclasses.replace(kb, labels={**kb.labels, label.id: named})
    config = site.mkdocs_yml(kb2, "docs \U0001f4da")
    assert "\\ud83e" not in config.lower()
    data = yaml.load(config, Loader=yaml.Loader)  # the loader MkDocs uses (pure Python)
    assert data["docs_dir"] == "docs \U0001f4da"
    titles = [next(iter(item)) for item in data["nav"][1]["Labels"]]
    assert "Misspecification \U0001f9e0 \U0001d400" in titles
    assert all(not any(0xD800 <= ord(c) <= 0xDFFF for c in t) for t in titles)
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    yaml.load((tmp_path / "mkdocs.yml").read_bytes(), Loader=yaml.CSafeLoader)  # libyaml too


# --------------------------------------------------------------------------- 6, 7, 18: docs output


def _in_thread(fn: Any, timeout: float = 15) -> Any:
    """Run ``fn`` in a daemon thread: a hang fails the test instead of the run."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - reported below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "hung (a FIFO opened for reading?)"
    if "error" in box:
        raise box["error"]
    return box["value"]


@POSIX
@pytest.mark.parametrize("where", ["page", "config"])
def test_f6_fifo_in_or_beside_out_does_not_hang(kb: KnowledgeBase, tmp_path: Path, where: str) -> None:
    out = tmp_path / "site"
    out.mkdir()
    os.mkfifo(out / "index.md" if where == "page" else tmp_path / site.CONFIG)
    p = _in_thread(lambda: site.plan(kb, {"index.md": "# x\n"}, out))
    if where == "page":
        assert p.conflicts == ("index.md",)  # not ours, not overwritten
    else:
        assert p.config_state == "foreign"


@POSIX
def test_f6_dev_zero_beside_out_is_not_read(tmp_path: Path) -> None:
    """A /dev/zero symlink at mkdocs.yml was read until memory ran out (1 GB limit here)."""
    out = tmp_path / "site"
    out.mkdir()
    (tmp_path / site.CONFIG).symlink_to("/dev/zero")
    (out / "index.md").symlink_to("/dev/zero")
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from pathlib import Path\n"
        "from misgen.kb import load\n"
        "from misgen.docs import site\n"
        f"p = site.plan(load(Path({str(REPO)!r}), with_cases=False), {{'index.md': '# x'}}, Path({str(out)!r}))\n"
        "print(p.config_state, p.conflicts)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.split() == ["foreign", "('index.md',)"]


@POSIX
def test_f7_no_write_or_removal_through_a_symlinked_folder(
    root_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, victim = tmp_path / "d3" / "site", tmp_path / "victim"
    out.mkdir(parents=True)
    victim.mkdir()
    (victim / "keep.md").write_text(md.GENERATED + "\nnot yours\n")
    (out / "labels").symlink_to(victim)
    (out / site.MANIFEST).write_text(site.MANIFEST_HEAD + "\nlabels/keep.md\n")
    code, _, err = run(["--root", str(root_copy), "docs", "--out", str(out)], capsys)
    assert code == 2 and "is a symbolic link" in err, err
    assert sorted(p.name for p in victim.iterdir()) == ["keep.md"]
    assert not site._removable(out, "labels/keep.md")


def test_f18_mkdocs_yml_goes_next_to_the_real_folder(
    root_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "x"
    work.mkdir()
    monkeypatch.chdir(work)
    code, out, err = run(["--root", str(root_copy), "docs", "--out", "."], capsys)
    assert code == 0, err
    assert not (work / site.CONFIG).exists()
    assert 'docs_dir: "x"' in (tmp_path / site.CONFIG).read_text()
    assert f"mkdocs.yml at {tmp_path.resolve() / site.CONFIG}" in out
    for bad, why in (
        (root_copy / "cases", "inside the data folder"),
        (root_copy, "would hold the data root"),
    ):
        code, _, err = run(["--root", str(root_copy), "docs", "--out", str(bad)], capsys)
        assert code == 2 and why in err, (bad, err)
    assert not list((root_copy / "cases").glob("*.md"))
    from misgen.docs import _check_out
    from misgen.problems import UsageError

    with pytest.raises(UsageError, match="needs a parent folder"):  # never tried for real
        _check_out(load(root_copy, with_cases=False), Path("/"))
    # a generated mkdocs.yml that belongs to another docs folder is left alone
    (root_copy / site.CONFIG).write_text(site.CONFIG_HEAD + '\ndocs_dir: "docs"\n')
    code, _, err = run(["--root", str(root_copy), "docs", "--out", str(root_copy / "other")], capsys)
    assert code == 0 and "generated for another docs folder" in err, err
    assert 'docs_dir: "docs"' in (root_copy / site.CONFIG).read_text()


# --------------------------------------------------------------------------- 8: graph depth


def test_f8_graph_depth_stops_when_the_frontier_is_empty() -> None:
    result = _misgen(
        "--root", str(REPO), "graph", "--focus", CASE, "--depth", str(10**22), "--format", "json", timeout=60
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert b'"misgen-graph"' in result.stdout


# --------------------------------------------------------------------------- 9: huge caps


class _Eager(io.RawIOBase):
    """A stream whose read(n) allocates n bytes up front, like BufferedReader.read(n)."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if n > 1 << 30:
            raise MemoryError(f"read({n}) allocates {n} bytes")
        return self.data.read(n)


def test_f9_a_huge_file_cap_is_not_allocated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(yamlio, "MAX_FILE_BYTES", 99_999_999_999_999)
    small = tmp_path / "s.yaml"
    small.write_text("signals: {goal-directed: 'yes'}\n")
    assert yamlio.load_file(small).data == {"signals": {"goal-directed": "yes"}}
    assert yamlio.read_capped(_Eager(b"x" * 10)) == b"x" * 10
    import types

    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=_Eager(small.read_bytes())))
    code, out, err = run(["--root", str(REPO), "classify", "-", "--format", "json"], capsys)
    assert code == 0, err


# --------------------------------------------------------------------------- 10: symlink loops


@POSIX
def test_f10_symlink_loops_are_located_problems(
    root_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (root_copy / "cases" / "loop.yaml").symlink_to("loop.yaml")
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 1 and "cases/loop.yaml: symlink loop" in err, err
    code, _, err = run(["--root", str(root_copy), "validate", str(root_copy / "cases")], capsys)
    assert code == 1 and "symlink loop" in err, err
    (root_copy / "cases").rename(root_copy / "cases.real")
    (root_copy / "cases").symlink_to("cases")
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 1 and "cases: symlink loop" in err, err


# --------------------------------------------------------------------------- 11: grade_order


@pytest.mark.parametrize(
    "order", ["[]", "[speculative, speculative]", "[measured, inferred, speculative]"]
)
def test_f11_grade_order_must_list_every_grade_once(
    root_copy: Path, capsys: pytest.CaptureFixture[str], order: str
) -> None:
    policy = root_copy / "classifier" / "policy.yaml"
    policy.write_text(re.sub(r"(?m)^grade_order: .*$", f"grade_order: {order}", policy.read_text()))
    code, _, err = run(["--root", str(root_copy), "validate"], capsys)
    assert code == 1 and "grade_order must list every evidence grade exactly once" in err, err
    code, _, err = run(["--root", str(root_copy), "eval"], capsys)
    assert code == 1, err
    _no_crash(err)


# --------------------------------------------------------------------------- 12: typed text


def test_f12_long_typed_text_is_asked_again(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = "yes\n" + "E" * 7000 + "\nshort evidence\ninferred\n" + "\n" * 300
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
    code, out, err = run(["--root", str(REPO), "classify", "-i"], capsys)
    assert code == 0, err
    assert "at most 6,000 characters (that was 7,000)" in out
    from misgen.interactive import LINE_MAX, ask_text

    monkeypatch.setattr(sys, "stdin", io.StringIO("T" * 301 + "\nfine title\n"))
    assert ask_text(output.console(), "title", LINE_MAX) == "fine title"


# --------------------------------------------------------------------------- 13-16: streams


class _Raw(io.RawIOBase):
    """A standard output that fails the way pipes and disks do."""

    def __init__(self, failure: BaseException | None = None) -> None:
        self.failure, self.data = failure, bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        if self.failure is not None:
            raise self.failure
        self.data += bytes(b)
        return len(b)


def _stdout(encoding: str = "utf-8", failure: BaseException | None = None) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BufferedWriter(_Raw(failure)), encoding=encoding)


def _disarm(stream: Any) -> None:
    """Let a failing stream be flushed and closed quietly once the test is done with it."""
    if isinstance(stream, io.TextIOWrapper):
        stream.buffer.raw.failure = None  # type: ignore[attr-defined]
        stream.close()


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252", "cp437"])
def test_f13_a_stdout_that_is_not_utf8(monkeypatch: pytest.MonkeyPatch, encoding: str) -> None:
    for argv, fmt in (
        (["classify", str(REPO / "cases" / f"{CASE}.yaml")], "text"),
        (["explain", CASE], "text"),
        (["graph", "--format", "svg"], "svg"),
    ):
        out = _stdout(encoding)
        monkeypatch.setattr(sys, "stdout", out)
        from misgen.cli import main

        assert main(["--root", str(REPO), *argv]) == 0, argv
        out.flush()
        raw = bytes(out.buffer.raw.data)  # type: ignore[attr-defined]
        if fmt == "svg":
            assert raw.decode("utf-8").startswith("<?xml")  # UTF-8 whatever the locale
        else:
            assert raw.decode(encoding).strip()


@POSIX
@pytest.mark.parametrize("state", ["closed", "full", "broken-pipe"])
def test_f14_help_never_prints_a_traceback(state: str) -> None:
    program = "import sys; from misgen.cli import run; sys.argv = ['misgen', '--help']; run()"
    redirect = {"closed": ">&-", "full": ">/dev/full", "broken-pipe": ""}[state]
    proc = subprocess.Popen(
        ["sh", "-c", f'exec "$0" -c "$1" {redirect}', sys.executable, program],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    if state == "broken-pipe":
        proc.stdout.close()  # the reader is gone before misgen writes
    _, err = proc.communicate(timeout=30)
    text = err.decode()
    assert "Traceback" not in text and "Exception ignored" not in text, text
    assert proc.returncode == {"closed": 0, "full": 2, "broken-pipe": 0}[state], text


def test_f15_closed_stdout_and_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from misgen.cli import main

    monkeypatch.setattr(sys, "stdout", None)
    assert main(["--root", str(REPO), "taxonomy", "--format", "json"]) == 0
    assert main(["--root", str(REPO), "graph", "--format", "svg"]) == 0
    monkeypatch.undo()
    monkeypatch.setattr(sys, "stdin", None)
    for argv in (["classify", "-"], ["classify", "-i"]):
        code, _, err = run(["--root", str(REPO), *argv], capsys)
        assert code == 2 and "standard input is closed" in err, err


@pytest.mark.parametrize("argv", [["taxonomy"], ["classify", "--all"], ["explain", CASE]])
def test_f16_broken_pipe_on_rich_output_exits_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    from misgen.cli import main

    broken = _stdout(failure=BrokenPipeError(errno.EPIPE, "Broken pipe"))
    monkeypatch.setattr(sys, "stdout", broken)
    try:
        assert main(["--root", str(REPO), *argv]) == 0
    finally:
        _disarm(broken)


# --------------------------------------------------------------------------- 17: Ctrl-C


@POSIX
def test_f17_ctrl_c_inside_mkstemp_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = output.tempfile.mkstemp

    def interrupted(*args: Any, **kwargs: Any) -> tuple[int, str]:
        made = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)  # lands after the file exists, before mkstemp returns
        time.sleep(0.05)
        return made

    monkeypatch.setattr(output.tempfile, "mkstemp", interrupted)
    target = tmp_path / "page.md"
    with pytest.raises(KeyboardInterrupt):
        output.atomic_write(target, "whole\n", force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.md"]  # written whole, no .tmp
    assert target.read_text() == "whole\n"


def test_f17_interrupted_docs_says_what_was_written(
    root_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = {"n": 0}
    real = output.atomic_write

    def flaky(path: Path, data: Any, force: bool = False) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        real(path, data, force=force)

    monkeypatch.setattr(output, "atomic_write", flaky)
    code, _, err = run(["--root", str(root_copy), "docs", "--out", str(tmp_path / "site")], capsys)
    assert code == 130
    assert "nothing was written" not in err
    assert re.search(r"interrupted after writing or removing 3 of \d+ file\(s\)", err), err


# --------------------------------------------------------------------------- 19: the root walk


def _plant(folder: Path) -> None:
    for name in ("taxonomy", "classifier"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    (folder / "taxonomy" / "signals.yaml").write_text("signals: []\n")
    (folder / "classifier" / "rules.yaml").write_text("rules: []\n")


def test_f19_a_planted_parent_is_not_the_data_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _plant(tmp_path)
    below = tmp_path / "team" / "project"
    below.mkdir(parents=True)
    monkeypatch.chdir(below)
    monkeypatch.setattr(root_module, "_warned", set())
    assert root_module.walk_up(below) is None
    assert "not marked as a misgen data root" in capsys.readouterr().err
    (tmp_path / root_module.ROOT_MARKER).write_text("")
    assert root_module.walk_up(below) == tmp_path  # a marked parent is fine
    (tmp_path / root_module.ROOT_MARKER).unlink()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "misgen"\n')
    assert root_module.walk_up(below) == tmp_path
    (below.parent / ".git").mkdir()  # the repository boundary comes first
    assert root_module.walk_up(below) is None
    _plant(below)
    assert root_module.walk_up(below) == below  # the current folder itself needs no mark


@POSIX
@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="needs user ids")
def test_f19_a_folder_of_another_user_stops_the_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plant(tmp_path)
    (tmp_path / root_module.ROOT_MARKER).write_text("")
    below = tmp_path / "sub"
    below.mkdir()
    me = os.geteuid()
    real_stat = os.stat

    def stat(path: Any, *args: Any, **kwargs: Any) -> Any:
        result = real_stat(path, *args, **kwargs)
        if isinstance(path, (str, Path)) and Path(path) == tmp_path:  # another user's folder
            fields = list(result)
            fields[4] = me + 1
            return os.stat_result(fields)
        return result

    monkeypatch.setattr(root_module.os, "stat", stat)
    monkeypatch.setattr(root_module, "_warned", set())
    assert root_module.walk_up(below) is None


# --------------------------------------------------------------------------- 20-22: messages


def test_f20_wrote_messages_clean_the_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil = tmp_path / "t\x1b]0;pwned\x07"
    evil.mkdir()
    code, out, err = run(
        ["--root", str(REPO), "graph", "--format", "svg", "-o", str(evil / "g.svg")], capsys
    )
    assert code == 0 and "wrote" in err and "\x1b" not in err and "\\x1b" in err
    code, out, err = run(["--root", str(REPO), "new", "esc-name", "-o", str(evil / "c.yaml")], capsys)
    assert code == 0 and "wrote" in out and "\x1b" not in out and "\x07" not in out


def test_f21_many_problems_give_bounded_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """85,000 unknown signals gave 33 MB of messages (each hint listed every signal)."""
    many = tmp_path / "many.yaml"
    many.write_text("signals:\n" + "".join(f"  s{i}: x\n" for i in range(45_000)))
    code, _, err = run(["--root", str(REPO), "classify", str(many)], capsys)
    assert code == 2
    assert len(err.encode()) < 2_000_000, len(err)  # 10,000 problems shown, at most
    assert "and 35,000 more problem(s) not shown" in err
    assert "known: " not in err  # the list of every signal is no longer repeated


def test_f21_a_1mb_file_of_tiny_values_is_refused_early(tmp_path: Path) -> None:
    """A 1 MB list of 350,000 bad items took 8 s and 685 MB (a problem each): now a node cap."""
    import tracemalloc

    flat = tmp_path / "flat.yaml"
    flat.write_text("sources: [" + "a, " * 349_000 + "a]\n")
    assert flat.stat().st_size < yamlio.MAX_FILE_BYTES
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as info:
            yamlio.load_file(flat)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert f"more than {yamlio.MAX_NODES:,} keys and values" in info.value.problems[0].message
    assert peak < 100_000_000, peak


@pytest.mark.parametrize("char", ["\u200b", "\u200e", "\u200f", "\u061c", "\ufeff", "\u2028", "\u2029", "\u2060"])
def test_f22_invisible_format_characters_are_escaped(char: str) -> None:
    assert char not in output.clean(f"a{char}b")
    assert char not in output.json_text([f"a{char}b"])


# =========================================================================== property tests


# ---- class: condition size -------------------------------------------------------------


@st.composite
def definition_graphs(draw: st.DrawFn) -> dict[str, Any]:
    """A random DAG of definitions (each may use earlier ones, many times)."""
    count = draw(st.integers(1, 8))
    defs: dict[str, Any] = {}
    for i in range(count):
        earlier = [f"d{j}" for j in range(i)]
        kids = draw(
            st.lists(
                st.one_of(
                    st.sampled_from(earlier).map(lambda d: {"use": d}) if earlier else st.nothing(),
                    st.sampled_from(["yes", "no", "unknown"]).map(
                        lambda a: {"signal": "goal-directed", "in": [a]}
                    ),
                ),
                min_size=1,
                max_size=12,
            )
        )
        op = draw(st.sampled_from(["all", "any", "at-least", "not"]))
        node: dict[str, Any] = (
            {"not": kids[0]} if op == "not" else {"at-least": 1, "of": kids} if op == "at-least" else {op: kids}
        )
        defs[f"d{i}"] = {"name": f"d{i}", "when": node}
    return defs


def _naive_size(node: models.Condition, defs: Mapping[str, models.Definition], limit: int) -> int:
    """Expanded size by brute force, stopping at ``limit``."""
    if isinstance(node, models.UseNode):
        return 1 + _naive_size(defs[node.use].when, defs, limit)
    total = 1
    for child in conditions.children(node):
        total += _naive_size(child, defs, limit - total)
        if total > limit:
            return total
    return total


def _naive_truth(node: models.Condition, values: dict[str, str], defs: Mapping[str, models.Definition]) -> Any:
    if isinstance(node, models.UseNode):
        return _naive_truth(defs[node.use].when, values, defs)
    if isinstance(node, models.InNode):
        actual = values.get(node.signal, "unknown")
        return True if actual in node.in_ else (None if actual == "unknown" else False)
    kids = [_naive_truth(c, values, defs) for c in conditions.children(node)]
    if isinstance(node, models.AllNode):
        return False if False in kids else (True if all(k is True for k in kids) else None)
    if isinstance(node, models.AnyNode):
        return True if True in kids else (False if all(k is False for k in kids) else None)
    if isinstance(node, models.NotNode):
        return None if kids[0] is None else not kids[0]
    return conditions.at_least(node.at_least, kids)  # type: ignore[attr-defined]


@budget(150)
@given(raw=definition_graphs(), answer=st.sampled_from(["yes", "no", "unknown"]))
def test_property_condition_size_is_exact_linear_and_enforced(
    raw: dict[str, Any], answer: str, kb: KnowledgeBase
) -> None:
    defs = {k: models.Definition.model_validate(v) for k, v in raw.items()}
    sizes = kb_module.definition_sizes(defs)
    cap = kb_module.MAX_CONDITION_NODES
    for name, definition in defs.items():
        naive = _naive_size(definition.when, defs, cap + 1)
        assert sizes[name] == naive or (naive > cap and sizes[name] > cap)
        # the memoised interpreter agrees with brute force where brute force is affordable,
        # and never looks a definition up more than once per use site
        counted = _Budget(defs, len(defs))
        value = conditions.truth(definition.when, {"goal-directed": answer}, counted)
        if naive <= cap:
            assert value is _naive_truth(definition.when, {"goal-directed": answer}, defs)
    # and the loader refuses exactly the definitions over the cap, naming them
    import dataclasses

    test_kb = dataclasses.replace(kb, definitions=defs, rules=(), problems=())
    found = list(kb_module.check_sizes(test_kb, {}))
    over = {n for n, s in sizes.items() if s > cap}
    named = {m.group(1) for p in found for m in [re.search(r"definition '([^']+)' expands", p.message)] if m}
    assert named <= over and (not over or named)
    assert all(p.path == "classifier/rules.yaml" for p in found)


# ---- class: output destinations ----------------------------------------------------------


LAYOUT = st.fixed_dictionaries(
    {
        "labels": st.sampled_from(["absent", "folder", "symlink", "file"]),
        "index": st.sampled_from(["absent", "ours", "foreign", "fifo", "symlink-out", "folder"]),
        "config": st.sampled_from(["absent", "ours-other", "foreign", "fifo", "dev-zero"]),
        "manifest": st.sampled_from(["absent", "lists-victim", "garbage"]),
        "via": st.sampled_from(["plain", "dot", "trailing-slash"]),
    }
)


@POSIX
@budget(25)
@given(layout=LAYOUT)
def test_property_docs_writes_only_below_out(
    layout: dict[str, str], kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Whatever sits in and beside OUT: no hang, no exception but a usage error, and nothing
    written or removed outside OUT except OUT/../mkdocs.yml when it is ours."""
    from misgen.problems import UsageError

    base = tmp_path_factory.mktemp("dest")
    out, victim = base / "site", base / "victim"
    out.mkdir()
    victim.mkdir()
    (victim / "x.md").write_text(md.GENERATED + "\n")
    if layout["labels"] == "folder":
        (out / "labels").mkdir()
    elif layout["labels"] == "symlink":
        (out / "labels").symlink_to(victim)
    elif layout["labels"] == "file":
        (out / "labels").write_text("a file where a folder goes\n")
    index = out / "index.md"
    {
        "ours": lambda: index.write_text(md.GENERATED + "\nold\n"),
        "foreign": lambda: index.write_text("mine\n"),
        "fifo": lambda: os.mkfifo(index),
        "symlink-out": lambda: index.symlink_to(victim / "x.md"),
        "folder": lambda: index.mkdir(),
        "absent": lambda: None,
    }[layout["index"]]()
    config = base / site.CONFIG
    {
        "ours-other": lambda: config.write_text(site.CONFIG_HEAD + '\ndocs_dir: "elsewhere"\n'),
        "foreign": lambda: config.write_text("site_name: mine\n"),
        "fifo": lambda: os.mkfifo(config),
        "dev-zero": lambda: config.symlink_to("/dev/zero"),
        "absent": lambda: None,
    }[layout["config"]]()
    if layout["manifest"] == "lists-victim":
        (out / site.MANIFEST).write_text(site.MANIFEST_HEAD + "\nlabels/x.md\n../victim/x.md\n")
    elif layout["manifest"] == "garbage":
        (out / site.MANIFEST).write_bytes(b"\xff\x00" * 100)
    before = {p: p.read_bytes() for p in victim.iterdir()}
    config_before = config.read_bytes() if config.is_file() and not config.is_symlink() else None
    pages = {"index.md": md.page("Home", ["hello"]), "labels/index.md": md.page("Labels", ["x"])}
    target = {"plain": out, "dot": out / ".", "trailing-slash": Path(str(out) + "/")}[layout["via"]]

    def attempt() -> str:
        p = site.plan(kb, pages, target)
        if p.linked or p.conflicts:
            return "refused"
        try:
            site.apply(p)
        except (OSError, UsageError):
            return "error"
        return p.config_state

    outcome = _in_thread(attempt)
    assert {p: p.read_bytes() for p in victim.iterdir()} == before  # nothing outside OUT
    if layout["labels"] == "symlink":
        assert outcome == "refused"
    if outcome not in ("refused", "error") and layout["config"] != "absent":
        if layout["config"] in ("ours-other", "foreign"):
            assert config.read_bytes() == config_before  # someone else's config: untouched
    assert not list(base.rglob(".*.tmp"))


# ---- class: stdout / stdin states --------------------------------------------------------


STDOUT_STATES = ["closed", "broken-pipe", "full", "ascii", "latin-1"]
COMMANDS = [
    ["taxonomy"],
    ["taxonomy", "--format", "json"],
    ["explain", CASE],
    ["explain", CASE, "--format", "json"],
    ["classify", str(REPO / "cases" / f"{CASE}.yaml")],
    ["classify", "-", "--format", "json"],
    ["graph", "--format", "svg"],
    ["graph", "--format", "mermaid"],
    ["graph", "--format", "text", "--focus", CASE],
    ["validate", str(REPO / "cases" / f"{CASE}.yaml")],
    ["classify", "-i"],
]


@budget(40)
@given(
    argv=st.sampled_from(COMMANDS),
    out_state=st.sampled_from(STDOUT_STATES),
    in_state=st.sampled_from(["closed", "empty", "scenario"]),
)
def test_property_any_stdout_and_stdin_state(
    argv: list[str], out_state: str, in_state: str
) -> None:
    """Exit 0 (or 2 for a closed or empty stdin to `classify -`, or 2 for a full disk), never 3."""
    from misgen.cli import main

    saved = sys.stdout, sys.stdin
    try:
        sys.stdout = {  # type: ignore[assignment]
            "closed": None,
            "broken-pipe": _stdout(failure=BrokenPipeError(errno.EPIPE, "Broken pipe")),
            "full": _stdout(failure=OSError(errno.ENOSPC, "No space left on device")),
            "ascii": _stdout("ascii"),
            "latin-1": _stdout("latin-1"),
        }[out_state]
        scenario = (REPO / "cases" / f"{CASE}.yaml").read_bytes()
        sys.stdin = {  # type: ignore[assignment]
            "closed": None,
            "empty": io.TextIOWrapper(io.BytesIO(b"")),
            "scenario": io.TextIOWrapper(io.BytesIO(scenario)),
        }[in_state]
        err = io.StringIO()
        saved_err, sys.stderr = sys.stderr, err
        try:
            code = main(["--root", str(REPO), *argv])
            try:
                if sys.stdout is not None:
                    sys.stdout.flush()
            except OSError:
                pass
        finally:
            sys.stderr = saved_err
    finally:
        _disarm(sys.stdout)
        sys.stdout, sys.stdin = saved
    _no_crash(err.getvalue())
    allowed = {0}
    if "-" in argv and in_state != "scenario":
        allowed = {2}  # closed or empty: a clean refusal
    if "-i" in argv:
        allowed = {2} if in_state == "closed" else {0, 130}  # 130: input ended mid-questionnaire
    if out_state == "full":
        allowed |= {2}
    assert code in allowed, (argv, out_state, in_state, code, err.getvalue()[-300:])


# ---- class: encodings --------------------------------------------------------------------


ANY_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60
) | st.sampled_from([NASTY, "\x85", "\u2028\u2029", "\ufeff", "\U0001f9e0" * 3, "a\\b\"c", "\x00\x1b[2J"])


@budget(300)
@given(ANY_TEXT)
def test_property_quote_reads_back_exactly_in_both_yaml_loaders(text: str) -> None:
    quoted = yamledit.quote(text)
    assert "\n" not in quoted and "\r" not in quoted
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in quoted)
    assert yamlio.parse("k: " + quoted, "q.yaml").data["k"] == text  # misgen's (libyaml)
    assert yaml.load("k: " + quoted, Loader=yaml.Loader)["k"] == text  # MkDocs' (pure Python)


@budget(200)
@given(ANY_TEXT)
def test_property_escaping_for_every_output(text: str) -> None:
    """Markdown, terminal and JSON output of any text: no extension syntax, nothing invisible."""
    escaped = md.text(text)
    assert not set(escaped) & set("{}<>`[]|")
    assert not re.match(r"[-+=>!?:#]", escaped)
    cleaned = output.clean(text)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]", cleaned)
    assert "\x1b" not in output.json_text([text]) and "\u200f" not in output.json_text([text])
    nav = site._q(text)
    assert yaml.load("t: " + nav, Loader=yaml.Loader)["t"] == __import__("html").escape(" ".join(text.split()))


@budget(40)
@given(title=ANY_TEXT.filter(lambda t: t.strip() != ""), evidence=ANY_TEXT.filter(lambda t: t != ""))
def test_property_new_writes_what_it_was_given_or_refuses(
    title: str, evidence: str, kb: KnowledgeBase
) -> None:
    from misgen import scaffold

    answers = {"goal-directed": models.Answer(answer="unknown", evidence=evidence[:6000])}
    text = scaffold.skeleton("prop-case", kb, answers, title=title)
    try:
        scaffold.check_skeleton(text, "p.yaml", kb)
    except InputError:
        assert len(title) > 300  # the only way these inputs can fail the schema
        return
    data = yamlio.parse(text, "p.yaml").data
    assert data["title"] == title and data["signals"]["goal-directed"]["evidence"] == evidence[:6000]
