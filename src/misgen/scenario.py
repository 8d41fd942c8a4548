"""Reading a scenario for ``misgen classify``: the case format, everything optional."""

from __future__ import annotations

import sys

from misgen import models, yamlio
from misgen.kb import KnowledgeBase
from misgen.loading import load_model, locate, problems_from
from misgen.problems import InputError, Problem


def read_scenario(source: str, kb: KnowledgeBase) -> models.Scenario:
    """Parse ``source`` (a path or ``-``) into a checked :class:`Scenario`; raise InputError."""
    from pathlib import Path

    from pydantic import ValidationError

    if source == "-":
        stdin = getattr(sys.stdin, "buffer", None)  # None when standard input is closed
        try:
            raw = yamlio.read_capped(stdin) if stdin is not None else None
        except (OSError, ValueError):  # a closed or unreadable descriptor
            raw = None
        if raw is None:
            raise InputError(
                [
                    Problem(
                        "<stdin>",
                        None,
                        None,
                        "",
                        "standard input is closed or cannot be read",
                        "pipe a scenario in, or name a FILE",
                    )
                ]
            )
        parsed = yamlio.parse(yamlio.decode(raw, "<stdin>"), "<stdin>")
        doc: yamlio.Document | None = parsed
        display = "<stdin>"
        if not isinstance(parsed.data, dict):
            raise InputError(
                [
                    Problem(
                        display,
                        1,
                        1,
                        "",
                        "a scenario must be a YAML mapping",
                        "see 'misgen new --help'",
                    )
                ]
            )
        try:
            scenario = models.Scenario.model_validate(parsed.data)
        except ValidationError as exc:
            raise InputError(flat_answers_hint(problems_from(exc, parsed, display), kb)) from None
    else:
        path = Path(source)
        if not path.exists():  # a folder, device or pipe is refused by the loader, without blocking
            raise InputError([Problem(source, None, None, "", "no such file", "")])
        scenario_or_none, doc_or_none, problems = load_model(path, models.Scenario, source)
        if problems or scenario_or_none is None:
            raise InputError(flat_answers_hint(problems, kb))
        scenario, doc, display = scenario_or_none, doc_or_none, source
    scenario = translate_retired(scenario, kb, display)
    problems = check_answers(scenario.answers(), kb, doc, display)
    if problems:
        raise InputError(problems)
    return scenario


def flat_answers_hint(problems: list[Problem], kb: KnowledgeBase) -> list[Problem]:
    """An unknown top-level field that is a signal id means the answers were written as a
    flat mapping: say where they go instead of "check the spelling"."""
    signals = set(kb.signals) | set(kb.deprecated)
    out: list[Problem] = []
    for p in problems:
        if p.field in signals and p.message.startswith("unknown field"):
            p = Problem(
                p.path,
                p.line,
                p.column,
                p.field,
                f"'{p.field}' is a signal: a scenario lists its answers under 'signals:'",
                ""
                if any(o.field in signals for o in out)
                else "put 'signals:' on a line of its own above the answers and indent each "
                "answer by two spaces; 'misgen new ID -o FILE' writes a template with every signal",
            )
        out.append(p)
    return out


def translate_retired(scenario: models.Scenario, kb: KnowledgeBase, display: str) -> models.Scenario:
    """Read answers to retired signals as their replacements, with a warning on stderr.

    The file is not changed (``misgen migrate`` does that); an answer with no mechanical
    translation becomes "unknown", which the warning says.
    """
    retired = [sid for sid in scenario.signals if sid in kb.deprecated]
    if not retired:
        return scenario
    from misgen.migrate import translate
    from misgen.output import clean

    migration = translate(dict(scenario.signals), kb, complete=False)
    for line in migration.changes:
        print(f"misgen: warning: {clean(display)}: {clean(line)}", file=sys.stderr)
    print(
        f"misgen: warning: {clean(display)} uses retired signal ids; run 'misgen migrate {clean(display)}' to update it",
        file=sys.stderr,
    )
    signals = {
        sid: models.Answer(answer=e.answer, **{k: v for k, v in e.rest.items() if k in ("strength", "evidence", "source")})
        for sid, e in migration.signals.items()
        if sid in kb.signals
    }
    return scenario.model_copy(update={"signals": signals})


def check_answers(
    answers: dict[str, models.Answer], kb: KnowledgeBase, doc: yamlio.Document | None, display: str
) -> list[Problem]:
    """Every answer names a known signal and one of its allowed answers (located problems)."""
    problems: list[Problem] = []
    for sid, answer in answers.items():
        signal = kb.signals.get(sid)
        if signal is None:
            problems.append(
                locate(
                    doc,
                    display,
                    ("signals", sid),
                    f"unknown signal '{sid}'",
                    _known_hint(sid, kb, guess=len(problems) < 1000),
                )
            )
        elif answer.answer not in signal.answers:
            problems.append(
                locate(
                    doc,
                    display,
                    ("signals", sid),
                    f"'{answer.answer}' is not an answer of '{sid}'",
                    f"allowed: {', '.join(signal.answers)}",
                )
            )
    return problems


def _known_hint(sid: str, kb: KnowledgeBase, guess: bool = True) -> str:
    """A close match, not the list of every signal: repeated for each unknown signal of a
    hostile file, the list turned a 1 MB scenario into 33 MB of messages. Guessing costs a
    fuzzy match each, so only the first problems (the ones printed) get a guess."""
    import difflib

    close = difflib.get_close_matches(sid, list(kb.signals), n=1) if guess else []
    suggestion = f"did you mean '{close[0]}'? " if close else ""
    return suggestion + "('misgen taxonomy' lists the signals)"
