"""misgen agree: inter-coder reliability between two codings of the same cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from misgen import agree
from misgen.cli import main
from misgen.kb import KnowledgeBase, load

ROOT = Path(__file__).resolve().parent.parent

#: a coding that the rules classify as misspecification (goal-directed "no" gives none)
BASE = {
    "goal-directed": "yes",
    "single-target": "yes",
    "good-in-training": "yes",
    "spec-scores-failure-high": "no",
    # rule out deception and drift, so that the good training record shows the target fit
    "oversight-conditioned": "no",
    "concealment": "no",
    "goal-changed-over-time": "no",
}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    loaded = load(ROOT, with_cases=False)
    assert loaded.ok, [p.message for p in loaded.problems]
    return loaded


def write(folder: Path, stem: str, signals: dict[str, str], case_id: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"id: {case_id}"] if case_id else []
    lines.append("signals:" if signals else "signals: {}")
    lines += [f'  {sid}: "{answer}"' for sid, answer in signals.items()]
    path = folder / f"{stem}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--root", str(ROOT), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def rep_for(
    kb: KnowledgeBase, a: Path, b: Path, policy: str | None = None
) -> dict[str, Any]:
    first, second = agree.read_coding(str(a), kb), agree.read_coding(str(b), kb)
    return agree.report(kb, first, second, agree.classifier(kb, policy))


# --------------------------------------------------------------------------- kappa


def test_kappa_hand_computed_2x2() -> None:
    a = list("yyyyynnnnn")
    b = list("yyyynnnnny")
    # po = 8/10; pe = 0.5 * 0.5 + 0.5 * 0.5 = 0.5; kappa = (0.8 - 0.5) / (1 - 0.5) = 0.6
    assert agree.cohen_kappa(a, b) == pytest.approx(0.6)


def test_kappa_unbalanced_marginals() -> None:
    # a: 6 y, 4 n; b: 5 y, 5 n; agree on 9 -> po 0.9; pe = .6*.5 + .4*.5 = 0.5 -> 0.8
    a = list("yyyyyynnnn")
    b = list("yyyyynnnnn")
    assert agree.cohen_kappa(a, b) == pytest.approx(0.8)
    # a: 6 y, 4 n; b: 6 y, 4 n; agree on 8 -> po 0.8; pe = .36 + .16 = 0.52 -> 0.28 / 0.48
    assert agree.cohen_kappa(a, list("yyyyynnnny")) == pytest.approx(0.28 / 0.48)


def test_kappa_undefined_and_negative() -> None:
    assert agree.cohen_kappa(["yes"] * 4, ["yes"] * 4) is None
    assert agree.cohen_kappa([], []) is None
    assert agree.cohen_kappa(["yes", "no"], ["no", "yes"]) == pytest.approx(-1.0)
    # different single categories: pe = 0, po = 0 -> kappa 0, not undefined
    assert agree.cohen_kappa(["yes"] * 3, ["no"] * 3) == 0.0


def test_label_jaccard() -> None:
    assert agree.label_jaccard((), ()) == 1.0
    assert agree.label_jaccard(("a", "b"), ("b", "c")) == pytest.approx(1 / 3)
    assert agree.label_jaccard(("a",), ()) == 0.0


# --------------------------------------------------------------------------- report


def test_identical_codings_agree_fully(kb: KnowledgeBase, tmp_path: Path) -> None:
    codings = [
        BASE,
        {**BASE, "goal-directed": "no"},
        {**BASE, "non-learned-component": "yes"},
    ]
    for i, signals in enumerate(codings):
        write(tmp_path / "a", f"c{i}", signals)
        write(tmp_path / "b", f"c{i}", signals)
    rep = rep_for(kb, tmp_path / "a", tmp_path / "b")
    assert rep["cases"] == 3
    assert list(rep["signals"]) == list(kb.signals)
    for stats in rep["signals"].values():
        assert stats["n"] == 3
        assert stats["agreement"] == 1.0
        assert stats["kappa"] in (1.0, None)
        assert stats["one_unknown"] == 0
    assert rep["signals"]["goal-directed"]["kappa"] == 1.0  # yes/no/yes: defined
    assert rep["verdicts"] == {"primary_agreement": 1.0, "label_jaccard": 1.0, "differ": []}


def test_single_category_signal_has_no_kappa(kb: KnowledgeBase, tmp_path: Path) -> None:
    write(tmp_path / "a", "one", BASE)
    write(tmp_path / "a", "two", {**BASE, "single-target": "no"})
    write(tmp_path / "b", "one", BASE)
    write(tmp_path / "b", "two", BASE)
    rep = rep_for(kb, tmp_path / "a", tmp_path / "b")
    good = rep["signals"]["good-in-training"]
    assert good == {"n": 2, "agreement": 1.0, "kappa": None, "one_unknown": 0}
    # a signal nobody answered is "unknown" on both sides throughout: also undefined
    assert rep["signals"]["non-learned-component"]["kappa"] is None
    single = rep["signals"]["single-target"]
    assert single["agreement"] == 0.5
    assert single["kappa"] == 0.0  # a: yes, no; b: yes, yes -> po 0.5, pe 0.5
    assert rep["lowest_kappa"] == {"signal": "single-target", "kappa": 0.0}


def test_missing_answer_counts_as_unknown(kb: KnowledgeBase, tmp_path: Path) -> None:
    without = {k: v for k, v in BASE.items() if k != "good-in-training"}
    write(tmp_path / "a", "one", BASE)
    write(tmp_path / "b", "one", without)
    write(tmp_path / "a", "two", {**BASE, "good-in-training": "unknown"})
    write(tmp_path / "b", "two", without)
    rep = rep_for(kb, tmp_path / "a", tmp_path / "b")
    stats = rep["signals"]["good-in-training"]
    assert stats["agreement"] == 0.5  # case two: "unknown" given == missing
    assert stats["one_unknown"] == 1


def test_matching_by_id_reports_unmatched(kb: KnowledgeBase, tmp_path: Path) -> None:
    # matched through the id field although the file names differ; the stem when no id
    write(tmp_path / "a", "first-coder-file", BASE, case_id="shared")
    write(tmp_path / "b", "whatever", BASE, case_id="shared")
    write(tmp_path / "a", "by-stem", BASE)
    write(tmp_path / "b" / "nested", "by-stem", BASE)
    write(tmp_path / "a", "lonely-a", BASE)
    write(tmp_path / "b", "x", BASE, case_id="lonely-b")
    rep = rep_for(kb, tmp_path / "a", tmp_path / "b")
    assert rep["cases"] == 2
    assert rep["unmatched"] == {"only_a": ["lonely-a"], "only_b": ["lonely-b"]}
    assert {s["n"] for s in rep["signals"].values()} == {2}


def test_single_files_are_codings(kb: KnowledgeBase, tmp_path: Path) -> None:
    a = write(tmp_path / "a", "case", BASE)
    b = write(tmp_path / "b", "case", BASE)
    assert rep_for(kb, a, b)["cases"] == 1


def test_goal_directed_disagreement_changes_primary(kb: KnowledgeBase, tmp_path: Path) -> None:
    write(tmp_path / "a", "same", BASE)
    write(tmp_path / "b", "same", BASE)
    write(tmp_path / "a", "split", BASE)
    write(tmp_path / "b", "split", {**BASE, "goal-directed": "no"})
    rep = rep_for(kb, tmp_path / "a", tmp_path / "b")
    verdicts = rep["verdicts"]
    assert verdicts["primary_agreement"] == 0.5
    assert [d["case"] for d in verdicts["differ"]] == ["split"]
    diff = verdicts["differ"][0]
    assert diff["a"] != diff["b"]
    assert diff["a"].startswith("misspecification")
    assert not diff["b"].startswith("misspecification")
    assert rep["signals"]["goal-directed"]["agreement"] == 0.5


def test_undetermined_verdicts_agree(kb: KnowledgeBase, tmp_path: Path) -> None:
    write(tmp_path / "a", "empty", {})
    write(tmp_path / "b", "empty", {})
    rep = rep_for(kb, tmp_path / "a", tmp_path / "b")
    assert rep["verdicts"]["primary_agreement"] == 1.0  # None == None
    assert rep["verdicts"]["label_jaccard"] == 1.0  # both label sets empty


def test_no_common_id_is_a_usage_error(kb: KnowledgeBase, tmp_path: Path) -> None:
    write(tmp_path / "a", "one", BASE)
    write(tmp_path / "b", "two", BASE)
    with pytest.raises(agree.UsageError, match="no case id appears in both codings"):
        rep_for(kb, tmp_path / "a", tmp_path / "b")


def test_duplicate_id_in_one_coding(kb: KnowledgeBase, tmp_path: Path) -> None:
    write(tmp_path / "a", "one", BASE, case_id="dup")
    write(tmp_path / "a", "two", BASE, case_id="dup")
    with pytest.raises(agree.InputError) as info:
        agree.read_coding(str(tmp_path / "a"), kb)
    assert "also coded in" in info.value.problems[0].message


def test_unknown_policy(kb: KnowledgeBase) -> None:
    with pytest.raises(agree.UsageError, match="unknown policy 'nope'; policies: "):
        agree.classifier(kb, "nope")


# --------------------------------------------------------------------------- CLI


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "a", "one", BASE)
    write(tmp_path / "b", "one", {**BASE, "goal-directed": "no"})
    write(tmp_path / "a", "two", BASE)
    write(tmp_path / "b", "two", BASE)
    write(tmp_path / "a", "three", BASE)
    argv = ["agree", str(tmp_path / "a"), str(tmp_path / "b"), "--format", "json"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {
        "schema_version",
        "cases",
        "unmatched",
        "signals",
        "lowest_kappa",
        "verdicts",
    }
    assert data["schema_version"] == 1
    assert data["cases"] == 2
    assert data["unmatched"] == {"only_a": ["three"], "only_b": []}
    assert set(data["signals"]["goal-directed"]) == {"n", "agreement", "kappa", "one_unknown"}
    assert set(data["verdicts"]) == {"primary_agreement", "label_jaccard", "differ"}
    assert data["verdicts"]["differ"][0]["case"] == "one"
    assert set(data["verdicts"]["differ"][0]) == {"case", "a", "b"}


def test_cli_text_fits_80_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    write(tmp_path / "a", "one", BASE)
    write(tmp_path / "b", "one", {**BASE, "goal-directed": "no"})
    write(tmp_path / "a", "two", BASE)
    write(tmp_path / "b", "two", BASE)
    write(tmp_path / "a", "three", BASE)
    code, out, err = run(["agree", str(tmp_path / "a"), str(tmp_path / "b")], capsys)
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "n/a" in out  # kappa of a single-category signal
    assert "primary agreement: 0.500" in out
    assert "label Jaccard:" in out
    assert "lowest kappa:" in out
    assert "only in A (not scored): three" in out
    assert "verdicts differ in 1 case(s):" in out
    assert "one: misspecification" in out and " | none" in out
    assert "two:" not in out


def test_cli_no_common_id_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "a", "one", BASE)
    write(tmp_path / "b", "two", BASE)
    code, _, err = run(["agree", str(tmp_path / "a"), str(tmp_path / "b")], capsys)
    assert code == 2
    assert "no case id appears in both codings" in err


def test_cli_bad_answer_exits_2_with_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "a", "one", BASE)
    bad = write(tmp_path / "b", "one", {**BASE, "goal-directed": "perhaps"})
    code, _, err = run(["agree", str(tmp_path / "a"), str(tmp_path / "b")], capsys)
    assert code == 2
    assert str(bad) in err and "'perhaps' is not an answer of 'goal-directed'" in err


def test_cli_unknown_policy_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "a", "one", BASE)
    write(tmp_path / "b", "one", BASE)
    argv = ["agree", str(tmp_path / "a"), str(tmp_path / "b"), "--policy", "nope"]
    code, _, err = run(argv, capsys)
    assert code == 2
    assert "unknown policy 'nope'; policies:" in err
