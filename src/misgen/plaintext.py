"""Rich's tree layout without rich: the verdict tree as plain text, byte for byte.

``misgen classify FILE`` prints :func:`misgen.render.verdict_tree` through a rich console.
When that console would write no colour (standard output is not a terminal and nothing
forces one), rich's output is plain text: tree guides, and each label word-wrapped to the
width left beside its guides. Importing rich costs about as much as a bare Python start, so
the fast path (:mod:`misgen.fastpath`) runs the same ``verdict_tree`` code against the
stand-in classes below and lays the tree out here, following rich's own algorithm
(``rich.tree.Tree.__rich_console__``, ``rich.text.Text.wrap``, ``rich._wrap.divide_line``).

Only the simple, common case is handled: every character one terminal cell wide (rich's own
single-cell ranges plus a few checked symbols), no tabs or line breaks, every node expanded,
default guides, a UTF-8 stream. Anything else returns None and the caller uses rich itself.
tests/test_snapshot.py compares the two on every case and on generated text at many widths.
"""

from __future__ import annotations

import os
import re
import sys

#: rich.cells._SINGLE_CELL_UNICODE_RANGES: characters rich measures as one cell without a table
_SINGLE_CELL_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0xAC),
    (0xAE, 0x2FF),
    (0x370, 0x482),
    (0x2500, 0x25FC),
    (0x2800, 0x28FF),
)
#: symbols misgen prints that rich measures (by table) as one cell in every Unicode version
#: it knows (checked by tests/test_snapshot.py)
_EXTRA_SINGLE = "✔✘→…‐‑‒–—‘’“”•"


def _single(text: str) -> bool:
    for ch in text:
        code = ord(ch)
        if 0x20 <= code <= 0x7E:
            continue
        if ch in _EXTRA_SINGLE:
            continue
        if not any(lo <= code <= hi for lo, hi in _SINGLE_CELL_RANGES):
            return False
    return True


# --------------------------------------------------------------------------- stand-ins for rich


class Unsupported(Exception):
    """The renderer used a rich feature the stand-ins do not provide: use rich itself."""


class Text:
    """``rich.text.Text`` as ``render.py`` uses it: a string and styles (styles print nothing)."""

    def __init__(self, text: str = "", style: str | None = None) -> None:
        if type(text) is not str or not (style is None or type(style) is str):
            raise Unsupported("Text")
        self.plain = text

    def append(self, text: str, style: str | None = None) -> Text:
        if type(text) is not str or not (style is None or type(style) is str):
            raise Unsupported("Text.append")
        self.plain += text
        return self

    def append_text(self, text: Text) -> Text:
        if type(text) is not Text:
            raise Unsupported("Text.append_text")
        self.plain += text.plain
        return self

    def rstrip(self) -> None:
        self.plain = self.plain.rstrip()


class Tree:
    """``rich.tree.Tree`` with a label and children, default style and guides, expanded."""

    def __init__(self, label: Text) -> None:
        if type(label) is not Text:
            raise Unsupported("Tree label")
        self.label = label
        self.children: list[Tree] = []

    def add(self, label: Text) -> Tree:
        child = Tree(label)
        self.children.append(child)
        return child


class Table:
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise Unsupported("Table")


# --------------------------------------------------------------------------- layout


_WORD = re.compile(r"\s*\S+\s*")  # rich._wrap.re_word
_TRAILING_SPACE = re.compile(r"\s+$")  # rich.text._re_whitespace
#: rich.tree.Tree.TREE_GUIDES[0]: space, continue, fork, end
_GUIDES = ("    ", "│   ", "├── ", "└── ")
_SPACE, _CONTINUE, _FORK, _END = range(4)


def divide_line(text: str, width: int) -> list[int]:
    """rich._wrap.divide_line with fold=True, for text whose characters are all one cell."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group(0)
        word_length = len(word.rstrip())
        if width - offset >= word_length:
            offset += len(word)
        elif word_length > width:
            folded = [word[i : i + width] for i in range(0, len(word), width)]
            for index, line in enumerate(folded):
                if start:
                    breaks.append(start)
                if index == len(folded) - 1:
                    offset = len(line)
                else:
                    start += len(line)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    return breaks


def wrap(text: str, width: int) -> list[str]:
    """rich.text.Text.wrap (justify "default", overflow "fold") for one-cell characters."""
    offsets = divide_line(text, width)
    bounds = [0, *offsets, len(text)] if offsets else [0, len(text)]
    lines = []
    for start, end in zip(bounds, bounds[1:], strict=False):  # noqa: RUF007 (no itertools import)
        line = text[start:end]
        if len(line) > width:  # Text.rstrip_end
            space = _TRAILING_SPACE.search(line)
            if space is not None:
                line = line[: len(line) - min(len(space.group(0)), len(line) - width)]
        lines.append(line[:width])  # Text.truncate
    return lines


def render_any(renderable: object, width: int) -> str | None:
    """What ``Console.print(renderable)`` writes at ``width`` columns without colour (a
    :class:`Text` or a :class:`Tree`), or None if unsure."""
    if type(renderable) is Tree:
        return render(renderable, width)
    if type(renderable) is Text:
        return render_text(renderable, width)
    return None


def render_text(text: Text, width: int) -> str | None:
    """A Text printed on its own: each of its lines wrapped, then one line break (the end
    rich's ``print`` adds)."""
    if width < 4:
        return None
    out = []
    for line in text.plain.split("\n"):  # Text.split("\n", allow_blank=True)
        if line and not _single(line):
            return None
        out += wrap(line, width) if line else [""]
    return "\n".join(out) + "\n"


def render(tree: Tree, width: int) -> str | None:
    """The tree as rich prints it without colour at ``width`` columns, or None if unsure."""
    out: list[str] = []
    levels = [_CONTINUE]
    stack = [iter([(True, tree)])]
    while stack:
        try:
            last, node = next(stack[-1])
        except StopIteration:
            stack.pop()
            levels.pop()
            if levels:
                levels[-1] = _FORK
            continue
        if last:
            levels[-1] = _END
        prefix = levels[1:]
        room = width - 4 * len(prefix)
        text = node.label.plain
        if room < 4 or not text or not _single(text):
            return None
        for index, line in enumerate(wrap(text, room)):
            if prefix:
                out.append("".join(_GUIDES[g] for g in prefix))
            out.append(line)
            out.append("\n")
            if index == 0 and prefix:
                prefix[-1] = _SPACE if last else _CONTINUE
        if node.children:
            levels[-1] = _SPACE if last else _CONTINUE
            levels.append(_END if len(node.children) == 1 else _FORK)
            count = len(node.children)
            stack.append(iter([(i == count - 1, c) for i, c in enumerate(node.children)]))
    return "".join(out)


# --------------------------------------------------------------------------- the console rich would use


def plain_console_width(stream: object = None) -> int | None:
    """The width :func:`misgen.output.console` would print at when its output carries no
    colour and its layout is the one above; None when that is not certain (a terminal, a
    forced terminal, a non-UTF-8 stream, Windows, a Unicode version override)."""
    if os.name == "nt" or sys.platform == "win32":
        return None
    out = sys.stdout if stream is None else stream
    if out is None:
        return None
    env = os.environ
    if "UNICODE_VERSION" in env or "JUPYTER_COLUMNS" in env or "JUPYTER_LINES" in env:
        return None
    stdin = sys.stdin
    if stdin is not None and getattr(stdin, "__module__", "").startswith("idlelib"):
        return None
    # rich.console.Console.is_terminal: TTY_COMPATIBLE, then FORCE_COLOR, then isatty()
    compatible = env.get("TTY_COMPATIBLE", "")
    if compatible == "1":
        return None
    if compatible != "0":
        if "FORCE_COLOR" in env:
            if env["FORCE_COLOR"] != "":
                return None
        else:
            isatty = getattr(out, "isatty", None)
            try:
                if isatty is None or isatty():
                    return None
            except ValueError:
                pass  # a closed stream: rich says "not a terminal"
    encoding = (getattr(out, "encoding", "utf-8") or "utf-8").lower()
    if not encoding.startswith("utf"):
        return None  # rich would draw ASCII guides
    # misgen.output.console: COLUMNS is kept only when it is a plain positive number
    columns = env.get("COLUMNS", "")
    if columns and columns.isascii() and columns.isdigit() and 0 < len(columns) < 6 and int(columns) > 0:
        return int(columns)
    # rich.console.Console.size: the first standard stream that is a terminal, else 80
    width = None
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd)[0]
        except (AttributeError, ValueError, OSError):
            continue
        break
    return width or 80
