"""``classifier/cues.yaml``: reading and checking the cues (I/O at the edge, checks pure).

Every problem is located (file, line, field) and says how to fix it, as for the rules. A
cue's ``examples`` are part of the check: each ``match`` sentence must give the cue's
answer and each ``no_match`` sentence must not (through the same matcher ``suggest``
uses, with the file's negation and hedging lists), so a cue that stops doing what its
examples say is refused here and by ``tests/test_suggest.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from misgen import yamlio
from misgen.problems import Problem
from misgen.suggest.cueset import Cue, CueSet
from misgen.suggest.match import Matcher

CUES_FILE = "classifier/cues.yaml"
#: a phrase is at most this many words, with at most this many "..." gaps
MAX_WORDS, MAX_GAPS, MIN_PREFIX = 8, 2, 3
_TOP = {"version", "tuned_on", "needs_applies", "negation", "hedging", "cues"}
_CUE = {
    "id",
    "signal",
    "answer",
    "weight",
    "phrases",
    "with",
    "unless",
    "negated",
    "over",
    "note",
    "examples",
}
_HEDGE_EFFECTS = ("speculative", "ignore")


def read(
    root: Path, signals: dict[str, list[str]] | None = None
) -> tuple[CueSet | None, list[Problem]]:
    """Load and check ``ROOT/classifier/cues.yaml`` against the taxonomy's signals (signal id
    -> allowed answers; read from ``taxonomy/signals.yaml`` when not given)."""
    from misgen.problems import InputError

    path = root / CUES_FILE
    if not path.is_file():
        return None, [
            Problem(CUES_FILE, None, None, "", "no cue file", "restore classifier/cues.yaml")
        ]
    try:
        doc = yamlio.load_file(path, CUES_FILE)
    except InputError as exc:
        return None, list(exc.problems)
    return build(doc, CUES_FILE, _signals(root) if signals is None else signals)


def _signals(root: Path) -> dict[str, list[str]]:
    """Signal id -> allowed answers, read from taxonomy/signals.yaml without the models."""
    doc = yamlio.load_file(root / "taxonomy" / "signals.yaml", "taxonomy/signals.yaml")
    out: dict[str, list[str]] = {}
    for s in (doc.data or {}).get("signals", []) if isinstance(doc.data, dict) else []:
        if (
            isinstance(s, dict)
            and isinstance(s.get("id"), str)
            and isinstance(s.get("answers"), list)
        ):
            out[s["id"]] = [str(a) for a in s["answers"]]
    return out


def build(
    doc: yamlio.Document, display: str, signals: dict[str, list[str]]
) -> tuple[CueSet | None, list[Problem]]:
    """The checked :class:`CueSet` of a parsed cue file, or None and every problem found."""
    from misgen.loading import locate

    problems: list[Problem] = []

    def bad(path: tuple[str | int, ...], message: str, hint: str) -> None:
        problems.append(locate(doc, display, path, message, hint))

    data = doc.data
    if not isinstance(data, dict):
        bad((), "the cue file must be a mapping", "start with 'version: 1' and 'cues:'")
        return None, problems
    for key in data:
        if key not in _TOP:
            bad((key,), f"unknown field '{key}'", f"allowed: {', '.join(sorted(_TOP))}")
    if data.get("version") != 1:
        bad(("version",), "version must be 1", "write 'version: 1'")
    tuned = _strings(data.get("tuned_on", []), ("tuned_on",), bad, allow_empty=True)
    needs = _strings(data.get("needs_applies", []), ("needs_applies",), bad, allow_empty=True)
    for i, sid in enumerate(needs):
        if sid not in signals:
            bad(
                ("needs_applies", i),
                f"unknown signal '{sid}'",
                "use an id from taxonomy/signals.yaml",
            )
    neg = data.get("negation")
    if not isinstance(neg, dict):
        bad(("negation",), "negation must be a mapping", "give 'window', 'phrases' and 'except'")
        neg = {}
    window = neg.get("window", 6)
    if type(window) is not int or not 1 <= window <= 20:
        bad(
            ("negation", "window"),
            "window must be a whole number from 1 to 20",
            "the usual value is 6",
        )
        window = 6
    negation = _phrases(neg.get("phrases"), ("negation", "phrases"), bad)
    not_negation = _phrases(neg.get("except", []), ("negation", "except"), bad, allow_empty=True)
    hedge = data.get("hedging")
    if not isinstance(hedge, dict):
        bad(("hedging",), "hedging must be a mapping", "give 'phrases' and 'effect'")
        hedge = {}
    hedging = _phrases(hedge.get("phrases"), ("hedging", "phrases"), bad)
    effect = hedge.get("effect", "speculative")
    if effect not in _HEDGE_EFFECTS:
        bad(("hedging", "effect"), f"effect must be one of {', '.join(_HEDGE_EFFECTS)}", "")
        effect = "speculative"
    cues: list[Cue] = []
    raw = data.get("cues")
    if not isinstance(raw, list) or not raw:
        bad(("cues",), "cues must be a non-empty list", "one '- id: ...' entry per cue")
        raw = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        cue = _cue(item, ("cues", i), signals, bad, seen)
        if cue is not None:
            cues.append(cue)
    if problems:
        return None, problems
    cueset = CueSet(1, tuple(cues), negation, not_negation, window, hedging, effect, tuned, needs)
    problems += example_problems(cueset, doc, display)
    return (None if problems else cueset), problems


def _strings(
    value: Any, path: tuple[str | int, ...], bad: Any, allow_empty: bool = False
) -> tuple[str, ...]:
    if not isinstance(value, list) or (not value and not allow_empty):
        bad(path, "must be a list of text", "write a list: one '- item' per line, or [a, b]")
        return ()
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip() or len(item) > 300:
            bad(
                (*path, i), "each item must be non-empty text of at most 300 characters", "quote it"
            )
        else:
            out.append(item)
    return tuple(out)


def _phrases(
    value: Any, path: tuple[str | int, ...], bad: Any, allow_empty: bool = False
) -> tuple[str, ...]:
    from misgen.suggest.text import phrase_words

    out = _strings(value, path, bad, allow_empty)
    for i, phrase in enumerate(out):
        words = phrase_words(phrase)
        real = [w for w in words if w != "..."]
        if not real or words[0] == "..." or words[-1] == "...":
            bad(
                (*path, i),
                f"phrase '{phrase}' has no words to match (or starts or ends with '...')",
                "write the words to look for; '...' only between two words",
            )
        elif len(real) > MAX_WORDS or words.count("...") > MAX_GAPS:
            bad(
                (*path, i),
                f"phrase '{phrase}' is too long",
                f"at most {MAX_WORDS} words and {MAX_GAPS} '...' gaps; split it into two cues",
            )
        elif any(not a for w in real for a in w.split("|")):
            bad(
                (*path, i),
                f"phrase '{phrase}' has an empty or several-word alternative",
                "each alternative in (a|b) is one word: (modified|retrained|replaced)",
            )
        elif any(a.endswith("*") and len(a) - 1 < MIN_PREFIX for w in real for a in w.split("|")):
            bad(
                (*path, i),
                f"phrase '{phrase}' has a prefix shorter than {MIN_PREFIX} letters",
                "write at least three letters before '*' (hid* matches hide, hidden, hiding)",
            )
        elif any("*" in a[:-1] for w in real for a in w.split("|")):
            bad((*path, i), f"phrase '{phrase}' has '*' inside a word", "'*' may only end a word")
    return out


def _cue(
    item: Any, path: tuple[str | int, ...], signals: dict[str, list[str]], bad: Any, seen: set[str]
) -> Cue | None:
    from misgen import ids

    if not isinstance(item, dict):
        bad(path, "a cue must be a mapping", "give id, signal, answer, phrases and examples")
        return None
    ok = True
    for key in item:
        if key not in _CUE:
            bad((*path, key), f"unknown field '{key}'", f"allowed: {', '.join(sorted(_CUE))}")
            ok = False
    cid = item.get("id")
    if not isinstance(cid, str) or not ids.SLUG_RE.match(cid):
        bad((*path, "id"), "a cue needs an id", "lowercase letters, digits and single hyphens")
        return None
    if cid in seen:
        bad((*path, "id"), f"duplicate cue id '{cid}'", "give each cue its own id")
        ok = False
    seen.add(cid)
    sid = item.get("signal")
    if sid not in signals:
        bad(
            (*path, "signal"),
            f"unknown signal '{sid}'",
            "use an id from taxonomy/signals.yaml ('misgen taxonomy')",
        )
        return None
    allowed = [a for a in signals[sid] if a != "unknown"]
    answer = item.get("answer")
    if answer not in allowed:
        bad(
            (*path, "answer"),
            f"'{answer}' is not an answer of '{sid}'",
            f"allowed: {', '.join(allowed)}",
        )
        ok = False
    negated = item.get("negated")
    if negated is not None and negated not in allowed:
        bad(
            (*path, "negated"),
            f"'{negated}' is not an answer of '{sid}'",
            f"allowed: {', '.join(allowed)}",
        )
        ok = False
    over = _strings(item.get("over", []), (*path, "over"), bad, allow_empty=True)
    for j, other in enumerate(over):
        if other not in allowed or other == answer:
            bad(
                (*path, "over", j),
                f"'{other}' is not another answer of '{sid}'",
                f"allowed: {', '.join(allowed)}",
            )
            ok = False
    weight = item.get("weight", 1)
    if type(weight) is not int or not 1 <= weight <= 10:
        bad(
            (*path, "weight"), "weight must be a whole number from 1 to 10", "the usual weight is 1"
        )
        ok = False
    phrases = _phrases(item.get("phrases"), (*path, "phrases"), bad)
    groups = item.get("with", [])
    with_: list[tuple[str, ...]] = []
    if not isinstance(groups, list):
        bad((*path, "with"), "with must be a list of phrase lists", "with: [[monitored, observed]]")
        ok = False
    else:
        for j, group in enumerate(groups):
            with_.append(_phrases(group, (*path, "with", j), bad))
    unless = _phrases(item.get("unless", []), (*path, "unless"), bad, allow_empty=True)
    examples = item.get("examples")
    if not isinstance(examples, dict) or set(examples) != {"match", "no_match"}:
        bad(
            (*path, "examples"),
            "a cue needs examples with 'match' and 'no_match'",
            "give at least one sentence the cue must match and one it must not",
        )
        return None
    match = _strings(examples.get("match"), (*path, "examples", "match"), bad)
    no_match = _strings(examples.get("no_match"), (*path, "examples", "no_match"), bad)
    if not ok or not phrases or not isinstance(answer, str):
        return None
    return Cue(
        cid, sid, answer, phrases, weight, tuple(with_), unless, negated, over, match, no_match
    )


def example_problems(cueset: CueSet, doc: yamlio.Document | None, display: str) -> list[Problem]:
    """Each cue's ``match`` examples give its answer; its ``no_match`` examples do not."""
    from misgen.loading import locate

    problems: list[Problem] = []
    for i, cue in enumerate(cueset.cues):
        matcher = Matcher(cueset, only=cue.id)
        for kind, sentences in (("match", cue.match), ("no_match", cue.no_match)):
            for j, sentence in enumerate(sentences):
                got = any(h.answer == cue.answer for h in matcher.hits(sentence))
                if got != (kind == "match"):
                    message = (
                        f"cue '{cue.id}' does not give '{cue.answer}' for its example"
                        if kind == "match"
                        else f"cue '{cue.id}' gives '{cue.answer}' for an example it must not match"
                    )
                    problems.append(
                        locate(
                            doc,
                            display,
                            ("cues", i, "examples", kind, j),
                            message,
                            "change the phrases (or the negation and hedging lists), or the example",
                        )
                    )
    return problems
