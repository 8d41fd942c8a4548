"""The argument parser of the command line (misgen.cli runs it): every command, its options
and their help. Nothing here imports more than argparse and textwrap."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from misgen.exits import EXIT_USAGE

COMMANDS = {
    "validate": "check data files against the schema and each other",
    "schema": "write (or --check) the JSON Schema files generated from the models",
    "taxonomy": "show the labels, subtypes, signals, relations and frameworks",
    "explain": "explain a label, subtype, signal, relation, framework term, rule or case",
    "classify": "classify a scenario file, or the whole case base with --all",
    "eval": "agreement report: classifier verdicts vs curated labels",
    "graph": "render the relation graph (svg, mermaid, dot, json, text)",
    "docs": "generate (or --check) the Markdown documentation site",
    "new": "write a new case file skeleton from answers",
    "migrate": "rewrite case or scenario files that use retired signal ids",
    "agree": "inter-coder reliability: compare two codings of the same cases",
    "export": "export the case base as CSV, JSON Lines, SQLite, BibTeX, CSL-JSON or MISP",
    "import": "scaffold case skeletons from the rows of a spreadsheet (CSV)",
    "release": "build the versioned release bundle (JSON) and its SHA-256",
    "info": "show the data root in use and where it came from, versions and counts",
    "suggest": "suggest signal answers from a text, quoting the sentences behind them",
}


def _parser_class() -> type[argparse.ArgumentParser]:
    import argparse

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:  # exit 2 with a short message, as argparse does
            self.print_usage(sys.stderr)
            self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")

    return _Parser


def _id_formatter() -> type[argparse.HelpFormatter]:
    """argparse's formatter, but never breaking a line inside a hyphenated id."""
    import argparse
    import textwrap

    class _Formatter(argparse.HelpFormatter):
        def _split_lines(self, text: str, width: int) -> list[str]:
            return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

        def _fill_text(self, text: str, width: int, indent: str) -> str:
            return textwrap.fill(
                " ".join(text.split()),
                width,
                initial_indent=indent,
                subsequent_indent=indent,
                break_on_hyphens=False,
            )

    return _Formatter


def _fmt(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )


def build_parser() -> argparse.ArgumentParser:
    _Parser = _parser_class()
    parser = _Parser(
        prog="misgen",
        description="A formal taxonomy and explainable rule-based classifier of AI goal failures.",
        epilog="Exit codes: 0 ok, 1 problems found, 2 usage or input error, 3 internal error. "
        "Set NO_COLOR to disable colour.",
    )
    parser.add_argument(
        "--root",
        metavar="DIR",
        help="data root holding taxonomy/, classifier/, cases/ (default: $MISGEN_ROOT, the checkout, or the bundled data)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    from misgen import __version__

    parser.add_argument("--version", action="version", version=f"misgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "validate",
        help=COMMANDS["validate"],
        description="Check data files. With no PATH, the whole data root.",
    )
    p.add_argument(
        "paths", nargs="*", metavar="PATH", help="case files or folders (default: everything)"
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="also refuse case files that still hold a TODO placeholder (what 'misgen new' "
        "leaves to fill in); CI and pre-commit use it",
    )
    _fmt(p)

    p = sub.add_parser(
        "schema", help=COMMANDS["schema"], description="Write schema/*.schema.json from the models."
    )
    p.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the files are stale"
    )

    p = sub.add_parser("taxonomy", help=COMMANDS["taxonomy"], description="Show the taxonomy.")
    _fmt(p)

    p = sub.add_parser(
        "explain",
        help=COMMANDS["explain"],
        formatter_class=_id_formatter(),
        description="Explain one id. Ids of every kind share one namespace: labels (misspecification), "
        "subtypes (misspecification.spec-level), signals (goal-directed), rules "
        "(misspecification/clean-proxy), cases (coinrun-go-right), relations "
        "(spec-level-vs-concept-level), frameworks (shah-goal-misgeneralization), framework terms "
        "(FRAMEWORK:TERM, or TERM alone), sources and debate positions. 'misgen taxonomy' lists "
        "labels, subtypes, signals, relations and frameworks; 'misgen classify --all' lists the "
        "cases; taxonomy/*.yaml and classifier/rules.yaml hold the rest.",
    )
    p.add_argument(
        "id",
        metavar="ID",
        help="a label, subtype, signal, rule, case, relation, framework, term, source or "
        "debate-position id (a misspelt id gets a did-you-mean)",
    )
    p.add_argument(
        "--trace",
        action="store_true",
        help="for a case: the full condition tree of every fired rule (default: a compact verdict)",
    )
    _fmt(p)

    p = sub.add_parser(
        "classify",
        help=COMMANDS["classify"],
        description="Classify a scenario (YAML in the case format; partial answers allowed) or the whole case base.",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="scenario file, or - for standard input")
    p.add_argument("--all", action="store_true", help="classify every case in the case base")
    _policy(p)
    p.add_argument(
        "--interactive",
        "-i",
        action="store_true",
        help="answer the diagnostic questions in the terminal",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="with --interactive: save the answers as a scenario FILE (read by 'classify FILE' "
        "and 'new ID --answers FILE'); never overwrites",
    )
    p.add_argument(
        "--trace",
        action="store_true",
        help="show every fired rule's full condition tree and the frameworks' perspectives "
        "(default: a compact verdict)",
    )
    p.add_argument(
        "--accept-suggestions",
        action="store_true",
        help="count the scenario's unconfirmed 'suggested: true' answers (from 'misgen suggest'); "
        "the verdict says it used them (default: they count as unknown)",
    )
    p.add_argument(
        "--from-text",
        metavar="TEXT",
        help="with --interactive: start from the answers 'misgen suggest' finds in TEXT (plain "
        "text or Markdown), showing each quote to confirm, change or clear",
    )
    _fmt(p)

    p = sub.add_parser(
        "eval",
        help=COMMANDS["eval"],
        description="Compare the classifier with the curated labels. Exit 1 on an undeclared or stale disagreement.",
    )
    _policy(p)
    p.add_argument(
        "--compare-policies",
        action="store_true",
        help="show which cases flip between the named policies and how the figures move",
    )
    _fmt(p)

    p = sub.add_parser(
        "graph",
        help=COMMANDS["graph"],
        description="Render the relation graph built from the data.",
    )
    p.add_argument("--format", choices=("svg", "mermaid", "dot", "json", "text"), default="text")
    p.add_argument(
        "--focus",
        metavar="ID",
        help="draw only the neighbourhood of this case, label or other node",
    )
    p.add_argument(
        "--depth",
        type=int,
        default=1,
        metavar="N",
        help="neighbourhood depth with --focus (default 1)",
    )
    p.add_argument(
        "--path-to",
        metavar="ID",
        help="with --focus: the shortest chain of relations from the focus to this node "
        "(how a case reaches a label, a rule or another case), instead of a neighbourhood",
    )
    p.add_argument(
        "--kind", action="append", metavar="KIND", help="keep only nodes of this kind (repeatable)"
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of standard output"
    )
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    p = sub.add_parser(
        "docs", help=COMMANDS["docs"], description="Generate the documentation site from the data."
    )
    p.add_argument("--out", default=None, metavar="DIR", help="output folder (default: ROOT/docs)")
    p.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the docs are stale"
    )

    p = sub.add_parser(
        "new", help=COMMANDS["new"], description="Write a new case file skeleton. Never overwrites."
    )
    p.add_argument("id", metavar="ID", help="the new case id (lowercase letters, digits, hyphens)")
    p.add_argument(
        "--answers",
        metavar="FILE",
        help="a scenario file (answers under 'signals:', as 'classify -i -o' saves; its title, "
        "summary, kind and domain are used too), or a bare mapping of signal id to answer",
    )
    p.add_argument(
        "--interactive",
        "-i",
        action="store_true",
        help="ask the questions, then the title, summary, kind, domain and a source, in the terminal",
    )
    p.add_argument(
        "--blind",
        action="store_true",
        help="never show the classifier's verdict nor pre-fill it as the curated label "
        "(for curators labelling independently)",
    )
    p.add_argument(
        "-o", "--output", metavar="PATH", help="where to write (default: ROOT/cases/ID.yaml)"
    )

    p = sub.add_parser(
        "migrate",
        help=COMMANDS["migrate"],
        description="Translate answers to retired signals (taxonomy/deprecated.yaml) into the current ones. "
        "Only the signals block is rewritten; an answer with no mechanical translation becomes "
        "'unknown' with the old answer and evidence kept under a TODO.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="case or scenario files")
    p.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")

    p = sub.add_parser(
        "agree",
        help=COMMANDS["agree"],
        description="Compare two codings of the same cases (two folders of case or scenario files, "
        "matched by id): per-signal agreement and Cohen's kappa, and how far the verdicts differ.",
    )
    p.add_argument("first", metavar="A", help="folder (or file) of the first coding")
    p.add_argument("second", metavar="B", help="folder (or file) of the second coding")
    _policy(p)
    _fmt(p)

    p = sub.add_parser(
        "export",
        help=COMMANDS["export"],
        description="Export the case base (with the classifier's verdicts) or its bibliography or "
        "taxonomy in a format other tools read. Output is deterministic: the same data gives the "
        "same bytes. Text formats go to standard output unless -o is given; sqlite needs -o.",
    )
    p.add_argument(
        "--format",
        required=True,
        choices=("csv", "jsonl", "sqlite", "bibtex", "csl-json", "misp"),
        help="csv/jsonl: one row per case; sqlite: a normalised database; bibtex/csl-json: "
        "the bibliography (keys = source ids); misp: the taxonomy as a MISP machinetag.json",
    )
    p.add_argument(
        "-o", "--output", metavar="PATH", help="write to PATH (never replaced without --force)"
    )
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    _policy(p)

    p = sub.add_parser(
        "import",
        help=COMMANDS["import"],
        description="Write one case skeleton per row of a CSV file (a spreadsheet exported as CSV): "
        "title, summary and source URL from the columns you map, every signal 'unknown', ids "
        "derived from the titles and made unique. Never overwrites a file.",
    )
    p.add_argument("source_format", choices=("csv",), metavar="csv", help="the input format (csv)")
    p.add_argument(
        "file",
        metavar="FILE",
        help="the CSV file (UTF-8, header row first), or - for standard input",
    )
    p.add_argument(
        "--map",
        required=True,
        action="append",
        metavar="COLUMN=FIELD,...",
        help="which column fills which field: title (required), summary, url, label, domain, "
        "training, intended_goal, training_signal, training_behaviour, what_changed, "
        "failure_behaviour; e.g. --map 'Title=title,Description=summary,Original source=url'",
    )
    p.add_argument(
        "--label",
        metavar="LABEL",
        help="the placeholder curated label of every skeleton (default: the policy's "
        "not-a-goal-failure label); a 'label' column overrides it per row",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="print what would be written; write nothing"
    )
    p.add_argument(
        "-o", "--output", metavar="DIR", help="folder to write into (default: ROOT/cases)"
    )

    p = sub.add_parser(
        "release",
        help=COMMANDS["release"],
        description="Build one deterministic JSON bundle with the taxonomy, rules, policy, cases and "
        "the verdicts under every policy, and FILE.sha256 beside it. With --previous, record the "
        "verdicts that changed since that bundle and refuse a version step too small for the changes.",
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the bundle file to write")
    p.add_argument(
        "--force", action="store_true", help="overwrite FILE (and FILE.sha256) if they exist"
    )
    p.add_argument(
        "--previous",
        metavar="FILE",
        help="the bundle of the previous release, to list what changed",
    )
    p.add_argument(
        "--release-version",
        metavar="VERSION",
        help="the version written into the bundle (default: the installed misgen's version)",
    )
    _fmt(p)

    p = sub.add_parser(
        "info",
        help=COMMANDS["info"],
        description="Show which data root misgen uses and why (--root, $MISGEN_ROOT, a checkout "
        "found from the current folder, the checkout misgen is installed from, or the copy "
        "bundled in the package), the versions, and what the data holds.",
    )
    _fmt(p)

    p = sub.add_parser(
        "suggest",
        help=COMMANDS["suggest"],
        description="Read a plain text or Markdown file (an abstract, a results section, an "
        "incident report) and suggest an answer for each signal the cues of classifier/cues.yaml "
        "find evidence for, quoting the sentences and giving their character offsets. Suggestions "
        "are at most 'inferred' and marked 'suggested: true': classify reads them as unknown until "
        "a person confirms them (classify -i --from-text FILE) or --accept-suggestions is given. "
        "Signals without evidence stay unknown.",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="the text, or - for standard input")
    p.add_argument(
        "--format",
        choices=("yaml", "json", "text"),
        default=None,
        help="yaml: a scenario file classify reads (default); json: every suggestion with its "
        "quotes and offsets; with --eval, text (default) or json",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (never overwritten)")
    p.add_argument(
        "--eval",
        action="store_true",
        help="suggest from every case's summary and setup and report precision, coverage and "
        "verdict agreement against the curated answers, split into the cases the cues were "
        "tuned on and the rest",
    )
    return parser


def _policy(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--policy",
        metavar="NAME",
        default=None,
        help="the named precedence policy of classifier/policy.yaml (default: its default)",
    )
