"""Issue 18: a newcomer's first hour. Each test is one finding of the review, as a user meets it."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from misgen import models, render
from misgen.engine import Classifier
from misgen.kb import KnowledgeBase
from tests.conftest import REPO, run

SCENARIO = """title: support agent closes tickets
signals:
  goal-directed: "yes"
  spec-scores-failure-high: "yes"
  single-target: "yes"
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rendered(renderable: Any, width: int = 80) -> str:
    import io

    from rich.console import Console

    console = Console(width=width, no_color=True, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


# --------------------------------------------------------------------------- 1: compact verdict


def test_classify_prints_a_compact_verdict_that_fits_80_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(
        ["--root", str(REPO), "classify", str(REPO / "cases" / "coinrun-go-right.yaml")], capsys
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "coinrun-go-right → misspecification (misspecification.concept-level)"
    assert "status: classified · evidence: inferred · policy: fix-first" in out
    assert "decided by rule misspecification/clean-proxy, because:" in out
    assert "✔ goal-directed = yes [measured]" in out  # the answers the rule rests on
    assert "near misses (one answer away):" in out
    assert "Krakovna" not in out and "unless (" not in out  # perspectives are for --trace
    assert "add --trace" in out
    assert max(map(len, lines)) <= 80 and len(lines) <= 45


def test_trace_shows_the_full_tree_and_json_is_unchanged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = str(REPO / "cases" / "coinrun-go-right.yaml")
    code, out, _ = run(["--root", str(REPO), "classify", case, "--trace"], capsys)
    assert code == 0
    assert "rule misspecification/clean-proxy (label holds)" in out and "perspectives" in out
    assert "├──" in out
    code, plain, _ = run(["--root", str(REPO), "classify", case, "--format", "json"], capsys)
    code, traced, _ = run(
        ["--root", str(REPO), "classify", case, "--format", "json", "--trace"], capsys
    )
    snapshot = (REPO / "tests" / "snapshots" / "coinrun-go-right.json").read_text(encoding="utf-8")
    assert plain == traced == snapshot


def test_compact_verdict_of_a_scenario_shows_possible_labels_and_top_three_questions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(
        ["--root", str(REPO), "classify", str(_write(tmp_path, "s.yaml", SCENARIO))], capsys
    )
    assert code == 0
    assert out.startswith("scenario → misspecification (misspecification.spec-level)")
    assert "✔ spec-scores-failure-high = yes [no strength given]" in out
    assert "evidence unstated: an answer the deciding rule rests on gives no strength" in out
    assert "also fired:\n  misspecification/clean-proxy (label holds)" in out
    found = re.search(r"questions that could change the verdict \(top (\d) of (\d+)\)", out)
    assert found and found.group(1) == "3"
    assert re.search(r"^  3\. ", out, re.MULTILINE) and not re.search(r"^  4\. ", out, re.MULTILINE)


def test_every_case_verdict_fits_a_screen_at_80_columns(kb: KnowledgeBase, clf: Classifier) -> None:
    for cid, case in kb.cases.items():
        verdict = clf.classify(case.signals, case_id=cid)
        text = _rendered(render.compact_verdict(verdict, case.title, 80))
        lines = text.rstrip("\n").splitlines()
        assert max(map(len, lines)) <= 80, cid
        assert len(lines) <= 50, (cid, len(lines))
        if verdict.possible:
            assert "possible, not established: " + ", ".join(verdict.possible) in " ".join(
                text.split()
            ), cid


def test_explain_case_is_compact_unless_trace(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["--root", str(REPO), "explain", "coinrun-go-right"], capsys)
    assert code == 0 and "decided by rule misspecification/clean-proxy" in out
    assert "└── perspectives" not in out and "curated: misspecification" in out
    code, out, _ = run(["--root", str(REPO), "explain", "coinrun-go-right", "--trace"], capsys)
    assert code == 0 and "└── perspectives" in out and "(label holds)" in out


# --------------------------------------------------------------------------- 2: data root


def test_info_says_which_data_root_and_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(["--root", str(REPO), "info"], capsys)
    assert code == 0
    assert f"data root: {REPO}" in out and "from: --root" in out
    assert re.search(r"data: 5 labels, \d+ subtypes, \d+ signals, \d+ rules, \d+ cases", out)
    assert out.startswith("misgen ") and "Python" in out
    monkeypatch.setenv("MISGEN_ROOT", str(REPO))
    code, out, _ = run(["info", "--format", "json"], capsys)
    data = json.loads(out)
    assert data["schema_version"] == 1 and data["root_from"] == "MISGEN_ROOT"
    assert data["root"] == str(REPO) and data["writable"] is True
    assert data["counts"]["cases"] == len(list((REPO / "cases").glob("*.yaml")))
    monkeypatch.delenv("MISGEN_ROOT")
    monkeypatch.chdir(REPO)
    code, out, _ = run(["info"], capsys)
    assert "from: checkout: the current folder" in out


def test_info_names_the_bundled_copy(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import misgen.root

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(misgen.root, "find_root", lambda explicit=None: REPO)
    monkeypatch.setattr(misgen.root, "is_bundled", lambda path: True)
    code, out, _ = run(["info"], capsys)
    assert code == 0 and "from: bundled" in out and "read-only: new, docs and schema need" in out


def test_validate_summary_names_the_data_root(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = run(["validate"], capsys)
    assert code == 0 and out.rstrip().endswith(f"data root {REPO} (checkout)")


# --------------------------------------------------------------------------- 3: interactive


@pytest.mark.parametrize(
    ("typed", "choices", "expected"),
    [
        ("y", ["yes", "no", "unknown"], "yes"),
        ("N", ["yes", "no", "unknown", "not-applicable"], "no"),
        ("u", ["yes", "no", "unknown"], "unknown"),
        ("", ["yes", "no", "unknown"], "unknown"),
        ("na", ["yes", "no", "unknown", "not-applicable"], "not-applicable"),
        ("2", ["reflection", "self-modification", "unknown"], "self-modification"),
        ("refl", ["reflection", "self-modification", "unknown"], "reflection"),
        ("m", ["measured", "inferred", "speculative"], "measured"),
        ("maybe", ["yes", "no", "unknown"], None),
        ("9", ["yes", "no", "unknown"], None),
    ],
)
def test_answers_accept_one_letter_numbers_and_prefixes(
    typed: str, choices: list[str], expected: str | None
) -> None:
    from misgen.interactive import resolve_choice

    assert resolve_choice(typed, choices, "unknown") == expected


def test_questionnaire_keeps_asking_until_no_question_can_change_the_verdict(
    kb: KnowledgeBase, clf: Classifier
) -> None:
    """Answered from each case file, the questionnaire reaches the case's own verdict: a
    rule that needs two answers (goal-changed-over-time and change-cause) is not missed."""
    from misgen.interactive import next_question

    asked_drift = False
    for cid, case in kb.cases.items():
        answers: dict[str, models.Answer] = {}
        asked: set[str] = set()
        verdict = clf.classify(answers)
        while (sid := next_question(clf, answers, verdict, asked)) is not None:
            asked.add(sid)
            answers[sid] = case.signals.get(sid) or models.Answer(answer="unknown")
            verdict = clf.classify(answers)
        assert verdict.summary() == clf.classify(case.signals).summary(), cid
        if cid == "goal-drift-lm-agents":
            asked_drift = "goal-changed-over-time" in asked
    assert asked_drift


def test_saved_scenario_is_read_by_classify_and_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from misgen.interactive import scenario_text

    answers = {
        "goal-directed": models.Answer(
            answer="yes", evidence="it closes tickets", strength="measured"
        ),
        "spec-scores-failure-high": models.Answer(answer="yes"),
        "single-target": models.Answer(answer="unknown"),
    }
    saved = _write(tmp_path, "s.yaml", scenario_text(answers, "support agent"))
    code, out, err = run(["--root", str(REPO), "classify", str(saved), "--format", "json"], capsys)
    assert code == 0, err and json.loads(out)["primary"] == "misspecification"
    target = tmp_path / "support-agent.yaml"
    code, out, err = run(
        ["--root", str(REPO), "new", "support-agent", "--answers", str(saved), "-o", str(target)],
        capsys,
    )
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert 'title: "support agent"' in text  # the scenario's title carried over
    assert "strength: measured" in text and 'evidence: "it closes tickets"' in text
    # no evidence: the weakest strength and a TODO, never an unearned "inferred"
    assert "strength: speculative  # TODO: no evidence given yet" in text
    code, _, err = run(["--root", str(REPO), "validate", str(target)], capsys)
    assert code == 0, err


def test_new_answers_takes_the_flat_form_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flat = _write(tmp_path, "flat.yaml", 'goal-directed: "yes"\n')
    target = tmp_path / "flat-case.yaml"
    code, _, err = run(
        ["--root", str(REPO), "new", "flat-case", "--answers", str(flat), "-o", str(target)], capsys
    )
    assert code == 0, err
    assert yaml.safe_load(target.read_text())["signals"]["goal-directed"]["answer"] == "yes"


def test_classify_output_needs_interactive_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _write(tmp_path, "s.yaml", SCENARIO)
    code, _, err = run(
        ["--root", str(REPO), "classify", str(scenario), "-o", str(tmp_path / "x.yaml")], capsys
    )
    assert code == 2 and "--interactive" in err
    code, _, err = run(["--root", str(REPO), "classify", "-i", "-o", str(scenario)], capsys)
    assert code == 2 and "exists" in err and scenario.read_text() == SCENARIO


def test_new_blind_never_prefills_the_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = _write(tmp_path, "a.yaml", SCENARIO)
    seen = tmp_path / "seen-case.yaml"
    blind = tmp_path / "blind-case.yaml"
    run(
        ["--root", str(REPO), "new", "seen-case", "--answers", str(answers), "-o", str(seen)],
        capsys,
    )
    code, _, err = run(
        [
            "--root",
            str(REPO),
            "new",
            "blind-case",
            "--answers",
            str(answers),
            "-o",
            str(blind),
            "--blind",
        ],
        capsys,
    )
    assert code == 0, err
    assert "labels: [misspecification]  # the classifier's verdict" in seen.read_text()
    curated = blind.read_text().split("\ncurated:\n", 1)[1]
    assert "classifier" not in curated and "misspecification]" not in curated
    assert "labels: [none]  # TODO: a placeholder, not a judgement" in curated


# --------------------------------------------------------------------------- 4: strict


def test_new_writes_a_file_that_validates_and_strict_refuses_its_todos(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "my-scenario.yaml"
    code, out, err = run(["--root", str(REPO), "new", "my-scenario", "-o", str(target)], capsys)
    assert code == 0, err and "validate --strict" in out
    code, out, err = run(["--root", str(REPO), "validate", str(target)], capsys)
    assert code == 0 and out.startswith("ok: 1 file(s) checked"), err
    code, out, err = run(["--root", str(REPO), "validate", "--strict", str(target)], capsys)
    assert code == 1
    fields = {
        m.group(1)
        for m in re.finditer(r"my-scenario\.yaml:\d+:\d+: (\w+): a TODO placeholder", err)
    }
    assert {
        "title",
        "kind",
        "domain",
        "summary",
        "training",
        "labels",
        "reasoning",
        "url",
    } <= fields
    assert err.count("hint: fill it in") == 1  # said once, not on every line
    # the skeleton's source record is a draft: strict asks for it to move to the bibliography
    assert "every work is defined once, in taxonomy/sources.yaml" in err
    code, out, _ = run(
        ["--root", str(REPO), "validate", "--strict", str(target), "--format", "json"], capsys
    )
    assert json.loads(out)["ok"] is False


def test_strict_accepts_the_case_base_and_whole_comment_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["--root", str(REPO), "validate", "--strict"], capsys)
    assert code == 0, err
    from misgen.strict import placeholder_problems

    path = _write(
        tmp_path,
        "c.yaml",
        "# replace every TODO\ntitle: done  # todo: polish\nnote: mastodon todos\n",
    )
    problems = placeholder_problems(path, "c.yaml")
    assert [(p.line, p.field) for p in problems] == [(2, "title")]


def test_ci_and_pre_commit_use_strict_and_docs_check() -> None:
    hooks = {
        h["id"]: h
        for r in yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"]
        for h in r["hooks"]
    }
    assert hooks["misgen-validate"]["entry"] == "misgen validate --strict"
    assert hooks["misgen-docs-check"]["entry"] == "misgen docs --check"
    assert re.search(hooks["misgen-docs-check"]["files"], "cases/new-case.yaml")
    ci = (REPO / ".github" / "workflows" / "ci.yml").read_text()
    assert "misgen validate --strict" in ci and "misgen docs --check" in ci


# --------------------------------------------------------------------------- 5: contributor files


def test_issue_form_lists_every_signal_in_taxonomy_order(kb: KnowledgeBase) -> None:
    form = yaml.safe_load((REPO / ".github" / "ISSUE_TEMPLATE" / "new-case.yml").read_text())
    fields = {item.get("id"): item for item in form["body"]}
    listed = [
        line.rstrip(":").strip()
        for line in fields["signals"]["attributes"]["value"].splitlines()
        if line.strip()
    ]
    assert listed == list(kb.signals), (
        "update the signal list of .github/ISSUE_TEMPLATE/new-case.yml"
    )
    from typing import get_args

    assert fields["kind"]["attributes"]["options"] == list(get_args(models.Kind))
    assert fields["domain"]["attributes"]["options"] == list(get_args(models.Domain))


def test_contributing_says_why_a_case_needs_docs_and_readme_counts() -> None:
    text = " ".join((REPO / "CONTRIBUTING.md").read_text(encoding="utf-8").split())
    assert "Why `misgen docs`" in text and "misgen docs --check" in text
    assert "tests/test_docs_match.py" in text and "README" in text
    assert "misgen validate --strict" in text and "pre-commit install" in text
    assert "--blind" in text and "classify --interactive -o" in text


# --------------------------------------------------------------------------- 6: error messages


def test_flat_answers_to_classify_are_told_about_signals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flat = _write(tmp_path, "flat.yaml", 'goal-directed: "yes"\nsingle-target: "yes"\n')
    code, _, err = run(["--root", str(REPO), "classify", str(flat)], capsys)
    assert code == 2
    assert (
        "flat.yaml:1:1: goal-directed: 'goal-directed' is a signal: a scenario lists its answers under 'signals:'"
        in err
    )
    assert "check the spelling" not in err and err.count("hint:") == 1


def test_unknown_signal_in_classify_gets_a_did_you_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = _write(tmp_path, "typo.yaml", 'signals:\n  goal-directd: "yes"\n')
    code, _, err = run(["--root", str(REPO), "classify", str(typo)], capsys)
    assert code == 2 and "did you mean 'goal-directed'?" in err
    assert "non-learned-component" not in err  # not the list of every signal


def test_explain_help_says_what_ids_exist(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from misgen.cli import main

    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    out = capsys.readouterr().out
    for kind in (
        "labels",
        "subtypes",
        "signals",
        "rules",
        "cases",
        "relations",
        "frameworks",
        "terms",
        "sources",
    ):
        assert kind in out, kind
    assert "spec-level-vs-concept-level" in out and "goal-directed" in out  # ids never split


def test_explain_and_graph_json_carry_schema_version(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["explain", "coinrun-go-right"],
        ["explain", "misspecification"],
        ["graph", "--focus", "coinrun-go-right"],
    ):
        code, out, err = run(["--root", str(REPO), *argv, "--format", "json"], capsys)
        assert code == 0, err
        assert json.loads(out)["schema_version"] == 1, argv


# --------------------------------------------------------------------------- 7: the graph page


@pytest.fixture(scope="module")
def site() -> dict[str, str]:
    from misgen.docs import generate
    from misgen.kb import load

    return generate(load(REPO))


def test_graph_page_shows_the_drawing_inline_at_full_size_with_working_links(
    site: dict[str, str],
) -> None:
    from misgen.docs import context as paths

    page = site[paths.GRAPH]
    assert "](graph.svg)" in page and "```mermaid" not in page and "<img" not in page
    frame = re.search(
        r'^<div class="misgen-graph" style="([^"]*)">\n(<svg .*?)^</div>$',
        page,
        re.DOTALL | re.MULTILINE,
    )
    assert frame and "overflow: auto" in frame.group(1)
    svg = frame.group(2)
    width = re.search(r'<svg [^>]*width="([\d.]+)"', svg)
    assert width and float(width.group(1)) > 2000  # drawn at its own size, not scaled down
    assert "{" not in page and "\n\n" not in svg  # inert for template plugins; one HTML block
    hrefs = re.findall(r'<a href="([^"]+)" target="_top"', svg)
    assert len(hrefs) > 100
    for href in hrefs:  # site URLs (a/b.md is served as a/b/) of pages that exist
        target = os.path.normpath(os.path.join("graph", href)).replace(os.sep, "/")
        assert target + ".md" in site or target + "/index.md" in site, href
    import xml.etree.ElementTree as ET

    ET.fromstring(svg.replace("&#123;", "{").replace("&#125;", "}"))  # well-formed markup
    standalone = site[paths.GRAPH_SVG]
    assert standalone.startswith("<?xml") and 'href="cases/coinrun-go-right/"' in standalone


def test_classify_all_fits_80_columns_without_splitting_ids(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(["--root", str(REPO), "classify", "--all"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert max(map(len, lines)) <= 80 and len(lines) < 2.5 * len(kb.cases)
    starts = {line[2:].split(":", 1)[0] for line in lines if line[:2] in ("✔ ", "✘ ")}
    assert starts == set(kb.cases)  # every id whole, at the start of its entry
    monkeypatch.setenv("COLUMNS", "160")
    code, out, _ = run(["--root", str(REPO), "classify", "--all"], capsys)
    assert "┃ case" in out  # wide terminals keep the table
