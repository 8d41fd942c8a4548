"""``misgen new``: write a valid case file skeleton from answers. Never overwrites."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from misgen import ids, models, yamledit, yamlio
from misgen.kb import KnowledgeBase
from misgen.loading import problems_from
from misgen.output import atomic_create, clean, print_problems
from misgen.problems import InputError, Problem, UsageError


def _q(text: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly ``text`` (see yamledit.quote)."""
    return yamledit.quote(text)


#: what ``validate --strict`` refuses and ``validate`` accepts: a placeholder left in a value
#: or a trailing comment (see misgen.strict)
TODO = "TODO"


def check_skeleton(text: str, display: str, kb: KnowledgeBase) -> None:
    """Raise InputError unless ``text`` reads back, with misgen's own reader, as a case file
    that validates against the schema. Whatever ``misgen new`` writes has passed this first
    (a character YAML cannot carry raw, a title over the schema's limit: refused, not written)."""
    from pydantic import ValidationError

    doc = yamlio.parse(text, display)  # InputError: a character YAML cannot carry
    try:
        models.Case.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(problems_from(exc, doc, display)) from None


_comment = yamledit.comment_lines


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
    *,
    path: str | None = None,
    kind: str | None = None,
    domain: str | None = None,
    source: dict[str, Any] | None = None,
    schema: str | None = "../schema/case.schema.json",
) -> str:
    """The text of a new case file: every signal present, unanswered ones as unknown with guidance.

    It validates as written; ``validate --strict`` refuses it until every TODO is gone.
    ``suggested`` (the classifier's primary label for the answers) pre-fills the curated
    labels, with a TODO asking the curator to review it; without it the label is the
    not-a-goal-failure label, marked as a placeholder. A known answer without evidence gets
    the weakest strength (speculative) and a TODO, never an unearned "inferred".
    """
    from typing import get_args

    # the placeholder record's id is the case's own, so several skeletons never define one twice
    placeholder = f"todo-{case_id}"[: ids.MAX_ID_LENGTH].rstrip("-")
    # cleaned: a control character in the path would make the comment unreadable YAML
    shown = clean(path) if path else f"cases/{case_id}.yaml"
    kinds, domains = " | ".join(get_args(models.Kind)), " | ".join(get_args(models.Domain))
    lines = [
        *([f"# yaml-language-server: $schema={schema}"] if schema else []),
        f"# New case '{case_id}'. Replace every TODO, cite sources you have checked, then run:",
        f"#   misgen migrate {shown}   # moves new source records to taxonomy/sources.yaml",
        f"#   misgen validate --strict {shown} && misgen classify {shown}",
        "# A work already in taxonomy/sources.yaml is cited by id: '- source: ID' (locator optional).",
        f"id: {case_id}",
        f"title: {_q(title or 'TODO: one-line title')}",
        f"kind: {kind}" if kind else f"kind: empirical  # {TODO}: choose one of {kinds}",
        f"domain: {domain}" if domain else f"domain: language-model  # {TODO}: choose one of {domains}",
        f"summary: {_q(summary or 'TODO: what happened, in your own words (3-6 sentences).')}",
        "setup:",
    ]
    source_id = _source_id(source) if source else None
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
        if answer.strength:
            lines.append(f"    strength: {answer.strength}  # measured | inferred | speculative")
        else:
            lines.append(
                f"    strength: speculative  # {TODO}: no evidence given yet; measured | inferred | speculative"
            )
        lines.append(
            f"    evidence: {_q(answer.evidence or 'TODO: the evidence for this answer, paraphrased')}"
        )
        lines.append(f"    source: {answer.source or source_id or placeholder}")
    lines += [
        "curated:",
        (
            f"  labels: [{suggested}]  # the classifier's verdict from your answers. {TODO}: review it; primary first"
            if suggested
            else f"  labels: [{_placeholder_label(kb)}]  # {TODO}: a placeholder, not a judgement: choose, primary first, from {', '.join(kb.labels)}"
        ),
        f"  reasoning: {_q('TODO: why these labels, in the taxonomy terms')}",
        "disputes: []",
        "links: []",
        "sources:",
        *(_source_lines(source_id, source) if source and source_id else []),
    ]
    if not (source and source_id):
        lines += [
            f"  - id: {placeholder}",
            "    authors: [TODO]",
            "    year: 2000",
            f"    title: {_q('TODO: exact title')}",
            f"    venue: {_q('TODO: journal, conference, blog')}",
            "    url: https://example.org/TODO",
            "    verified: false",
            f"    note: {_q('TODO: check title, authors, year and identifier, then set verified: true')}",
        ]
    return "\n".join(lines) + "\n"


def _placeholder_label(kb: KnowledgeBase) -> str:
    """A real label (so the file validates), never the classifier's: the policy's
    not-a-goal-failure label, marked TODO in the skeleton."""
    return kb.policy.not_a_goal_failure if kb.policy else "none"


def _source_id(source: dict[str, Any]) -> str | None:
    """``surname-year`` from the first author, or None if that makes no valid id."""
    first = str((source.get("authors") or [""])[0]).replace(".", " ").split()
    surname = ids.fold(first[-1]) if first else ""
    slug = "-".join("".join(ch if ch.isascii() and ch.isalnum() else " " for ch in surname).split())
    candidate = f"{slug}-{source.get('year')}" if slug else ""
    return candidate if ids.is_slug(candidate) else None


def _source_lines(source_id: str, source: dict[str, Any]) -> list[str]:
    """A source typed in by ``misgen new -i``: unverified until the curator checks it."""
    import re

    where = str(source.get("where") or "").strip()
    if re.fullmatch(r"(arxiv:)?[0-9]{4}\.[0-9]{4,5}(v[0-9]+)?", where, re.IGNORECASE):
        locator = f"    arxiv: {_q(re.sub(r'(?i)^arxiv:|v[0-9]+$', '', where))}"
    elif re.fullmatch(r"10\.[0-9]{4,9}/\S+", where) and len(where) <= 200:
        locator = f"    doi: {_q(where)}"
    elif re.fullmatch(r"""https?://[^\s<>"']+""", where) and len(where) <= 500:
        locator = f"    url: {_q(where)}"
    else:
        locator = "    url: https://example.org/TODO  # TODO: an arXiv id, DOI or URL"
    authors = ", ".join(_q(a) for a in source.get("authors") or ["TODO"])
    return [
        f"  - id: {source_id}",
        f"    authors: [{authors}]",
        f"    year: {int(source.get('year') or 2000)}",
        f"    title: {_q(source.get('title') or 'TODO: exact title')}",
        f"    venue: {_q(source.get('venue') or 'TODO: journal, conference, blog')}",
        locator,
        "    verified: false",
        f"    note: {_q('Typed in with misgen new -i: check title, authors, year and identifier against the source, then set verified: true and remove this note.')}",
    ]


def command(
    kb: KnowledgeBase,
    *,
    case_id: str,
    answers_file: str | None,
    output: str | None,
    interactive: bool,
    blind: bool,
) -> int:
    if not ids.is_slug(case_id):
        raise UsageError(
            f"'{case_id}' is not a valid case id: use lowercase ASCII letters, digits and single hyphens (max {ids.MAX_ID_LENGTH})"
        )
    if ids.fold(case_id) in {ids.fold(c) for c in kb.cases}:
        raise UsageError(f"a case '{case_id}' already exists")
    answers: dict[str, models.Answer] = {}
    meta: dict[str, Any] = {}
    if answers_file:
        answers = read_answers(answers_file, kb)
        meta = scenario_meta(answers_file)
    if not output:
        from misgen.root import refuse_bundled

        refuse_bundled(kb.root, "a new case", "Pass -o FILE")
    target = Path(output) if output else kb.root / "cases" / f"{case_id}.yaml"
    if target.suffix not in (".yaml", ".yml"):
        raise UsageError(f"{target}: the output file must end in .yaml")
    if target.exists() or target.is_symlink():  # before the questions, not after them
        raise UsageError(
            f"{target} already exists; misgen new never overwrites (choose another id or -o PATH)"
        )

    if interactive:
        from misgen.interactive import ask_all

        answers, asked = ask_all(kb, answers, blind)
        meta.update({k: v for k, v in asked.items() if v})
    from misgen.engine import Classifier

    suggested = None if blind else Classifier.from_kb(kb).decide(answers).primary
    text = skeleton(
        case_id,
        kb,
        answers,
        meta.get("title"),
        meta.get("summary"),
        suggested,
        path=str(target),
        kind=meta.get("kind"),
        domain=meta.get("domain"),
        source=meta.get("source"),
        schema=_schema_path(kb.root, target),
    )
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
    print(f"wrote {shown}")
    print(f"it validates as it is; replace every TODO, then run: misgen validate --strict {shown}")
    if target.stem != case_id:
        print(f"note: validate expects a case file to be named after its id: rename it to {case_id}.yaml")
    return 0


def _schema_path(root: Path, target: Path) -> str | None:
    """The case schema relative to where the file goes (for editors), if there is one."""
    import os

    schema = root / "schema" / "case.schema.json"
    if not schema.is_file():
        return None
    try:
        return Path(os.path.relpath(schema.resolve(), target.parent.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return schema.resolve().as_uri()


def scenario_meta(path: str) -> dict[str, Any]:
    """Title, summary, kind and domain of an answers file written as a scenario (with
    ``signals:``), so a scenario saved by ``classify -i -o`` carries them into the case."""
    from typing import get_args

    data = yamlio.load_file(path).data
    if not isinstance(data, dict) or not isinstance(data.get("signals"), dict):
        return {}
    meta: dict[str, Any] = {}
    for key in ("title", "summary"):
        if isinstance(data.get(key), str) and data[key].strip():
            meta[key] = data[key]
    if data.get("kind") in get_args(models.Kind):
        meta["kind"] = data["kind"]
    if data.get("domain") in get_args(models.Domain):
        meta["domain"] = data["domain"]
    return meta
