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

from misgen import plain

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
#: condition trees deeper than this are refused (the YAML parser caps nesting at 32 by default)
MAX_NESTING = 200

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


class Snapshot:
    """The plain objects :class:`misgen.engine.Classifier` is built from, in the shape of the
    :class:`misgen.kb.KnowledgeBase` attributes that classifying a scenario reads."""

    __slots__ = (
        "definitions",
        "deprecated",
        "frameworks",
        "labels",
        "policy",
        "root",
        "rules",
        "signals",
    )
    ok = True  # only a knowledge base without problems is ever stored
    problems: tuple[object, ...] = ()

    def __init__(
        self,
        signals: dict[str, plain.Signal],
        deprecated: frozenset[str],
        labels: dict[str, plain.Label],
        definitions: dict[str, plain.Definition],
        rules: tuple[plain.Rule, ...],
        policy: plain.Policy,
        frameworks: dict[str, plain.Framework],
    ) -> None:
        self.root: Any = None  # set by load()
        self.signals = signals
        self.deprecated = deprecated
        self.labels = labels
        self.definitions = definitions
        self.rules = rules
        self.policy = policy
        self.frameworks = frameworks


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


class Corrupt(Exception):
    """The snapshot is not exactly what :func:`store` writes: ignore it."""


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
    return _decode(data)


def _str(value: Any) -> str:
    if type(value) is not str:
        raise Corrupt("expected text")
    return value


def _opt_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _strs(value: Any) -> list[str]:
    if type(value) is not list:
        raise Corrupt("expected a list")
    return [_str(v) for v in value]


def _list(value: Any, size: int | None = None) -> list[Any]:
    if type(value) is not list or (size is not None and len(value) != size):
        raise Corrupt("expected a list" + (f" of {size}" if size is not None else ""))
    return value


def _cond(value: Any, refs: list[Any], depth: int = 0) -> Any:
    """A condition node from its tagged list (see :func:`_encode_cond`); the signals, answers
    and definitions it names go to ``refs``, to be checked once everything is read."""
    if depth > MAX_NESTING:
        raise Corrupt("condition nested too deeply")
    if type(value) is not list or len(value) < 3:
        raise Corrupt("expected a condition")
    tag, name = value[0], value[1]
    if name is not None and type(name) is not str:
        raise Corrupt("expected text")
    if tag == "is" and len(value) == 4:
        signal, answer = value[2], value[3]
        if type(signal) is not str or type(answer) is not str:
            raise Corrupt("expected text")
        refs.append((signal, (answer,)))
        return plain.IsNode(name, signal, answer)
    if tag == "in" and len(value) == 4:
        signal, answers = value[2], _strs(value[3])
        if type(signal) is not str or not answers:
            raise Corrupt("bad 'in'")
        refs.append((signal, answers))
        return plain.InNode(name, signal, answers)
    if tag in ("all", "any") and len(value) == 3:
        kids = [_cond(k, refs, depth + 1) for k in _list(value[2])]
        if not kids:
            raise Corrupt(f"empty '{tag}'")
        return plain.AllNode(name, kids) if tag == "all" else plain.AnyNode(name, kids)
    if tag == "not" and len(value) == 3:
        return plain.NotNode(name, _cond(value[2], refs, depth + 1))
    if tag == "at-least" and len(value) == 4:
        threshold = value[2]
        if type(threshold) is not int or threshold < 1:
            raise Corrupt("bad at-least threshold")
        kids = [_cond(k, refs, depth + 1) for k in _list(value[3])]
        if not kids:
            raise Corrupt("empty 'of'")
        return plain.AtLeastNode(name, threshold, kids)
    if tag == "use" and len(value) == 3:
        refs.append((None, _str(value[2])))
        return plain.UseNode(name, value[2])
    if tag == "label" and len(value) == 3:
        return plain.LabelNode(name, _str(value[2]))
    raise Corrupt("unknown condition node")


def _unique(items: list[str], what: str) -> None:
    if len(set(items)) != len(items):
        raise Corrupt(f"duplicate {what}")


def _decode(data: Any) -> Snapshot:
    if type(data) is not dict or set(data) != {
        "signals",
        "deprecated",
        "labels",
        "definitions",
        "rules",
        "policy",
        "frameworks",
    }:
        raise Corrupt("unexpected payload")
    refs: list[Any] = []
    signals: dict[str, plain.Signal] = {}
    for item in _list(data["signals"]):
        sid, question, answers, applies = _list(item, 4)
        signal = plain.Signal(
            _str(sid),
            _str(question),
            _strs(answers),
            None if applies is None else _cond(applies, refs),
        )
        if sid in signals or plain.UNKNOWN not in signal.answers:
            raise Corrupt("bad signal")
        signals[sid] = signal
    deprecated = frozenset(_strs(data["deprecated"]))
    labels: dict[str, plain.Label] = {}
    for item in _list(data["labels"]):
        lid, name, goal_failure = _list(item, 3)
        if type(goal_failure) is not bool or _str(lid) in labels:
            raise Corrupt("bad label")
        labels[lid] = plain.Label(lid, _str(name), goal_failure)
    definitions: dict[str, plain.Definition] = {}
    for item in _list(data["definitions"]):
        did, name, when = _list(item, 3)
        if _str(did) in definitions:
            raise Corrupt("duplicate definition")
        definitions[did] = plain.Definition(_str(name), _cond(when, refs))
    rules = []
    for item in _list(data["rules"]):
        rid, label, role, subtype, by, when, unless = _list(item, 7)
        if role not in ("primary", "secondary") or _str(label) not in labels:
            raise Corrupt("bad rule")
        subtype_by = None
        if by is not None:
            by_signal, mapping = _list(by, 2)
            if type(mapping) is not dict or not all(
                type(k) is str and type(v) is str for k, v in mapping.items()
            ):
                raise Corrupt("bad subtype_by")
            refs.append((_str(by_signal), ()))
            subtype_by = plain.SubtypeBy(by_signal, dict(mapping))
        rules.append(
            plain.Rule(
                _str(rid),
                label,
                role,
                _opt_str(subtype),
                subtype_by,
                _cond(when, refs),
                None if unless is None else _cond(unless, refs),
            )
        )
    _unique([r.id for r in rules], "rule id")
    raw_policy = data["policy"]
    if type(raw_policy) is not dict or set(raw_policy) != {
        "default",
        "policies",
        "not_a_goal_failure",
        "grade_order",
        "caveats",
    }:
        raise Corrupt("bad policy")
    named = []
    for item in _list(raw_policy["policies"]):
        pid, precedence = _list(item, 2)
        order = _strs(precedence)
        if sorted(order) != sorted(labels):
            raise Corrupt("precedence does not list every label")
        named.append(plain.NamedPolicy(_str(pid), order))
    caveats = []
    for item in _list(raw_policy["caveats"]):
        cid, when, message = _list(item, 3)
        caveats.append(plain.Caveat(_str(cid), _cond(when, refs), _str(message)))
    grades = _strs(raw_policy["grade_order"])
    if sorted(grades) != sorted((*plain.STRENGTHS, "unstated")):
        raise Corrupt("bad grade order")
    policy = plain.Policy(
        _str(raw_policy["default"]),
        named,
        _str(raw_policy["not_a_goal_failure"]),
        grades,
        caveats,
    )
    _unique([p.id for p in named], "policy id")
    if not named or policy.default not in {p.id for p in named}:
        raise Corrupt("unknown default policy")
    if policy.not_a_goal_failure not in labels:
        raise Corrupt("unknown not-a-goal-failure label")
    frameworks: dict[str, plain.Framework] = {}
    for item in _list(data["frameworks"]):
        fid, name, scope, terms = _list(item, 4)
        built = []
        for term in _list(terms):
            tid, tname, when = _list(term, 3)
            built.append(plain.Term(_str(tid), _str(tname), _cond(when, refs)))
        if _str(fid) in frameworks:
            raise Corrupt("duplicate framework")
        frameworks[fid] = plain.Framework(fid, _str(name), _strs(scope), built)
    # every reference resolves, as the knowledge-base checks guaranteed when it was stored
    for signal_id, wanted in refs:
        if signal_id is None:
            if wanted not in definitions:
                raise Corrupt("a condition uses an unknown definition")
            continue
        named_signal = signals.get(signal_id)
        if named_signal is None or any(v not in named_signal.answers for v in wanted):
            raise Corrupt("a condition names an unknown signal or answer")
    return Snapshot(signals, deprecated, labels, definitions, tuple(rules), policy, frameworks)


# --------------------------------------------------------------------------- writing (normal path)


def _encode_cond(node: Any) -> list[Any]:
    from misgen import models

    kind = type(node)
    if kind is models.IsNode:
        return ["is", node.name, node.signal, node.is_]
    if kind is models.InNode:
        return ["in", node.name, node.signal, list(node.in_)]
    if kind is models.AllNode:
        return ["all", node.name, [_encode_cond(c) for c in node.all]]
    if kind is models.AnyNode:
        return ["any", node.name, [_encode_cond(c) for c in node.any]]
    if kind is models.NotNode:
        return ["not", node.name, _encode_cond(node.not_)]
    if kind is models.AtLeastNode:
        return ["at-least", node.name, node.at_least, [_encode_cond(c) for c in node.of]]
    if kind is models.UseNode:
        return ["use", node.name, node.use]
    if kind is models.LabelNode:
        return ["label", node.name, node.label]
    raise TypeError(f"unknown condition node {kind.__name__}")


def encode(kb: Any) -> dict[str, Any]:
    """The payload for a checked knowledge base (the pydantic models' values, as JSON data)."""
    policy = kb.policy
    return {
        "signals": [
            [
                s.id,
                s.question,
                list(s.answers),
                None if s.applies_when is None else _encode_cond(s.applies_when),
            ]
            for s in kb.signals.values()
        ],
        "deprecated": sorted(kb.deprecated),
        "labels": [[lab.id, lab.name, lab.goal_failure] for lab in kb.labels.values()],
        "definitions": [
            [name, d.name, _encode_cond(d.when)] for name, d in kb.definitions.items()
        ],
        "rules": [
            [
                r.id,
                r.label,
                r.role,
                r.subtype,
                None if r.subtype_by is None else [r.subtype_by.signal, dict(r.subtype_by.map)],
                _encode_cond(r.when),
                None if r.unless is None else _encode_cond(r.unless),
            ]
            for r in kb.rules
        ],
        "policy": {
            "default": policy.default,
            "policies": [[p.id, list(p.precedence)] for p in policy.policies],
            "not_a_goal_failure": policy.not_a_goal_failure,
            "grade_order": list(policy.grade_order),
            "caveats": [[c.id, _encode_cond(c.when), c.message] for c in policy.caveats],
        },
        "frameworks": [
            [f.id, f.name, list(f.scope), [[t.id, t.name, _encode_cond(t.when)] for t in f.terms]]
            for f in kb.frameworks.values()
        ],
    }


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
    """Whether the scenario format is still the one :mod:`misgen.fastpath` checks by hand
    (a change to ``models.Scenario``, ``Answer`` or ``Source`` turns the fast path off until
    fastpath.py is reviewed and its SCENARIO_SCHEMA updated; tests/test_snapshot.py says so)."""
    from misgen.fastpath import SCENARIO_SCHEMA

    return scenario_schema_digest() == SCENARIO_SCHEMA


def scenario_schema_digest() -> str:
    """The scenario format: its JSON Schema and the source of its three classes (validators)."""
    import inspect

    from misgen import models

    schema = json.dumps(models.Scenario.model_json_schema(), sort_keys=True)
    source = "".join(inspect.getsource(m) for m in (models.Scenario, models.Answer, models.Source))
    import hashlib

    return hashlib.sha256((schema + "\0" + source).encode("utf-8")).hexdigest()
