"""A cached, validated, pydantic-free snapshot of what classifying a scenario needs.

``misgen classify FILE`` used to spend ~90 % of its time importing pydantic and building
the model classes, then re-validating the same nine unchanged taxonomy and classifier files.
After the normal (pydantic) path has loaded and checked those files without a problem, it
stores the parts the engine reads (signals, rules, definitions, policy, labels, frameworks
and the retired signal ids) as plain JSON in the user's cache directory. The next run checks
that the cache still describes the same files and code, rebuilds plain objects from it
(:mod:`misgen.plain`) and classifies without importing pydantic (:mod:`misgen.fastpath`).

Where: ``$MISGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/misgen``, else ``~/.cache/misgen``;
never inside the data root. ``MISGEN_NO_CACHE=1`` disables it (nothing read, nothing
written). One file per data root, replaced atomically.

Trust: the pydantic path stays the source of truth. The cache is keyed by the BLAKE2b hash of
the nine data files' contents, the misgen package's files (size and time), the Python
version, the installed pydantic and the parser caps; a file whose key, format or payload
digest does not match, or whose payload is not exactly the expected structure (types and
cross-references checked), is ignored and rebuilt by the next normal run, never trusted.
The payload is JSON (never pickle: reading it cannot run code).

This module imports only the standard library at import time; :func:`store` (called by the
normal path, where pydantic is loaded anyway) is the only part that touches the models.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from misgen.snapshot_codec import Corrupt, Snapshot, decode, encode

__all__ = [
    "DATA_FILES",
    "Corrupt",
    "Snapshot",
    "cache_dir",
    "decode",
    "enabled",
    "encode",
    "key",
    "key_or_none",
    "load",
    "parse",
    "snapshot_path",
    "store",
]

try:  # BLAKE2b, built in: hashlib would load OpenSSL (a few milliseconds of start-up), and
    # the built-in SHA-256 is three times slower on the ~350 KB of data and code hashed per run
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b


def _hash(data: bytes = b"") -> Any:
    return blake2b(data, digest_size=32)


#: bump when the payload layout changes (older files are then ignored and replaced)
FORMAT = 1
MAGIC = b"misgen-snapshot"
#: a snapshot file larger than this is not read (the bundled data gives about 60 KB)
MAX_BYTES = 8 << 20

#: The data files the knowledge base is loaded from without cases (kb.TAXONOMY_FILES,
#: checked by :func:`store` and tests/test_snapshot.py): all of them decide whether the
#: data has problems, so all of them are in the key.
DATA_FILES = (
    "taxonomy/signals.yaml",
    "taxonomy/labels.yaml",
    "taxonomy/relations.yaml",
    "taxonomy/frameworks.yaml",
    "taxonomy/sources.yaml",
    "classifier/rules.yaml",
    "classifier/policy.yaml",
    "taxonomy/deprecated.yaml",
    "taxonomy/debate.yaml",
)


def code_stamp() -> bytes:
    """Every Python file of the installed misgen package (path, size, modification time):
    any change to the code that loads, checks or converts the data invalidates every
    snapshot, as Python's own bytecode cache is invalidated, whichever module it is in."""
    here = os.path.dirname(os.path.abspath(__file__))
    found: list[str] = []
    folders = [here]
    while folders:
        folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.endswith(".py") and entry.is_file():
                    info = entry.stat()
                    rel = os.path.relpath(entry.path, here)
                    found.append(f"{rel}:{info.st_size}:{info.st_mtime_ns}")
                elif entry.is_dir() and entry.name != "__pycache__" and not entry.name.startswith("."):
                    folders.append(entry.path)
    return "\n".join(sorted(found)).encode("utf-8", "surrogateescape")


# --------------------------------------------------------------------------- where, and the key


def enabled() -> bool:
    """False when ``MISGEN_NO_CACHE`` is set (to anything but ``""`` or ``0``) or a parser or
    rule-base cap is overridden (``MISGEN_MAX_*``: rare, and then the normal path decides)."""
    if os.environ.get("MISGEN_NO_CACHE", "") not in ("", "0"):
        return False
    return not any(k.startswith("MISGEN_MAX_") for k in os.environ)


def cache_dir() -> str | None:
    """The folder snapshots live in (not created here), or None when there is none."""
    explicit = os.environ.get("MISGEN_CACHE_DIR", "")
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative path is invalid, ignore it
        return os.path.join(xdg, "misgen")
    home = os.path.expanduser("~")
    if not home or home == "~" or not os.path.isabs(home):
        return None
    return os.path.join(home, ".cache", "misgen")


def _inside(path: str, folder: str) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(folder)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def snapshot_path(root: os.PathLike[str] | str) -> str | None:
    """The snapshot file for the data root ``root`` (None: caching is off or impossible)."""
    if not enabled():
        return None
    folder = cache_dir()
    if folder is None or _inside(folder, os.fspath(root)):  # never inside the data root
        return None
    name = _hash(os.path.realpath(os.fspath(root)).encode("utf-8", "surrogateescape"))
    return os.path.join(folder, f"classify-{name.hexdigest()[:32]}.snapshot")


def _package_stamp(name: str, probe: str) -> bytes:
    """Where an installed package is and when it was installed (an upgrade changes this)."""
    for entry in sys.path:
        path = os.path.join(entry or ".", name, probe)
        try:
            info = os.stat(path)
        except OSError:
            continue
        return f"{path}:{info.st_size}:{info.st_mtime_ns}".encode("utf-8", "surrogateescape")
    return b"-"


def key(root: os.PathLike[str] | str, yamlio: Any = None) -> str | None:
    """The key a snapshot of ``root`` must carry, or None when the files cannot be used as
    they are (missing, a symbolic link, too large: the normal path reports or accepts them).
    ``yamlio``: the module whose parser caps count (the fast path passes its private copy)."""
    if yamlio is None:
        from misgen import yamlio  # the parser caps are part of what was validated

    digest = _hash()

    def part(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
        digest.update(data)

    part("format", str(FORMAT).encode())
    part("python", f"{sys.implementation.cache_tag} {sys.version}".encode())
    try:
        part("code", code_stamp())
    except OSError:
        return None
    part("pydantic", _package_stamp("pydantic", "version.py"))
    part("pydantic_core", _package_stamp("pydantic_core", "__init__.py"))
    caps = sorted((k, v) for k, v in vars(yamlio).items() if k.startswith("MAX_") and type(v) is int)
    part("caps", repr(caps).encode())
    base = os.fspath(root)
    for folder in ("taxonomy", "classifier"):
        try:
            if not _is_real_dir(os.lstat(os.path.join(base, folder)).st_mode):
                return None
        except OSError:
            return None
    limit = yamlio.MAX_FILE_BYTES
    for rel in DATA_FILES:
        path = os.path.join(base, rel)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None  # missing, unreadable or a symbolic link: the normal path decides
        try:
            info = os.fstat(fd)
            if not _is_regular(info.st_mode) or info.st_size > limit:
                return None
            chunks, left = [], limit + 1
            while left > 0:
                chunk = os.read(fd, min(left, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            data = b"".join(chunks)
            if len(data) > limit:
                return None
        except OSError:
            return None
        finally:
            os.close(fd)
        part("data " + rel, _hash(data).digest())
    return str(digest.hexdigest())


def key_or_none(root: os.PathLike[str] | str) -> str | None:
    """:func:`key` for the normal path, which must never fail because of the cache."""
    if not enabled():
        return None
    try:
        return key(root)
    except Exception:  # noqa: BLE001 - a cache is optional
        return None


def _is_regular(mode: int) -> bool:
    return (mode & 0o170000) == 0o100000


def _is_real_dir(mode: int) -> bool:
    return (mode & 0o170000) == 0o040000


# --------------------------------------------------------------------------- reading


def load(root: os.PathLike[str] | str, yamlio: Any = None) -> Snapshot | None:
    """The snapshot of ``root`` if a valid, current one is cached; None otherwise."""
    path = snapshot_path(root)
    if path is None:
        return None
    wanted = key(root, yamlio)
    if wanted is None:
        return None
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not _is_regular(info.st_mode) or (
                hasattr(os, "geteuid") and info.st_uid != os.geteuid()
            ):
                return None  # only a file this user wrote (a shared MISGEN_CACHE_DIR, /tmp)
            raw = handle.read(MAX_BYTES + 1)
    except OSError:
        return None
    try:
        snap = parse(raw, wanted)
    except (Corrupt, ValueError, TypeError, KeyError, RecursionError, UnicodeDecodeError):
        return None
    snap.root = root
    return snap


def parse(raw: bytes, wanted: str) -> Snapshot:
    """Check and decode a snapshot file's bytes; raise :class:`Corrupt` (or ValueError) if
    anything is off: the header, the key, the payload's digest, or the payload's structure."""
    if len(raw) > MAX_BYTES:
        raise Corrupt("too large")
    head, sep, payload = raw.partition(b"\n")
    if not sep:
        raise Corrupt("no header")
    fields = head.split(b" ")
    if len(fields) != 4 or fields[0] != MAGIC or fields[1] != str(FORMAT).encode():
        raise Corrupt("not a snapshot of this format")
    if fields[2] != wanted.encode("ascii"):
        raise Corrupt("stale: the data, code or environment changed")
    if fields[3] != _hash(payload).hexdigest().encode("ascii"):
        raise Corrupt("payload damaged")
    data = json.loads(payload.decode("utf-8"))
    return decode(data)



def dumps(kb: Any, wanted: str) -> bytes:
    """The snapshot file's bytes: one header line, then the JSON payload."""
    payload = json.dumps(encode(kb), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    digest = _hash(payload).hexdigest()
    return b" ".join([MAGIC, str(FORMAT).encode(), wanted.encode("ascii"), digest.encode()]) + (
        b"\n" + payload
    )


def store(kb: Any, wanted_before: str | None) -> bool:
    """Cache the snapshot of a knowledge base the normal path loaded without problems
    (``with_cases`` or not: the cases play no part). ``wanted_before`` is :func:`key` taken
    *before* the knowledge base was loaded: if the files changed since, nothing is stored.
    Never raises; True if written."""
    try:
        return _store(kb, wanted_before)
    except Exception:  # noqa: BLE001 - a cache is optional: a read-only home, a full disk, a race
        return False


def _store(kb: Any, wanted_before: str | None) -> bool:
    if not kb.ok or kb.policy is None:
        return False
    from misgen import kb as kb_module

    if tuple(rel for rel, _model in kb_module.TAXONOMY_FILES.values()) != DATA_FILES:
        return False  # a data file this module does not know about: no snapshot
    if not _scenario_schema_current():
        return False
    path = snapshot_path(kb.root)
    if path is None or wanted_before is None or key(kb.root) != wanted_before:
        return False
    raw = dumps(kb, wanted_before)
    try:
        with open(path, "rb") as handle:
            if handle.read(MAX_BYTES + 1) == raw:
                return False  # already current
    except OSError:
        pass
    folder = os.path.dirname(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".classify-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        if key(kb.root) != wanted_before:  # the files changed while they were being read
            os.unlink(tmp)
            return False
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return True


def _scenario_schema_current() -> bool:
    """Whether the scenario format is still the one :mod:`misgen.fastcheck` checks by hand
    (a change to ``models.Scenario``, ``Answer`` or ``Source`` turns the fast path off until
    fastcheck.py is reviewed and its SCENARIO_SCHEMA updated; tests/test_snapshot.py says so)."""
    from misgen.fastcheck import SCENARIO_SCHEMA

    return scenario_schema_digest() == SCENARIO_SCHEMA


def scenario_schema_digest() -> str:
    """The scenario format: its JSON Schema and the source of its three classes (validators)."""
    import inspect

    from misgen import models

    schema = json.dumps(models.Scenario.model_json_schema(), sort_keys=True)
    source = "".join(inspect.getsource(m) for m in (models.Scenario, models.Answer, models.Source))
    import hashlib

    return hashlib.sha256((schema + "\0" + source).encode("utf-8")).hexdigest()
