"""``misgen classify FILE`` without pydantic: the cached snapshot, the same engine code.

:func:`prepare` is tried by :func:`misgen.cli.main` before anything else. It takes the
command line only when it is the plain form (``[--root DIR] classify [--format text|json]
[--policy NAME] FILE``), and the scenario only when it is certainly valid; then it classifies
with a :class:`misgen.snapshot.Snapshot` and returns the output, ready to write. Whenever it
cannot be sure, it returns None and the normal path runs, from the start, as if this module
did not exist: no snapshot (or a stale or damaged one), an unusual command line, a scenario
with any problem or warning (an unknown or retired signal, a bad answer, a type error, a
YAML error...), standard input, a rich feature the plain layout does not reproduce, or any
unexpected exception. All messages about bad input therefore come from the normal path.

What runs is the project's own code: ``engine.py``, ``conditions.py``, ``serialize.py`` and
``render.py`` are executed from their compiled files as private modules whose imports are
redirected, ``misgen.models`` to :mod:`misgen.plain` (the snapshot's objects) and, for plain
text, ``rich.*`` to the stand-ins of :mod:`misgen.plaintext`. Nothing is registered under
the real modules' names, so the normal path can still run in the same process.
"""

from __future__ import annotations

import builtins
import os
import sys
import types
from collections.abc import Callable
from typing import Any

#: sha256 of models.Scenario.model_json_schema() (sort_keys=True) plus the source of the
#: Scenario, Answer and Source classes: the scenario format _scenario() below checks by
#: hand. misgen.snapshot stores no snapshot (so this module never runs) while it differs;
#: tests/test_snapshot.py prints the current value.
SCENARIO_SCHEMA = "60952a0d9d814bf8dc8414b948a7b57e1c69fe85229dbc106a6a8a5c7bb8969e"

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
_ANSWER_FIELDS = frozenset(("answer", "strength", "evidence", "source"))
_SOURCE_FIELDS = frozenset(
    ("id", "authors", "year", "title", "venue", "arxiv", "doi", "url", "verified", "note")
)
_SOURCE_REQUIRED = frozenset(("id", "authors", "year", "title", "venue", "verified"))
_MISSING = object()


class Options:
    """The parsed command line of the plain ``classify FILE`` form."""

    __slots__ = ("root", "file", "format", "policy")

    def __init__(self) -> None:
        self.root: str | None = None
        self.file: str | None = None
        self.format = "text"
        self.policy: str | None = None


def parse_argv(argv: list[str]) -> Options | None:
    """The options of ``[--root DIR] classify [--format F] [--policy P] FILE``, each at most
    once and spelt in full; None for anything else (argparse then decides what it means)."""
    opts = Options()
    seen: set[str] = set()
    i, n = 0, len(argv)

    def value(token: str, name: str) -> str | None:
        nonlocal i
        if name in seen:
            return None
        seen.add(name)
        if token.startswith(name + "="):
            i += 1
            return token[len(name) + 1 :]
        if i + 1 >= n or argv[i + 1].startswith("-"):
            return None
        i += 2
        return argv[i - 1]

    while i < n and argv[i] != "classify":
        token = argv[i]
        if token == "--root" or token.startswith("--root="):
            opts.root = value(token, "--root")
            if opts.root is None:
                return None
        else:
            return None
    if i >= n:
        return None
    i += 1
    while i < n:
        token = argv[i]
        if token == "--format" or token.startswith("--format="):
            fmt = value(token, "--format")
            if fmt not in ("text", "json"):
                return None
            opts.format = fmt
        elif token == "--policy" or token.startswith("--policy="):
            opts.policy = value(token, "--policy")
            if opts.policy is None:
                return None
        elif token.startswith("-") or opts.file is not None:
            return None  # '-' (standard input), other options, '--', a second FILE
        else:
            opts.file = token
            i += 1
    return opts if opts.file is not None else None


# --------------------------------------------------------------------------- the scenario


def _slug(value: Any) -> bool:
    from misgen.ids import MAX_ID_LENGTH, SLUG_RE

    return type(value) is str and len(value) <= MAX_ID_LENGTH and SLUG_RE.match(value) is not None


def _text(value: Any, limit: int) -> bool:
    return type(value) is str and 1 <= len(value) <= limit


def _opt(value: Any, check: Callable[[Any], bool]) -> bool:
    return value is None or check(value)


def _mapping(value: Any) -> bool:
    return type(value) is dict and all(type(k) is str for k in value)


def _source(value: Any) -> bool:
    """models.Source, accepting only what both regex dialects certainly accept (ASCII)."""
    import re

    if type(value) is not dict or not set(value) <= _SOURCE_FIELDS or not _SOURCE_REQUIRED <= set(value):
        return False
    authors, year = value["authors"], value["year"]
    arxiv, doi, url, note = (value.get(k) for k in ("arxiv", "doi", "url", "note"))
    if not (
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
    ):
        return False
    if arxiv is not None and not (
        type(arxiv) is str and re.fullmatch(r"[0-9]{4}\.[0-9]{4,5}", arxiv, re.ASCII)
    ):
        return False
    if doi is not None and not (
        type(doi) is str and len(doi) <= 200 and re.fullmatch(r"10\.[0-9]{4,9}/[!-~]+", doi, re.ASCII)
    ):
        return False
    if url is not None and not (
        type(url) is str
        and len(url) <= 500
        and re.fullmatch(r"https?://[!-~]+", url, re.ASCII)
        and not any(ch in url for ch in "<>\"'")
    ):
        return False
    return bool((arxiv or doi or url) and (value["verified"] or note))


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
        and _opt(get("sources"), lambda v: type(v) is list and all(_source(s) for s in v))
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
        answer, strength, evidence, source = (raw.get(k) for k in ("answer", "strength", "evidence", "source"))
        if not (
            _slug(answer)
            and _opt(strength, lambda v: type(v) is str and v in STRENGTHS)
            and _opt(evidence, lambda v: _text(v, 6000))
            and _opt(source, _slug)
        ):
            return None
        answers[sid] = plain.Answer(answer, strength, evidence, source)
    return get("id"), get("title"), answers


# --------------------------------------------------------------------------- the project's code, privately


_REAL_IMPORT = builtins.__import__
_PRIVATE_PREFIX = "misgen._fast_"


def private_module(
    name: str, redirect: dict[str, types.ModuleType], allow: tuple[str, ...] = ()
) -> types.ModuleType:
    """Execute misgen/``name``.py as a new module whose imports of the names in ``redirect``
    get those modules instead. Other misgen modules may be imported only if listed in
    ``allow``; pydantic and rich never (unless redirected): an ImportError means "fall back"."""
    from importlib.machinery import SourceFileLoader

    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, name + ".py")
    code = SourceFileLoader(f"misgen.{name}", path).get_code(f"misgen.{name}")  # the usual .pyc
    if code is None:  # pragma: no cover - a source file always gives code
        raise ImportError(name)

    def hook(
        target: str,
        globals: Any = None,
        locals: Any = None,
        fromlist: Any = (),
        level: int = 0,
    ) -> Any:
        if level:
            raise ImportError(f"relative import in {name}")
        if target in redirect:
            if not fromlist:
                raise ImportError(f"plain 'import {target}' in {name}")
            return redirect[target]
        if target == "misgen" and fromlist:
            found = types.SimpleNamespace()
            for item in fromlist:
                full = f"misgen.{item}"
                if full in redirect:
                    setattr(found, item, redirect[full])
                elif full in allow:
                    _REAL_IMPORT(full)
                    setattr(found, item, sys.modules[full])
                else:
                    raise ImportError(f"{name} imports {full}, not available to the fast path")
            return found
        top = target.partition(".")[0]
        if top == "misgen" and target not in allow:
            raise ImportError(f"{name} imports {target}, not available to the fast path")
        if top in ("pydantic", "pydantic_core", "rich"):
            raise ImportError(f"{name} imports {target}, not available to the fast path")
        return _REAL_IMPORT(target, globals, locals, fromlist, level)

    module = types.ModuleType(_PRIVATE_PREFIX + name)
    module.__file__ = path
    module.__package__ = "misgen"
    module.__builtins__ = {**builtins.__dict__, "__import__": hook}  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module  # dataclasses looks its module up by name
    try:
        exec(code, module.__dict__)
    except BaseException:
        sys.modules.pop(module.__name__, None)
        raise
    return module


_ENGINE: dict[str, types.ModuleType] = {}


def engine_modules() -> dict[str, types.ModuleType]:
    """The private ``conditions``, ``engine`` and ``serialize`` modules (built once)."""
    if not _ENGINE:
        from misgen import plain

        conditions = private_module("conditions", {"misgen.models": plain})
        engine = private_module(
            "engine", {"misgen.models": plain, "misgen.conditions": conditions}
        )
        serialize = private_module("serialize", {"misgen.engine": engine})
        _ENGINE.update(conditions=conditions, engine=engine, serialize=serialize)
    return _ENGINE


def _plain_render() -> types.ModuleType:
    if "render" not in _ENGINE:
        from misgen import plaintext

        engine = engine_modules()["engine"]
        _ENGINE["render"] = private_module(
            "render",
            {
                "misgen.engine": engine,
                "rich.table": plaintext,  # type: ignore[dict-item]
                "rich.text": plaintext,  # type: ignore[dict-item]
                "rich.tree": plaintext,  # type: ignore[dict-item]
            },
            allow=("misgen.output",),
        )
    return _ENGINE["render"]


