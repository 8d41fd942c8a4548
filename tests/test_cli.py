"""The CLI as users meet it: exit codes, messages, JSON envelopes, data found anywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO, run


def test_help_and_no_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        from misgen.cli import main

        main(["--help"])
    assert info.value.code == 0
    assert "classify" in capsys.readouterr().out
    code, _, _ = run([], capsys)
    assert code == 2


@pytest.mark.parametrize(
    "command",
    ["validate", "schema", "taxonomy", "explain", "classify", "eval", "graph", "docs", "new"],
)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    from misgen.cli import main

    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert "usage: misgen " + command in capsys.readouterr().out


def test_validate_bundled_data(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--root", str(REPO), "validate"], capsys)
    assert code == 0, err
    assert out.startswith("ok:")


def test_validate_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--root", str(REPO), "validate", "--format", "json"], capsys)
    payload = json.loads(out)
    assert (
        code == 0
        and payload["ok"] is True
        and payload["schema_version"] == 1
        and payload["checked"] > 60
    )


def test_duplicate_key_reported_with_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        (REPO / "cases" / "coinrun-go-right.yaml")
        .read_text()
        .replace("kind: empirical\n", "kind: empirical\nkind: incident\n")
    )
    bad = tmp_path / "coinrun-go-right.yaml"
    bad.write_text(text)
    code, _, err = run(["--root", str(REPO), "validate", str(bad)], capsys)
    assert code == 1
    assert f"{bad}:5:1: duplicate key 'kind' (first defined on line 4)" in err


INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_is_reported(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each fixture is named after its error; its first line says what the message must contain."""
    expected = (
        path.read_text(encoding="utf-8", errors="replace")
        .splitlines()[0]
        .removeprefix("# expect: ")
        .strip()
    )
    code, out, err = run(["--root", str(REPO), "validate", "--format", "json", str(path)], capsys)
    assert code == 1, err
    messages = [f"{p['field']}: {p['message']}" for p in json.loads(out)["problems"]]
    assert any(expected in m for m in messages), messages
    assert all(
        p["path"].endswith(f"fixtures/invalid/{path.name}") for p in json.loads(out)["problems"]
    )


def test_valid_fixture_passes(capsys: pytest.CaptureFixture[str]) -> None:
    for path in (FIXTURES / "valid").glob("*.yaml"):
        code, _, err = run(["--root", str(REPO), "validate", str(path)], capsys)
        assert code == 0, err


def test_unknown_path_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--root", str(REPO), "validate", "no/such/file.yaml"], capsys)
    assert code == 2 and "no such file" in err


def test_bad_root_is_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--root", str(tmp_path), "validate"], capsys)
    assert code == 2 and "not a misgen data root" in err


def test_schema_check_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--root", str(REPO), "schema", "--check"], capsys)
    assert code == 0, err


def test_schema_check_detects_staleness(
    root_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (root_copy / "schema" / "case.schema.json").write_text("{}\n")
    code, _, err = run(["--root", str(root_copy), "schema", "--check"], capsys)
    assert code == 1 and "misgen schema" in err
    code, _, _ = run(["--root", str(root_copy), "schema"], capsys)
    assert code == 0
    assert run(["--root", str(root_copy), "schema", "--check"], capsys)[0] == 0


def test_classify_scenario_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        'title: a scenario\nsignals:\n  goal-directed: "yes"\n  single-target: "yes"\n  spec-scores-failure-high: "no"\n  good-in-training: "yes"\n'
        '  oversight-conditioned: "no"\n  concealment: "no"\n  goal-changed-over-time: "no"\n'
    )
    code, out, _ = run(["--root", str(REPO), "classify", str(scenario), "--format", "json"], capsys)
    payload = json.loads(out)
    assert code == 0
    assert (
        payload["primary"] == "misspecification"
        and payload["subtype"] == "misspecification.concept-level"
    )
    assert set(payload) >= {
        "schema_version",
        "case",
        "status",
        "primary",
        "labels",
        "subtype",
        "fired",
        "near_misses",
        "questions",
        "perspectives",
        "evidence_grade",
    }


def test_classify_nothing_answered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("title: nothing known\n")
    code, out, _ = run(["--root", str(REPO), "classify", str(scenario), "--format", "json"], capsys)
    payload = json.loads(out)
    assert code == 0 and payload["status"] == "undetermined" and payload["questions"]


def test_classify_bad_answer_is_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("signals:\n  goal-directed: maybe\n")
    code, _, err = run(["--root", str(REPO), "classify", str(scenario)], capsys)
    assert code == 2 and "s.yaml:2:18: signals.goal-directed: 'maybe' is not an answer" in err


def test_classify_all_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--root", str(REPO), "classify", "--all", "--format", "json"], capsys)
    rows = json.loads(out)["cases"]
    assert code == 0 and len(rows) >= 60
    assert set(rows[0]) >= {"id", "title", "primary", "labels", "fired", "curated", "agrees"}


def test_eval_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--root", str(REPO), "eval", "--format", "json"], capsys)
    rep = json.loads(out)
    assert code == 0, err
    assert set(rep) >= {
        "cases",
        "by_label",
        "primary_accuracy",
        "per_label",
        "jaccard",
        "confusion",
        "disagreements",
    }


def test_eval_fails_on_undeclared_disagreement(
    root_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = root_copy / "cases" / "coinrun-go-right.yaml"
    path.write_text(
        path.read_text()
        .replace("  labels: [misspecification]", "  labels: [shard-imbalance]")
        .replace("  subtype: misspecification.concept-level\n", "")
    )
    code, _, err = run(["--root", str(root_copy), "eval"], capsys)
    assert code == 1 and "coinrun-go-right: undeclared disagreement" in err


def test_explain_known_and_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    for key in (
        "misspecification",
        "misspecification.concept-level",
        "goal-directed",
        "coinrun-go-right",
        "misspecification/clean-proxy",
        "drift-vs-retraining",
    ):
        code, out, err = run(["--root", str(REPO), "explain", key], capsys)
        assert code == 0 and out, (key, err)
    code, _, err = run(["--root", str(REPO), "explain", "misspecifcation"], capsys)
    assert code == 2 and "did you mean 'misspecification'" in err


def test_taxonomy_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--root", str(REPO), "taxonomy", "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 0 and {lab["id"] for lab in data["labels"]} >= {"misspecification", "none"}
    assert len(data["signals"]) >= 10 and len(data["frameworks"]) >= 6


def test_data_found_outside_the_checkout(tmp_path: Path) -> None:
    """Run the installed entry point from an unrelated folder with no MISGEN_ROOT."""
    env = {k: v for k, v in os.environ.items() if k != "MISGEN_ROOT"}
    result = subprocess.run(
        [sys.executable, "-m", "misgen", "validate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ok:" in result.stdout


def test_env_var_root(
    monkeypatch: pytest.MonkeyPatch, root_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (root_copy / "cases" / "coinrun-go-right.yaml").unlink()
    monkeypatch.setenv("MISGEN_ROOT", str(root_copy))
    code, _, err = run(["validate"], capsys)
    assert code == 1 and "unknown case 'coinrun-go-right'" in err


def test_new_writes_valid_skeleton_and_never_overwrites(
    root_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps(
            {
                "goal-directed": "yes",
                "good-in-training": "yes",
                "oversight-conditioned": "no",
                "concealment": "no",
                "goal-changed-over-time": "no",
                "single-target": {"answer": "yes", "evidence": "runs right"},
            }
        )
    )
    out_path = tmp_path / "my-case.yaml"
    code, _, err = run(
        [
            "--root",
            str(root_copy),
            "new",
            "my-case",
            "--answers",
            str(answers),
            "-o",
            str(out_path),
        ],
        capsys,
    )
    assert code == 0, err
    text = out_path.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert 'answer: "unknown"' in text and "# guidance:" in text
    code, _, err = run(["--root", str(root_copy), "new", "my-case", "-o", str(out_path)], capsys)
    assert code == 2 and "already exists" in err
    assert out_path.read_text() == text
    code, out, err = run(
        ["--root", str(root_copy), "classify", str(out_path), "--format", "json"], capsys
    )
    assert code == 0, err
    assert json.loads(out)["primary"] == "misspecification"
    assert "labels: [misspecification]  # the classifier's verdict" in text
    code, _, err = run(["--root", str(root_copy), "validate", str(out_path)], capsys)
    assert code == 0, err  # the skeleton is a valid case file as written


def test_new_rejects_bad_id(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--root", str(REPO), "new", "Bad_Id"], capsys)
    assert code == 2 and "not a valid case id" in err


def test_internal_error_has_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from misgen import datacmds

    def boom(_args: object) -> int:
        raise RuntimeError("kaput")

    monkeypatch.setattr(datacmds, "cmd_validate", boom)
    code, _, err = run(["validate"], capsys)
    assert code == 3 and "internal error" in err and "Traceback" not in err


def test_fast_help_matches_argparse(monkeypatch: pytest.MonkeyPatch) -> None:
    """`misgen --help` prints cli.HELP without importing argparse; it must stay what argparse prints."""
    from misgen.cli import HELP, build_parser

    monkeypatch.setenv("COLUMNS", "80")
    assert HELP == build_parser().format_help(), (
        "cli.HELP is stale: paste the output of build_parser().format_help() at COLUMNS=80"
    )
    env = {**os.environ, "COLUMNS": "80"}
    for flag in ("--help", "-h"):
        result = subprocess.run(
            [sys.executable, "-c", "import sys; from misgen.cli import run; run()", flag],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0 and result.stdout == HELP
    probe = "import sys; sys.argv = ['misgen', '--help']\nfrom misgen.cli import run\ntry:\n    run()\nexcept SystemExit:\n    pass\nprint('argparse' in sys.modules, file=sys.stderr)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stderr.strip() == "False", "misgen --help imported argparse"


@pytest.mark.parametrize(
    "argv",
    [["new", "stray-case"], ["docs"], ["schema"]],
    ids=["new", "docs", "schema"],
)
def test_never_writes_into_the_installed_package(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Outside a checkout the data root is the bundled copy: writing there is refused."""
    import misgen.root as root_module

    bundled = tmp_path / "site" / "misgen" / "_data"
    shutil.copytree(REPO / "taxonomy", bundled / "taxonomy")
    shutil.copytree(REPO / "classifier", bundled / "classifier")
    shutil.copytree(REPO / "cases", bundled / "cases")
    before = sorted(p.relative_to(bundled) for p in bundled.rglob("*"))
    monkeypatch.setattr(root_module, "is_bundled", lambda path: path.resolve() == bundled.resolve())
    code, _, err = run(["--root", str(bundled), *argv], capsys)
    assert code == 2 and "never writes" in err and "--root DIR" in err
    assert sorted(p.relative_to(bundled) for p in bundled.rglob("*")) == before
