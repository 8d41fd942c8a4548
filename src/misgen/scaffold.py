"""``misgen new``: write a valid case file skeleton from answers. Never overwrites."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import Any

from misgen import ids, models, yamlio
from misgen.kb import KnowledgeBase
from misgen.loading import problems_from
from misgen.output import atomic_create, clean, print_problems
from misgen.problems import InputError, Problem, UsageError


def _q(text: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly ``text`` (see yamlio.quote)."""
    return yamlio.quote(text)


#: the curated label a skeleton without a suggestion carries: the curator must choose
PLACEHOLDER_LABEL = "TODO-label"


def check_skeleton(text: str, display: str, kb: KnowledgeBase) -> None:
    """Raise InputError unless ``text`` reads back, with misgen's own reader, as a case file
    that validates against the schema (the placeholder label aside, which is there to be
    replaced). Whatever ``misgen new`` writes has passed this first."""
    from pydantic import ValidationError

    doc = yamlio.parse(text, display)  # InputError: a character YAML cannot carry
    data = doc.data
    curated = data.get("curated") if isinstance(data, dict) else None
    if isinstance(curated, dict) and curated.get("labels") == [PLACEHOLDER_LABEL]:
        curated["labels"] = [kb.policy.not_a_goal_failure if kb.policy else "none"]
    try:
        models.Case.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from(exc, doc, display)) from None


def _comment(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return [f"{pad}# {line}" for line in textwrap.wrap(" ".join(text.split()), 86 - indent)]


def read_answers(path: str, kb: KnowledgeBase) -> dict[str, models.Answer]:
    """Answers from a YAML or JSON file: ``{signal: answer}`` or ``{signal: {answer, ...}}``."""
    from pydantic import ValidationError

    doc = yamlio.load_file(path)  # JSON is YAML; the same hardened loader applies
    data = doc.data.get("signals", doc.data) if isinstance(doc.data, dict) else None
    if not isinstance(data, dict):
        raise InputError(
            [
                Problem(
                    path,
                    1,
                    1,
                    "",
                    "answers must be a mapping of signal id to answer",
                    'e.g. goal-directed: "yes"',
                )
            ]
        )
    # positions as if the file were {signals: ...}, so problems point at the right line
    wrapped = (
        doc
        if data is not doc.data
        else yamlio.Document(
            {"signals": data},
            {("signals", *k): v for k, v in doc.marks.items()},
            {("signals", *k): v for k, v in doc.texts.items()},
            {("signals", *k): v for k, v in doc.keys.items()},
        )
    )
    try:
        scenario = models.Scenario.model_validate({"signals": data})
    except ValidationError as exc:
        raise InputError(problems_from(exc, wrapped, path)) from None
    answers = scenario.answers()
    from misgen.scenario import check_answers

    problems = check_answers(answers, kb, wrapped, path)
    if problems:
        raise InputError(problems)
    return answers


def skeleton(
    case_id: str,
    kb: KnowledgeBase,
    answers: dict[str, models.Answer],
    title: str | None = None,
    summary: str | None = None,
    suggested: str | None = None,
) -> str:
    """The text of a new case file: every signal present, unanswered ones as unknown with guidance.

    ``suggested`` (the classifier's primary label for the answers) pre-fills the curated
    labels so the file validates; the comment asks the curator to review it.
    """
    lines = [
        "# yaml-language-server: $schema=../schema/case.schema.json",
        f"# New case '{case_id}'. Replace every TODO, cite sources you have checked, then run:",
        f"#   misgen validate cases/{case_id}.yaml && misgen classify cases/{case_id}.yaml",
        f"id: {case_id}",
        f"title: {_q(title or 'TODO: one-line title')}",
        "kind: empirical  # empirical | incident | model-organism | biological-analogy | thought-experiment",
        "domain: language-model  # see schema/case.schema.json for the allowed domains",
        f"summary: {_q(summary or 'TODO: what happened, in your own words (3-6 sentences).')}",
        "setup:",
    ]
    for field in (
        "training",
        "intended_goal",
        "training_signal",
        "training_behaviour",
        "what_changed",
        "failure_behaviour",
    ):
        lines.append(f"  {field}: {_q('TODO')}")
    lines.append("signals:")
    for sid, signal in kb.signals.items():
        answer = answers.get(sid)
        lines += _comment(signal.question, 2)
        lines.append(f"  {sid}:")
        if answer is None or answer.answer == models.UNKNOWN:
            lines += _comment("guidance: " + signal.guidance, 4)
            lines.append(f"    answer: {_q('unknown')}")
            if answer is not None and answer.evidence:
                lines.append(f"    evidence: {_q(answer.evidence)}")
            continue
        lines.append(f"    answer: {_q(answer.answer)}")
        if answer.answer == "not-applicable":
            continue
        lines.append(
            f"    strength: {answer.strength or 'inferred'}  # measured | inferred | speculative"
        )
        lines.append(
            f"    evidence: {_q(answer.evidence or 'TODO: the evidence for this answer, paraphrased')}"
        )
        lines.append(f"    source: {answer.source or 'todo-source'}")
    lines += [
        "curated:",
        (
            f"  labels: [{suggested}]  # the classifier's verdict from your answers: review it; primary first"
            if suggested
            else f"  labels: [{PLACEHOLDER_LABEL}]  # primary first: misspecification, shard-imbalance, deceptive-alignment, reflective-drift, none"
        ),
        f"  reasoning: {_q('TODO: why these labels, in the taxonomy terms')}",
        "disputes: []",
        "links: []",
        "sources:",
        "  - id: todo-source",
        "    authors: [TODO]",
        "    year: 2000",
        f"    title: {_q('TODO: exact title')}",
        f"    venue: {_q('TODO: journal, conference, blog')}",
        "    url: https://example.org/TODO",
        "    verified: false",
        f"    note: {_q('TODO: check title, authors, year and identifier, then set verified: true')}",
    ]
    return "\n".join(lines) + "\n"


def command(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    case_id = args.id
    if not ids.is_slug(case_id):
        raise UsageError(
            f"'{case_id}' is not a valid case id: use lowercase ASCII letters, digits and single hyphens (max {ids.MAX_ID_LENGTH})"
        )
    if ids.fold(case_id) in {ids.fold(c) for c in kb.cases}:
        raise UsageError(f"a case '{case_id}' already exists")
    answers: dict[str, models.Answer] = {}
    meta: dict[str, Any] = {}
    if args.answers:
        answers = read_answers(args.answers, kb)
    if args.interactive:
        from misgen.interactive import ask_all

        answers, meta = ask_all(kb, answers)
    if not args.output:
        from misgen.root import refuse_bundled

        refuse_bundled(kb.root, "a new case", "Pass -o FILE")
    target = Path(args.output) if args.output else kb.root / "cases" / f"{case_id}.yaml"
    if target.suffix not in (".yaml", ".yml"):
        raise UsageError(f"{target}: the output file must end in .yaml")
    from misgen.engine import Classifier

    suggested = Classifier.from_kb(kb).decide(answers).primary
    text = skeleton(case_id, kb, answers, meta.get("title"), meta.get("summary"), suggested)
    try:
        check_skeleton(text, str(target), kb)
    except InputError as exc:
        print_problems(exc.problems)
        raise UsageError(
            f"the case file for '{case_id}' would not read back as a valid case (above); "
            "nothing was written"
        ) from None
    atomic_create(target, text)
    shown = clean(target)
    print(f"wrote {shown}; fill in the TODOs, then run: misgen validate {shown}")
    return 0
