"""Terminal and JSON output at the edge: consoles, sanitising, problem lists, atomic writes."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from misgen.problems import Problem, UsageError

#: What a terminal must not receive raw from data: C0 and C1 controls and DEL, bidi
#: embeddings, overrides and isolates, and the invisible marks that hide or reorder text:
#: ALM (U+061C), Mongolian vowel separator, zero-width space/joiners, LRM/RLM, line and
#: paragraph separators, word joiner and invisible operators, BOM / zero-width no-break space.
_INVISIBLE = "\u061c\u180e\u200b-\u200f\u2028\u2029\u2060-\u2064\ufeff"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069" + _INVISIBLE + "]")


def clean(text: object) -> str:
    """Text from data, safe for a terminal: control and bidi-override characters shown as escapes."""
    return _CONTROL.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}"
        ),
        str(text),
    )


def harden_streams() -> None:
    """Never crash on a character the terminal's encoding lacks (``PYTHONIOENCODING=ascii``,
    a C locale, a Windows console or redirection in cp1252): it is written as a backslash
    escape instead. File formats (JSON, SVG, DOT, Mermaid) bypass this: :func:`write_stdout`."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # pragma: no cover - a closed or odd stream
                pass


def write_stdout(text: str) -> None:
    """A file format on standard output: UTF-8 bytes whatever the locale (JSON and SVG are
    UTF-8 by definition), through the text layer when that is UTF-8 already. A closed
    standard output (``>&-``) discards it, as the terminal renderings do."""
    out = sys.stdout
    if out is None:
        return
    encoding = (getattr(out, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    buffer = getattr(out, "buffer", None)
    if encoding == "utf8" or buffer is None:
        out.write(text)
        return
    out.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            """rich exits 1 on a broken pipe, which misgen documents as "problems found":
            raise it instead, for the command line to exit 0 as it does on every other path."""
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

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
    return _Console(
        file=sys.stderr if stderr else sys.stdout,
        width=width,
        highlight=False,
        soft_wrap=False,
        emoji=False,
        markup=False,
        _environ=environ,
    )


#: problems printed per file; the rest are counted. A 1 MB file can hold 85,000 problems:
#: at about 100 bytes each, this keeps the messages for one file near the size of the file
MAX_PROBLEMS_PER_FILE = 10_000


def print_problems(problems: Iterable[Problem], stream: IO[str] | None = None) -> None:
    out = stream or sys.stderr
    shown: dict[str, int] = {}
    for p in problems:
        count = shown[p.path] = shown.get(p.path, 0) + 1
        if count > MAX_PROBLEMS_PER_FILE:
            continue
        field = f" {clean(p.field)}:" if p.field else ""
        print(f"{clean(p.location())}:{field} {clean(p.message)}", file=out)
        if p.hint:
            print(f"    hint: {clean(p.hint)}", file=out)
    for path, count in shown.items():
        if count > MAX_PROBLEMS_PER_FILE:
            print(
                f"{clean(path)}: ... and {count - MAX_PROBLEMS_PER_FILE:,} more problem(s) not shown "
                f"(the first {MAX_PROBLEMS_PER_FILE:,} are above; --format json lists them all where available)",
                file=out,
            )


_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069" + _INVISIBLE + "]")


def json_text(payload: Any) -> str:
    """JSON text. json escapes C0 controls itself; C1 controls and bidi overrides (raw with
    ensure_ascii=False) become \\u escapes too: the same JSON value, safe in a terminal."""
    text = json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def dump_json(payload: Any) -> None:
    """JSON on stdout (see :func:`json_text`), UTF-8 whatever the locale."""
    write_stdout(json_text(payload))


def read_regular(path: Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a regular file (symlinks followed), or None for anything
    else: missing, unreadable, a folder, a FIFO or a device. Never blocks (a FIFO is opened
    without waiting for a writer) and never reads more than ``limit`` bytes (``/dev/zero``
    behind a symlink is refused, not read until memory runs out)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks: list[bytes] = []
        left = limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C back (on Unix) while one file is written and renamed into place: a Ctrl-C
    that lands inside ``mkstemp``, or between it and the ``try`` that cleans up, left a
    ``.NAME.XXXX.tmp`` file behind. The held-back Ctrl-C is raised when the file is whole
    (or was never created), so an interrupted run stops between files."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    except (OSError, ValueError):  # pragma: no cover - no signal support here
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _temp_copy(path: Path, raw: bytes, sync: bool = True) -> str:
    """Write ``raw`` to a new temporary file next to ``path`` (synced to disk unless ``sync``
    is False); return its name.

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
            if sync:
                os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def _named(exc: OSError, path: Path) -> OSError:
    """The same error, naming the file the user asked for rather than a temporary one."""
    return OSError(exc.errno, exc.strerror or str(exc), str(path)) if exc.errno else exc


#: whether atomic_write syncs (see unsynced); a list, so that the flag is changed in place
_SYNC = [True]


@contextmanager
def unsynced() -> Iterator[None]:
    """:func:`atomic_write` skips the per-file fsync inside this block (regenerable output)."""
    previous = _SYNC[0]
    _SYNC[0] = False
    try:
        yield
    finally:
        _SYNC[0] = previous


def atomic_write(path: Path, data: str | bytes, force: bool = False, sync: bool = True) -> None:
    """Write via a temporary file in the same folder and an atomic rename.

    Refuses to replace an existing file unless ``force``; a crash mid-write leaves the old
    file (or no file) in place, never a half-written one, and no temporary file behind.
    ``sync=False`` (or an :func:`unsynced` block) skips the fsync before the rename: for
    generated files that can be written again, such as the docs site (~4 ms per file saved
    on a busy disk). The rename is still atomic; after a power loss such a file may be
    empty, never half old and half new.
    """
    if (path.exists() or path.is_symlink()) and not force:
        raise UsageError(f"{path} exists; pass --force to overwrite it")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with _uninterrupted():
        try:
            tmp = _temp_copy(path, raw, sync and _SYNC[0])
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
    with _uninterrupted():
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
