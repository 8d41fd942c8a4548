"""``misgen classify FILE`` without pydantic: the cached snapshot, the same code.

:func:`prepare` is tried by :func:`misgen.cli.main` before anything else. It takes the
command line only in its plain form (``[--root DIR] classify [--format text|json]
[--policy NAME] [--trace] FILE``), then runs the project's own ``cmd_classify`` with the
knowledge base replaced by a :class:`misgen.snapshot.Snapshot` and the scenario read by
:func:`read_scenario` below, which accepts only scenarios that are certainly valid. Whenever
it cannot be sure, it returns None and the normal path runs from the start, as if this
module did not exist: no snapshot (or a stale or damaged one), an unusual command line,
standard input, a scenario with any problem or warning (an unknown or retired signal, a bad
answer, a type error, a YAML error...), an output the plain layout does not reproduce, or
any unexpected exception. So every message about bad input comes from the normal path.

What runs is the project's code: ``commands.py``, ``engine.py``, ``conditions.py``,
``serialize.py`` and ``render.py`` are executed from their usual compiled files as private
modules whose imports are redirected: ``misgen.models`` to :mod:`misgen.plain`,
``misgen.kb`` and ``misgen.scenario`` to the snapshot, ``misgen.output``'s console and JSON
writer to a buffer (written by ``cli.main`` inside its usual error handling) and ``rich.*``
to the stand-ins of :mod:`misgen.plaintext`. ``print`` raises in them (anything printed
directly would come out of order: fall back). Nothing is registered under a real module's
name, so the normal path can still run in the same process.
"""

from __future__ import annotations

import builtins
import os
import sys
import types
from collections.abc import Callable
from typing import Any

#: sha256 of models.Scenario.model_json_schema() (sort_keys=True) and the source of the
#: Scenario, Answer and Source classes (misgen.snapshot.scenario_schema_digest): the format
#: _scenario() checks by hand. misgen.snapshot stores no snapshot (so this module never
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


class Fallback(Exception):
    """The fast path cannot be sure: run the normal path."""


def parse_argv(argv: list[str]) -> types.SimpleNamespace | None:
    """What argparse gives for ``[--root DIR] classify [--format F] [--policy P] [--trace]
    FILE``, each option at most once and spelt in full; None for anything else (argparse
    then decides what it means)."""
    args = types.SimpleNamespace(
        root=None,
        debug=False,
        command="classify",
        file=None,
        all=False,
        policy=None,
        interactive=False,
        output=None,
        trace=False,
        format="text",
    )
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
        if token != "--root" and not token.startswith("--root="):
            return None
        args.root = value(token, "--root")
        if args.root is None:
            return None
    if i >= n:
        return None
    i += 1
    while i < n:
        token = argv[i]
        if token == "--format" or token.startswith("--format="):
            args.format = value(token, "--format")
            if args.format not in ("text", "json"):
                return None
        elif token == "--policy" or token.startswith("--policy="):
            args.policy = value(token, "--policy")
            if args.policy is None:
                return None
        elif token == "--trace" and "--trace" not in seen:
            seen.add(token)
            args.trace = True
            i += 1
        elif token.startswith("-") or args.file is not None:
            return None  # '-' (standard input), other options, '--', a second FILE
        else:
            args.file = token
            i += 1
    return args if args.file is not None else None


# --------------------------------------------------------------------------- the scenario


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


# --------------------------------------------------------------------------- the project's code, privately


_REAL_IMPORT = builtins.__import__
_PRIVATE_PREFIX = "misgen._fast_"
#: what the private modules may import for real, besides the standard library: misgen
#: modules that import neither pydantic nor rich nor dataclasses (tests/test_snapshot.py
#: checks, in a fresh interpreter, that a cached classify imports none of them)
_ALLOWED = ("misgen.cli", "misgen.exits", "misgen.ids")


def _no_print(*args: object, **kwargs: object) -> None:
    raise Fallback("a private module printed directly")


def private_module(name: str, redirect: dict[str, Any]) -> types.ModuleType:
    """Execute misgen/``name``.py as a new module whose imports of the names in ``redirect``
    get those objects instead. Other misgen modules may be imported only if in _ALLOWED;
    pydantic and rich never: the ImportError means "fall back"."""
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
            if not fromlist and "." in target:  # 'import a.b' binds 'a': not redirectable
                raise ImportError(f"plain 'import {target}' in {name}")
            return redirect[target]
        if target == "misgen" and fromlist:
            found = types.SimpleNamespace()
            for item in fromlist:
                full = f"misgen.{item}"
                if full in redirect:
                    setattr(found, item, redirect[full])
                elif full in _ALLOWED:
                    _REAL_IMPORT(full)
                    setattr(found, item, sys.modules[full])
                else:
                    raise ImportError(f"{name} imports {full}: not available to the fast path")
            return found
        top = target.partition(".")[0]
        if (top == "misgen" and target not in _ALLOWED) or top in (
            "pydantic",
            "pydantic_core",
            "rich",
            "dataclasses",
        ):
            raise ImportError(f"{name} imports {target}: not available to the fast path")
        return _REAL_IMPORT(target, globals, locals, fromlist, level)

    module = types.ModuleType(_PRIVATE_PREFIX + name)
    module.__file__ = path
    module.__package__ = "misgen"
    module.__builtins__ = {**builtins.__dict__, "__import__": hook, "print": _no_print}  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module  # a class's module is looked up by name (pickle, typing)
    try:
        exec(code, module.__dict__)  # noqa: S102 - the project's own compiled module
    except BaseException:
        sys.modules.pop(module.__name__, None)
        raise
    return module


class _FrozenInstanceError(AttributeError):
    """dataclasses.FrozenInstanceError, for the lite dataclasses below."""


_NO_DEFAULT = object()


class _Field:
    __slots__ = ("default", "factory")

    def __init__(self, default: Any, factory: Any) -> None:
        self.default, self.factory = default, factory


def _lite_field(*, default: Any = _NO_DEFAULT, default_factory: Any = _NO_DEFAULT, **options: Any) -> Any:
    if options or (default is not _NO_DEFAULT and default_factory is not _NO_DEFAULT):
        raise Fallback("a dataclasses.field option the lite dataclass does not reproduce")
    return _Field(default, default_factory)


def _lite_dataclass(
    cls: Any = None, /, *, frozen: bool = False, order: bool = False, **options: Any
) -> Any:
    """``dataclasses.dataclass(frozen=True[, order=True])`` for the private modules: the same
    ``__init__`` (positional or keyword, defaults and default factories), ``__repr__``,
    ``__eq__``, ``__hash__``, ordering and frozen attributes, without importing dataclasses
    (and inspect, ast, dis, tokenize: a tenth of the fast path's start-up) or generating and
    compiling code per class. Anything beyond that (other options, ClassVar, base classes,
    ``dataclasses.fields`` or ``replace`` later) raises, and the normal path runs instead."""
    if options or not frozen:
        raise Fallback("a dataclass option the lite dataclass does not reproduce")

    def wrap(klass: Any) -> Any:
        if klass.__bases__ != (object,):
            raise Fallback("a dataclass with a base class")
        annotations = klass.__dict__.get("__annotations__", {})  # noqa: RUF063 (no inspect)
        names = tuple(annotations)
        if any(not isinstance(a, str) or "ClassVar" in a or "InitVar" in a for a in annotations.values()):
            raise Fallback("ClassVar or InitVar in a dataclass")
        defaults: dict[str, Any] = {}
        factories: dict[str, Any] = {}
        for n in names:
            if n not in klass.__dict__:
                if defaults or factories:
                    raise TypeError(f"non-default argument {n!r} follows default argument")
                continue
            value = klass.__dict__[n]
            if isinstance(value, _Field):
                if value.factory is not _NO_DEFAULT:
                    factories[n] = value.factory
                    delattr(klass, n)  # as dataclasses does for a default_factory
                elif value.default is not _NO_DEFAULT:
                    defaults[n] = value.default
                    setattr(klass, n, value.default)
                else:
                    raise Fallback("a field() without a default")
            else:
                defaults[n] = value
        count = len(names)
        set_ = object.__setattr__

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            if len(args) > count:
                raise TypeError(f"{klass.__name__}.__init__() takes {count + 1} positional arguments")
            for index, name in enumerate(names):
                if index < len(args):
                    if name in kwargs:
                        raise TypeError(f"__init__() got multiple values for argument '{name}'")
                    set_(self, name, args[index])
                elif name in kwargs:
                    set_(self, name, kwargs.pop(name))
                elif name in defaults:
                    set_(self, name, defaults[name])
                elif name in factories:
                    set_(self, name, factories[name]())
                else:
                    raise TypeError(f"__init__() missing required argument: '{name}'")
            if kwargs:
                raise TypeError(f"__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")

        def astuple(self: Any) -> tuple[Any, ...]:
            return tuple(getattr(self, n) for n in names)

        def __repr__(self: Any) -> str:
            inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
            return f"{klass.__qualname__}({inner})"

        def __eq__(self: Any, other: Any) -> Any:
            if other.__class__ is self.__class__:
                return astuple(self) == astuple(other)
            return NotImplemented

        def __hash__(self: Any) -> int:
            return hash(astuple(self))

        def __setattr__(self: Any, name: str, value: Any) -> None:
            raise _FrozenInstanceError(f"cannot assign to field '{name}'")

        def __delattr__(self: Any, name: str) -> None:
            raise _FrozenInstanceError(f"cannot delete field '{name}'")

        methods: list[Any] = [__init__, __repr__, __eq__, __hash__, __setattr__, __delattr__]
        if order:

            def __lt__(self: Any, other: Any) -> Any:
                return astuple(self) < astuple(other) if other.__class__ is self.__class__ else NotImplemented

            def __le__(self: Any, other: Any) -> Any:
                return astuple(self) <= astuple(other) if other.__class__ is self.__class__ else NotImplemented

            def __gt__(self: Any, other: Any) -> Any:
                return astuple(self) > astuple(other) if other.__class__ is self.__class__ else NotImplemented

            def __ge__(self: Any, other: Any) -> Any:
                return astuple(self) >= astuple(other) if other.__class__ is self.__class__ else NotImplemented

            methods += [__lt__, __le__, __gt__, __ge__]
        for function in methods:
            function.__qualname__ = f"{klass.__qualname__}.{function.__name__}"
            setattr(klass, function.__name__, function)
        setattr(klass, "__match_args__", names)  # noqa: B010 (mypy: a class attribute)
        return klass

    return wrap if cls is None else wrap(cls)


#: what ``from dataclasses import ...`` gives a private module
_LITE_DATACLASSES = types.SimpleNamespace(dataclass=_lite_dataclass, field=_lite_field)


class _Lazy(types.ModuleType):
    """A module imported on first use: misgen.output's ``tempfile`` (shutil, bz2, lzma,
    random: several milliseconds) and ``signal`` serve only writing files."""

    def __getattr__(self, name: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self.__name__), name)


_MODULES: dict[str, types.ModuleType] = {}


def base_modules() -> dict[str, types.ModuleType]:
    """The private modules that do not depend on a run (built once per process): problems,
    yamlio, output, root, conditions, engine, serialize and render (on the rich stand-ins)."""
    if "render" not in _MODULES:
        from misgen import plain, plaintext

        lite = {"dataclasses": _LITE_DATACLASSES}
        problems = private_module("problems", lite)
        yamlio = private_module("yamlio", {**lite, "misgen.problems": problems})
        output = private_module(
            "output",
            {"misgen.problems": problems, "tempfile": _Lazy("tempfile"), "signal": _Lazy("signal")},
        )
        root = private_module("root", {"misgen.problems": problems, "misgen.output": output})
        conditions = private_module("conditions", {"misgen.models": plain})
        engine = private_module(
            "engine", {**lite, "misgen.models": plain, "misgen.conditions": conditions}
        )
        serialize = private_module("serialize", {"misgen.engine": engine})
        render = private_module(
            "render",
            {
                "misgen.engine": engine,
                "misgen.output": output,
                "rich.table": plaintext,
                "rich.text": plaintext,
                "rich.tree": plaintext,
            },
        )
        _MODULES.update(
            problems=problems,
            yamlio=yamlio,
            output=output,
            root=root,
            conditions=conditions,
            engine=engine,
            serialize=serialize,
            render=render,
        )
    return _MODULES


def engine_modules() -> dict[str, types.ModuleType]:
    """The private ``conditions``, ``engine`` and ``serialize`` modules (for tests, too)."""
    return base_modules()


class _Buffer:
    """What the command wrote: ("json" | "text", text) parts, in order."""

    def __init__(self) -> None:
        self.parts: list[tuple[str, str]] = []


class _PlainConsole:
    """``misgen.output.console()`` when it would print plain text: renderables laid out by
    :mod:`misgen.plaintext` into the buffer."""

    def __init__(self, buffer: _Buffer, width: int) -> None:
        self.buffer, self.width = buffer, width

    def print(self, *objects: Any) -> None:
        from misgen import plaintext

        if len(objects) != 1:
            raise Fallback("console.print of several objects")
        text = plaintext.render_any(objects[0], self.width)
        if text is None:
            raise Fallback("a layout the plain renderer does not reproduce")
        self.buffer.parts.append(("text", text))


def _output_for(buffer: _Buffer) -> types.SimpleNamespace:
    """``misgen.output`` as the private command sees it: the real ``clean``, a console and
    ``dump_json`` that write into ``buffer``."""
    output = base_modules()["output"]

    def console(stderr: bool = False) -> _PlainConsole:
        if stderr:
            raise Fallback("console on standard error")
        from misgen.plaintext import plain_console_width

        width = plain_console_width()
        if width is None:
            raise Fallback("a terminal, or a console the plain renderer does not reproduce")
        return _PlainConsole(buffer, width)

    def dump_json(payload: Any) -> None:
        buffer.parts.append(("json", output.json_text(payload)))

    def refuse(*args: object, **kwargs: object) -> None:
        raise Fallback("problems to print")

    return types.SimpleNamespace(
        clean=output.clean, console=console, dump_json=dump_json, print_problems=refuse
    )


def _kb_module() -> types.SimpleNamespace:
    """``misgen.kb`` with ``load(root, with_cases=False)`` answered from the snapshot."""

    def load(root: Any, extra_cases: Any = (), *, with_cases: bool = True) -> Any:
        from misgen import snapshot

        if with_cases or list(extra_cases):
            raise Fallback("the case base is needed")
        snap = snapshot.load(root, base_modules()["yamlio"])
        if snap is None:
            raise Fallback("no current snapshot")
        return snap

    return types.SimpleNamespace(load=load)


class Scenario:
    """What ``read_scenario`` returns, as far as classifying needs it."""

    def __init__(self, id: str | None, title: str | None, answers: dict[str, Any]) -> None:
        self.id, self.title, self._answers = id, title, answers

    def answers(self) -> dict[str, Any]:
        return dict(self._answers)


def read_scenario(source: str, kb: Any) -> Scenario:
    """misgen.scenario.read_scenario for a scenario file that is certainly valid and uses
    only current signals and allowed answers; Fallback otherwise (the normal path then
    reports the problems, or prints the warnings, itself)."""
    mods = base_modules()
    if source == "-" or not os.path.exists(source):
        raise Fallback("standard input, or no such file")
    try:
        doc = mods["yamlio"].load_file(source, source)
    except mods["problems"].InputError:
        raise Fallback("the file cannot be read") from None
    parsed = scenario(doc.data)
    if parsed is None:
        raise Fallback("the scenario is not certainly valid")
    for sid, answer in parsed[2].items():
        if sid in kb.deprecated:
            raise Fallback("a retired signal: the normal path warns")
        signal = kb.signals.get(sid)
        if signal is None or answer.answer not in signal.answers:
            raise Fallback("an unknown signal or answer: the normal path reports it")
    return Scenario(*parsed)


def command_module(buffer: _Buffer) -> types.ModuleType:
    """A private ``misgen.commands`` wired to the snapshot, the plain engine and ``buffer``."""
    mods = base_modules()
    return private_module(
        "commands",
        {
            "misgen.output": _output_for(buffer),
            "misgen.problems": mods["problems"],
            "misgen.root": mods["root"],
            "misgen.kb": _kb_module(),
            "misgen.scenario": types.SimpleNamespace(read_scenario=read_scenario),
            "misgen.engine": mods["engine"],
            "misgen.serialize": mods["serialize"],
            "misgen.render": mods["render"],
            "misgen.snapshot": types.SimpleNamespace(enabled=lambda: False, key_or_none=lambda _root: None),
            "argparse": types.ModuleType("argparse"),  # annotations only
        },
    )


# --------------------------------------------------------------------------- the command


class Never(Exception):
    """Stands for the exceptions cli.main catches that the fast path never raises (importing
    misgen.problems for them would import dataclasses)."""


class Output:
    """The fast path's result, written by :func:`misgen.cli.main` inside its usual error
    handling (a broken pipe, a full disk) exactly as the normal path's output would be."""

    debug = False  # what main's handlers read from the parsed arguments

    def __init__(self, parts: list[tuple[str, str]], code: int) -> None:
        self.parts, self.code = parts, code

    def __call__(self) -> int:
        write_stdout = base_modules()["output"].write_stdout
        for kind, text in self.parts:
            if kind == "json":
                write_stdout(text)
            elif sys.stdout is not None:
                sys.stdout.write(text)
                sys.stdout.flush()  # as rich's console does after printing
        return self.code


class _Interrupted:
    """Ctrl-C during the fast path: raised again inside main's handler, which reports it."""

    debug = False

    def __call__(self) -> int:
        raise KeyboardInterrupt


def prepare(argv: list[str]) -> Output | _Interrupted | None:
    """The output of ``misgen classify FILE`` for ``argv`` from the snapshot, ready to write,
    or None to run the normal path. Never raises (a Ctrl-C is handed to main to report)."""
    args = parse_argv(argv)
    if args is None:
        return None
    try:
        from misgen import snapshot

        if not snapshot.enabled():
            return None
        base_modules()["output"].harden_streams()  # as main does before a command
        buffer = _Buffer()
        code = command_module(buffer).cmd_classify(args)
        if type(code) is not int or code != 0 or not buffer.parts:
            return None
        return Output(buffer.parts, code)
    except KeyboardInterrupt:
        return _Interrupted()
    except (Exception, SystemExit):  # noqa: BLE001 - Fallback, or anything unexpected: the normal path runs
        return None
