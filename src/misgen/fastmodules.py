"""The project's own modules, executed privately for the fast path (no pydantic, no rich).

:func:`private_module` executes one of misgen's modules from its usual compiled file as a
new module whose imports of chosen names are redirected (``misgen.models`` to
:mod:`misgen.plain`, ``rich.*`` to :mod:`misgen.plaintext`, ``dataclasses`` to the lite
dataclass below...). Nothing is registered under a real module's name, so the normal path
can still run in the same process. :func:`base_modules` builds the ones every run needs.
"""

from __future__ import annotations

import builtins
import os
import sys
import types
from typing import Any


class Fallback(Exception):
    """The fast path cannot be sure: run the normal path."""


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
        verdict = private_module("verdict", lite)
        engine = private_module(
            "engine",
            {**lite, "misgen.models": plain, "misgen.conditions": conditions, "misgen.verdict": verdict},
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

