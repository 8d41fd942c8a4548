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

    start = next(
        (i for i, line in enumerate(lines) if re.match(rf"^{re.escape(key)}:\s*(#.*)?$", line)),
        None,
    )
    if start is None:
        raise InputError(
            [Problem(display, 1, 1, key, f"the {key} value is not in block style", how)]
        )
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


#: Unicode categories written as escapes by :func:`quote`: controls, format characters,
#: surrogates, unassigned code points and noncharacters, line and paragraph separators
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})


def quote(text: str) -> str:
    r"""``text`` as a YAML double-quoted scalar that reads back exactly (libyaml and PyYAML).

    Printable characters stay as they are (accents, CJK, emoji: the file is UTF-8). Escaped:
    controls (C0, DEL, C1: libyaml refuses them raw; a raw NEL would be folded into a
    space), line and paragraph separators, format characters (bidi marks, zero-width
    spaces, the BOM), surrogates and noncharacters such as U+FFFE. A non-BMP character is
    never written as an escaped surrogate pair (as ``json.dumps(ensure_ascii=True)`` does):
    YAML does not combine escaped surrogates.

    >>> print(quote('say "hi" ' + chr(0x7F) + chr(0x85) + chr(0x200F) + " \\ é"))
    "say \"hi\" \x7f\x85\u200f \\ é"
    """
    import unicodedata

    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F or (
            code > 0x9F and unicodedata.category(ch) not in _ESCAPED_CATEGORIES
        ):
            out.append(ch)
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)
