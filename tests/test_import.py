"""misgen import csv: skeletons from spreadsheet rows that validate as written, never overwriting."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from misgen import ids, importer, models
from misgen.kb import load
from misgen.problems import UsageError
from tests.conftest import REPO, run

#: the columns of the specification-gaming list's CSV export (Krakovna et al.), as recorded
#: in a public raw-data note of that sheet; the rows below are made up for the tests
SPEC_GAMING_COLUMNS = [
    "Title",
    "Description",
    "Illustration",
    "Type",
    "Intended goal",
    "Misspecified goal",
    "Behavior",
    "Authors",
    "Original source",
    "Source / Credit",
]
SPEC_GAMING_MAP = (
    "Title=title,Description=summary,Original source=url,Type=domain,"
    "Intended goal=intended_goal,Behavior=failure_behaviour"
)
ROWS = [
    {
        "Title": "Lagoon racer",
        "Description": "A boat-racing agent circles a lagoon hitting respawning targets\ninstead of finishing.",
        "Type": "Reinforcement learning",
        "Intended goal": "Finish the race",
        "Behavior": "Circles forever",
        "Original source": "https://example.com/lagoon-racer",
    },
    {"Title": "Lagoon racer", "Description": "Same title again.", "Type": "Large language models"},
    {"Title": "", "Description": "A row without a title is skipped."},
    {
        "Title": "Adversarial examples",
        "Original source": "Someone et al 2013",
        "Type": "Bayesian optimization",
    },
    {"Title": '=HYPERLINK("http://evil")', "Description": "@SUM(1+1)"},
    {
        "Title": "Évolution naïve \u202e– “quoted” \x07 title",
        "Original source": "see https://example.org/paper.pdf, and a second https://example.org/b",
        "Type": "Evolved creatures",
    },
]


def sheet(rows: list[dict[str, str]], columns: list[str] = SPEC_GAMING_COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue()


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "spec-gaming.csv"
    path.write_bytes(
        b"\xef\xbb\xbf" + sheet(ROWS).encode("utf-8")
    )  # as spreadsheets save it, with a BOM
    return path


def test_import_into_the_root_validates_and_eval_passes(
    root_copy: Path, csv_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p.name: p.read_bytes() for p in (root_copy / "cases").iterdir()}
    code, out, err = run(
        ["--root", str(root_copy), "import", "csv", str(csv_file), "--map", SPEC_GAMING_MAP], capsys
    )
    assert code == 0, err
    written = sorted({p.name for p in (root_copy / "cases").iterdir()} - set(before))
    assert written == [
        "adversarial-examples-2.yaml",  # unique against the existing case
        "evolution-naive-quoted-title.yaml",
        "hyperlink-http-evil.yaml",
        "lagoon-racer-2.yaml",  # unique against each other
        "lagoon-racer.yaml",
    ]
    assert all((root_copy / "cases" / n).read_bytes() == b for n, b in before.items())  # untouched
    assert "line 5: no title; skipped" in err  # line 2 spans two lines
    assert "line 6: 'Bayesian optimization' is not a misgen domain" in err
    assert "5 case skeleton(s) written" in out
    # the skeletons validate as written, and misgen eval still passes
    paths = [str(root_copy / "cases" / n) for n in written]
    code, out, err = run(["--root", str(root_copy), "validate", *paths], capsys)
    assert code == 0, err + out
    assert "ok: 5 file(s) checked" in out
    code, out, err = run(["--root", str(root_copy), "eval", "--format", "json"], capsys)
    imported = {n.removesuffix(".yaml") for n in written}
    verdicts = {d["case"]: d for d in json.loads(out)["disagreements"] if d["case"] in imported}
    assert set(verdicts) == imported  # each declares that the classifier is undetermined ...
    assert all(
        d["declared"] and not d["stale"] for d in verdicts.values()
    )  # ... so eval accepts it
    assert all(f"{case}:" not in err for case in imported)
    kb = load(root_copy)
    assert kb.ok and len(kb.cases) == len(before) + 5
    case = kb.cases["lagoon-racer"]
    assert case.title == "Lagoon racer"
    assert (
        case.summary
        == "A boat-racing agent circles a lagoon hitting respawning targets instead of finishing."
    )
    assert case.domain == "reinforcement-learning"
    assert case.setup.intended_goal == "Finish the race"
    assert case.setup.failure_behaviour == "Circles forever"
    assert case.setup.training == "TODO"
    assert set(case.signals) == set(kb.signals)
    assert {a.answer for a in case.signals.values()} == {models.UNKNOWN}  # every signal unknown
    assert case.sources[0].url == "https://example.com/lagoon-racer"
    assert case.curated.labels == ["none"] and case.curated.disagreement is not None
    assert case.curated.disagreement.classifier == "undetermined"
    assert kb.cases["lagoon-racer-2"].domain == "language-model"
    assert kb.cases["evolution-naive-quoted-title"].domain == "evolutionary-computation"
    odd = kb.cases["evolution-naive-quoted-title"]
    assert odd.title == "Évolution naïve – “quoted” title"  # control and bidi characters dropped
    assert odd.sources[0].url == "https://example.org/paper.pdf"
    adv = kb.cases["adversarial-examples-2"]
    assert adv.sources[0].url == "https://example.org/TODO"
    assert "Original source: Someone et al 2013" in (adv.sources[0].note or "")
    assert kb.cases["hyperlink-http-evil"].title == '=HYPERLINK("http://evil")'
    # and they export: the formula-like title is neutralised in the CSV
    code, out, err = run(["--root", str(root_copy), "export", "--format", "csv"], capsys)
    assert code == 0, err
    exported = {r["id"]: r for r in csv.DictReader(io.StringIO(out, newline=""))}
    assert len(exported) == len(kb.cases)
    assert exported["hyperlink-http-evil"]["title"] == '\'=HYPERLINK("http://evil")'
    assert exported["lagoon-racer"]["classifier_status"] == "undetermined"
    text = (root_copy / "cases" / "lagoon-racer.yaml").read_text(encoding="utf-8")
    assert "# Imported by 'misgen import csv' from spec-gaming.csv line 2" in text
    assert "# guidance:" in text  # the scaffold's skeleton, with its guidance


def test_import_is_deterministic(
    tmp_path: Path, csv_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        code, _, err = run(
            [
                "--root",
                str(REPO),
                "import",
                "csv",
                str(csv_file),
                "--map",
                SPEC_GAMING_MAP,
                "-o",
                str(folder),
            ],
            capsys,
        )
        assert code == 0, err
    assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes()
    code, out, err = run(["--root", str(REPO), "validate", str(first)], capsys)
    assert code == 0, err + out
    assert "5 file(s) checked" in out


def test_dry_run_writes_nothing(
    tmp_path: Path, csv_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out"
    code, out, err = run(
        [
            "--root",
            str(REPO),
            "import",
            "csv",
            str(csv_file),
            "--map",
            SPEC_GAMING_MAP,
            "-o",
            str(target),
            "--dry-run",
        ],
        capsys,
    )
    assert code == 0, err
    assert not target.exists()
    assert f"would write {target / 'lagoon-racer.yaml'}  (line 2: Lagoon racer)" in out
    assert "5 case skeleton(s) would be written" in out and "nothing was written" in out


def test_never_overwrites_an_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "lagoon-racer.yaml").write_text("mine\n")
    source = tmp_path / "one.csv"
    source.write_text(sheet([ROWS[0]]), encoding="utf-8")
    code, _out, err = run(
        [
            "--root",
            str(REPO),
            "import",
            "csv",
            str(source),
            "--map",
            "Title=title",
            "-o",
            str(target),
        ],
        capsys,
    )
    assert code == 0, err
    assert (target / "lagoon-racer.yaml").read_text() == "mine\n"
    assert (target / "lagoon-racer-2.yaml").is_file()
    # importing the same file again adds another skeleton, never replaces one
    code, _, err = run(
        [
            "--root",
            str(REPO),
            "import",
            "csv",
            str(source),
            "--map",
            "Title=title",
            "-o",
            str(target),
        ],
        capsys,
    )
    assert code == 0, err
    assert sorted(p.name for p in target.iterdir()) == [
        "lagoon-racer-2.yaml",
        "lagoon-racer-3.yaml",
        "lagoon-racer.yaml",
    ]


def test_label_option_and_label_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "labelled.csv"
    source.write_text(
        "name,kind of failure\nCoin chaser,Misspecification\nPlain row,\n", encoding="utf-8"
    )
    code, _, err = run(
        [
            "--root", str(REPO), "import", "csv", str(source),
            "--map", "name=title", "--map", "kind of failure=label",
            "--label", "shard-imbalance", "-o", str(tmp_path / "out"),
        ],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "labels: [misspecification]" in (tmp_path / "out" / "coin-chaser.yaml").read_text()
    assert "labels: [shard-imbalance]" in (tmp_path / "out" / "plain-row.yaml").read_text()
    code, _, err = run(["--root", str(REPO), "validate", str(tmp_path / "out")], capsys)
    assert code == 0, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--map", "Nope=title"], "no column 'Nope'; the columns are: 'Title', 'Description'"),
        (["--map", "Title=colour"], "unknown field 'colour'"),
        (["--map", "Description=summary"], "--map must map a column to 'title'"),
        (["--map", "Title"], "write COLUMN=FIELD"),
        (["--map", "Title=title,Description=title"], "field 'title' is mapped twice"),
        (["--map", "Title=title", "--label", "nonsense"], "--label 'nonsense' is not a label"),
    ],
)
def test_usage_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(sheet(ROWS), encoding="utf-8")
    code, _out, err = run(
        ["--root", str(REPO), "import", "csv", str(source), *argv, "-o", str(tmp_path / "o")],
        capsys,
    )
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_bad_label_in_a_row_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("Title,Label\nGood,none\nBad,goal misgeneralisation\n", encoding="utf-8")
    code, _, err = run(
        [
            "--root",
            str(REPO),
            "import",
            "csv",
            str(source),
            "--map",
            "Title=title,Label=label",
            "-o",
            str(tmp_path / "o"),
        ],
        capsys,
    )
    assert (
        code == 2
        and "line 3: 'goal misgeneralisation' is not a label" in err
        and "nothing was written" in err
    )
    assert not (tmp_path / "o").exists()


def test_unreadable_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Title\nCaf\xe9\n".encode("latin-1"))
    code, _, err = run(
        ["--root", str(REPO), "import", "csv", str(latin), "--map", "Title=title"], capsys
    )
    assert code == 2 and "not UTF-8" in err
    code, _, err = run(
        [
            "--root",
            str(REPO),
            "import",
            "csv",
            str(tmp_path / "missing.csv"),
            "--map",
            "Title=title",
        ],
        capsys,
    )
    assert code == 2 and "no such file" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, _, err = run(
        ["--root", str(REPO), "import", "csv", str(empty), "--map", "Title=title"], capsys
    )
    assert code == 2 and "empty file" in err
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"Title\nA\x00B\n")
    code, _, err = run(
        [
            "--root",
            str(REPO),
            "import",
            "csv",
            str(nul),
            "--map",
            "Title=title",
            "-o",
            str(tmp_path / "o"),
        ],
        capsys,
    )
    assert (
        code in (0, 2) and "Traceback" not in err
    )  # a NUL is either refused or dropped, never a crash
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    ok = tmp_path / "ok.csv"
    ok.write_text("Title\nA\n")
    code, _, err = run(
        ["--root", str(REPO), "import", "csv", str(ok), "--map", "Title=title", "-o", str(a_file)],
        capsys,
    )
    assert code == 2 and "not a folder" in err


def test_refuses_to_write_into_the_bundled_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import misgen.root

    source = tmp_path / "in.csv"
    source.write_text("Title\nA case\n", encoding="utf-8")
    monkeypatch.setattr(misgen.root, "is_bundled", lambda path: True)
    code, _, err = run(
        ["--root", str(REPO), "import", "csv", str(source), "--map", "Title=title"], capsys
    )
    assert code == 2 and "bundled inside the installed package" in err and "Pass -o DIR" in err
    code, _, err = run(
        [
            "--root",
            str(REPO),
            "import",
            "csv",
            str(source),
            "--map",
            "Title=title",
            "-o",
            str(tmp_path / "o"),
        ],
        capsys,
    )
    assert code == 0, err
    assert (tmp_path / "o" / "a-case.yaml").is_file()


def test_tab_separated_and_loose_column_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("Title\tSource  /  Credit\nTabbed, with a comma\tx\n", encoding="utf-8")
    code, out, err = run(
        [
            "--root",
            str(REPO),
            "import",
            "csv",
            str(source),
            "--map",
            "title=title,source / credit=summary",
            "--dry-run",
        ],
        capsys,
    )
    assert code == 0, err
    assert "tabbed-with-a-comma.yaml" in out


# --------------------------------------------------------------------------- pure parts


def test_slugify_follows_the_id_rules() -> None:
    assert importer.slugify("Montezuma's Revenge - key") == "montezumas-revenge-key"
    assert importer.slugify("Évolution naïve") == "evolution-naive"
    assert importer.slugify("机器学习") == "imported-case"
    long = importer.slugify("word " * 40)
    assert ids.is_slug(long) and len(long) <= ids.MAX_ID_LENGTH and long.endswith("word")
    assert ids.is_slug(importer.slugify("x" * 100))


def test_unique_id_is_unique_and_fits() -> None:
    taken = {ids.fold("boat-race")}
    assert importer.unique_id("boat-race", taken) == "boat-race-2"
    assert importer.unique_id("boat-race", taken) == "boat-race-3"
    base = "a" * ids.MAX_ID_LENGTH
    taken = {ids.fold(base)}
    second = importer.unique_id(base, taken)
    assert second == "a" * (ids.MAX_ID_LENGTH - 2) + "-2" and ids.is_slug(second)
    assert importer.unique_id("Boat-Race".lower(), {ids.fold("BOAT-RACE")}) == "boat-race-2"


def test_parse_map() -> None:
    assert importer.parse_map(["Title=title, Original source=url", "Source = Credit=summary"]) == {
        "title": "Title",
        "url": "Original source",
        "summary": "Source = Credit",
    }
    with pytest.raises(UsageError):
        importer.parse_map(["Title=title", "Other=TITLE"])


def test_one_line_cleans_and_caps() -> None:
    assert importer.one_line("  a\n\tb\u202e c\x00 ", 100) == "a b c"
    capped = importer.one_line("x" * 400, importer.TITLE_MAX)
    assert len(capped) == importer.TITLE_MAX and capped.endswith("…")
