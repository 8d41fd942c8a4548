"""``misgen classify -i --from-text FILE``: confirm, change or clear each suggestion, then
the usual questionnaire for what is still open. Nothing is accepted unconfirmed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text

from misgen import models
from misgen.interactive import _need_stdin, _wrap, ask_choice, run_session
from misgen.output import clean, console


def review(kb: Any, suggestions: dict[str, models.Answer], out: Any) -> dict[str, models.Answer]:
    """Each suggestion shown with its quote; the person confirms (Enter), changes or clears
    it. Confirmed and changed answers lose ``suggested``; a cleared one becomes unknown
    (and is not asked again)."""
    width = max(40, min(out.width, 100)) - 1
    answers: dict[str, models.Answer] = {}
    total = len(suggestions)
    for number, (sid, a) in enumerate(suggestions.items(), 1):
        signal = kb.signals[sid]
        out.print()
        out.print(Text("\n".join(_wrap(f"suggestion {number}/{total}. [{sid}] {clean(signal.question)}", width, 0, 3)),
                       style="bold"))
        out.print(Text("\n".join(_wrap(f"suggested: {a.answer} ({a.strength}; {clean(a.locator or 'no quote')})",
                                       width, 3, 5)), style="cyan"))
        if a.quote:
            out.print(Text("\n".join(_wrap(f'quote: "{clean(a.quote)}"', width, 3, 5))))
        if a.evidence:
            out.print(Text("\n".join(_wrap(clean(a.evidence), width, 3, 5)), style="dim"))
        action = ask_choice(out, "   confirm, change or clear", ["confirm", "change", "clear"], "confirm")
        if action == "clear":
            answers[sid] = models.Answer(answer=models.UNKNOWN)
            continue
        answer = a.answer
        if action == "change":
            choices = list(signal.answers)
            listing = "answers: " + ", ".join(f"{i} {c}" for i, c in enumerate(choices, 1))
            out.print(Text("\n".join(_wrap(listing, width, 3, 5))))
            answer = ask_choice(out, "   answer", choices, a.answer)
        if answer in (models.UNKNOWN,):
            answers[sid] = models.Answer(answer=models.UNKNOWN)
            continue
        evidence = (a.evidence if answer == a.answer else
                    f"changed by the coder from the suggested '{a.answer}'; the quote is what the suggestion rested on")
        answers[sid] = models.Answer(
            answer=answer, strength="inferred", evidence=evidence, locator=a.locator, quote=a.quote
        )
    return answers


def run_from_text(kb: Any, root: Path, source: str, output: str | None) -> int:
    from misgen.suggest.command import answers_of, applies_from, load_cues, read_text
    from misgen.suggest.match import suggest

    _need_stdin()
    display, text = read_text(source)
    cueset = load_cues(root)
    result = suggest(text, cueset, applies_from(kb))
    suggestions = {sid: a for sid in kb.signals if (a := answers_of(result, text).get(sid)) is not None}
    out = console()
    out.print(Text(f"{len(suggestions)} suggestion(s) from {clean(display)}: check each against its quote "
                   "(Enter confirms; 'change' picks another answer; 'clear' leaves it unknown). "
                   "Then the open questions follow.", style="bold"))
    try:
        answers = review(kb, suggestions, out)
    except (KeyboardInterrupt, EOFError):
        out.print("\ninterrupted: nothing was written")
        return 130
    return run_session(kb, output, answers)
