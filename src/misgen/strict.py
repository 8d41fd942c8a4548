"""``misgen validate --strict``: refuse the placeholders a skeleton is written with.

``misgen new`` and ``misgen import`` write case files that validate as they are, so a
contributor can run every command on them at once; the parts still to be written are
marked ``TODO`` (in a value, or in a comment after a value). ``--strict`` refuses any file
that still carries one, so a skeleton cannot slip into the case base half-written. Whole
comment lines are not checked: a file's header may say "replace every TODO".
"""

from __future__ import annotations

import re
from pathlib import Path

from misgen.problems import Problem

#: ``TODO`` as a word, in any case: ``TODO: title``, ``todo-source``, ``TODO(migrate)``,
#: ``https://example.org/TODO``; not ``todos`` or ``mastodon``
PLACEHOLDER = re.compile(r"(?<![A-Za-z0-9])todo(?![A-Za-z0-9])", re.IGNORECASE)
_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z0-9_-]+)\s*:")
HINT = "fill it in (and delete a TODO comment); only --strict refuses placeholders"
#: files larger than this are left to the loader, which refuses them anyway
MAX_BYTES = 8 << 20


def placeholder_problems(path: Path, display: str) -> list[Problem]:
    """One problem per line of ``path`` that still holds a TODO placeholder."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError:
        return []  # the loader has reported why the file cannot be read
    if len(raw) > MAX_BYTES:
        return []
    text = raw.decode("utf-8", errors="replace")
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        found = PLACEHOLDER.search(line)
        if found is None:
            continue
        key = _KEY.match(line)
        problems.append(
            Problem(
                display,
                number,
                found.start() + 1,
                key.group(1) if key else "",
                "a TODO placeholder is still in the file",
                "" if problems else HINT,  # said once per file
            )
        )
    return problems
