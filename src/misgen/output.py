"""Terminal and JSON output at the edge: consoles, sanitising, problem lists, atomic writes."""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from misgen.problems import Problem, UsageError

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: object) -> str:
    """Text from data, safe for a terminal: control and bidi-override characters shown as escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", str(text))


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else None
    return Console(file=sys.stderr if stderr else sys.stdout, width=width, highlight=False,
                   soft_wrap=False, emoji=False)


def print_problems(problems: Iterable[Problem], stream: IO[str] | None = None) -> None:
    out = stream or sys.stderr
    for p in problems:
        field = f" {clean(p.field)}:" if p.field else ""
        print(f"{clean(p.location())}:{field} {clean(p.message)}", file=out)
        if p.hint:
            print(f"    hint: {clean(p.hint)}", file=out)


def dump_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def atomic_write(path: Path, data: str | bytes, force: bool = False) -> None:
    """Write via a temporary file in the same folder and an atomic rename.

    Refuses to replace an existing file unless ``force``; a crash mid-write leaves the old
    file (or no file) in place, never a half-written one.
    """
    if path.exists() and not force:
        raise UsageError(f"{path} exists; pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_create(path: Path, data: str) -> None:
    """Create ``path`` atomically; fail (never overwrite) if it already exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)  # fails with FileExistsError instead of replacing
    except FileExistsError:
        raise UsageError(f"{path} already exists; misgen new never overwrites (choose another id or -o PATH)") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
