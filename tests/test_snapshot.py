"""The classify fast path (misgen.fastpath, misgen.snapshot, misgen.plaintext) says exactly
what the normal pydantic path says, or steps aside.

The reference is always the project's own ``cmd_classify`` on the pydantic knowledge base;
the fast path runs the same ``cmd_classify`` privately on the cached snapshot. Both outputs
are compared byte for byte: every case in cases/ (text, --trace, JSON, every policy), every
fixture scenario (hostile, invalid, retired signals), generated scenarios, and the cache's
failure modes (corrupt, stale, disabled). No timing is asserted here (see bench/).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from misgen import fastcheck, fastmodules, fastpath, models, plaintext, snapshot
from misgen.kb import KnowledgeBase, load
from tests.conftest import FIXTURES, REPO

CASES = sorted((REPO / "cases").glob("*.yaml"))


@pytest.fixture(scope="module")
def kb_noc() -> KnowledgeBase:
    """What ``classify FILE`` loads: taxonomy and classifier, no cases."""
    loaded = load(REPO, with_cases=False)
    assert loaded.ok
    return loaded


@pytest.fixture
def primed(kb_noc: KnowledgeBase) -> KnowledgeBase:
    """The snapshot of the repository's data is in the (test) cache."""
    if snapshot.load(REPO) is None:
        snapshot.store(kb_noc, snapshot.key(REPO))
        assert snapshot.load(REPO) is not None
    return kb_noc


@contextlib.contextmanager
def _captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


def slow(argv: list[str], kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str, str]:
    """The normal path's ``cmd_classify`` (real argparse, real pydantic knowledge base, loaded
    once); returns (exit code or the exception's type name, stdout, stderr)."""
    from misgen import commands
    from misgen.cli import build_parser
    from misgen.problems import InputError, UsageError

    args = build_parser().parse_args(argv)
    with monkeypatch.context() as patch, _captured() as (out, err):
        patch.setenv("MISGEN_NO_CACHE", "1")
        patch.setattr(commands, "_kb", lambda *_a, **_k: kb)
        try:
            code: Any = commands.cmd_classify(args)
        except (InputError, UsageError) as exc:
            code = type(exc).__name__
    return code, out.getvalue(), err.getvalue()


def fast(argv: list[str]) -> tuple[Any, str, str] | None:
    """The fast path: None when it steps aside (it must then have written nothing)."""
    with _captured() as (out, err):
        result = fastpath.prepare(argv)
    assert out.getvalue() == "" and err.getvalue() == "", "the fast path wrote before deciding"
    if result is None:
        return None
    assert isinstance(result, fastpath.Output)
    with _captured() as (out, err):
        code = result()
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- guards


def test_data_files_are_the_knowledge_base_files() -> None:
    from misgen import kb as kb_module

    assert tuple(rel for rel, _model in kb_module.TAXONOMY_FILES.values()) == snapshot.DATA_FILES


def test_scenario_format_is_the_one_checked_by_hand() -> None:
    current = snapshot.scenario_schema_digest()
    assert current == fastcheck.SCENARIO_SCHEMA, (
        "models.Scenario, Answer or Source changed: review misgen/fastcheck.py's scenario() "
        f"against them, then set fastcheck.SCENARIO_SCHEMA = {current!r} (until then the fast "
        "path is off: no snapshot is stored)"
    )


def test_fast_path_imports_neither_pydantic_nor_rich(tmp_path: Path) -> None:
    """In a fresh interpreter, a cached classify never imports pydantic or rich."""
    import subprocess
    import sys

    env = {**os.environ, "MISGEN_CACHE_DIR": str(tmp_path), "COLUMNS": "100"}
    env.pop("MISGEN_NO_CACHE", None)
    case = str(CASES[0])
    code = (
        "import sys\nfrom misgen.cli import main\n"
        f"for fmt in ('text', 'json'):\n    main(['--root', {str(REPO)!r}, 'classify', {case!r}, '--format', fmt])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'rich', 'misgen')), file=sys.stderr)"
    )
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "'pydantic'" in first.stderr  # no snapshot yet: the normal path, which stores one
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "pydantic" not in second.stderr and "'rich" not in second.stderr, second.stderr
    assert "misgen.models" not in second.stderr and "misgen.engine'" not in second.stderr
    assert second.stdout == first.stdout


# --------------------------------------------------------------------------- every case, both paths


VARIANTS = (["--format", "json"], [], ["--trace"])


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_every_case_same_output(
    case: Path, primed: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    policies = [p.id for p in primed.policy.policies]  # type: ignore[union-attr]
    index = CASES.index(case)
    variants = [*VARIANTS[:2], [["--trace"], ["--policy", policies[index // 3 % len(policies)]]][index % 2]]
    for extra in variants:
        argv = ["--root", str(REPO), "classify", str(case), *extra]
        expected = slow(argv, primed, monkeypatch)
        got = fast(argv)
        assert got is not None, f"the fast path stepped aside for {argv}"
        assert got == expected, argv


@pytest.mark.parametrize("columns", ["40", "80", "200", None, "abc", "7"])
def test_widths_same_output(
    columns: str | None, primed: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    for case in CASES[::15]:
        for extra in ([], ["--trace"]):
            with monkeypatch.context() as env:
                if columns is None:
                    env.delenv("COLUMNS", raising=False)
                else:
                    env.setenv("COLUMNS", columns)
                argv = ["--root", str(REPO), "classify", str(case), *extra]
                got = fast(argv)
                expected = slow(argv, primed, env)
                assert got is None or got == expected, (columns, argv)


def test_json_verdicts_identical_by_value(primed: KnowledgeBase) -> None:
    """The verdict JSON of every case, under every policy, compared as data."""
    from misgen.engine import Classifier
    from misgen.scenario import read_scenario
    from misgen.serialize import verdict_dict

    snap = snapshot.load(REPO)
    assert snap is not None
    mods = fastpath.engine_modules()
    for policy in [None, *(p.id for p in primed.policy.policies)]:  # type: ignore[union-attr]
        reference = Classifier.from_kb(primed, policy)
        plain_clf = mods["engine"].Classifier.from_kb(snap, policy)
        for case in CASES:
            scenario = read_scenario(str(case), primed)
            quick = fastpath.read_scenario(str(case), snap)
            want = verdict_dict(reference.classify(scenario.answers(), case_id=scenario.id))
            got = mods["serialize"].verdict_dict(plain_clf.classify(quick.answers(), case_id=quick.id))
            assert json.dumps(got) == json.dumps(want), (policy, case.name)
            assert plain_clf.decide(quick.answers()).__dict__ == reference.decide(scenario.answers()).__dict__


# --------------------------------------------------------------------------- hostile and edge scenarios

FIXTURE_FILES = sorted(FIXTURES.rglob("*.yaml"))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[str(p.relative_to(FIXTURES)) for p in FIXTURE_FILES])
def test_fixture_scenarios(path: Path, primed: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hostile, invalid and retired-signal files: the fast path gives the same output or steps
    aside (then the normal path prints its own messages, warnings and exit code)."""
    argv = ["--root", str(REPO), "classify", str(path)]
    got = fast(argv)
    if got is not None:
        assert got == slow(argv, primed, monkeypatch)


EDGE: dict[str, str] = {
    "empty": "",
    "null": "~\n",
    "list": "- a\n- b\n",
    "scalar": "hello\n",
    "empty-mapping": "{}\n",
    "only-title": "title: A scenario\n",
    "bare-answers": "signals:\n  goal-directed: 'yes'\n  adversarial-input: 'no'\n",
    "answer-mappings": "signals:\n  goal-directed: {answer: 'yes', strength: measured, evidence: seen}\n",
    "unknown-signal": "signals:\n  goal-directedd: 'yes'\n",
    "bad-answer": "signals:\n  goal-directed: maybe\n",
    "retired-signal": "signals:\n  induced: 'yes'\n",
    "retired-capability": "signals:\n  capability-dependent: 'no'\n  goal-directed: 'yes'\n",
    "yes-unquoted": "signals:\n  goal-directed: yes\n",
    "boolean-answer": "signals:\n  goal-directed: true\n",
    "number-answer": "signals:\n  goal-directed: 1\n",
    "null-signals": "signals:\n",
    "list-signals": "signals: [goal-directed]\n",
    "bad-strength": "signals:\n  goal-directed: {answer: 'yes', strength: strong}\n",
    "empty-evidence": "signals:\n  goal-directed: {answer: 'yes', evidence: ''}\n",
    "extra-answer-field": "signals:\n  goal-directed: {answer: 'yes', note: x}\n",
    "missing-answer": "signals:\n  goal-directed: {strength: measured}\n",
    "uppercase-signal": "signals:\n  Goal-Directed: 'yes'\n",
    "lookalike-id": "id: сase\n",
    "trailing-hyphen-id": "id: case-\n",
    "long-id": "id: " + "a" * 65 + "\n",
    "ok-id-64": "id: " + "a" * 64 + "\nsignals:\n  goal-directed: 'no'\n",
    "unknown-field": "titel: typo\n",
    "long-title": "title: " + "x" * 301 + "\n",
    "title-300": "title: " + "x" * 300 + "\n",
    "numeric-title": "title: 1.0\n",
    "bad-kind": "kind: anecdote\n",
    "good-kind-domain": "kind: incident\ndomain: robotics\n",
    "setup-int-key": "setup:\n  1: x\n",
    "setup-list": "setup: [a]\n",
    "curated-anything": "curated:\n  labels: [x]\n  anything: [1, 2, {a: b}]\n",
    "disputes-mapping": "disputes: {a: b}\n",
    "links-list": "links: [1, 2]\n",
    "sources-good": (
        "sources:\n  - id: s1\n    authors: [A]\n    year: 2020\n    title: T\n    venue: V\n"
        "    url: https://example.org/x\n    verified: true\n"
    ),
    "sources-javascript-url": (
        "sources:\n  - id: s1\n    authors: [A]\n    year: 2020\n    title: T\n    venue: V\n"
        "    url: javascript:alert(1)\n    verified: true\n"
    ),
    "sources-unicode-space-url": (
        "sources:\n  - id: s1\n    authors: [A]\n    year: 2020\n    title: T\n    venue: V\n"
        '    url: "https://example.org/a\\u2003b"\n    verified: true\n'
    ),
    "sources-unverified-no-note": (
        "sources:\n  - id: s1\n    authors: [A]\n    year: 2020\n    title: T\n    venue: V\n"
        "    doi: 10.1234/abc\n    verified: false\n"
    ),
    "sources-year-bool": (
        "sources:\n  - id: s1\n    authors: [A]\n    year: true\n    title: T\n    venue: V\n"
        "    arxiv: '2105.14111'\n    verified: true\n"
    ),
    "sources-year-range": (
        "sources:\n  - id: s1\n    authors: [A]\n    year: 1700\n    title: T\n    venue: V\n"
        "    arxiv: '2105.14111'\n    verified: true\n"
    ),
    "sources-no-locator": (
        "sources:\n  - id: s1\n    authors: [A]\n    year: 2000\n    title: T\n    venue: V\n    verified: true\n"
    ),
    "sources-empty-authors": (
        "sources:\n  - id: s1\n    authors: []\n    year: 2000\n    title: T\n    venue: V\n"
        "    arxiv: '2105.14111'\n    verified: true\n"
    ),
    "control-characters": 'title: "bell \\a and bidi \\u202e here"\nsignals:\n  goal-directed: \'no\'\n',
    "wide-characters": "title: 分類のシナリオ\nsignals:\n  goal-directed: 'no'\n",
    "combining": "title: \"e\\u0301 accent\"\n",
    "tab-in-title": 'title: "a\\tb"\nsignals:\n  goal-directed: \'no\'\n',
    "newline-in-title": 'title: "a\\nb"\n',
    "very-long-word": "title: " + "w" * 250 + "\nsignals:\n  goal-directed: 'yes'\n",
    "alias": "a: &x 1\nb: *x\n",
    "duplicate-key": "title: a\ntitle: b\n",
    "tag": "title: !!str x\n",
    "two-documents": "title: a\n---\ntitle: b\n",
    "bad-yaml": "title: [unclosed\n",
    "deep": "setup:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(40)),
}


@pytest.mark.parametrize("name", sorted(EDGE))
def test_edge_scenarios(
    name: str, tmp_path: Path, primed: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(EDGE[name], encoding="utf-8")
    for extra in ([], ["--format", "json"]):
        argv = ["--root", str(REPO), "classify", str(path), *extra]
        got = fast(argv)
        expected = slow(argv, primed, monkeypatch)
        if got is None:
            continue
        assert expected[0] == 0, f"the fast path accepted what the normal path refuses: {expected}"
        assert got == expected


def test_valid_edge_scenarios_take_the_fast_path(tmp_path: Path, primed: KnowledgeBase) -> None:
    for name in ("empty-mapping", "only-title", "bare-answers", "answer-mappings", "ok-id-64",
                 "title-300", "good-kind-domain", "curated-anything", "links-list", "sources-good",
                 "control-characters"):
        path = tmp_path / f"{name}.yaml"
        path.write_text(EDGE[name], encoding="utf-8")
        assert fast(["--root", str(REPO), "classify", str(path)]) is not None, name


@pytest.mark.parametrize(
    "argv",
    [
        ["classify", "-"],
        ["classify", "--all"],
        ["classify", "--format=yaml", "x.yaml"],
        ["classify", "--form", "json", "x.yaml"],
        ["--debug", "classify", "x.yaml"],
        ["classify", "x.yaml", "y.yaml"],
        ["classify", "--", "x.yaml"],
        ["classify", "-i"],
        ["classify", "--policy", "--trace", "x.yaml"],
        ["classify", "x.yaml", "--format", "json", "--format", "text"],
        ["--root", "a", "--root", "b", "classify", "x.yaml"],
        ["classify"],
        ["validate", "classify"],
    ],
)
def test_unusual_command_lines_take_the_normal_path(argv: list[str]) -> None:
    assert fastpath.parse_argv(argv) is None


def test_plain_command_lines_are_argparse_identical() -> None:
    from misgen.cli import build_parser

    for argv in (
        ["classify", "x.yaml"],
        ["--root", "r", "classify", "--format", "json", "x.yaml"],
        ["--root=r", "classify", "x.yaml", "--format=text", "--policy=p", "--trace"],
        ["classify", "--policy", "p", "x.yaml", "--trace"],
    ):
        ours = fastpath.parse_argv(argv)
        assert ours is not None
        assert vars(ours) == vars(build_parser().parse_args(argv)), argv


# --------------------------------------------------------------------------- the scenario check


_slugs = st.sampled_from(["goal-directed", "adversarial-input", "x", "a-b", "A", "a_b", "", "é", "a" * 65])
_texts = st.one_of(st.text(max_size=5), st.sampled_from(["x" * 300, "x" * 301, "ok"]))
_values = st.one_of(st.none(), st.booleans(), st.integers(-5, 3000), st.floats(allow_nan=False), _texts, _slugs)
_answers = st.one_of(
    _slugs,
    _values,
    st.fixed_dictionaries(
        {"answer": _slugs},
        optional={
            "strength": st.sampled_from(["measured", "inferred", "strong", None, 1]),
            "evidence": st.one_of(_texts, st.none()),
            "source": st.one_of(_slugs, st.none()),
            "locator": st.one_of(_texts, st.none()),
            "quote": st.one_of(_texts, st.none()),
            "suggested": st.one_of(st.booleans(), st.none(), st.integers(0, 1)),
            "extra": _values,
        },
    ),
)
_sources = st.fixed_dictionaries(
    {"id": _slugs, "authors": st.lists(_texts, max_size=2), "year": st.one_of(st.integers(1700, 2200), st.booleans()),
     "title": _texts, "venue": _texts, "verified": st.one_of(st.booleans(), _texts)},
    optional={
        "arxiv": st.sampled_from(["2105.14111", "2105.1", "abc", None]),
        "doi": st.sampled_from(["10.1234/x", "10.1/x", "10.1234/a b", None]),
        "url": st.sampled_from(["https://a.org", "http://a.org/<x>", "ftp://a", "https://a.org/\u00a0", None]),
        "note": st.one_of(_texts, st.none()),
    },
)
_scenarios = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(_slugs, _values),
        "title": st.one_of(_texts, _values),
        "kind": st.sampled_from(["incident", "empirical", "other", None, 3]),
        "domain": st.sampled_from(["robotics", "language-model", "x", None]),
        "summary": st.one_of(_texts, st.none()),
        "setup": st.one_of(st.dictionaries(st.one_of(st.text(max_size=3), st.integers()), _values, max_size=2), _values),
        "signals": st.one_of(st.dictionaries(_slugs, _answers, max_size=4), _values),
        "curated": st.one_of(st.dictionaries(st.text(max_size=3), _values, max_size=2), _values),
        "disputes": st.one_of(st.lists(_values, max_size=2), _values),
        "links": st.one_of(st.lists(_values, max_size=2), _values),
        "sources": st.one_of(st.lists(_sources, max_size=2), _values),
        "typo": _values,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scenarios)
def test_scenario_check_never_accepts_what_pydantic_refuses(data: dict[str, Any]) -> None:
    accepted = fastcheck.scenario(data)
    if accepted is None:
        return
    model = models.Scenario.model_validate(data)  # must not raise
    assert (model.id, model.title) == accepted[:2]
    fields = ("answer", "strength", "evidence", "source", "locator", "quote", "suggested")
    want = {k: tuple(getattr(a, f) for f in fields) for k, a in model.answers().items()}
    got = {k: tuple(getattr(a, f) for f in fields) for k, a in accepted[2].items()}
    assert list(got.items()) == list(want.items())


def test_scenario_check_accepts_every_case(kb_noc: KnowledgeBase) -> None:
    from misgen import yamlio

    for case in CASES:
        assert fastcheck.scenario(yamlio.load_file(case).data) is not None, case.name


# --------------------------------------------------------------------------- the cache itself


def _copy_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for name in ("taxonomy", "classifier"):
        shutil.copytree(REPO / name, root / name)
    (root / "cases").mkdir()
    return root


def _classify(root: Path, scenario: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str, bool]:
    from misgen.cli import main

    used = []
    original = fastpath.prepare

    def spy(argv: list[str]) -> Any:
        result = original(argv)
        used.append(result is not None)
        return result

    fastpath.prepare = spy  # type: ignore[assignment]
    try:
        code = main(["--root", str(root), "classify", str(scenario), "--format", "json"])
    finally:
        fastpath.prepare = original  # type: ignore[assignment]
    out, err = capsys.readouterr()
    return code, out, err, bool(used and used[-1])


def test_cache_lifecycle(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("MISGEN_CACHE_DIR", str(cache))
    root = _copy_root(tmp_path)
    case = CASES[0]
    first = _classify(root, case, capsys)
    assert first[0] == 0 and not first[3]  # nothing cached yet: the normal path, which stores
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].suffix == ".snapshot"
    assert not any(p.name.endswith(".tmp") for p in cache.iterdir())
    assert cache.stat().st_mode & 0o777 == 0o700
    second = _classify(root, case, capsys)
    assert second[3] and second[:3] == first[:3]
    good = files[0].read_bytes()

    # damaged in every way: ignored (never trusted), the normal path answers and rewrites it
    head, _, payload = good.partition(b"\n")
    fields = head.split(b" ")
    tampered = json.loads(payload)
    tampered["rules"][0][5] = ["is", None, "no-such-signal", "yes"]
    forged = json.dumps(tampered).encode()
    damaged = [
        b"",
        b"garbage",
        good[: len(good) // 2],
        good[:-3] + b"}}}",
        good.replace(b"misgen-snapshot", b"other-snapshot", 1),
        head.replace(fields[2], b"0" * 64) + b"\n" + payload,
        head + b"\n" + payload.replace(b"yes", b"yea", 1),
        b" ".join([*fields[:3], snapshot._hash(forged).hexdigest().encode()]) + b"\n" + forged,
        b" ".join([*fields[:3], snapshot._hash(b"[]").hexdigest().encode()]) + b"\n[]",
        b" ".join([*fields[:3], snapshot._hash(b"\xff").hexdigest().encode()]) + b"\n\xff",
    ]
    for bad in damaged:
        files[0].write_bytes(bad)
        assert snapshot.load(root) is None, bad[:80]
        again = _classify(root, case, capsys)
        assert not again[3] and again[:3] == first[:3]
        assert files[0].read_bytes() == good  # rebuilt
    # stale: a data file changed; the old snapshot no longer matches
    rules = root / "classifier" / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert snapshot.load(root) is None
    stale = _classify(root, case, capsys)
    assert not stale[3] and stale[:3] == first[:3]
    assert files[0].read_bytes() != good and snapshot.load(root) is not None
    # broken data: never classified from an old snapshot, the problems are reported
    rules.write_text(rules.read_text(encoding="utf-8").replace("\n    label: ", "\n    label: nonsense-", 1), encoding="utf-8")
    broken = _classify(root, case, capsys)
    assert broken[0] == 1 and not broken[3] and "problem" in broken[2]
    assert snapshot.load(root) is None


def test_cache_disabled(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("MISGEN_CACHE_DIR", str(cache))
    monkeypatch.setenv("MISGEN_NO_CACHE", "1")
    root = _copy_root(tmp_path)
    for _ in range(2):
        code, _out, _err, used = _classify(root, CASES[0], capsys)
        assert code == 0 and not used
    assert not cache.exists()
    monkeypatch.delenv("MISGEN_NO_CACHE")
    monkeypatch.setenv("MISGEN_MAX_DEPTH", "40")  # a cap overridden: the normal path decides
    assert not snapshot.enabled()


def test_cache_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy_root(tmp_path)
    monkeypatch.delenv("MISGEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert snapshot.cache_dir() == str(tmp_path / "xdg" / "misgen")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # invalid per the XDG spec: ignored
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert snapshot.cache_dir() == str(tmp_path / "home" / ".cache" / "misgen")
    monkeypatch.setenv("MISGEN_CACHE_DIR", str(root / "taxonomy" / "cache"))  # inside the data root
    assert snapshot.snapshot_path(root) is None
    monkeypatch.setenv("MISGEN_CACHE_DIR", str(tmp_path / "elsewhere"))
    path = snapshot.snapshot_path(root)
    assert path is not None and path.startswith(str(tmp_path / "elsewhere"))


def test_symlinked_or_missing_data_files_are_not_keyed(tmp_path: Path) -> None:
    root = _copy_root(tmp_path)
    assert snapshot.key(root) is not None
    target = root / "taxonomy" / "debate.yaml"
    moved = tmp_path / "debate.yaml"
    target.rename(moved)
    assert snapshot.key(root) is None
    target.symlink_to(moved)
    assert snapshot.key(root) is None


def test_store_refuses_files_changed_during_the_load(kb_noc: KnowledgeBase, tmp_path: Path) -> None:
    assert not snapshot.store(kb_noc, "0" * 64)
    assert not snapshot.store(kb_noc, None)


def test_private_modules_leave_the_real_ones_alone(primed: KnowledgeBase) -> None:
    import sys

    from misgen import engine

    assert fast(["--root", str(REPO), "classify", str(CASES[0])]) is not None
    assert sys.modules["misgen.engine"] is engine and sys.modules["misgen.models"] is models
    private = fastpath.engine_modules()["engine"]
    assert private is not engine and private.__name__.startswith("misgen._fast_")
    assert private.models.__name__ == "misgen.plain"


def test_lite_dataclass_behaves_like_dataclass() -> None:
    import dataclasses

    source = (
        "from __future__ import annotations\n"
        "class T:\n    op: str\n    value: bool | None\n    name: str | None = None\n"
        "    children: tuple = ()\n"
        "    def twice(self) -> str:\n        return self.op * 2\n"
    )
    classes = []
    for decorate in (dataclasses.dataclass(frozen=True), fastmodules._lite_dataclass(frozen=True)):
        namespace: dict[str, Any] = {}
        exec(source, namespace)  # noqa: S102 - a test class, defined twice
        classes.append(decorate(namespace["T"]))
    real, lite = classes
    for args, kwargs in (((), {"op": "a", "value": True}), (("a", None, "n"), {}), (("a",), {"value": False, "children": (1,)})):
        a, b = real(*args, **kwargs), lite(*args, **kwargs)
        assert repr(a) == repr(b) and hash(a) == hash(b) and a.twice() == b.twice()
        assert b == lite(*args, **kwargs) and b != lite("other", None)
        with pytest.raises(AttributeError):
            b.op = "x"
    for args, kwargs in (((), {}), (("a",), {}), (("a", True), {"op": "b"}), (("a", True), {"nope": 1}), (("a", 1, 2, 3, 4), {})):
        with pytest.raises(TypeError):
            real(*args, **kwargs)
        with pytest.raises(TypeError):
            lite(*args, **kwargs)


# --------------------------------------------------------------------------- rich's layout, without rich


def _rich_print(renderable: Any, width: int) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=width, highlight=False, soft_wrap=False, emoji=False, markup=False,
            _environ={}).print(renderable)
    return buffer.getvalue()


def test_extra_symbols_are_one_cell_in_every_unicode_version() -> None:
    from rich import cells
    from rich._unicode_data._versions import VERSIONS

    assert list(plaintext._SINGLE_CELL_RANGES) == list(cells._SINGLE_CELL_UNICODE_RANGES)
    for version in VERSIONS:
        for ch in plaintext._EXTRA_SINGLE:
            assert cells.cell_len(ch, version) == 1, (ch, version)


_alphabet = st.sampled_from(list("ab c  -.,:/") + list("✔✘→·é—’"))
_labels = st.text(_alphabet, min_size=1, max_size=90)


@st.composite
def _trees(draw: Any, depth: int = 0) -> tuple[str, list[Any]]:
    children = draw(st.lists(_trees(depth + 1), max_size=3)) if depth < 3 else []  # type: ignore[call-arg]
    return draw(_labels), children


def _build(spec: tuple[str, list[Any]], text_cls: Any, tree_cls: Any) -> Any:
    def attach(parent: Any, node: tuple[str, list[Any]]) -> None:
        child = parent.add(text_cls(node[0]))
        for sub in node[1]:
            attach(child, sub)

    root = tree_cls(text_cls(spec[0]))
    for sub in spec[1]:
        attach(root, sub)
    return root


@settings(max_examples=150, deadline=None)
@given(_trees(), st.integers(16, 130))
def test_tree_layout_matches_rich(spec: tuple[str, list[Any]], width: int) -> None:
    from rich.text import Text
    from rich.tree import Tree

    ours = plaintext.render(_build(spec, plaintext.Text, plaintext.Tree), width)
    if ours is not None:
        assert ours == _rich_print(_build(spec, Text, Tree), width)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(_alphabet, max_size=150), min_size=1, max_size=5), st.integers(4, 130))
def test_text_layout_matches_rich(lines: list[str], width: int) -> None:
    from rich.text import Text

    joined = "\n".join(lines)
    ours = plaintext.render_text(plaintext.Text(joined), width)
    if ours is not None:
        assert ours == _rich_print(Text(joined), width)


@pytest.mark.parametrize(
    "env",
    [
        {}, {"COLUMNS": "100"}, {"COLUMNS": "19"}, {"COLUMNS": "0"}, {"COLUMNS": "abc"},
        {"COLUMNS": "²"}, {"COLUMNS": "123456"}, {"FORCE_COLOR": ""}, {"FORCE_COLOR": "1"},
        {"TTY_COMPATIBLE": "0"}, {"TTY_COMPATIBLE": "1"}, {"UNICODE_VERSION": "9.0"},
    ],
)
def test_console_width_is_rich_console_width(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from misgen.output import console

    for name in ("COLUMNS", "FORCE_COLOR", "TTY_COMPATIBLE", "UNICODE_VERSION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with _captured():
        width = plaintext.plain_console_width()
        rich_console = console()
        if width is not None:
            assert width == rich_console.width
            assert not rich_console.is_terminal and rich_console.color_system is None


_id_chars = st.text(st.sampled_from(list("az09-_A.é\n ") + ["\u0430", "\uff11"]), max_size=70)


@settings(max_examples=500, deadline=None)
@given(_id_chars)
def test_slug_check_is_the_id_grammar(text: str) -> None:
    from misgen import ids

    assert fastcheck.MAX_ID_LENGTH == ids.MAX_ID_LENGTH
    assert fastcheck._slug(text) == ids.is_slug(text)


_locator_chars = st.text(
    st.sampled_from(list("0123456789./:-htpsx<>\"' \t") + ["\u00a0", "\u2003", "\u0661", "é"]), max_size=30
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(_locator_chars, st.sampled_from(["2105.14111", "10.1234/abc", "https://a.org/x", "http://a"])))
def test_locator_checks_accept_only_what_pydantic_accepts(text: str) -> None:
    from pydantic import ValidationError

    base = {"id": "s", "authors": ["A"], "year": 2000, "title": "T", "venue": "V", "verified": True}
    for field_name, check in (("arxiv", fastcheck._arxiv), ("doi", fastcheck._doi), ("url", fastcheck._url)):
        if check(text):
            try:
                models.Source.model_validate({**base, field_name: text})
            except ValidationError as exc:  # pragma: no cover - the failure this test looks for
                raise AssertionError(f"{field_name} {text!r} accepted by hand, refused by pydantic") from exc
