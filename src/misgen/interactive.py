"""The guided questionnaire: ask only the questions that can still change the verdict.

Each round classifies the answers so far and asks the unanswered question with the
largest impact (the same ranking ``misgen classify`` shows). It stops when no unanswered
question can change the verdict. Ctrl-C or end of input leaves nothing written.
"""

from __future__ import annotations

from typing import Any

from rich.prompt import Prompt
from rich.text import Text

from misgen import models
from misgen.engine import Classifier, Verdict
from misgen.kb import KnowledgeBase
from misgen.output import clean, console

UNKNOWN = models.UNKNOWN


def nearest_cases(
    kb: KnowledgeBase, answers: dict[str, models.Answer], n: int = 3
) -> list[tuple[str, int, list[str]]]:
    """Cases closest by signal answers (known answers that differ count 1, unknown vs known 0.5)."""
    scored = []
    for cid, case in kb.cases.items():
        distance, differs = 0.0, []
        for sid in kb.signals:
            mine = answers.get(sid, models.Answer(answer=UNKNOWN)).answer
            theirs = case.signals[sid].answer if sid in case.signals else UNKNOWN
            if mine == theirs:
                continue
            distance += 0.5 if UNKNOWN in (mine, theirs) else 1.0
            if UNKNOWN not in (mine, theirs):
                differs.append(f"{sid}: {theirs} (you: {mine})")
        scored.append((distance, cid, differs))
    scored.sort()
    return [(cid, int(d * 2), differs) for d, cid, differs in scored[:n]]


def _ask(out: Any, kb: KnowledgeBase, sid: str, number: int) -> models.Answer:
    signal = kb.signals[sid]
    width = max(40, min(out.width, 100)) - 1
    out.print()
    out.print(Text("\n".join(_wrap(f"{number}. [{sid}] {clean(signal.question)}", width, 0, 3)), style="bold"))
    out.print(Text("\n".join(_wrap("guidance: " + clean(signal.guidance), width, 3, 5)), style="dim"))
    for answer, text in signal.examples.items():
        out.print(Text("\n".join(_wrap(f"example ({answer}): " + clean(text), width, 3, 5)), style="dim"))
    choices = list(signal.answers)
    if set(choices) - {"yes", "no", UNKNOWN, models.NOT_APPLICABLE}:
        listing = "answers: " + ", ".join(f"{i} {c}" for i, c in enumerate(choices, 1))
        out.print(Text("\n".join(_wrap(listing, width, 3, 5))))
    answer = ask_choice(out, "   answer", choices, UNKNOWN)
    evidence = None
    strength = None
    if answer not in (UNKNOWN, models.NOT_APPLICABLE):
        evidence = ask_text(out, "   evidence (one line, Enter to skip)", TEXT_MAX) or None
        if evidence:  # a strength says how good the evidence is: none without evidence
            strength = ask_choice(out, "   strength", list(models.STRENGTHS), "inferred")
    return models.Answer(answer=answer, evidence=evidence, strength=strength)  # type: ignore[arg-type]


def _wrap(text: str, width: int, indent: int, hang: int) -> list[str]:
    import textwrap

    return textwrap.wrap(
        text,
        width,
        initial_indent=" " * indent,
        subsequent_indent=" " * hang,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [""]


#: one-letter answers: y, n, u (and ? for unknown, na for not-applicable)
SHORTCUTS = {"y": "yes", "n": "no", "u": UNKNOWN, "?": UNKNOWN, "na": "not-applicable", "n/a": "not-applicable"}


def resolve_choice(raw: str, choices: list[str], default: str) -> str | None:
    """The choice ``raw`` names: empty for ``default``, the choice itself, a shortcut (y, n,
    u), its number in ``choices``, or an unambiguous beginning; None if it names none."""
    text = raw.strip().lower()
    if not text:
        return default
    if text in choices:
        return text
    if SHORTCUTS.get(text) in choices:
        return SHORTCUTS[text]
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1]
    starts = [c for c in choices if c.startswith(text)]
    return starts[0] if len(starts) == 1 else None


def ask_choice(out: Any, prompt: str, choices: list[str], default: str) -> str:
    """Ask until the answer names one of ``choices`` (see :func:`resolve_choice`)."""
    listed = f"[{'/'.join(choices)}]" if len(choices) <= 4 else "[a number or a name]"
    shown = Text(f"{prompt} {listed} ({default})")
    while True:
        raw = Prompt.ask(shown, default="", show_default=False, console=out)
        chosen = resolve_choice(raw, choices, default)
        if chosen is not None:
            return chosen
        out.print(
            Text(
                f"   '{clean(raw.strip())}' is not one of {', '.join(choices)}: type one, "
                "its number or first letters (y, n, u work), or Enter for " + default,
                style="red",
            )
        )


#: the schema's limits (models.Line and models.Text): typed text over them is asked again,
#: never turned into a validation error that loses every answer typed so far
LINE_MAX, TEXT_MAX = 300, 6000


def ask_text(out: Any, prompt: str, limit: int) -> str:
    """One line of free text, at most ``limit`` characters (asked again until it fits)."""
    while True:
        text = Prompt.ask(prompt, default="", show_default=False, console=out).strip()
        if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
            out.print(Text("   that text is not valid UTF-8; type it again", style="red"))
        elif len(text) > limit:
            out.print(
                Text(
                    f"   at most {limit:,} characters (that was {len(text):,}); shorten it and type it again",
                    style="red",
                )
            )
        else:
            return text


def open_signals(
    clf: Classifier, answers: dict[str, models.Answer], verdict: Verdict, asked: set[str]
) -> list[str]:
    """Unasked, unknown signals of rules that can still change the verdict, though no single
    answer does (so ``verdict.questions`` misses them): a rule that may still fire and would
    add a label not yet held (or possible, for an indicator rule), and a fired rule whose
    ``unless`` is unknown. Signals named by more such rules come first."""
    from misgen.conditions import signals_in

    values = clf.complete({sid: a.answer for sid, a in answers.items()})
    held, possible = set(verdict.labels), set(verdict.possible)
    score: dict[str, int] = {}
    for rule in clf.rules:
        if clf._fires(rule, values):
            if rule.unless is None or clf.truth(rule.unless, values) is not None:
                continue
            names = signals_in(rule.unless, clf.definitions)
        elif clf._silent(rule, values) or rule.label in (
            held if rule.role == "primary" else held | possible
        ):
            continue
        else:
            names = set(clf.rule_signals[rule.id])
        for sid in names:
            if values.get(sid, UNKNOWN) == UNKNOWN and sid not in asked:
                score[sid] = score.get(sid, 0) + 1
    order = list(clf.signals)
    return sorted(score, key=lambda sid: (-score[sid], order.index(sid)))


def next_question(
    clf: Classifier, answers: dict[str, models.Answer], verdict: Verdict, asked: set[str]
) -> str | None:
    """The signal to ask next: the most decisive of ``verdict.questions`` (one answer changes
    the verdict), else one that can change it together with others (:func:`open_signals`)."""
    for q in verdict.questions:
        if q.signal not in asked:
            return q.signal
    rest = open_signals(clf, answers, verdict, asked)
    return rest[0] if rest else None


def questionnaire(
    kb: KnowledgeBase, answers: dict[str, models.Answer] | None = None, blind: bool = False
) -> tuple[dict[str, models.Answer], Verdict]:
    """Ask while an unanswered question can still change the verdict. ``blind``: never show
    the verdict (for curators labelling a case before they see the classifier's view)."""
    out = console()
    clf = Classifier.from_kb(kb)
    answers = dict(answers or {})
    asked: set[str] = set(answers)
    verdict = clf.classify(answers)
    number = 0
    while True:
        sid = next_question(clf, answers, verdict, asked)
        if sid is None:
            break
        number += 1
        asked.add(sid)
        answers[sid] = _ask(out, kb, sid, number)
        verdict = clf.classify(answers)
        if not blind:
            out.print(Text(f"   verdict so far: {verdict.summary()}", style="cyan"))
    return answers, verdict


def scenario_text(answers: dict[str, models.Answer], title: str | None = None) -> str:
    """A scenario file (the case format, answers under ``signals:``) that ``misgen classify``
    and ``misgen new --answers`` both read."""
    from misgen.yamledit import quote

    lines = [
        "# A misgen scenario, written by 'misgen classify -i -o'. Classify it with",
        "#   misgen classify THIS-FILE",
        "# or start a case file from it with",
        "#   misgen new YOUR-CASE-ID --answers THIS-FILE",
    ]
    if title:
        lines.append(f"title: {quote(title)}")
    lines.append("signals:" if answers else "signals: {}")
    for sid, a in answers.items():
        if a.evidence is None and a.strength is None and a.source is None and a.quote is None:
            lines.append(f"  {sid}: {quote(a.answer)}")
            continue
        lines.append(f"  {sid}:")
        lines.append(f"    answer: {quote(a.answer)}")
        if a.evidence is not None:
            lines.append(f"    evidence: {quote(a.evidence)}")
        if a.strength is not None:
            lines.append(f"    strength: {a.strength}")
        if a.source is not None:
            lines.append(f"    source: {a.source}")
        if a.locator is not None:  # a confirmed suggestion keeps the words it rests on
            lines.append(f"    locator: {quote(a.locator)}")
        if a.quote is not None:
            lines.append(f"    quote: {quote(a.quote)}")
    return "\n".join(lines) + "\n"


def _need_stdin() -> None:
    """The answers are read from standard input: refuse cleanly when it is closed."""
    import sys

    if sys.stdin is None:
        from misgen.problems import UsageError

        raise UsageError("standard input is closed; --interactive reads the answers from it")


def run_session(
    kb: KnowledgeBase, output: str | None = None, answers: dict[str, models.Answer] | None = None
) -> int:
    """The questionnaire from ``answers`` (none, or those confirmed from suggestions), the
    verdict, the nearest cases, and the answers saved to ``output``."""
    from pathlib import Path

    from misgen.render import compact_verdict

    _need_stdin()
    out = console()
    save = (
        f"your answers are saved to {clean(output)} at the end"
        if output
        else "nothing is saved (add -o FILE to save your answers as a scenario)"
    )
    out.print(
        Text(
            "misgen guided classification: answer y(es) / n(o) / u(nknown); Enter = unknown. "
            f"Ctrl-C quits. {save}.",
            style="bold",
        )
    )
    try:
        answers, verdict = questionnaire(kb, answers)
    except (KeyboardInterrupt, EOFError):
        out.print("\ninterrupted: nothing was written")
        return 130
    out.print()
    out.print(compact_verdict(verdict, "your scenario", out.width))
    out.print(Text("\nnearest cases in the case base:", style="bold"))
    width = max(40, min(out.width, 100)) - 1
    for cid, _distance, differs in nearest_cases(kb, answers):
        case = kb.cases[cid]
        head = f"{cid}: {clean(case.title)} (curated: {' + '.join(case.curated.labels)})"
        out.print(Text("\n".join(_wrap(head, width, 2, 4))))
        if differs:
            out.print(Text("\n".join(_wrap("differs on " + "; ".join(differs[:4]), width, 4, 6)), style="dim"))
    if output:
        from misgen.output import atomic_write

        atomic_write(Path(output), scenario_text(answers))
        shown = clean(output)
        out.print(Text(f"\nsaved your answers to {shown}", style="bold"))
        out.print(Text(f"  see the verdict again:  misgen classify {shown}", style="dim"))
        out.print(Text(f"  start a case file:      misgen new YOUR-ID --answers {shown}", style="dim"))
    else:
        out.print(
            Text(
                "\nnot saved: run 'misgen classify -i -o FILE' to keep the answers, then "
                "'misgen new YOUR-ID --answers FILE' to start a case file",
                style="dim",
            )
        )
    return 0


def _source(out: Any) -> dict[str, Any] | None:
    """One source, asked field by field (Enter at the authors skips it)."""
    authors = ask_text(out, "source authors (comma-separated; Enter to skip the source)", LINE_MAX)
    if not authors:
        return None
    while True:
        year = ask_text(out, "source year", 4)
        if year.isdigit() and 1800 <= int(year) <= 2100:
            break
        out.print(Text("   a year between 1800 and 2100", style="red"))
    title = ask_text(out, "source title", LINE_MAX)
    venue = ask_text(out, "source venue (journal, conference, blog)", LINE_MAX)
    where = ask_text(out, "source arXiv id, DOI or URL", 500)
    return {"authors": [a.strip() for a in authors.split(",") if a.strip()], "year": int(year),
            "title": title or None, "venue": venue or None, "where": where or None}


def ask_all(
    kb: KnowledgeBase, answers: dict[str, models.Answer], blind: bool = False
) -> tuple[dict[str, models.Answer], dict[str, Any]]:
    """The questionnaire, then what a case needs besides answers: title, summary, kind,
    domain and a source. ``blind`` never shows the verdict."""
    from typing import get_args

    _need_stdin()
    out = console()
    try:
        answers, verdict = questionnaire(kb, answers, blind)
        if not blind:
            out.print(Text(f"\nverdict: {verdict.summary()}", style="bold cyan"))
        out.print(Text("\nabout the case (Enter leaves a TODO to fill in later):", style="bold"))
        title = ask_text(out, "case title (one line)", LINE_MAX)
        summary = ask_text(out, "summary (one paragraph)", TEXT_MAX)
        kinds, domains = list(get_args(models.Kind)), list(get_args(models.Domain))
        width = max(40, min(out.width, 100)) - 1
        for name, options in (("kinds", kinds), ("domains", domains)):
            listing = f"{name}: " + ", ".join(f"{i} {k}" for i, k in enumerate(options, 1))
            out.print(Text("\n".join(_wrap(listing, width, 0, 2))))
            if name == "kinds":
                kind = ask_choice(out, "kind", [*kinds, "todo"], "todo")
            else:
                domain = ask_choice(out, "domain", [*domains, "todo"], "todo")
        source = _source(out)
    except (KeyboardInterrupt, EOFError):
        out.print("\ninterrupted: nothing was written")
        raise KeyboardInterrupt from None
    return answers, {
        "title": title or None,
        "summary": summary or None,
        "kind": None if kind == "todo" else kind,
        "domain": None if domain == "todo" else domain,
        "source": source,
    }
