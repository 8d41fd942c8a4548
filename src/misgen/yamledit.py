"""Editing YAML files as text, so that comments, order and layout survive: the block of a
top-level key, and comment lines (``misgen migrate`` and ``misgen new`` write with these)."""

from __future__ import annotations


def top_level_block(
    lines: list[str], key: str, display: str, how: str, comments_end: bool = False
) -> tuple[int, int, str]:
    """``(start, end, newline)`` of the block-style value of the top-level ``key`` in a
    file's ``lines`` (kept ends): ``lines[start]`` is ``key:``, ``lines[start+1:end]`` its
    indented value, blank lines before the next key left out. ``comments_end``: a comment at
    column 0 ends the block too. An InputError (with ``how`` as the hint) when ``key:`` is
    not on a line of its own.
    """
    import re

    from misgen.problems import InputError, Problem

    start = next((i for i, line in enumerate(lines) if re.match(rf"^{re.escape(key)}:\s*(#.*)?$", line)), None)
    if start is None:
        raise InputError([Problem(display, 1, 1, key, f"the {key} value is not in block style", how)])
    stop = re.compile(r"^[^\s]" if comments_end else r"^[^\s#]")
    end = next((i for i in range(start + 1, len(lines)) if stop.match(lines[i])), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # keep blank lines before the next key
    return start, end, "\r\n" if lines[start].endswith("\r\n") else "\n"


def comment_lines(text: str, indent: int) -> list[str]:
    """``text`` as YAML comment lines at ``indent``, wrapped to 88 columns."""
    import textwrap

    pad = " " * indent
    return [f"{pad}# {line}" for line in textwrap.wrap(" ".join(text.split()), 86 - indent)]
