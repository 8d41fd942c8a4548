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
    return _CONTROL.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}"
        ),
        str(text),
    )


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    # COLUMNS/LINES such as '²' pass str.isdigit() and crash int() inside rich: keep only ASCII numbers
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("COLUMNS", "LINES")
        or (v.isascii() and v.isdigit() and 0 < len(v) < 6 and int(v) > 0)
    }
    columns = environ.get("COLUMNS", "")
    width = int(columns) if columns and int(columns) >= 20 else None
    # markup=False: a '[link=...]' or '[/bold]' in data must print as itself, never become a
    # terminal hyperlink escape or a MarkupError (data strings reach tables and panel titles)
    return Console(
        file=sys.stderr if stderr else sys.stdout,
        width=width,
        highlight=False,
        soft_wrap=False,
        emoji=False,
        markup=False,
        _environ=environ,
    )


def print_problems(problems: Iterable[Problem], stream: IO[str] | None = None) -> None:
    out = stream or sys.stderr
    for p in problems:
        field = f" {clean(p.field)}:" if p.field else ""
        print(f"{clean(p.location())}:{field} {clean(p.message)}", file=out)
        if p.hint:
            print(f"    hint: {clean(p.hint)}", file=out)


_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def json_text(payload: Any) -> str:
    """JSON text. json escapes C0 controls itself; C1 controls and bidi overrides (raw with
    ensure_ascii=False) become \\u escapes too: the same JSON value, safe in a terminal."""
    text = json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def dump_json(payload: Any) -> None:
    """JSON on stdout (see :func:`json_text`)."""
    sys.stdout.write(json_text(payload))


def _temp_copy(path: Path, raw: bytes) -> str:
    """Write ``raw`` to a new temporary file next to ``path`` (synced to disk); return its name.

    The temporary file gets the mode ``path`` has (or would get from the umask), not
    mkstemp's 0600, so replacing a file keeps its permissions.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            try:
                mode = path.stat().st_mode & 0o7777
            except OSError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.fchmod(handle.fileno(), mode)
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def _named(exc: OSError, path: Path) -> OSError:
    """The same error, naming the file the user asked for rather than a temporary one."""
    return OSError(exc.errno, exc.strerror or str(exc), str(path)) if exc.errno else exc


def atomic_write(path: Path, data: str | bytes, force: bool = False) -> None:
    """Write via a temporary file in the same folder and an atomic rename.

    Refuses to replace an existing file unless ``force``; a crash mid-write leaves the old
    file (or no file) in place, never a half-written one, and no temporary file behind.
    """
    if (path.exists() or path.is_symlink()) and not force:
        raise UsageError(f"{path} exists; pass --force to overwrite it")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        tmp = _temp_copy(path, raw)
    except OSError as exc:
        raise _named(exc, path) from None
    try:
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _named(exc, path) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_create(path: Path, data: str) -> None:
    """Create ``path`` atomically; fail (never overwrite) if it already exists."""
    try:
        tmp = _temp_copy(path, data.encode("utf-8"))
    except OSError as exc:
        raise _named(exc, path) from None
    try:
        os.link(tmp, path)  # fails with FileExistsError instead of replacing
    except FileExistsError:
        raise UsageError(
            f"{path} already exists; misgen new never overwrites (choose another id or -o PATH)"
        ) from None
    except OSError as exc:
        raise _named(exc, path) from None
    finally:
        Path(tmp).unlink(missing_ok=True)
