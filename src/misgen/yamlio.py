"""Hardened YAML reading on the libyaml C parser.

``yaml.safe_load`` is not enough for files written by strangers: it keeps the last of
duplicate keys, applies YAML 1.1 typing (``no`` -> False, ``2024-03-01`` -> date), honours
``!!set``/``!!binary`` tags and expands aliases (billion-laughs). This module builds Python
data from libyaml's *event stream* instead, so it can refuse all of that and record the
line and column of every node for error messages.

Scalars are typed by a JSON-like YAML 1.2 core resolver: plain ``true``/``false``,
``null``/``~``/empty, and plain decimal numbers; everything else, ``yes``, ``on`` and bare
dates included, is a string.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml  # type: ignore[import-untyped]

from misgen.problems import InputError, Problem

if not getattr(yaml, "__with_libyaml__", False):  # pragma: no cover - environment check
    raise ImportError(
        "misgen needs PyYAML built with libyaml (yaml.__with_libyaml__ is False). "
        "The pure-Python parser disagrees with libyaml on edge cases, so misgen refuses to "
        "fall back to it. Reinstall PyYAML from a wheel: pip install --force-reinstall PyYAML"
    )

from yaml import CSafeLoader

Path_ = tuple[str | int, ...]
Mark = tuple[int, int]  # 1-based line, column


def _refuse(name: str, line: int | None, column: int | None, message: str, hint: str) -> InputError:
    """The error for an unusable file: one located problem (raise what this returns)."""
    return InputError([Problem(name, line, column, "", message, hint)])


def _env_int(name: str, default: int) -> int:
    """A positive whole number from the environment; anything else (``abc``, ``0``, ``²``) keeps the default."""
    value = os.environ.get(name, "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 18 or int(value) < 1:
        return default
    return int(value)


#: Caps against hostile files (bounded time and memory), read once at import; override with
#: MISGEN_MAX_FILE_BYTES / MISGEN_MAX_DEPTH / MISGEN_MAX_KEY_LENGTH / MISGEN_MAX_NODES
#: (positive whole numbers).
MAX_FILE_BYTES = _env_int("MISGEN_MAX_FILE_BYTES", 1_048_576)
MAX_DEPTH = _env_int("MISGEN_MAX_DEPTH", 32)
MAX_KEY_LENGTH = _env_int("MISGEN_MAX_KEY_LENGTH", 200)
#: Keys, values and collections in one file. Every one costs a position record, and every
#: bad one a validation error and a problem (about 2 KB each): a 1 MB list of 350,000 items
#: took 685 MB. The largest bundled file has about 2,000.
MAX_NODES = _env_int("MISGEN_MAX_NODES", 100_000)

_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")


@dataclass(frozen=True)
class Document:
    """Parsed YAML data plus the position of every node, keyed by its path."""

    data: Any
    marks: dict[Path_, Mark]
    #: the source text of plain scalars read as numbers, booleans or null (for hints)
    texts: dict[Path_, str] = field(default_factory=dict)
    #: the position of each mapping key (``marks`` holds the position of its value)
    keys: dict[Path_, Mark] = field(default_factory=dict)

    def mark_for(self, path: Path_) -> Mark | None:
        """The position of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            mark = self.marks.get(tuple(path[:end]))
            if mark is not None:
                return mark
        return None


def _resolve_plain(value: str) -> Any:
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value) and any(ch.isdigit() for ch in value):
        return float(value)
    return value


def _too_big(name: str, size: int | None = None) -> InputError:
    what = f"file is {size:,} bytes, over" if size is not None else "file is larger than"
    return InputError(
        [
            Problem(
                name,
                None,
                None,
                "",
                f"{what} the {MAX_FILE_BYTES:,}-byte cap",
                "split the content, or raise MISGEN_MAX_FILE_BYTES if the file is trusted",
            )
        ]
    )


def decode(raw: bytes, name: str) -> str:
    """Decode file bytes as UTF-8 (BOM allowed), refusing NULs and invalid bytes."""
    if len(raw) > MAX_FILE_BYTES:
        raise _too_big(name)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = _position(raw, nul)
        raise _refuse(
            name,
            line,
            col,
            "file contains a NUL byte (binary data?)",
            "case files are UTF-8 text; remove the binary content",
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(raw, exc.start)
        raise _refuse(
            name, line, col, f"invalid UTF-8 at byte {exc.start}", "save the file as UTF-8"
        ) from None


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters, as far as they decode) of byte ``offset``."""
    start = raw.rfind(b"\n", 0, offset) + 1
    return raw.count(b"\n", 0, offset) + 1, len(raw[start:offset].decode("utf-8", "replace")) + 1


def parse(text: str, name: str) -> Document:
    """Parse one YAML document from ``text``; raise :class:`InputError` on anything unsafe."""
    builder = _Builder(name)
    try:
        for event in yaml.parse(text, Loader=CSafeLoader):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own limit (1000) can come first
            limit = f"{MAX_DEPTH} levels" if MAX_DEPTH < 1000 else "the 1,000 levels libyaml allows"
            raise _refuse(
                name,
                line,
                col,
                f"nesting deeper than {limit}",
                "flatten the structure (or raise MISGEN_MAX_DEPTH if the file is trusted)",
            ) from None
        if (
            exc.problem
            and exc.context
            and exc.context_mark
            and mark
            and exc.context_mark.line != mark.line
        ):
            # e.g. an unclosed quote: the problem is at the end of the file, the cause where it opened
            message += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        if line is not None and "\t" in _indentation(text, line):
            message += " (a tab in the indentation: YAML indents with spaces only)"
        raise _refuse(
            name,
            line,
            col,
            message,
            "check indentation (spaces, not tabs) and closing quotes near this line",
        ) from None
    except (
        yaml.reader.ReaderError
    ) as exc:  # a raw control character (pasted terminal colours, DEL, C1)
        before = text.encode("utf-8", "surrogatepass")[: exc.position].decode("utf-8", "ignore")
        line, col = before.count("\n") + 1, len(before) - before.rfind("\n")
        char = (
            exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        )
        raise InputError(
            [
                Problem(
                    name,
                    line,
                    col,
                    "",
                    f"character U+{char:04X} is not allowed in YAML ({exc.reason})",
                    'remove it, or write it as an escape inside double quotes ("\\e", "\\x9b")',
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise _refuse(name, None, None, f"YAML error: {exc}", "") from None
    except (
        UnicodeError
    ):  # lone surrogates in a str given by a caller (files are decoded strictly first)
        raise _refuse(
            name, None, None, "text is not valid Unicode (lone surrogate)", "save the file as UTF-8"
        ) from None
    return builder.result()


def _indentation(text: str, line: int) -> str:
    """The leading white space of 1-based ``line`` (empty past the end)."""
    lines = text.splitlines()
    current = lines[line - 1] if 0 < line <= len(lines) else ""
    return current[: len(current) - len(current.lstrip(" \t"))]


def load_file(path: os.PathLike[str] | str, display: str | None = None) -> Document:
    """Read and parse a YAML file; errors name ``display`` (default: the path)."""
    name = display or os.fspath(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _refuse(name, None, None, f"cannot read file: {exc.strerror}", "") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise _refuse(
            name, None, None, "not a regular file (a folder, device or pipe?)", "name a YAML file"
        )
    if info.st_size > MAX_FILE_BYTES:  # refused without reading a byte
        os.close(fd)
        raise _too_big(name, info.st_size)
    with open(fd, "rb") as handle:
        try:
            raw = read_capped(handle)  # never more, even if the size lied (/proc, growing files)
        except OSError as exc:
            raise _refuse(name, None, None, f"cannot read file: {exc.strerror}", "") from None
    return parse(decode(raw, name), name)


#: read in pieces: ``read(n)`` allocates ``n`` bytes up front, so one read of a cap raised to
#: "no limit" (MISGEN_MAX_FILE_BYTES=99999999999) was a MemoryError on every file
_CHUNK = 1 << 20


def read_capped(handle: Any) -> bytes:
    """At most ``MAX_FILE_BYTES + 1`` bytes of a binary stream (one more tells it is too big)."""
    chunks: list[bytes] = []
    left = MAX_FILE_BYTES + 1
    while left > 0:
        chunk = handle.read(min(_CHUNK, left))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


#: short strings (keys, ids, answers) are interned: one object per distinct value, not one per
#: occurrence (about 60 per case file)
_INTERN_MAX = 64
_intern = sys.intern


class _Builder:
    """Turn a libyaml event stream into plain data, refusing unsafe constructs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stack: list[tuple[Any, Path_, dict[str, int]]] = []
        self.pending_key: list[Any] = []
        self.marks: dict[Path_, Mark] = {}
        self.texts: dict[Path_, str] = {}
        self.keys: dict[Path_, Mark] = {}
        self.root: Any = None
        self.documents = 0
        self.done = False
        self.nodes = 0

    def fail(self, event: Any, message: str, hint: str) -> NoReturn:
        mark = event.start_mark
        raise _refuse(self.name, mark.line + 1, mark.column + 1, message, hint)

    def feed(self, event: Any) -> None:
        kind = type(event)
        if kind is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                self.fail(
                    event,
                    "more than one YAML document in the file",
                    "keep one document per file; remove the '---' separator",
                )
            if event.version or event.tags:
                self.fail(
                    event,
                    "YAML directives (%YAML, %TAG) are not allowed",
                    "delete the directive line",
                )
            return
        if kind in (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent):
            return
        if kind is yaml.AliasEvent:
            self.fail(
                event,
                f"alias '*{event.anchor}' is not allowed",
                "write the value out in full; misgen files never need anchors or aliases",
            )
        if getattr(event, "anchor", None):
            self.fail(
                event,
                f"anchor '&{event.anchor}' is not allowed",
                "remove the anchor; misgen files never need anchors, aliases or merge keys",
            )
        if getattr(event, "tag", None) is not None:
            self.fail(
                event,
                f"tag '{event.tag}' is not allowed",
                "remove the tag; values are typed by the schema",
            )
        if kind not in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
            self.nodes += 1  # a scalar (key or value), a mapping or a sequence
        if self.nodes > MAX_NODES:
            self.fail(
                event,
                f"more than {MAX_NODES:,} keys and values in the file",
                "split the content (or raise MISGEN_MAX_NODES if the file is trusted)",
            )
        if kind is yaml.ScalarEvent:
            try:
                value = _resolve_plain(event.value) if not event.style else event.value
                if type(value) is str and len(value) <= _INTERN_MAX:
                    value = _intern(value)  # keys, ids and answers recur in every case
            except ValueError:  # an integer over Python's int_max_str_digits limit
                self.fail(
                    event,
                    f"number with {len(event.value):,} digits is too long",
                    "quote it if it is text",
                )
            self.add(event, value)
        elif kind is yaml.MappingStartEvent:
            self.open(event, {})
        elif kind is yaml.SequenceStartEvent:
            self.open(event, [])
        elif kind in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
            self.stack.pop()

    def child_path(self, event: Any) -> Path_ | None:
        """Path of the node this event starts, or None when it is a mapping key."""
        if not self.stack:
            return ()
        container, path, _counters = self.stack[-1]
        if isinstance(container, list):
            return path + (len(container),)
        if not self.pending_key:
            return None
        return path + (self.pending_key[-1],)

    def open(self, event: Any, container: dict[str, Any] | list[Any]) -> None:
        if len(self.stack) >= MAX_DEPTH:
            self.fail(
                event,
                f"nesting deeper than {MAX_DEPTH} levels",
                "flatten the structure (or raise MISGEN_MAX_DEPTH if the file is trusted)",
            )
        path = self.child_path(event)
        if path is None:
            self.fail(
                event, "a mapping key must be a plain string, not a collection", "use a string key"
            )
        self.attach(event, path, container)
        self.stack.append((container, path, {}))

    def add(self, event: Any, value: Any) -> None:
        path = self.child_path(event)
        if path is None:  # a mapping key
            self.add_key(event, value)
            return
        if not isinstance(value, str):
            self.texts[path] = event.value
        self.attach(event, path, value)

    def add_key(self, event: Any, key: Any) -> None:
        container, path, lines = self.stack[-1]
        if not isinstance(key, str):
            key = event.value
        if key == "<<" and not event.style:
            self.fail(event, "merge keys ('<<') are not allowed", "write the keys out in full")
        if len(key) > MAX_KEY_LENGTH:
            self.fail(
                event,
                f"mapping key longer than {MAX_KEY_LENGTH} characters",
                "use a short field name",
            )
        if key in container:
            self.fail(
                event,
                f"duplicate key '{key}' (first defined on line {lines[key]})",
                "remove one of the two; YAML would silently keep only the last",
            )
        lines[key] = event.start_mark.line + 1
        self.keys[path + (key,)] = (lines[key], event.start_mark.column + 1)
        self.pending_key.append(key)

    def attach(self, event: Any, path: Path_, value: Any) -> None:
        self.marks[path] = (event.start_mark.line + 1, event.start_mark.column + 1)
        if not self.stack:
            self.root = value
            return
        container = self.stack[-1][0]
        if isinstance(container, list):
            container.append(value)
        else:
            container[self.pending_key.pop()] = value

    def result(self) -> Document:
        return Document(self.root, self.marks, self.texts, self.keys)
