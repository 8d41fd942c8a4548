"""Finding the data root: the folder that holds taxonomy/, classifier/ and cases/.

Order: ``--root DIR``, then ``$MISGEN_ROOT``, then the current directory or a parent that
looks like a misgen checkout, then the checkout this package runs from (editable
install), then the copy bundled inside the installed package.

The walk up from the current directory is guarded the way git guards ``safe.directory``:
anyone who can create ``taxonomy/`` and ``classifier/`` in a shared parent folder (the
system temp folder, a shared project folder) would otherwise choose the data, and receive
the ``new``, ``docs`` and ``schema`` writes, of every user working below it. So a parent
folder is accepted only when it is *marked* as a misgen data root (a ``pyproject.toml``
naming the misgen project, or a ``.misgen-root`` file), the walk stops at the first folder
holding ``.git`` (the repository boundary), and it stops at a folder owned by another user
(the current directory included). ``--root`` and ``MISGEN_ROOT`` are never second-guessed.
"""

from __future__ import annotations

import os
from pathlib import Path

from misgen.problems import UsageError

ENV_VAR = "MISGEN_ROOT"
MARKERS = ("taxonomy/signals.yaml", "classifier/rules.yaml")


#: an empty file that marks a folder as a misgen data root for the walk up (see above)
ROOT_MARKER = ".misgen-root"


def looks_like_root(path: Path) -> bool:
    return all((path / marker).is_file() for marker in MARKERS)


def is_marked(path: Path) -> bool:
    """Whether ``path`` says it is a misgen data root: a ``.misgen-root`` file, or a
    ``pyproject.toml`` whose project is misgen (a misgen checkout)."""
    if (path / ROOT_MARKER).is_file():
        return True
    from misgen.output import read_regular

    raw = read_regular(path / "pyproject.toml", 1 << 20)
    if raw is None:
        return False
    import tomllib

    try:
        project = tomllib.loads(raw.decode("utf-8")).get("project", {})
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(project, dict) and project.get("name") == "misgen"


def owned_by_someone_else(path: Path) -> bool:
    """Whether another user owns ``path`` (never on systems without user ids)."""
    if not hasattr(os, "geteuid"):  # pragma: no cover - Windows
        return False
    try:
        return os.stat(path).st_uid != os.geteuid()
    except OSError:
        return True


_warned: set[Path] = set()


def _skipped(candidate: Path, why: str) -> None:
    """Say once why a folder that looks like a data root was not used."""
    if candidate in _warned:
        return
    _warned.add(candidate)
    import sys

    from misgen.output import clean

    print(
        f"misgen: warning: not using {clean(candidate)} as the data root: {why}; "
        f"pass --root {clean(candidate)} (or set MISGEN_ROOT) if you trust it",
        file=sys.stderr,
    )


def walk_up(cwd: Path) -> Path | None:
    """The data root found from ``cwd`` upwards, within the limits described above."""
    for candidate in (cwd, *cwd.parents):
        if owned_by_someone_else(candidate):
            if looks_like_root(candidate):
                _skipped(candidate, "it belongs to another user")
            return None
        if looks_like_root(candidate):
            if candidate == cwd or is_marked(candidate):
                return candidate
            _skipped(
                candidate,
                f"it is a parent folder not marked as a misgen data root "
                f"(no {ROOT_MARKER} file, no pyproject.toml of misgen)",
            )
        if (candidate / ".git").exists():
            return None  # the repository boundary
    return None


def is_bundled(path: Path) -> bool:
    """True for the read-only copy of the data inside the installed package."""
    return path.resolve() == (Path(__file__).resolve().parent / "_data").resolve()


def refuse_bundled(root: Path, what: str, how: str) -> None:
    """Raise UsageError rather than write ``what`` into the installed package's data."""
    if is_bundled(root):
        raise UsageError(
            f"the data root in use is the copy bundled inside the installed package ({root}); "
            f"misgen never writes {what} there. {how}, or run from a misgen checkout, "
            "or pass --root DIR (or set MISGEN_ROOT) for a data root of your own"
        )


def find_root(explicit: str | None = None) -> Path:
    if explicit is None:
        explicit = os.environ.get(ENV_VAR) or None
    if explicit is not None:
        path = Path(explicit).expanduser()
        if not looks_like_root(path):
            raise UsageError(
                f"{explicit}: not a misgen data root (expected {' and '.join(MARKERS)} inside it)"
            )
        return path
    found = walk_up(Path.cwd())
    if found is not None:
        return found
    here = Path(__file__).resolve().parent
    for candidate in (here.parent.parent, here / "_data"):
        if looks_like_root(candidate):
            return candidate
    raise UsageError("no misgen data found: pass --root DIR or set MISGEN_ROOT")
