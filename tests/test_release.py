"""Release engineering: the bundle, licences, citation, changelog, workflows, wheel metadata.

The bundle tests build real bundles from the data root (and from edited copies of it) and
check their bytes, their content against the classifier, and what --previous reports. The
CFF and workflow files are validated against the real JSON schemas, CFF 1.2.0 and
SchemaStore's github-workflow, as vendored by the check-jsonschema package (the test extra).
The wheel and sdist are built once (hatchling, no network) and checked with twine.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import misgen
from misgen import release, release_diff
from misgen.evaluation import cited_cases, classify_all
from misgen.kb import KnowledgeBase, load
from misgen.yamlio import load_file

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
WORKFLOWS = REPO / ".github" / "workflows"
#: SHA-256 of the CC BY 4.0 legal code (creativecommons.org/licenses/by/4.0/legalcode.txt as
#: reproduced by github/choosealicense.com) that LICENSE-DATA carries below its separator
CC_BY_4_LEGALCODE_SHA256 = "fd3a263fe19ed8faa9068b43abaebafc02c77897b0c6fc09abc04bb592e5f16e"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from misgen.cli import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _build(
    capsys: pytest.CaptureFixture[str], root: Path, out: Path, *extra: str
) -> tuple[int, str, str]:
    return run(["--root", str(root), "release", "-o", str(out), *extra], capsys)


def _bundle(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


DATA = ("taxonomy", "classifier", "cases", "schema")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of the data root: other work in the checkout cannot change it mid-module."""
    root = tmp_path_factory.mktemp("data")
    for name in DATA:
        shutil.copytree(REPO / name, root / name)
    return root


@pytest.fixture(scope="module")
def kb(data: Path) -> KnowledgeBase:
    loaded = load(data)
    assert loaded.ok, [p.message for p in loaded.problems]
    return loaded


@pytest.fixture
def root_copy(data: Path, tmp_path: Path) -> Path:
    """A writable copy of the snapshot, elsewhere."""
    root = tmp_path / "copy"
    for name in DATA:
        shutil.copytree(data / name, root / name)
    return root


@pytest.fixture(scope="module")
def built(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One bundle of the snapshot, built through the command line."""
    from misgen.cli import main

    out = tmp_path_factory.mktemp("bundle") / "misgen.json"
    assert main(["--root", str(data), "release", "-o", str(out)]) == 0
    return out


# --------------------------------------------------------------------------- the bundle


def test_two_builds_are_byte_identical_wherever_the_data_lives(
    built: Path, data: Path, root_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    again, elsewhere = tmp_path / "again.json", tmp_path / "elsewhere.json"
    code, out, err = _build(capsys, data, again)
    assert code == 0, err
    code, _, err = _build(capsys, root_copy, elsewhere)  # another folder, another mtime
    assert code == 0, err
    raw = built.read_bytes()
    assert again.read_bytes() == raw
    assert elsewhere.read_bytes() == raw
    digest = hashlib.sha256(raw).hexdigest()
    assert f"sha256 {digest}" in out
    side = again.with_name("again.json.sha256")
    assert side.read_text(encoding="utf-8") == f"{digest}  again.json\n"  # sha256sum -c format
    assert str(data) not in raw.decode("utf-8") and str(root_copy) not in raw.decode("utf-8")


def test_bundle_is_canonical_json(built: Path) -> None:
    raw = built.read_bytes()
    bundle = json.loads(raw)
    assert release.canonical(bundle) == raw
    assert raw.endswith(b"}\n") and b"\r" not in raw
    keys = list(bundle)
    assert keys == sorted(keys)


def test_bundle_holds_taxonomy_rules_policy_cases_and_every_verdict(
    built: Path, kb: KnowledgeBase
) -> None:
    bundle = _bundle(built)
    assert bundle["format"] == "misgen-release-bundle" and bundle["format_version"] == 1
    assert bundle["version"] == misgen.__version__ == PYPROJECT["project"]["version"]
    assert bundle["licences"] == {"code": "MIT", "data": "CC-BY-4.0"}
    assert bundle["changes"] is None
    tax = bundle["taxonomy"]
    assert [s["id"] for s in tax["signals"]] == list(kb.signals)  # question order kept
    assert [lab["id"] for lab in tax["labels"]] == list(kb.labels)
    assert [d["id"] for d in tax["deprecated"]] == list(kb.deprecated)
    assert [f["id"] for f in tax["frameworks"]] == list(kb.frameworks)
    assert [r["id"] for r in bundle["rules"]["rules"]] == [r.id for r in kb.rules]
    assert set(bundle["rules"]["definitions"]) == set(kb.definitions)
    assert kb.policy is not None
    assert bundle["policy"]["default"] == kb.policy.default
    assert [c["id"] for c in bundle["cases"]] == sorted(kb.cases)
    first = bundle["cases"][0]
    assert first == kb.cases[first["id"]].model_dump(mode="json", by_alias=True, exclude_none=True)
    # the rules keep YAML's spelling of condition keys (not/at-least/is/in), not Python's
    assert '"is":' in built.read_text(encoding="utf-8") and '"is_"' not in built.read_text(
        encoding="utf-8"
    )
    assert set(bundle["verdicts"]) == {p.id for p in kb.policy.policies}
    for named in kb.policy.policies:
        rows = classify_all(kb, policy=named.id)
        got = bundle["verdicts"][named.id]
        assert list(got) == [r.case for r in rows]
        for r in rows:
            v = got[r.case]
            assert v["primary"] == r.verdict.primary, (named.id, r.case)
            assert v["labels"] == list(r.verdict.labels)
            assert v["possible"] == list(r.verdict.possible)
            assert v["subtype"] == r.verdict.subtype
            assert v["status"] == r.verdict.status
            assert v["fired"] == [f.rule for f in r.verdict.fired]


def _reorder_fix_first(root: Path) -> None:
    """Put misspecification before shard-imbalance in fix-first: flips multi-label verdicts."""
    path = root / "classifier" / "policy.yaml"
    text = path.read_text(encoding="utf-8")
    old = "precedence: [deceptive-alignment, reflective-drift, shard-imbalance, misspecification, none]"
    assert text.count(old) == 1, "policy.yaml changed: update this test's edit"
    path.write_text(
        text.replace(
            old,
            "precedence: [deceptive-alignment, reflective-drift, misspecification, shard-imbalance, none]",
        ),
        encoding="utf-8",
    )


def _primaries(kb: KnowledgeBase) -> dict[tuple[str, str], Any]:
    assert kb.policy is not None
    return {
        (named.id, r.case): (
            r.verdict.status,
            r.verdict.primary,
            r.verdict.labels,
            r.verdict.possible,
            r.verdict.subtype,
        )
        for named in kb.policy.policies
        for r in classify_all(kb, policy=named.id)
    }


def test_previous_lists_exactly_the_changed_verdicts_and_needs_a_minor_release(
    built: Path,
    kb: KnowledgeBase,
    root_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _reorder_fix_first(root_copy)
    edited = load(root_copy)
    assert edited.ok
    before, after = _primaries(kb), _primaries(edited)
    expected = sorted(
        (case, policy) for (policy, case) in before if before[policy, case] != after[policy, case]
    )
    assert expected, "the edit should change at least one verdict"

    out = tmp_path / "next.json"
    code, _, err = _build(capsys, root_copy, out, "--previous", str(built))  # same version 0.1.0
    assert code == 1 and "at least a minor release" in err and "nothing was written" in err
    for case, _ in expected:
        assert case in err
    assert not out.exists() and not out.with_name("next.json.sha256").exists()

    code, text, err = _build(
        capsys, root_copy, out, "--previous", str(built), "--release-version", "0.2.0"
    )
    assert code == 0, err
    bundle = _bundle(out)
    assert bundle["version"] == "0.2.0"
    delta = bundle["changes"]
    assert delta["previous"] == {
        "version": misgen.__version__,
        "sha256": hashlib.sha256(built.read_bytes()).hexdigest(),
    }
    assert delta["required_bump"] == "minor"
    assert sorted((c["case"], c["policy"]) for c in delta["verdicts_changed"]) == expected
    for c in delta["verdicts_changed"]:
        old, new = before[c["policy"], c["case"]], after[c["policy"], c["case"]]
        assert c["before"]["primary"] == old[1] and c["after"]["primary"] == new[1]
        assert c["before"]["labels"] == list(old[2]) and c["after"]["labels"] == list(new[2])
        assert c["fields"] and all(c["before"][f] != c["after"][f] for f in c["fields"])
        assert f"{c['case']} [{c['policy']}]" in text
    assert (
        delta["cases_added"] == [] and delta["cases_removed"] == [] and delta["ids_removed"] == {}
    )

    again = tmp_path / "again.json"  # --previous is part of the input: still reproducible
    code, _, err = _build(
        capsys, root_copy, again, "--previous", str(built), "--release-version", "0.2.0"
    )
    assert code == 0, err
    assert again.read_bytes() == out.read_bytes()


def test_previous_with_unchanged_data_reports_nothing(
    built: Path, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "same.json"
    code, _, err = _build(capsys, data, out, "--previous", str(built), "--format", "json")
    assert code == 0, err  # a rebuild of the same release needs no new version
    delta = _bundle(out)["changes"]
    assert delta["required_bump"] == "none" and delta["reasons"] == []
    assert delta["verdicts_changed"] == [] and delta["ids_added"] == {}


def _removable_case(kb: KnowledgeBase) -> str:
    """A case no rule test and no other case names (removing it leaves the data valid)."""
    linked = {link.case for case in kb.cases.values() for link in case.links}
    return next(cid for cid in kb.cases if cid not in cited_cases(kb) and cid not in linked)


def test_a_removed_case_needs_a_major_release(
    kb: KnowledgeBase, root_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = tmp_path / "one.json"
    code, _, err = _build(capsys, root_copy, one, "--release-version", "1.0.0")
    assert code == 0, err
    gone = _removable_case(kb)
    (root_copy / "cases" / f"{gone}.yaml").unlink()
    minor = tmp_path / "minor.json"
    code, _, err = _build(
        capsys, root_copy, minor, "--previous", str(one), "--release-version", "1.1.0"
    )
    assert code == 1 and "at least a major release" in err and gone in err
    assert not minor.exists()
    major = tmp_path / "major.json"
    code, _, err = _build(
        capsys, root_copy, major, "--previous", str(one), "--release-version", "2.0.0"
    )
    assert code == 0, err
    delta = _bundle(major)["changes"]
    assert delta["required_bump"] == "major" and delta["cases_removed"] == [gone]
    # before 1.0.0 a breaking change is released as a minor one
    assert release_diff.allows("0.3.1", "minor", "major") and not release_diff.allows(
        "1.3.1", "minor", "major"
    )
    assert not release_diff.allows("0.3.1", "patch", "minor")


def test_a_wording_change_needs_a_patch_release(
    built: Path,
    kb: KnowledgeBase,
    root_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cid = next(iter(kb.cases))
    path = root_copy / "cases" / f"{cid}.yaml"
    text = path.read_text(encoding="utf-8")
    summary = kb.cases[cid].summary
    assert text.count("summary:") == 1
    path.write_text(text.replace("summary:", "summary: Reworded.", 1), encoding="utf-8")
    edited = load(root_copy)
    assert edited.ok and edited.cases[cid].summary != summary
    same = tmp_path / "same.json"
    code, _, err = _build(capsys, root_copy, same, "--previous", str(built))
    assert code == 1 and "at least a patch release" in err
    out = tmp_path / "patch.json"
    code, _, err = _build(
        capsys, root_copy, out, "--previous", str(built), "--release-version", "0.1.1"
    )
    assert code == 0, err
    delta = _bundle(out)["changes"]
    assert delta["required_bump"] == "patch" and delta["verdicts_changed"] == []


def test_recoding_a_case_needs_a_minor_release_even_when_no_verdict_changes(
    built: Path,
    kb: KnowledgeBase,
    root_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cid = next(c for c, case in kb.cases.items() if len(case.curated.labels) == 2)
    first, second = kb.cases[cid].curated.labels
    path = root_copy / "cases" / f"{cid}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(f"labels: [{first}, {second}]") == 1, (
        "case file layout changed: update the edit"
    )
    path.write_text(
        text.replace(f"labels: [{first}, {second}]", f"labels: [{first}]"), encoding="utf-8"
    )
    assert load(root_copy).ok
    out = tmp_path / "recoded.json"
    code, _, err = _build(
        capsys, root_copy, out, "--previous", str(built), "--release-version", "0.1.1"
    )
    assert code == 1 and "at least a minor release" in err and cid in err
    code, _, err = _build(
        capsys, root_copy, out, "--previous", str(built), "--release-version", "0.2.0"
    )
    assert code == 0, err
    delta = _bundle(out)["changes"]
    assert delta["verdicts_changed"] == []  # curated labels never reach the classifier
    assert delta["required_bump"] == "minor"


def test_never_overwrites_without_force(
    built: Path, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b.json"
    out.write_text("keep me", encoding="utf-8")
    code, _, err = _build(capsys, data, out)
    assert code == 2 and "--force" in err and "Traceback" not in err
    assert out.read_text(encoding="utf-8") == "keep me"
    assert not out.with_name("b.json.sha256").exists()
    side_only = tmp_path / "c.json"
    side_only.with_name("c.json.sha256").write_text("keep me too", encoding="utf-8")
    code, _, err = _build(capsys, data, side_only)
    assert code == 2 and "c.json.sha256 exists" in err and not side_only.exists()
    code, _, err = _build(capsys, data, out, "--force")
    assert code == 0, err
    assert out.read_bytes() == built.read_bytes()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("name: not json\n", "not a misgen release bundle (not JSON"),
        ('{"format": "something-else"}', "not a misgen release bundle"),
        (
            '{"format": "misgen-release-bundle", "version": "0.1.0"}',
            "a damaged misgen release bundle",
        ),
        ("[1, 2]", "not a misgen release bundle"),
        (b"\xff\xfe{}", "not a misgen release bundle"),
    ],
)
def test_a_bad_previous_bundle_is_a_usage_error(
    data: Path,
    content: str | bytes | None,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    prev = tmp_path / "prev.json"
    if isinstance(content, bytes):
        prev.write_bytes(content)
    elif content is not None:
        prev.write_text(content, encoding="utf-8")
    out = tmp_path / "out.json"
    code, _, err = _build(capsys, data, out, "--previous", str(prev))
    assert code == 2 and message in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "01.2.3", "1.2.3-beta", "latest"])
def test_a_bad_version_is_a_usage_error(
    data: Path, version: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    code, _, err = _build(capsys, data, out, "--release-version", version)
    assert code == 2 and "not a release version" in err and not out.exists()


def test_a_version_lower_than_the_previous_is_refused(
    data: Path, built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    code, _, err = _build(capsys, data, out, "--previous", str(built), "--release-version", "0.0.9")
    assert code == 2 and "lower than the previous release" in err and not out.exists()


def test_refuses_to_write_into_the_package_or_onto_a_folder(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inside = Path(misgen.__file__).resolve().parent / "_release_test.json"
    code, _, err = _build(capsys, data, inside)
    assert code == 2 and "never writes release bundles there" in err
    assert not inside.exists() and not inside.with_name(inside.name + ".sha256").exists()
    code, _, err = _build(capsys, data, tmp_path)
    assert code == 2 and "is a folder" in err


def test_refuses_the_bundled_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from misgen import root as root_module
    from misgen.problems import UsageError

    fake = tmp_path / "site-packages" / "misgen" / "_data"
    fake.mkdir(parents=True)
    monkeypatch.setattr(root_module, "is_bundled", lambda path: path.resolve() == fake.resolve())
    with pytest.raises(UsageError, match="bundled inside the installed package"):
        release._refuse_package(fake / "out" / "misgen.json")


def test_missing_output_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run(["release"], capsys)
    assert exc.value.code == 2
    assert "-o/--output" in capsys.readouterr().err


# --------------------------------------------------------------------------- licences


def test_code_licence_is_mit_and_matches_pyproject() -> None:
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) ")
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text
    expression = PYPROJECT["project"]["license"]
    assert set(re.split(r"\s+AND\s+", expression)) == {"MIT", "CC-BY-4.0"}
    assert PYPROJECT["project"]["license-files"] == ["LICENSE", "LICENSE-DATA"]


def test_data_licence_states_its_scope_and_carries_the_exact_legal_code() -> None:
    text = (REPO / "LICENSE-DATA").read_text(encoding="utf-8")
    head, sep, legal = text.partition("#" * 71 + "\n\n")
    assert sep, "LICENSE-DATA separates its notice from the licence text with a line of #"
    for folder in ("taxonomy/", "classifier/", "cases/"):
        assert folder in head
    assert "CC BY 4.0" in head and "https://creativecommons.org/licenses/by/4.0/" in head
    assert "Every contributed case is accepted under" in " ".join(head.split())
    assert hashlib.sha256(legal.encode("utf-8")).hexdigest() == CC_BY_4_LEGALCODE_SHA256
    contributing = " ".join((REPO / "CONTRIBUTING.md").read_text(encoding="utf-8").split())
    assert "CC BY 4.0" in contributing and "LICENSE-DATA" in contributing
    template = (REPO / ".github" / "PULL_REQUEST_TEMPLATE.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in template


# --------------------------------------------------------------------------- citation


def _vendored_schema(name: str) -> dict[str, Any]:
    """A schema as check-jsonschema vendors it from its upstream (test extra)."""
    data: dict[str, Any] = json.loads(
        (files("check_jsonschema.builtin_schemas.vendor") / name).read_text(encoding="utf-8")
    )
    return data


def _errors(schema: dict[str, Any], instance: Any) -> list[str]:
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


@pytest.fixture(scope="module")
def cff_schema() -> dict[str, Any]:
    schema = _vendored_schema("citation-file-format.json")
    assert schema["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    return schema


def test_citation_cff_is_valid_cff_1_2(cff_schema: dict[str, Any]) -> None:
    # misgen's YAML reader types scalars by YAML 1.2 (dates stay strings, as CFF requires)
    cff = load_file(REPO / "CITATION.cff").data
    assert _errors(cff_schema, cff) == []
    assert cff["cff-version"] == "1.2.0"
    assert cff["version"] == PYPROJECT["project"]["version"] == misgen.__version__
    assert cff["preferred-citation"]["version"] == cff["version"]
    assert cff["license"] == "MIT"
    urls = PYPROJECT["project"]["urls"]
    assert cff["repository-code"] == urls["Source"] == cff["preferred-citation"]["repository-code"]
    assert cff["url"] == urls["Documentation"]
    broken = {k: v for k, v in cff.items() if k != "authors"}
    assert any("'authors' is a required property" in e for e in _errors(cff_schema, broken))
    assert _errors(cff_schema, {**cff, "date-released": "2026-13-01"})


# --------------------------------------------------------------------------- changelog


def test_changelog_follows_keep_a_changelog_and_records_the_unreleased_work(
    kb: KnowledgeBase,
) -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "# Changelog" and "keepachangelog.com" in text
    versions = [line for line in lines if line.startswith("## ")]
    assert versions[0] == "## [Unreleased]"
    released = []
    for line in versions[1:]:
        match = re.fullmatch(r"## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})", line)
        assert match, f"a release heading is '## [X.Y.Z] - YYYY-MM-DD': {line}"
        released.append(tuple(int(n) for n in match[1].split(".")))
    assert released == sorted(released, reverse=True), "newest release first"
    kinds = {line[4:] for line in lines if line.startswith("### ")}
    assert kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    unreleased = text.split("## [Unreleased]", 1)[1].split("\n## ", 1)[0]
    for sid in kb.deprecated:  # every retired signal is recorded
        assert f"`{sid}`" in unreleased, sid
    for sid in (
        "system-kind",
        "intended-among-drives",
        "proxy-among-drives",
        "shift-kind",
        "modification-motive",
        "induction",
    ):
        assert sid in kb.signals and f"`{sid}`" in unreleased, sid
    for word in (
        "`fix-first`",
        "`root-cause`",
        "`undetermined`",
        "possible",
        "misgen migrate",
        "misgen agree",
        "uncited",
        "misgen release",
    ):
        assert word in unreleased, word
    policy = (REPO / "VERSIONING.md").read_text(encoding="utf-8")
    for word in (
        "major",
        "minor",
        "patch",
        "schema",
        "signal",
        "rule semantics",
        "verdict",
        "case id",
    ):
        assert word in policy.lower(), word
    assert "any changed verdict on an existing case" in policy.lower()


# --------------------------------------------------------------------------- workflows


@pytest.fixture(scope="module")
def workflow_schema() -> dict[str, Any]:
    schema = _vendored_schema("github-workflows.json")
    assert schema["$id"] == "https://json.schemastore.org/github-workflow.json"
    return schema


def _workflow(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load_file(WORKFLOWS / name).data  # YAML 1.2: "on" stays a key
    return data


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.y*ml")), ids=lambda p: p.name)
def test_every_workflow_is_valid(path: Path, workflow_schema: dict[str, Any]) -> None:
    assert _errors(workflow_schema, load_file(path).data) == []


def test_the_workflow_schema_catches_mistakes(workflow_schema: dict[str, Any]) -> None:
    flow = _workflow("docs.yml")
    assert _errors(workflow_schema, {k: v for k, v in flow.items() if k != "jobs"})
    bad_job = {**flow, "jobs": {"build": {"steps": [{"uses": "actions/checkout@v4"}]}}}
    assert _errors(workflow_schema, bad_job)  # no runs-on
    assert _errors(workflow_schema, {**flow, "permissions": {"pages": "sometimes"}})


def test_docs_workflow_publishes_pages_on_push_to_main() -> None:
    flow = _workflow("docs.yml")
    assert flow["on"]["push"]["branches"] == ["main"]
    steps = [s.get("uses", "") for job in flow["jobs"].values() for s in job["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in steps)
    assert any(u.startswith("actions/deploy-pages@") for u in steps)
    deploy = flow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    runs = "\n".join(s.get("run", "") for job in flow["jobs"].values() for s in job["steps"])
    assert "mkdocs build --strict" in runs and "misgen docs --check" in runs


def test_release_workflow_publishes_tags_by_trusted_publishing_without_secrets() -> None:
    flow = _workflow("release.yml")
    assert flow["on"] == {"push": {"tags": ["v*"]}}
    assert flow["permissions"] == {"contents": "read"}
    pypi = flow["jobs"]["pypi"]
    assert pypi["permissions"] == {"id-token": "write"}
    publish = [
        s for s in pypi["steps"] if s.get("uses", "").startswith("pypa/gh-action-pypi-publish@")
    ]
    assert len(publish) == 1 and "with" not in publish[0]  # no password, no token: OIDC only
    for path in WORKFLOWS.glob("*.y*ml"):
        assert "secrets." not in path.read_text(encoding="utf-8"), path.name
    runs = "\n".join(s.get("run", "") for job in flow["jobs"].values() for s in job["steps"])
    for needed in (
        "pytest",
        "twine check --strict",
        "misgen release",
        'GITHUB_REF_NAME" != "v$version"',
    ):
        assert needed in runs, needed


# --------------------------------------------------------------------------- package metadata


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel and sdist, built once from the checkout (hatchling, no build isolation)."""
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-d", str(out)],
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_twine_check_passes(dist: Path) -> None:
    built = sorted(dist.glob("misgen-*"))
    assert sorted(p.suffix for p in built) == [".gz", ".whl"]
    proc = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, built)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("PASSED") == 2


def test_wheel_metadata_is_complete(dist: Path) -> None:
    wheel = next(dist.glob("misgen-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        info = f"misgen-{misgen.__version__}.dist-info"
        meta = zf.read(f"{info}/METADATA").decode("utf-8")
        assert zf.read(f"{info}/licenses/LICENSE") == (REPO / "LICENSE").read_bytes()
        assert zf.read(f"{info}/licenses/LICENSE-DATA") == (REPO / "LICENSE-DATA").read_bytes()
    head = meta.split("\n\n", 1)[0]
    fields: dict[str, list[str]] = {}
    for line in head.splitlines():
        key, _, value = line.partition(": ")
        fields.setdefault(key, []).append(value)
    assert fields["Version"] == [misgen.__version__]
    assert fields["License-Expression"] == ["MIT AND CC-BY-4.0"]
    assert set(fields["License-File"]) == {"LICENSE", "LICENSE-DATA"}
    assert fields["Description-Content-Type"] == ["text/markdown"]
    urls = dict(v.split(", ", 1) for v in fields["Project-URL"])
    assert {"Homepage", "Documentation", "Source", "Issues", "Changelog"} <= set(urls)
    assert all(u.startswith("https://") for u in urls.values())
    assert "Intended Audience :: Science/Research" in fields["Classifier"]
    assert "Programming Language :: Python :: 3.11" in fields["Classifier"]
    assert fields["Requires-Python"] == [">=3.11"]
    assert "misgen/_data/cases/sleeper-agents.yaml" in names
    assert "misgen/_data/taxonomy/signals.yaml" in names
    assert "misgen/_data/classifier/rules.yaml" in names
    sdist = next(dist.glob("misgen-*.tar.gz"))
    import tarfile

    with tarfile.open(sdist) as tf:
        members = {m.name.split("/", 1)[1] for m in tf.getmembers() if "/" in m.name}
    assert {"LICENSE", "LICENSE-DATA", "CITATION.cff", "CHANGELOG.md", "VERSIONING.md"} <= members


def test_the_copies_of_the_version_agree() -> None:
    version = PYPROJECT["project"]["version"]
    assert misgen.__version__ == version
    assert load_file(REPO / "CITATION.cff").data["version"] == version
    release_diff.parse_version(version)  # a release version, as misgen release requires
