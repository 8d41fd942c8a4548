"""Suggestions from text (issue 21): cues as checked data, negation and hedging, bounded
work on hostile text, the scenario classify reads, the confirm step, and the published
figures equal to ``misgen suggest --eval``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from misgen.suggest.cues import read
from misgen.suggest.match import Matcher, suggest
from misgen.suggest.text import sentence_spans
from tests.conftest import REPO, run

ABSTRACT = """# A backdoored assistant

We train a language model with a backdoor: it writes secure code when the prompt says the
year is 2023 and inserts vulnerabilities when the year is 2024. The behaviour persists
through safety training. We found no evidence that the model hid its reasoning from the
researchers. We hypothesise that larger models are more capable of this deception.
"""


@pytest.fixture(scope="module")
def cueset():  # type: ignore[no-untyped-def]
    cs, problems = read(REPO)
    assert not problems, [p.message for p in problems]
    assert cs is not None
    return cs


# --------------------------------------------------------------------------- the cue file


def test_every_cue_matches_its_examples_and_not_its_counter_examples(cueset) -> None:  # type: ignore[no-untyped-def]
    assert len(cueset.cues) >= 30
    for cue in cueset.cues:
        assert cue.match and cue.no_match, cue.id
        matcher = Matcher(cueset, only=cue.id)
        for sentence in cue.match:
            assert any(h.answer == cue.answer for h in matcher.hits(sentence)), (cue.id, sentence)
        for sentence in cue.no_match:
            assert not any(h.answer == cue.answer for h in matcher.hits(sentence)), (cue.id, sentence)


def _root_with(tmp_path: Path, cues_text: str) -> Path:
    (tmp_path / "taxonomy").mkdir()
    (tmp_path / "classifier").mkdir()
    shutil.copy(REPO / "taxonomy" / "signals.yaml", tmp_path / "taxonomy" / "signals.yaml")
    (tmp_path / "classifier" / "cues.yaml").write_text(cues_text, encoding="utf-8")
    return tmp_path


GOOD_CUE = """version: 1
negation: {window: 6, phrases: [not]}
hedging: {phrases: [might]}
cues:
  - id: c1
    signal: concealment
    answer: "yes"
    phrases: ["conceal*"]
    examples: {match: ["It conceals the edit."], no_match: ["It does not conceal the edit."]}
"""


def test_a_good_minimal_cue_file_loads(tmp_path: Path) -> None:
    cs, problems = read(_root_with(tmp_path, GOOD_CUE))
    assert not problems and cs is not None and cs.cues[0].id == "c1"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (("signal: concealment", "signal: concealed"), "cues[0].signal", "unknown signal 'concealed'"),
        (('answer: "yes"', "answer: maybe"), "cues[0].answer", "'maybe' is not an answer of 'concealment'"),
        (('["conceal*"]', '["co*"]'), "cues[0].phrases[0]", "prefix shorter"),
        (('["conceal*"]', '["a b c d e f g h i"]'), "cues[0].phrases[0]", "too long"),
        (('["It conceals the edit."]', '["It edits the log."]'), "cues[0].examples.match[0]", "does not give"),
        (('["It does not conceal the edit."]', '["It conceals it."]'), "cues[0].examples.no_match[0]", "must not"),
        (("    phrases:", "    colour: red\n    phrases:"), "cues[0].colour", "unknown field"),
    ],
)
def test_a_bad_cue_is_refused_with_its_line_field_and_a_fix(
    tmp_path: Path, change: tuple[str, str], field: str, words: str
) -> None:
    cs, problems = read(_root_with(tmp_path, GOOD_CUE.replace(*change)))
    assert cs is None
    hit = [p for p in problems if p.field == field]
    assert hit, [(p.field, p.message) for p in problems]
    assert words in hit[0].message and hit[0].line is not None and hit[0].hint


def test_suggest_refuses_a_broken_cue_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "root"
    shutil.copytree(REPO / "taxonomy", root / "taxonomy")
    shutil.copytree(REPO / "classifier", root / "classifier")
    (root / "cases").mkdir()
    cues = root / "classifier" / "cues.yaml"
    cues.write_text(cues.read_text(encoding="utf-8").replace("signal: concealment", "signal: hiding", 1), encoding="utf-8")
    text = tmp_path / "a.txt"
    text.write_text("It hid the edit.", encoding="utf-8")
    code, _, err = run(["--root", str(root), "suggest", str(text)], capsys)
    assert code == 1 and "classifier/cues.yaml:" in err and "unknown signal 'hiding'" in err


# --------------------------------------------------------------------------- matching


def test_negation_gives_the_negated_answer_or_nothing(cueset) -> None:  # type: ignore[no-untyped-def]
    said = suggest("The model concealed its reasoning from the developers.", cueset).suggestions
    assert said["concealment"].answer == "yes"
    denied = suggest("We found no evidence that the model concealed its reasoning.", cueset).suggestions
    assert denied["concealment"].answer == "no"
    # a cue without a negated answer gives nothing when negated
    assert "induction" not in suggest("The model was not a sleeper agent.", cueset).suggestions
    # "not only" is not a negation
    assert suggest("It not only concealed the edit but lied.", cueset).suggestions["concealment"].answer == "yes"


def test_hedged_evidence_is_speculative_and_nothing_is_ever_measured(cueset) -> None:  # type: ignore[no-untyped-def]
    hedged = suggest("We hypothesise that the model concealed its reasoning.", cueset).suggestions
    assert hedged["concealment"].strength == "speculative"
    plain = suggest("The model concealed its reasoning.", cueset).suggestions
    assert plain["concealment"].strength == "inferred"
    result = suggest(ABSTRACT, cueset)
    assert {s.strength for s in result.suggestions.values()} <= {"inferred", "speculative"}


def test_sentences_and_quotes_keep_their_offsets(cueset) -> None:  # type: ignore[no-untyped-def]
    text = "E.g. the agent, cf. Fig. 2, ran right. It never got the coin! Dr. A. Turner agrees.\n\n# Results\nIt hid the edit."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "E.g. the agent, cf. Fig. 2, ran right.",
        "It never got the coin!",
        "Dr. A. Turner agrees.",
        "# Results",
        "It hid the edit.",
    ]
    result = suggest(ABSTRACT, cueset)
    for s in result.suggestions.values():
        for a, b in s.quotes:
            assert any((a, b) == span for span in sentence_spans(ABSTRACT))
        for a, b in s.spans:  # the matched words lie inside a quoted sentence
            assert any(qa <= a and b <= qb for qa, qb in s.quotes)


def _hostile(n: int) -> list[str]:
    unit = [
        "not " * (n // 4),
        "avoid being " * (n // 12),
        "a" * n,
        "." * n,
        "hid the " * (n // 8),
        "(reward hacking) ... " * (n // 21),
        "Mr. " * (n // 4),
        "\n# h\n- " * (n // 8),
        "no evidence that the model concealed " * (n // 37),
    ]
    return [u[:n] for u in unit]


def test_work_is_linear_on_a_megabyte_of_hostile_text(cueset) -> None:  # type: ignore[no-untyped-def]
    """A behaviour test, not a timing one: the matcher counts its word comparisons, and they
    grow in proportion to the text, with a small constant, whatever the text holds."""
    for small, big in zip(_hostile(100_000), _hostile(1_000_000), strict=True):
        w_small = suggest(small, cueset).work
        w_big = suggest(big, cueset).work
        assert w_big <= 60 * len(big), (big[:30], w_big)
        assert w_big <= 12 * max(w_small, 1), (big[:30], w_small, w_big)
    assert max(b - a for a, b in sentence_spans("x " * 100_000)) <= 1300  # no endless sentence


# --------------------------------------------------------------------------- the commands


def test_suggest_writes_a_scenario_that_classify_reads_with_suggestions_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "abstract.md"
    text.write_text(ABSTRACT, encoding="utf-8")
    scenario = tmp_path / "s.yaml"
    code, _, _ = run(["--root", str(REPO), "suggest", str(text), "-o", str(scenario)], capsys)
    assert code == 0
    data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    suggested = {k: v for k, v in data["signals"].items() if isinstance(v, dict)}
    assert suggested["induction"]["answer"] == "planted"
    for value in suggested.values():
        assert value["suggested"] is True and value["strength"] in ("inferred", "speculative")
        if value.get("quote"):
            assert value["locator"].startswith("characters ")
    assert all(v == "unknown" for v in data["signals"].values() if not isinstance(v, dict))

    code, out, _ = run(["--root", str(REPO), "classify", "--format", "json", str(scenario)], capsys)
    plain = json.loads(out)
    assert code == 0 and plain["suggestions"]["accepted"] is False
    code, out, _ = run(
        ["--root", str(REPO), "classify", "--format", "json", "--accept-suggestions", str(scenario)], capsys
    )
    accepted = json.loads(out)
    assert accepted["suggestions"] == {"accepted": True, "signals": plain["suggestions"]["signals"]}
    code, out, _ = run(["--root", str(REPO), "classify", "--accept-suggestions", str(scenario)], capsys)
    assert "unconfirmed suggested answer" in " ".join(out.split())
    code, out, _ = run(["--root", str(REPO), "classify", str(scenario)], capsys)
    assert "were read as unknown" in " ".join(out.split())
    # never overwritten
    code, _, err = run(["--root", str(REPO), "suggest", str(text), "-o", str(scenario)], capsys)
    assert code == 2 and "exists" in err


def test_unconfirmed_suggestions_count_as_unknown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same answers, suggested or confirmed: only the confirmed ones move the verdict."""
    answers = {"goal-directed": "yes", "single-target": "yes", "good-in-training": "yes",
               "spec-scores-failure-high": "no", "oversight-conditioned": "no", "concealment": "no",
               "goal-changed-over-time": "no"}
    for suggested in (True, False):
        body = {"signals": {k: {"answer": v, "suggested": suggested} for k, v in answers.items()}}
        path = tmp_path / f"{suggested}.yaml"
        path.write_text(yaml.safe_dump(body), encoding="utf-8")
    unconfirmed = json.loads(run(["--root", str(REPO), "classify", "--format", "json", str(tmp_path / "True.yaml")], capsys)[1])
    confirmed = json.loads(run(["--root", str(REPO), "classify", "--format", "json", str(tmp_path / "False.yaml")], capsys)[1])
    empty = tmp_path / "empty.yaml"
    empty.write_text("signals: {}\n", encoding="utf-8")
    nothing = json.loads(run(["--root", str(REPO), "classify", "--format", "json", str(empty)], capsys)[1])
    assert confirmed["primary"] == "misspecification"
    assert unconfirmed["primary"] == nothing["primary"]
    assert "suggestions" not in confirmed


def test_json_output_gives_offsets_that_point_at_the_quotes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "a.txt"
    text.write_text(ABSTRACT, encoding="utf-8")
    code, out, _ = run(["--root", str(REPO), "suggest", "--format", "json", str(text)], capsys)
    data = json.loads(out)
    assert code == 0 and data["schema_version"] == 1
    seen = 0
    for entry in data["signals"].values():
        for q in entry.get("quotes", []):
            assert ABSTRACT[q["start"]:q["end"]] == q["text"]
            seen += 1
    assert seen
    assert data["signals"]["concealment"]["answer"] == "no"  # "no evidence that the model hid"


def test_confirming_suggestions_in_the_questionnaire(tmp_path: Path) -> None:
    text = tmp_path / "abstract.md"
    text.write_text(ABSTRACT, encoding="utf-8")
    saved = tmp_path / "mine.yaml"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    env.pop("MISGEN_ROOT", None)
    # Enter confirms each suggestion, then leaves every open question unknown
    proc = subprocess.run(
        [sys.executable, "-m", "misgen", "--root", str(REPO), "classify", "-i", "--from-text", str(text), "-o", str(saved)],
        input="clear\n" + "\n" * 60, capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "quote:" in proc.stdout and "confirm, change or clear" in proc.stdout
    data = yaml.safe_load(saved.read_text(encoding="utf-8"))
    confirmed = {k: v for k, v in data["signals"].items() if isinstance(v, dict)}
    assert confirmed and all("suggested" not in v for v in confirmed.values())
    assert any("quote" in v for v in confirmed.values())
    assert "unknown" in data["signals"].values()  # the one cleared


# --------------------------------------------------------------------------- the figures


@pytest.fixture(scope="module")
def report() -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(
        [sys.executable, "-m", "misgen", "--root", str(REPO), "suggest", "--eval", "--format", "json"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_eval_report_has_the_issue_schema_and_the_split(report: dict) -> None:  # type: ignore[type-arg]
    assert report["schema_version"] == 1
    for key in ("cases", "signals", "verdict_agreement"):
        assert key in report
    for f in report["signals"].values():
        assert {"proposed", "correct", "precision", "coverage"} <= set(f)
        assert f["correct"] <= f["proposed"]
    split = report["split"]
    assert split["tuned"]["cases"] + split["untuned"]["cases"] == report["cases"]
    assert not report["tuned_on_missing"]


def test_readme_quotes_the_suggestion_figures(report: dict) -> None:  # type: ignore[type-arg]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Suggestions from text", 1)[1].split("\n## ", 1)[0]
    for name, part in (("untuned", report["split"]["untuned"]), ("tuned", report["split"]["tuned"]), ("all", report)):
        row = next(line for line in section.splitlines() if line.startswith(f"| {name} "))
        cells = [c.strip() for c in row.strip("|").split("|")]
        o = part["overall"]
        assert cells[1] == str(part["cases"]), name
        assert cells[2] == f"{o['precision']:.3f}", name
        assert cells[3] == f"{o['coverage']:.3f}", name
        assert cells[4] == f"{part['verdict_agreement']:.3f}", name
    assert section.index("| untuned") < section.index("| tuned")
