"""Finding the data root: the folder that holds taxonomy/, classifier/ and cases/.

Order: ``--root DIR``, then ``$MISGEN_ROOT``, then the current directory or a parent that
looks like a misgen checkout, then the checkout this package runs from (editable
install), then the copy bundled inside the installed package.
"""

from __future__ import annotations

import os
from pathlib import Path

from misgen.problems import UsageError

ENV_VAR = "MISGEN_ROOT"
MARKERS = ("taxonomy/signals.yaml", "classifier/rules.yaml")


def looks_like_root(path: Path) -> bool:
    return all((path / marker).is_file() for marker in MARKERS)


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
    cwd = Path.cwd()
    for candidate in (cwd, *cwd.parents):
        if looks_like_root(candidate):
            return candidate
    here = Path(__file__).resolve().parent
    for candidate in (here.parent.parent, here / "_data"):
        if looks_like_root(candidate):
            return candidate
    raise UsageError("no misgen data found: pass --root DIR or set MISGEN_ROOT")
