"""misgen eval cannot flatter the classifier (issue 15)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from misgen.cli import main
from misgen.evaluation import Row, classify_all, cited_cases, figures, report
from misgen.kb import load

REPO = Path(__file__).resolve().parents[1]
KB = load(REPO)


@pytest.fixture(scope="module")
def rep() -> dict:
    return report(KB, classify_all(KB))


def test_json_has_every_field(rep: dict, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--root", str(REPO), "eval", "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    for key in (
        "schema_version", "cases", "primary_accuracy", "label_set_exact", "jaccard", "subtypes",
        "split", "per_label", "confusion", "disagreements", "fragile", "by_label",
    ):
        assert key in payload, key
    assert set(payload["subtypes"]) == {"agree", "disagree", "not_given"}
    assert set(payload["split"]) == {"cited", "uncited"}
    for part in payload["split"].values():
        assert {"primary_accuracy", "label_set_exact", "jaccard", "subtypes"} <= set(part)
    assert payload == json.loads(json.dumps(rep))


def test_split_follows_the_rules_tests(rep: dict) -> None:
    cited = cited_cases(KB)
    assert rep["split"]["cited"]["cases"] == len(cited & set(KB.cases))
    assert rep["split"]["uncited"]["cases"] == len(set(KB.cases) - cited)
    assert "coinrun-go-right" in cited  # cited by misspecification/clean-proxy


def test_a_new_case_enters_uncited_and_moves_when_a_rule_cites_it(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for part in ("taxonomy", "classifier", "cases", "schema"):
        shutil.copytree(REPO / part, root / part)
    text = (REPO / "cases" / "coinrun-go-right.yaml").read_text()
    (root / "cases" / "coinrun-copy.yaml").write_text(text.replace("id: coinrun-go-right", "id: coinrun-copy"))
    kb = load(root)
    assert "coinrun-copy" not in cited_cases(kb)
    rules = (root / "classifier" / "rules.yaml").read_text()
    rules = rules.replace("fires_on: [coinrun-go-right, maze-colour-vs-shape]", "fires_on: [coinrun-go-right, maze-colour-vs-shape, coinrun-copy]")
    (root / "classifier" / "rules.yaml").write_text(rules)
    assert "coinrun-copy" in cited_cases(load(root))


def test_subtype_not_given_is_never_agreement() -> None:
    rows = classify_all(KB)
    row = next(r for r in rows if r.curated_subtype and r.agrees)
    blank = Row(row.case, row.title, row.verdict.__class__(**{**row.verdict.__dict__, "subtype": None}), row.curated, row.curated_subtype)
    assert blank.subtype_outcome == "not_given"
    f = figures([blank])
    assert f["subtypes"] == {"agree": 0, "disagree": 0, "not_given": 1}


def test_label_sets_are_scored_not_only_primaries() -> None:
    rows = classify_all(KB)
    row = next(r for r in rows if r.agrees)
    extra = Row(row.case, row.title, row.verdict, (*row.curated, "reflective-drift" if "reflective-drift" not in row.curated else "shard-imbalance"), row.curated_subtype)
    f = figures([extra])
    assert f["primary_accuracy"] == 1.0 and f["label_set_exact"] == 0.0 and f["jaccard"] < 1.0


def test_fragile_lists_single_answer_flips_with_strength(rep: dict) -> None:
    clf_primary = {r["case"]: None for r in rep["fragile"]}
    assert clf_primary, "some verdicts hinge on one answer"
    for entry in rep["fragile"]:
        assert entry["flips"] and entry["strength"] in ("measured", "inferred", "speculative", None)
        answers = KB.cases[entry["case"]].signals
        assert answers[entry["answer"]].answer == entry["current"]


def test_compare_policies_reports_flips(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--root", str(REPO), "eval", "--compare-policies", "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(payload["policies"]) == {p.id for p in KB.policy.policies}
    for flip in payload["flips"]:
        assert len(set(flip["primary"].values())) > 1


def test_unknown_policy_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(REPO), "eval", "--policy", "nope"]) == 2
    assert "unknown policy 'nope'" in capsys.readouterr().err


def test_text_report_fits_80_columns_and_never_splits_an_id(
    rep: dict, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    main(["--root", str(REPO), "eval"])
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80
    for d in rep["disagreements"] + rep["differences"]:
        assert any(d["case"] in line for line in lines), d["case"]


def test_readme_quotes_the_uncited_figures(rep: dict) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How well it agrees", 1)[1].split("\n## ", 1)[0]
    first_row = next(line for line in section.splitlines() if line.startswith("| uncited"))
    cells = [c.strip() for c in first_row.strip("|").split("|")]
    u = rep["split"]["uncited"]
    assert cells[1] == str(u["cases"])
    assert cells[2] == f"{u['primary_accuracy']:.3f}"
    assert cells[3] == f"{u['label_set_exact']:.3f}"
    assert cells[4] == f"{u['jaccard']:.3f}"
    c = rep["split"]["cited"]
    cited_row = next(line for line in section.splitlines() if line.startswith("| cited"))
    assert f"{c['primary_accuracy']:.3f}" in cited_row
    assert section.index("| uncited") < section.index("| cited")
    assert re.search(r"policy `?fix-first`?", section)
