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

The scenario is checked by :mod:`misgen.fastcheck`, and the private modules come from
:mod:`misgen.fastmodules`. What runs is the project's code: ``commands.py``,
``engine.py``, ``conditions.py``, ``serialize.py`` and ``render.py`` are executed from their usual compiled files as private
modules whose imports are redirected: ``misgen.models`` to :mod:`misgen.plain`,
``misgen.kb`` and ``misgen.scenario`` to the snapshot, ``misgen.output``'s console and JSON
writer to a buffer (written by ``cli.main`` inside its usual error handling) and ``rich.*``
to the stand-ins of :mod:`misgen.plaintext`. ``print`` raises in them (anything printed
directly would come out of order: fall back). Nothing is registered under a real module's
name, so the normal path can still run in the same process.
"""

from __future__ import annotations

import os
import sys
import types
from typing import Any

from misgen.fastcheck import SCENARIO_SCHEMA, scenario
from misgen.fastmodules import Fallback, base_modules, engine_modules, private_module

__all__ = [
    "SCENARIO_SCHEMA",
    "Fallback",
    "Never",
    "Output",
    "Scenario",
    "command_module",
    "engine_modules",
    "parse_argv",
    "prepare",
    "read_scenario",
    "scenario",
]


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
        from_text=None,
        accept_suggestions=False,
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
