"""One bibliography and evidence anchors (issue 17): behaviour tests.

Every work is defined once, in taxonomy/sources.yaml; a case cites it by id (optionally with
a locator); a measured answer says where its source shows it; ``misgen migrate`` moves the
old inline records into the bibliography without losing anything.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from misgen.bibliography import differences, identifiers, migrate_sources
from misgen.kb import load
from tests.conftest import REPO, run

CASE = "coinrun-go-right"


def _case(root: Path, cid: str = CASE) -> Path:
    return root / "cases" / f"{cid}.yaml"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _messages(root: Path) -> list[str]:
    return [f"{p.path}:{p.field}: {p.message}" for p in load(root).problems]


# --------------------------------------------------------------------------- the case base itself


def test_every_case_cites_the_bibliography_by_id(kb) -> None:
    for cid, case in kb.cases.items():
        for item in case.sources:
            assert hasattr(item, "source"), f"{cid}: inline record {item!r}; run misgen migrate"
            assert item.source in kb.sources and item.source not in kb.drafts


def test_no_work_is_recorded_twice(kb) -> None:
    seen: dict[str, str] = {}
    for sid, src in kb.sources.items():
        for key in identifiers(src):
            assert seen.setdefault(key, sid) == sid, f"{sid} and {seen[key]} are one work ({key})"


def test_the_bundled_case_base_passes_strict_validation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--root", str(REPO), "validate", "--strict"], capsys)
    assert code == 0, out + err


# --------------------------------------------------------------------------- citations


def test_a_citation_of_a_missing_work_is_refused(root_copy: Path) -> None:
    _edit(_case(root_copy), "  - source: langosco-2022-goal-misgeneralization", "  - source: langosco-2022-goal-misgeneralisation")
    found = _messages(root_copy)
    assert any("'langosco-2022-goal-misgeneralisation' is not in the bibliography" in m for m in found), found


def test_a_work_cited_twice_by_one_case_is_refused(root_copy: Path) -> None:
    _edit(
        _case(root_copy),
        "  - source: langosco-2022-goal-misgeneralization\n",
        "  - source: langosco-2022-goal-misgeneralization\n  - source: langosco-2022-goal-misgeneralization\n    locator: §4\n",
    )
    assert any("cited twice" in m for m in _messages(root_copy))


def test_an_answer_must_cite_a_source_its_case_cites(root_copy: Path) -> None:
    text = _case(root_copy).read_text(encoding="utf-8")
    first = re.search(r"source: (langosco-2022-goal-misgeneralization)\n", text)
    assert first
    _edit(_case(root_copy), "    source: langosco-2022-goal-misgeneralization\n", "    source: hubinger-2019-risks-learned-optimization\n")
    assert any("'hubinger-2019-risks-learned-optimization' is not cited by this case" in m for m in _messages(root_copy))


def test_the_same_work_under_two_ids_is_refused(root_copy: Path) -> None:
    bib = root_copy / "taxonomy" / "sources.yaml"
    text = bib.read_text(encoding="utf-8")
    text += (
        "  - id: langosco-copy\n    authors: [Someone]\n    year: 2022\n    title: Copy\n"
        "    venue: arXiv preprint\n    arxiv: \"2105.14111\"\n    verified: true\n"
    )
    bib.write_text(text, encoding="utf-8")
    found = _messages(root_copy)
    assert any("are the same work (arxiv:2105.14111)" in m for m in found), found


def test_a_draft_record_repeating_the_bibliography_is_refused(root_copy: Path) -> None:
    record = yaml.safe_load((root_copy / "taxonomy" / "sources.yaml").read_text())["sources"][0]
    dumped = yaml.safe_dump([record], sort_keys=False)
    block = "".join("  " + line for line in dumped.splitlines(True))
    _edit(_case(root_copy), "sources:\n", "sources:\n" + block)
    assert any(f"'{record['id']}' is already defined in taxonomy/sources.yaml" in m for m in _messages(root_copy))


def test_a_new_draft_record_loads_but_strict_refuses_it(root_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(
        _case(root_copy),
        "sources:\n",
        "sources:\n  - id: new-work-2026\n    authors: [A. Person]\n    year: 2026\n    title: A new work\n"
        "    venue: arXiv preprint\n    url: https://example.org/new-work\n    verified: true\n",
    )
    assert load(root_copy).ok
    code, out, err = run(["--root", str(root_copy), "validate", "--strict", str(_case(root_copy))], capsys)
    assert code != 0 and "every work is defined once, in taxonomy/sources.yaml" in out + err


# --------------------------------------------------------------------------- evidence anchors


def _rewrite_answer(path: Path, sid: str, drop: tuple[str, ...], add: str = "") -> None:
    """Rewrite the answer of ``sid`` in a case file: its keys in ``drop`` removed (with their
    continuation lines), ``add`` (whole lines) appended to it."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"  {sid}:\n")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("    "))
    kept, dropping = [], False
    for line in lines[start + 1 : end]:
        if not line.startswith("     "):  # a key of the answer (continuation lines are deeper)
            dropping = line.startswith(tuple(f"    {key}:" for key in drop))
        if not dropping:
            kept.append(line)
    path.write_text("".join([*lines[: start + 1], *kept, add, *lines[end:]]), encoding="utf-8")


def _measured_without_anchor(root: Path) -> str:
    """The first measured answer of the case, its anchor removed; returns the signal id."""
    path = _case(root)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sid = next(s for s, a in data["signals"].items() if isinstance(a, dict) and a.get("strength") == "measured")
    _rewrite_answer(path, sid, ("locator", "quote"))
    return sid


def test_a_measured_answer_without_quote_or_locator_is_refused_by_strict(
    root_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sid = _measured_without_anchor(root_copy)
    assert load(root_copy).ok  # the classifier can still read it
    code, out, err = run(["--root", str(root_copy), "validate", "--strict", str(_case(root_copy))], capsys)
    assert code != 0
    assert f"signals.{sid}.strength: a measured answer needs a quote or a locator" in out + err


def test_an_inferred_answer_needs_no_anchor(root_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sid = _measured_without_anchor(root_copy)
    path = _case(root_copy)
    text = path.read_text(encoding="utf-8")
    head, _, tail = text.partition(f"  {sid}:\n")
    path.write_text(head + f"  {sid}:\n" + tail.replace("strength: measured", "strength: inferred", 1), encoding="utf-8")
    _code, out, err = run(["--root", str(root_copy), "validate", "--strict", str(path)], capsys)
    assert f"signals.{sid}.strength: a measured answer" not in out + err


def _anchor_messages(**fields: object) -> list[str]:
    from misgen import models
    from misgen.kb.case_checks import _check_anchor

    answer = models.Answer(answer="yes", strength="inferred", evidence="e", source="s", **fields)  # type: ignore[arg-type]
    return [p.message for p in _check_anchor(answer, None, "x.yaml", ("signals", "goal-directed"))]


def test_a_long_quote_is_refused() -> None:
    assert "the quote has 41 words (at most 40)" in _anchor_messages(quote=" ".join(["word"] * 41))


def test_a_forty_word_quote_is_accepted() -> None:
    assert _anchor_messages(quote=" ".join(["word"] * 40)) == []


def test_a_suggested_answer_is_not_evidence_in_a_case() -> None:
    assert "a suggested answer is not evidence yet" in _anchor_messages(suggested=True)


def test_a_long_quote_in_a_case_file_is_reported_with_its_place(root_copy: Path) -> None:
    long = "    quote: \"" + " ".join(["word"] * 41) + "\"\n"
    _rewrite_answer(_case(root_copy), "goal-directed", ("quote",), long)
    found = _messages(root_copy)
    assert any("signals.goal-directed.quote: the quote has 41 words" in m for m in found), found


# --------------------------------------------------------------------------- migration


RECORD = {
    "id": "lu-2024-ai-scientist",
    "authors": ["Chris Lu"],
    "year": 2024,
    "title": "The AI Scientist",
    "venue": "arXiv preprint",
    "arxiv": "2408.06292",
    "verified": True,
}


def _old_case(records: list[dict]) -> str:
    block = yaml.safe_dump(records, sort_keys=False)
    return "id: x\nsignals: {}\nsources:\n" + "".join("  " + line for line in block.splitlines(True)) + "# end\n"


def test_migration_moves_a_new_record_and_cites_it() -> None:
    moved = migrate_sources(_old_case([RECORD]), "x.yaml", {})
    assert moved.new_records == [RECORD]
    assert "  - source: lu-2024-ai-scientist\n" in moved.text and "authors" not in moved.text
    assert moved.text.endswith("# end\n")  # the rest of the file is untouched


def test_migration_of_a_known_record_keeps_its_own_note() -> None:
    mine = {**RECORD, "verified": False, "note": "URL not re-checked"}
    moved = migrate_sources(_old_case([mine]), "x.yaml", {RECORD["id"]: RECORD})
    assert moved.new_records == []
    assert "# note from this file's own record: URL not re-checked" in moved.text


def test_migration_refuses_a_record_that_differs_and_changes_nothing() -> None:
    text = _old_case([{**RECORD, "year": 2023}])
    moved = migrate_sources(text, "x.yaml", {RECORD["id"]: RECORD})
    assert moved.text == text and moved.new_records == []
    assert [p.message for p in moved.problems] == ["'lu-2024-ai-scientist' differs from the bibliography's record in year"]


def test_migration_is_idempotent() -> None:
    once = migrate_sources(_old_case([RECORD]), "x.yaml", {})
    twice = migrate_sources(once.text, "x.yaml", {RECORD["id"]: RECORD})
    assert twice.text == once.text and not twice.changes


def test_misgen_migrate_moves_records_into_the_bibliography(root_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = root_copy / "cases" / "draft-case.yaml"
    text = _case(root_copy).read_text(encoding="utf-8").replace(f"id: {CASE}", "id: draft-case", 1)
    text = text.replace(
        "sources:\n",
        "sources:\n  - id: new-work-2026\n    authors: [A. Person]\n    year: 2026\n    title: A new work\n"
        "    venue: arXiv preprint\n    url: https://example.org/new-work\n    verified: true\n",
    )
    path.write_text(text, encoding="utf-8")
    code, out, _ = run(["--root", str(root_copy), "migrate", str(path)], capsys)
    assert code == 0, out
    bib = yaml.safe_load((root_copy / "taxonomy" / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    assert next(s for s in bib if s["id"] == "new-work-2026")["title"] == "A new work"
    assert "  - source: new-work-2026\n" in path.read_text(encoding="utf-8")
    code, out, err = run(["--root", str(root_copy), "validate", "--strict", str(path)], capsys)
    assert "every work is defined once" not in out + err


def test_differences_compare_every_bibliographic_field() -> None:
    for field in ("authors", "year", "title", "venue", "arxiv", "doi", "url"):
        assert differences(RECORD, {**RECORD, field: "changed"}) == [field]
    assert differences(RECORD, {**RECORD, "note": "x", "verified": False}) == []


def test_a_draft_record_of_a_known_work_under_a_new_id_is_reported_in_its_case(root_copy: Path) -> None:
    _edit(
        _case(root_copy),
        "sources:\n",
        "sources:\n  - id: langosco-again\n    authors: [A. Person]\n    year: 2022\n    title: Copy\n"
        "    venue: arXiv preprint\n    arxiv: \"2105.14111\"\n    verified: true\n",
    )
    found = [p for p in load(root_copy).problems if "are the same work" in p.message]
    assert found and found[0].path == f"cases/{CASE}.yaml", found


def test_placeholder_addresses_name_no_work(root_copy: Path) -> None:
    for cid in ("draft-one", "draft-two"):
        text = _case(root_copy).read_text(encoding="utf-8").replace(f"id: {CASE}", f"id: {cid}", 1)
        text = text.replace(
            "sources:\n",
            f"sources:\n  - id: todo-{cid}\n    authors: [TODO]\n    year: 2000\n    title: TODO\n"
            "    venue: TODO\n    url: https://example.org/TODO\n    verified: false\n    note: TODO\n",
        )
        (root_copy / "cases" / f"{cid}.yaml").write_text(text, encoding="utf-8")
    assert not [p for p in load(root_copy).problems if "same work" in p.message]
