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
    out.print(Text(f"\n{number}. {clean(signal.question)}", style="bold"))
    out.print(Text("   guidance: " + clean(signal.guidance), style="dim"))
    for answer, text in signal.examples.items():
        out.print(Text(f"   example ({answer}): " + clean(text), style="dim"))
    answer = Prompt.ask("   answer", choices=list(signal.answers), default=UNKNOWN, console=out)
    evidence = None
    strength = None
    if answer != UNKNOWN:
        evidence = ask_text(out, "   evidence (one line, Enter to skip)", TEXT_MAX) or None
        strength = Prompt.ask(
            "   strength", choices=list(models.STRENGTHS), default="inferred", console=out
        )
    return models.Answer(answer=answer, evidence=evidence, strength=strength)  # type: ignore[arg-type]


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


def questionnaire(
    kb: KnowledgeBase, answers: dict[str, models.Answer] | None = None
) -> tuple[dict[str, models.Answer], Verdict]:
    out = console()
    clf = Classifier.from_kb(kb)
    answers = dict(answers or {})
    asked: set[str] = set(answers)
    verdict = clf.classify(answers)
    number = 0
    while True:
        pending = [q for q in verdict.questions if q.signal not in asked]
        if not pending:
            break
        number += 1
        sid = pending[0].signal
        asked.add(sid)
        answers[sid] = _ask(out, kb, sid, number)
        verdict = clf.classify(answers)
        out.print(Text(f"   verdict so far: {verdict.summary()} [{verdict.status}]", style="cyan"))
    return answers, verdict


def run_session(kb: KnowledgeBase) -> int:
    from misgen.render import verdict_tree

    out = console()
    out.print(
        Text(
            "misgen guided classification: answer yes / no / unknown (Enter = unknown). Ctrl-C quits; nothing is written.",
            style="bold",
        )
    )
    try:
        answers, verdict = questionnaire(kb)
    except (KeyboardInterrupt, EOFError):
        out.print("\ninterrupted: nothing was written")
        return 130
    out.print()
    out.print(verdict_tree(verdict, "your scenario"))
    out.print(Text("\nnearest cases in the case base:", style="bold"))
    for cid, _distance, differs in nearest_cases(kb, answers):
        case = kb.cases[cid]
        out.print(
            Text(f"  {cid}: {clean(case.title)} (curated: {' + '.join(case.curated.labels)})")
        )
        if differs:
            out.print(Text("     differs on " + "; ".join(differs[:4]), style="dim"))
    out.print(
        Text("\nTo turn this into a case file: misgen new YOUR-ID --interactive", style="dim")
    )
    return 0


def ask_all(
    kb: KnowledgeBase, answers: dict[str, models.Answer]
) -> tuple[dict[str, models.Answer], dict[str, Any]]:
    out = console()
    try:
        answers, verdict = questionnaire(kb, answers)
        out.print(Text(f"\nverdict: {verdict.summary()}", style="bold cyan"))
        title = ask_text(out, "case title (one line)", LINE_MAX)
        summary = ask_text(out, "summary (one paragraph)", TEXT_MAX)
    except (KeyboardInterrupt, EOFError):
        out.print("\ninterrupted: nothing was written")
        raise KeyboardInterrupt from None
    return answers, {"title": title or None, "summary": summary or None}
