"""misgen export: every format read back with a real parser, byte-identical across runs."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from misgen import export, export_bib, models
from misgen.evaluation import Row, classify_all
from misgen.kb import KnowledgeBase, load
from tests.conftest import FIXTURES, REPO, run

KNOWN_CASE = "adversarial-examples"
KNOWN_SOURCE = "shah-2022-goal-misgeneralization"

#: the three queries the README shows ("Exporting and importing"); run against a real export
QUERIES = {
    "disagreements": """\
SELECT c.id, c.curated_primary AS curator,
       coalesce(v.primary_label, 'undetermined') AS classifier,
       c.declared_disagreement IS NOT NULL AS declared
FROM cases c JOIN verdicts v ON v.case_id = c.id
WHERE v.agrees = 0
ORDER BY c.id;""",
    "watched": """\
SELECT a.case_id, a.strength, s.id AS source, s.year
FROM answers a JOIN sources s ON s.id = a.source_id
WHERE a.signal_id = 'oversight-conditioned' AND a.answer = 'yes'
ORDER BY a.case_id;""",
    "most_cited": """\
SELECT s.id, s.year, count(*) AS cases
FROM citations ci JOIN sources s ON s.id = ci.source_id
GROUP BY s.id ORDER BY cases DESC, s.id LIMIT 5;""",
}


@pytest.fixture(scope="module")
def rows(kb: KnowledgeBase) -> list[Row]:
    return classify_all(kb)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every format exported once through the command line."""
    from misgen.cli import main

    folder = tmp_path_factory.mktemp("export")
    out = {}
    for fmt, name in [
        ("csv", "cases.csv"),
        ("jsonl", "cases.jsonl"),
        ("sqlite", "misgen.sqlite"),
        ("bibtex", "misgen.bib"),
        ("csl-json", "misgen.json"),
        ("misp", "machinetag.json"),
    ]:
        path = folder / name
        assert main(["--root", str(REPO), "export", "--format", fmt, "-o", str(path)]) == 0
        out[fmt] = path
    return out


# --------------------------------------------------------------------------- csv / jsonl


def test_csv_reads_back_one_row_per_case(
    exported: dict[str, Path], kb: KnowledgeBase, rows: list[Row]
) -> None:
    with exported["csv"].open(newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    assert [r["id"] for r in records] == sorted(kb.cases)
    header = list(records[0])
    for sid in kb.signals:  # every signal's answer and strength
        assert sid in header and f"{sid}.strength" in header
    row = next(r for r in records if r["id"] == KNOWN_CASE)
    case = kb.cases[KNOWN_CASE]
    assert row["title"] == case.title and row["domain"] == case.domain == "supervised-learning"
    assert row["curated_labels"] == ";".join(case.curated.labels)
    assert row["curated_subtype"] == (case.curated.subtype or "")
    assert row["system-kind"] == "predictor" and row["system-kind.strength"] == "measured"
    for sid, answer in case.signals.items():  # every answer and strength, as in the case file
        assert (row[sid], row[f"{sid}.strength"]) == (answer.answer, answer.strength or ""), sid
    verdict = next(r.verdict for r in rows if r.case == KNOWN_CASE)
    assert row["classifier_primary"] == (verdict.primary or "")
    assert row["classifier_status"] == verdict.status
    assert row["classifier_labels"] == ";".join(verdict.labels)
    assert row["evidence_grade"] == verdict.evidence_grade
    assert exported["csv"].read_bytes().count(b"\r\n") >= len(kb.cases) + 1  # RFC 4180 line ends


def test_jsonl_reads_back(exported: dict[str, Path], kb: KnowledgeBase) -> None:
    lines = exported["jsonl"].read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len(kb.cases)
    rec = next(r for r in records if r["id"] == KNOWN_CASE)
    assert rec["curated_labels"] == ["none"]
    assert rec["signals"]["system-kind"] == {"answer": "predictor", "strength": "measured"}
    assert set(rec["signals"]) == set(kb.signals)
    assert list(rec) == sorted(rec)  # sorted keys


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_neutralise_formula_cells(start: str) -> None:
    assert export.neutralise(start + "SUM(A1:A9)") == "'" + start + "SUM(A1:A9)"


def test_neutralise_leaves_plain_cells() -> None:
    assert export.neutralise("Coin run") == "Coin run"
    assert export.neutralise("") == ""
    assert export.neutralise("a=b") == "a=b"


def test_csv_neutralises_a_formula_title(
    root_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = root_copy / "cases" / f"{KNOWN_CASE}.yaml"
    text = path.read_text(encoding="utf-8")
    old = "title: Imperceptible, optimized perturbations make image classifiers misclassify"
    assert old in text
    path.write_text(
        text.replace(old, 'title: "=HYPERLINK(\\"http://x\\",\\"y\\")"'), encoding="utf-8"
    )
    code, out, err = run(["--root", str(root_copy), "export", "--format", "csv"], capsys)
    assert code == 0, err
    row = next(r for r in csv.DictReader(io.StringIO(out, newline="")) if r["id"] == KNOWN_CASE)
    assert row["title"] == '\'=HYPERLINK("http://x","y")'


# --------------------------------------------------------------------------- sqlite


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def test_sqlite_is_normalised_and_consistent(
    exported: dict[str, Path], kb: KnowledgeBase, rows: list[Row]
) -> None:
    conn = _connect(exported["sqlite"])
    try:
        assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {
            "cases",
            "answers",
            "sources",
            "citations",
            "labels",
            "subtypes",
            "relations",
            "verdicts",
            "fired_rules",
        } <= tables
        fks = conn.execute("SELECT * FROM pragma_foreign_key_list('answers')").fetchall()
        assert {(f[2], f[3]) for f in fks} == {
            ("cases", "case_id"),
            ("signals", "signal_id"),
            ("sources", "source_id"),
        }
        indexes = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        assert {"answers_signal_answer", "citations_source", "verdicts_primary"} <= indexes

        def count(table: str) -> int:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

        assert count("cases") == len(kb.cases)
        assert count("answers") == sum(len(c.signals) for c in kb.cases.values())
        assert count("labels") == len(kb.labels)
        assert count("subtypes") == len(kb.subtypes)
        assert count("relations") == len(kb.relations)
        assert count("verdicts") == len(kb.cases)
        assert count("sources") == len(export_bib.bibliography(kb))
        assert count("citations") == sum(len(c.sources) for c in kb.cases.values())
        assert count("disputes") == sum(len(c.disputes) for c in kb.cases.values()) > 0
        assert count("fired_rules") == sum(len(r.verdict.fired) for r in rows)
        case = kb.cases[KNOWN_CASE]
        assert conn.execute(
            "SELECT title, kind, domain, curated_primary, curated_subtype FROM cases WHERE id = ?",
            (KNOWN_CASE,),
        ).fetchone() == (
            case.title,
            case.kind,
            "supervised-learning",
            case.curated.labels[0],
            case.curated.subtype,
        )
        assert conn.execute(
            "SELECT answer, strength, source_id FROM answers WHERE case_id = ? AND signal_id = 'system-kind'",
            (KNOWN_CASE,),
        ).fetchone() == ("predictor", "measured", "szegedy-2013-intriguing-properties")
        got = conn.execute(
            "SELECT signal_id, answer, strength, evidence, source_id FROM answers WHERE case_id = ?",
            (KNOWN_CASE,),
        ).fetchall()
        assert sorted(got) == sorted(
            (sid, a.answer, a.strength, a.evidence, a.source) for sid, a in case.signals.items()
        )
    finally:
        conn.close()


def test_sqlite_foreign_keys_reject_dangling_rows(
    exported: dict[str, Path], tmp_path: Path
) -> None:
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(exported["sqlite"].read_bytes())
    conn = sqlite3.connect(copy)
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                "INSERT INTO answers VALUES ('no-such-case', 'goal-directed', 'yes', NULL, NULL, NULL)"
            )
    finally:
        conn.close()


def test_readme_queries_run_and_answer_correctly(
    exported: dict[str, Path], kb: KnowledgeBase, rows: list[Row]
) -> None:
    conn = _connect(exported["sqlite"])
    try:
        got = conn.execute(QUERIES["disagreements"]).fetchall()
        assert got == [
            (
                r.case,
                r.curated[0],
                r.verdict.primary or "undetermined",
                int(kb.cases[r.case].curated.disagreement is not None),
            )
            for r in rows
            if not r.agrees
        ]
        assert got, "the case base has declared disagreements; the query should list them"
        watched = conn.execute(QUERIES["watched"]).fetchall()
        expected = sorted(
            cid
            for cid, c in kb.cases.items()
            if "oversight-conditioned" in c.signals
            and c.signals["oversight-conditioned"].answer == "yes"
        )
        assert [r[0] for r in watched] == expected and expected
        cited = conn.execute(QUERIES["most_cited"]).fetchall()
        counts: dict[str, int] = {}
        for c in kb.cases.values():
            for s in c.citations():
                counts[s.source] = counts.get(s.source, 0) + 1
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        assert [(r[0], r[2]) for r in cited] == top and top[0][1] > 1
    finally:
        conn.close()


def test_readme_shows_the_tested_queries() -> None:
    """Once the README has the export section, its SQL must be the queries tested here."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    if "## Exporting and importing" not in readme:
        pytest.skip("README has no 'Exporting and importing' section yet")
    section = readme.split("## Exporting and importing", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.DOTALL)
    shown = [
        "\n".join(line for line in b.strip().splitlines() if not line.startswith("--"))
        for b in blocks
    ]
    assert shown == list(QUERIES.values())


def test_sqlite_needs_an_output_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--root", str(REPO), "export", "--format", "sqlite"], capsys)
    assert code == 2 and out == ""
    assert (
        err.strip() == "misgen: error: --format sqlite writes a binary file: give it with -o FILE"
    )


# --------------------------------------------------------------------------- bibliography


def test_bibtex_reads_back_with_keys_equal_to_source_ids(
    exported: dict[str, Path], kb: KnowledgeBase
) -> None:
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    library = bibtexparser.parse_string(
        exported["bibtex"].read_text(encoding="utf-8"),
        append_middleware=[LatexDecodingMiddleware()],
    )
    assert library.failed_blocks == []
    sources = export_bib.bibliography(kb)
    assert [e.key for e in library.entries] == [s.id for s in sources]
    assert len({s.id for s in sources}) == len(sources) == len(kb.sources)  # one bibliography
    entry = library.entries_dict[KNOWN_SOURCE]
    fields = {f.key: f.value for f in entry.fields}
    assert (
        fields["title"]
        == "Goal Misgeneralization: Why Correct Specifications Aren't Enough For Correct Goals"
    )
    assert fields["year"] == "2022"
    assert fields["eprint"] == "2210.01790" and fields["archiveprefix"] == "arXiv"
    assert fields["author"].startswith("Rohin Shah and Vikrant Varma and")
    dash = str.maketrans({"\u2013": "--", "\u2014": "---"})  # LaTeX spells the dashes so
    for src, e in zip(sources, library.entries):  # every title survives the round trip
        got = {f.key: f.value for f in e.fields}["title"]
        assert got.translate(dash) == " ".join(src.title.split()).translate(dash), src.id


def test_bibtex_escapes_specials_and_round_trips() -> None:
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    src = models.Source(
        id="odd-2024-specials",
        authors=["Ada Lovelace", "Centre for Things & Stuff", "et al."],
        year=2024,
        title="100% of {braces} & $dollars_ under #tags ~ ^ back\\slash",
        venue="A Journal of Odd Titles",
        url="https://example.org/a_b%20c?x={y}",
        verified=False,
        note="Checked 50% of it",
    )
    text = export_bib.bibtex_entry(src)
    assert r"100\% of \{braces\} \& \$dollars\_ under \#tags" in text
    assert "@article{odd-2024-specials," in text
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert library.failed_blocks == []
    fields = {f.key: f.value for f in library.entries[0].fields}
    assert fields["title"].startswith("100% of {braces} & $dollars_ under #tags")
    assert fields["author"] == "Ada Lovelace and Centre for Things & Stuff and others"
    assert "{" not in fields["url"]


def test_csl_json_reads_back(exported: dict[str, Path], kb: KnowledgeBase) -> None:
    items = json.loads(exported["csl-json"].read_text(encoding="utf-8"))
    assert [i["id"] for i in items] == [s.id for s in export_bib.bibliography(kb)]
    item = next(i for i in items if i["id"] == KNOWN_SOURCE)
    assert item["type"] == "article"
    assert item["issued"] == {"date-parts": [[2022]]}
    assert item["author"][0] == {"given": "Rohin", "family": "Shah"}
    assert item["URL"] == "https://arxiv.org/abs/2210.01790"
    for i in items:
        assert {"id", "type", "title", "issued", "URL"} <= set(i)
        assert all(
            set(a) <= {"given", "family", "literal", "non-dropping-particle"} for a in i["author"]
        )


def test_csl_names() -> None:
    assert export_bib.csl_name("Chris van Merwijk") == {
        "given": "Chris",
        "family": "Merwijk",
        "non-dropping-particle": "van",
    }
    assert export_bib.csl_name("Samuel R. Bowman") == {"given": "Samuel R.", "family": "Bowman"}
    assert export_bib.csl_name("OpenAI") == {"literal": "OpenAI"}
    assert export_bib.csl_name("National Highway Traffic Safety Administration") == {
        "literal": "National Highway Traffic Safety Administration"
    }


# --------------------------------------------------------------------------- MISP


def test_misp_taxonomy_is_valid_against_the_published_schema(
    exported: dict[str, Path], kb: KnowledgeBase
) -> None:
    import jsonschema

    schema = json.loads((FIXTURES / "misp" / "schema.json").read_text(encoding="utf-8"))
    doc = json.loads(exported["misp"].read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(doc)
    assert doc["namespace"] == "misgen" and isinstance(doc["version"], int)
    assert [p["value"] for p in doc["predicates"]] == list(kb.labels)
    for pred in doc["predicates"]:  # the published schema misplaces "required": check by hand
        assert pred["description"] == " ".join(kb.labels[pred["value"]].definition.split())
        assert pred["expanded"] == kb.labels[pred["value"]].name
    values = {v["predicate"]: v["entry"] for v in doc["values"]}
    assert set(values) == set(kb.labels)
    for label, entries in values.items():
        assert [f"{label}.{e['value']}" for e in entries] == [
            s.id for s in kb.labels[label].subtypes
        ]
        assert all(e["description"] and e["expanded"] for e in entries)
    assert sum(len(e) for e in values.values()) == len(kb.subtypes)
    # the schema rejects what it should: a misspelt key
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate({**doc, "namespaces": "x"})


# --------------------------------------------------------------------------- determinism and writes


def test_every_format_is_byte_identical_across_runs(
    exported: dict[str, Path], tmp_path: Path
) -> None:
    from misgen.cli import main

    for fmt, first in exported.items():
        again = tmp_path / ("again-" + first.name)
        assert main(["--root", str(REPO), "export", "--format", fmt, "-o", str(again)]) == 0
        assert again.read_bytes() == first.read_bytes(), fmt


def test_stdout_matches_the_file(
    exported: dict[str, Path], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    from misgen.cli import main

    for fmt in ("csv", "jsonl", "bibtex", "csl-json", "misp"):
        assert main(["--root", str(REPO), "export", "--format", fmt]) == 0
        out, _ = capsysbinary.readouterr()
        assert out == exported[fmt].read_bytes(), fmt


def test_never_overwrites_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.bib"
    target.write_text("keep me\n")
    code, _out, err = run(
        ["--root", str(REPO), "export", "--format", "bibtex", "-o", str(target)], capsys
    )
    assert code == 2 and "exists; pass --force" in err and "Traceback" not in err
    assert target.read_text() == "keep me\n"
    code, _, err = run(
        ["--root", str(REPO), "export", "--format", "bibtex", "-o", str(target), "--force"], capsys
    )
    assert code == 0, err
    assert target.read_text().startswith("@")
    assert [p.name for p in tmp_path.iterdir()] == ["out.bib"]  # no temporary file left behind


def test_unknown_policy_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        ["--root", str(REPO), "export", "--format", "csv", "--policy", "nope"], capsys
    )
    assert code == 2 and "unknown policy 'nope'" in err


def test_policy_changes_the_verdict_columns(
    capsys: pytest.CaptureFixture[str], kb: KnowledgeBase
) -> None:
    assert kb.policy is not None
    other = next(p.id for p in kb.policy.policies if p.id != kb.policy.default)
    code, out, err = run(
        ["--root", str(REPO), "export", "--format", "jsonl", "--policy", other], capsys
    )
    assert code == 0, err
    assert {json.loads(line)["policy"] for line in out.splitlines()} == {other}


def test_export_of_a_root_copy_matches(root_copy: Path, exported: dict[str, Path]) -> None:
    """The database depends on the data, not on where the data root is."""
    loaded = load(root_copy)
    assert loaded.ok
    from misgen.export_sqlite import database_bytes

    assert database_bytes(loaded, classify_all(loaded)) == exported["sqlite"].read_bytes()


@pytest.mark.parametrize("command", ["export", "import"])
def test_commands_have_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    from misgen.cli import main

    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert "usage: misgen " + command in capsys.readouterr().out
