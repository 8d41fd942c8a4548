"""``misgen suggest``: the command-line edge (read the text, write YAML or JSON, ``--eval``).

Also the two helpers ``classify`` uses for a scenario holding suggested answers:
:func:`split_suggestions` (they count as unknown unless accepted) and :func:`classify_note`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from misgen import models
from misgen.problems import InputError, Problem, UsageError
from misgen.suggest.cueset import CueSet
from misgen.suggest.match import Result, suggest

DEFAULT_MAX_BYTES = 1 << 20


def max_bytes() -> int:
    raw = os.environ.get("MISGEN_MAX_FILE_BYTES", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_BYTES


def read_text(source: str) -> tuple[str, str]:
    """(display name, text) of a file or ``-``: UTF-8, at most MISGEN_MAX_FILE_BYTES."""
    from misgen.output import read_regular

    limit = max_bytes()
    if source == "-":
        display = "<stdin>"
        stdin = getattr(sys.stdin, "buffer", None)
        try:
            raw = stdin.read(limit + 1) if stdin is not None else None
        except (OSError, ValueError):
            raw = None
        if raw is None:
            raise InputError([Problem(display, None, None, "", "standard input is closed or cannot be read",
                                      "pipe a text in, or name a FILE")])
    else:
        display = source
        raw = read_regular(Path(source), limit + 1)
        if raw is None:
            raise InputError([Problem(source, None, None, "", "no such file, or not a regular file",
                                      "name a plain text or Markdown file")])
    if len(raw) > limit:
        raise InputError([Problem(display, None, None, "", f"the text is over {limit:,} bytes",
                                  "suggest from a shorter text, or raise MISGEN_MAX_FILE_BYTES")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(display, None, None, "", f"not UTF-8 text (byte {exc.start})",
                                  "save the text as UTF-8")]) from None
    return display, text


def load_cues(root: Path) -> CueSet:
    from misgen.suggest.cues import read

    cueset, problems = read(root)
    if cueset is None:
        from misgen.output import print_problems

        print_problems(problems)
        print(f"misgen: {len(problems)} problem(s) in the cue file; fix them first", file=sys.stderr)
        raise SystemExit(1)
    return cueset


def applies_from(kb: Any) -> dict[str, Any]:
    """signal -> (its applies_when as a function of answers, the signals it reads)."""
    from misgen.conditions import signals_in, truth

    out: dict[str, Any] = {}
    for sid, signal in kb.signals.items():
        if signal.applies_when is not None:
            cond = signal.applies_when
            out[sid] = (
                lambda values, c=cond: truth(c, values, kb.definitions),
                tuple(sorted(signals_in(cond, kb.definitions))),
            )
    return out


def _locator(spans: tuple[tuple[int, int], ...]) -> str:
    return "characters " + ", ".join(f"{a}-{b}" for a, b in spans)


def _quote(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    quoted = " [...] ".join(" ".join(text[a:b].split()) for a, b in spans)
    return quoted[:5990] if len(quoted) > 5990 else quoted


def _evidence(s: Any, text: str) -> str:
    if s.derived_from:
        return ("not-applicable because of the suggested answers to " + ", ".join(s.derived_from)
                + " (the condition under which this signal applies is false)")
    words = "; ".join(f"'{' '.join(text[a:b].split())[:80]}'" for a, b in s.spans[:4])
    return f"suggested by cue(s) {', '.join(s.cues)} of classifier/cues.yaml, on the words {words}"


def answers_of(result: Result, text: str) -> dict[str, models.Answer]:
    """The suggestions as scenario answers: ``suggested: true``, quote and locator."""
    out = {}
    for sid, s in result.suggestions.items():
        out[sid] = models.Answer(
            answer=s.answer,
            strength=s.strength,  # type: ignore[arg-type]
            evidence=_evidence(s, text)[:6000],
            locator=_locator(s.quotes)[:300] if s.quotes else None,
            quote=_quote(text, s.quotes) or None if s.quotes else None,
            suggested=True,
        )
    return out


def scenario_yaml(result: Result, text: str, display: str, signals: list[str]) -> str:
    from misgen.yamledit import quote

    answers = answers_of(result, text)
    lines = [
        f"# Suggested by 'misgen suggest' from {display.replace(chr(10), ' ')[:200]}.",
        "# Nothing here is an answer yet: 'suggested: true' answers count as unknown until a",
        "# person checks the quote and confirms the answer (delete 'suggested: true', or run",
        "#   misgen classify -i --from-text TEXT-FILE",
        "# ), or until you classify with --accept-suggestions. Signals without evidence are unknown.",
    ]
    for sid, rivals in result.conflicts.items():
        lines.append(f"# {sid}: conflicting cues (" + "; ".join(f"{a}: {', '.join(c)}" for a, c in rivals.items()) + ")")
    lines.append("signals:")
    for sid in signals:
        a = answers.get(sid)
        if a is None:
            lines.append(f"  {sid}: unknown")
            continue
        lines.append(f"  {sid}:")
        lines.append(f"    answer: {quote(a.answer)}")
        lines.append(f"    strength: {a.strength}")
        lines.append("    suggested: true")
        for key in ("evidence", "locator", "quote"):
            value = getattr(a, key)
            if value is not None:
                lines.append(f"    {key}: {quote(value)}")
    return "\n".join(lines) + "\n"


def result_json(result: Result, text: str, display: str, signals: list[str], cueset: CueSet) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sid in signals:
        s = result.suggestions.get(sid)
        if s is None:
            entry: dict[str, Any] = {"answer": models.UNKNOWN, "suggested": False}
            if sid in result.conflicts:
                entry["conflict"] = {a: list(c) for a, c in result.conflicts[sid].items()}
            out[sid] = entry
            continue
        out[sid] = {
            "answer": s.answer,
            "strength": s.strength,
            "suggested": True,
            "cues": list(s.cues),
            "derived_from": list(s.derived_from),
            "quotes": [{"start": a, "end": b, "text": text[a:b]} for a, b in s.quotes],
            "matched": [{"start": a, "end": b, "text": text[a:b]} for a, b in s.spans],
        }
    return {"schema_version": 1, "source": display, "sentences": result.sentences,
            "cues_version": cueset.version, "signals": out}


def cmd_suggest(args: argparse.Namespace, root: Path, kb_loader: Any) -> int:
    fmt = args.format
    if args.eval:
        if args.file:
            raise UsageError("give a FILE or --eval, not both")
        if fmt == "yaml":
            raise UsageError("--eval writes text or json (--format json)")
        return _eval(args, root, kb_loader(with_cases=True), fmt or "text")
    if not args.file:
        raise UsageError("suggest needs a FILE (plain text or Markdown), - for standard input, or --eval")
    fmt = fmt or "yaml"
    if fmt == "text":
        raise UsageError("suggest writes yaml (a scenario) or json")
    if args.output:
        target = Path(args.output)
        if target.exists() or target.is_symlink():
            raise UsageError(f"{args.output} exists; choose another FILE (misgen never overwrites it)")
    display, text = read_text(args.file)
    kb = kb_loader(with_cases=False)
    cueset = load_cues(root)
    result = suggest(text, cueset, applies_from(kb))
    signals = list(kb.signals)
    if fmt == "json":
        from misgen.output import json_text

        payload = json_text(result_json(result, text, display, signals, cueset))
    else:
        payload = scenario_yaml(result, text, display, signals)
    if args.output:
        from misgen.output import atomic_create

        atomic_create(Path(args.output), payload)
        print(f"wrote {len(result.suggestions)} suggestion(s) to {args.output}; check each quote, then "
              f"'misgen classify -i --from-text {display}' or 'misgen classify --accept-suggestions {args.output}'",
              file=sys.stderr)
    else:
        from misgen.output import write_stdout

        write_stdout(payload if payload.endswith("\n") else payload + "\n")
    return 0


def _eval(args: argparse.Namespace, root: Path, kb: Any, fmt: str) -> int:
    from misgen.engine import Classifier
    from misgen.suggest.evaluate import evaluate

    cueset = load_cues(root)
    clf = Classifier.from_kb(kb)
    report = evaluate(kb.cases, cueset, list(kb.signals), lambda answers: clf.classify(answers).primary,
                      applies_from(kb))
    if fmt == "json":
        from misgen.output import dump_json

        dump_json(report)
        return 0
    from misgen.output import write_stdout

    write_stdout(eval_text(report))
    return 0


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def eval_text(report: dict[str, Any]) -> str:
    def row(name: str, f: dict[str, Any]) -> str:
        p, c = f["precision"], f["coverage"]
        return (f"| {name} | {f['proposed']} | {f['correct']} | {'-' if p is None else f'{p:.3f}'} | "
                f"{'-' if c is None else f'{c:.3f}'} |")

    lines = ["| cases | n | precision | coverage | verdict agreement |", "|---|---:|---:|---:|---:|"]
    for name, part in (("untuned", report["split"]["untuned"]), ("tuned", report["split"]["tuned"]), ("all", report)):
        o = part["overall"]
        va = part["verdict_agreement"]
        lines.append(f"| {name} | {part['cases']} | {_f(o['precision'])} | {_f(o['coverage'])} | {_f(va)} |")
    lines += ["", "| signal | proposed | correct | precision | coverage |", "|---|---:|---:|---:|---:|"]
    for sid, f in report["signals"].items():
        lines.append(row(sid, f))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- classify


def split_suggestions(
    answers: dict[str, Any], accept: bool
) -> tuple[dict[str, Any], list[str]]:
    """(the answers classify uses, the suggested signals): unconfirmed suggestions are
    dropped (read as unknown) unless ``accept``."""
    pending = [sid for sid, a in answers.items() if a.suggested and a.answer != models.UNKNOWN]
    if accept or not pending:
        return answers, pending
    return {sid: a for sid, a in answers.items() if sid not in pending}, pending


def classify_note(pending: list[str], accept: bool) -> str:
    if accept:
        return (f"this verdict uses {len(pending)} unconfirmed suggested answer(s) "
                f"(--accept-suggestions): {', '.join(pending)}")
    return (f"{len(pending)} suggested answer(s) not yet confirmed were read as unknown: {', '.join(pending)}; "
            "confirm them (misgen classify -i --from-text FILE, or delete 'suggested: true') "
            "or use --accept-suggestions")
