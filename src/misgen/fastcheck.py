"""The scenario check of ``misgen classify FILE``'s fast path, by hand (no pydantic).

:func:`scenario` accepts a parsed scenario only when :class:`misgen.models.Scenario` would
certainly accept it (anything unusual: None, and :mod:`misgen.fastpath` steps aside for the
normal path, which reports the problem). The checks mirror the models' constraints field by
field; ``SCENARIO_SCHEMA`` pins the models' version they were written against
(:func:`misgen.snapshot.scenario_schema_digest`), and tests/test_snapshot.py compares them
with pydantic on generated scenarios.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: sha256 of models.Scenario.model_json_schema() (sort_keys=True) and the source of the
#: Scenario, Answer and Source classes (misgen.snapshot.scenario_schema_digest): the format
#: scenario() checks by hand. misgen.snapshot stores no snapshot (so this module never
#: runs) while they differ; tests/test_snapshot.py says so and prints the current value.
SCENARIO_SCHEMA = "c25cbc3a45ed2a7db94f1580157a6fad98e24c7f157e1c84b0f3a038f1c472f6"

KINDS = ("empirical", "incident", "model-organism", "biological-analogy", "thought-experiment")
DOMAINS = (
    "reinforcement-learning",
    "supervised-learning",
    "language-model",
    "llm-agent",
    "evolution",
    "evolutionary-computation",
    "robotics",
    "hypothetical-agi",
    "autonomous-vehicle",
)
STRENGTHS = ("measured", "inferred", "speculative")
_SCENARIO_FIELDS = frozenset(
    ("id", "title", "kind", "domain", "summary", "setup", "signals", "curated", "disputes", "links", "sources")
)
_ANSWER_FIELDS = frozenset(("answer", "strength", "evidence", "source", "locator", "quote", "suggested"))
_SOURCE_FIELDS = frozenset(
    ("id", "authors", "year", "title", "venue", "arxiv", "doi", "url", "verified", "note")
)
_SOURCE_REQUIRED = frozenset(("id", "authors", "year", "title", "venue", "verified"))
_MISSING = object()

#: ids.MAX_ID_LENGTH (tests/test_snapshot.py checks it): importing misgen.ids compiles four
#: regular expressions, a millisecond of the fast path
MAX_ID_LENGTH = 64


def _slug(value: Any) -> bool:
    """``ids.SLUG_RE`` (``[a-z0-9]+(?:-[a-z0-9]+)*``, at most 64 characters) without a regex."""
    if type(value) is not str or not value or len(value) > MAX_ID_LENGTH or not value.isascii():
        return False
    return all(part.isalnum() and part == part.lower() for part in value.split("-"))


def _printable_ascii(text: str) -> bool:
    """Every character in ``!`` .. ``~``: no space of any kind, no control, no non-ASCII
    (what both regex dialects certainly agree is ``[^\\s]``)."""
    return bool(text) and all("!" <= ch <= "~" for ch in text)


def _text(value: Any, limit: int) -> bool:
    return type(value) is str and 1 <= len(value) <= limit


def _opt(value: Any, check: Callable[[Any], bool]) -> bool:
    return value is None or check(value)


def _mapping(value: Any) -> bool:
    return type(value) is dict and all(type(k) is str for k in value)


def _arxiv(value: Any) -> bool:  # ^[0-9]{4}\.[0-9]{4,5}$
    return (
        type(value) is str
        and len(value) in (9, 10)
        and value.isascii()
        and value[4] == "."
        and value[:4].isdigit()
        and value[5:].isdigit()
    )


def _doi(value: Any) -> bool:  # ^10\.[0-9]{4,9}/[^\s]+$, at most 200 characters
    if type(value) is not str or len(value) > 200 or not value.startswith("10."):
        return False
    registrant, slash, suffix = value[3:].partition("/")
    return bool(slash) and 4 <= len(registrant) <= 9 and registrant.isascii() and registrant.isdigit() and _printable_ascii(suffix)


def _url(value: Any) -> bool:  # ^https?://[^\s<>"']+$, at most 500 characters
    if type(value) is not str or len(value) > 500:
        return False
    rest = value[8:] if value.startswith("https://") else value[7:] if value.startswith("http://") else ""
    return _printable_ascii(rest) and not any(ch in rest for ch in "<>\"'")


def _citation(value: Any) -> bool:
    """models.Citation: ``{source: ID, locator: LINE}`` (locator optional)."""
    return (
        type(value) is dict
        and "source" in value
        and set(value) <= {"source", "locator"}
        and _slug(value["source"])
        and _opt(value.get("locator"), lambda v: _text(v, 300))
    )


def _source(value: Any) -> bool:
    """models.Source, accepting only what both regex dialects certainly accept (ASCII)."""
    if type(value) is not dict or not set(value) <= _SOURCE_FIELDS or not _SOURCE_REQUIRED <= set(value):
        return False
    authors, year = value["authors"], value["year"]
    arxiv, doi, url, note = (value.get(k) for k in ("arxiv", "doi", "url", "note"))
    return bool(
        _slug(value["id"])
        and type(authors) is list
        and authors
        and all(_text(a, 300) for a in authors)
        and type(year) is int
        and 1800 <= year <= 2100
        and _text(value["title"], 300)
        and _text(value["venue"], 300)
        and type(value["verified"]) is bool
        and _opt(note, lambda v: _text(v, 6000))
        and _opt(arxiv, _arxiv)
        and _opt(doi, _doi)
        and _opt(url, _url)
        and (arxiv or doi or url)
        and (value["verified"] or note)
    )


def scenario(data: Any) -> tuple[str | None, str | None, dict[str, Any]] | None:
    """``(id, title, answers)`` when models.Scenario would certainly accept ``data`` (the
    parsed YAML), with the answers as :class:`misgen.plain.Answer`; None when in any doubt."""
    from misgen import plain

    if type(data) is not dict or not set(data) <= _SCENARIO_FIELDS:
        return None
    get = data.get
    if not (
        _opt(get("id"), _slug)
        and _opt(get("title"), lambda v: _text(v, 300))
        and _opt(get("kind"), lambda v: type(v) is str and v in KINDS)
        and _opt(get("domain"), lambda v: type(v) is str and v in DOMAINS)
        and _opt(get("summary"), lambda v: _text(v, 6000))
        and _opt(get("setup"), _mapping)
        and _opt(get("curated"), _mapping)
        and _opt(get("disputes"), lambda v: type(v) is list)
        and _opt(get("links"), lambda v: type(v) is list)
        and _opt(get("sources"), lambda v: type(v) is list and all(_citation(s) or _source(s) for s in v))
    ):
        return None
    signals = get("signals", _MISSING)
    if signals is _MISSING:
        signals = {}
    if type(signals) is not dict:
        return None
    answers: dict[str, Any] = {}
    for sid, raw in signals.items():
        if not _slug(sid):
            return None
        if type(raw) is str:
            if not _slug(raw):
                return None
            answers[sid] = plain.Answer(raw)
            continue
        if type(raw) is not dict or "answer" not in raw or not set(raw) <= _ANSWER_FIELDS:
            return None
        answer, strength, evidence, source, locator, quote, suggested = (
            raw.get(k) for k in ("answer", "strength", "evidence", "source", "locator", "quote", "suggested")
        )
        if not (
            _slug(answer)
            and _opt(strength, lambda v: type(v) is str and v in STRENGTHS)
            and _opt(evidence, lambda v: _text(v, 6000))
            and _opt(source, _slug)
            and _opt(locator, lambda v: _text(v, 300))
            and _opt(quote, lambda v: _text(v, 6000))
            and _opt(suggested, lambda v: type(v) is bool)
        ):
            return None
        answers[sid] = plain.Answer(str(answer), strength, evidence, source, locator, quote, suggested)
    return get("id"), get("title"), answers

