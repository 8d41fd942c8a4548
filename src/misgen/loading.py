"""Read one data file into a model, turning every failure into located :class:`Problem` s."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from misgen import yamlio
from misgen.problems import InputError, Problem

M = TypeVar("M", bound=BaseModel)

_HINTS = {
    "missing": "add the field (see the schema in schema/)",
    "bool_type": "write true or false, unquoted",
    "int_type": "write a plain whole number",
    "string_type": "quote the value so it is read as text",
    "list_type": "write a list: one '- item' per line, or [a, b]",
    "dict_type": "write a mapping of 'key: value' lines",
    "model_type": "write a mapping of 'key: value' lines",
    "string_pattern_mismatch": "ids use lowercase ASCII letters, digits and single hyphens",
    "string_too_long": "shorten the text",
    "string_too_short": "fill in the text",
    "too_short": "add at least one item",
    "literal_error": "use one of the listed values",
    "condition_node": "see classifier/README.md for the condition nodes",
}


def _walk(
    data: Any, loc: tuple[Any, ...], keep_last: bool = True
) -> tuple[tuple[str | int, ...], Any]:
    """Follow a pydantic ``loc`` through the data, dropping union tags that are not keys.

    Union members show up in ``loc`` as tags (``Answer``, ``constrained-str``, or a
    condition tag such as ``is`` that is also a key of the node). A part is a tag when it is
    not a key here but more parts follow, or when it is a key holding a scalar while the
    next part is a sibling key. Only the last part may name a missing or unknown key
    (``keep_last``: for the error types about keys).
    """
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        nxt = None if last else loc[i + 1]
        if isinstance(node, dict) and part in node:
            if nxt in node and not isinstance(node[part], (dict, list)):
                continue  # a condition tag equal to a key: {signal: x, is: y} reports (..., "is", "signal")
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and not isinstance(part, int) and last and keep_last:
            # a missing or unknown key: keep it in the field name, it has no position
            path.append(part)
            node = None
    return tuple(path), node


def _pattern_hint(error: Any) -> str:
    """What a pattern wants, and for ids what is wrong with the text (look-alikes, case)."""
    pattern = str((error.get("ctx") or {}).get("pattern", ""))
    if pattern.startswith("^https?"):
        return "write a web address starting with https:// (or http://)"
    if pattern.startswith("^10"):
        return "write a DOI such as 10.1234/abcd, without https://doi.org/"
    if pattern.startswith("^[0-9]{4}"):
        return "write an arXiv id such as 2105.14111, quoted"
    hint = "ids use lowercase ASCII letters, digits and single hyphens"
    text = error.get("input")
    if isinstance(text, str):
        import unicodedata

        odd = next((ch for ch in text if not ch.isascii() or not ch.isprintable()), None)
        if odd is not None:
            name = unicodedata.name(odd, "")
            hint += (
                f"; U+{ord(odd):04X} ({name}) is not one of them, even if it looks like one"
                if name
                else f"; it contains the control character U+{ord(odd):04X}"
            )
        from misgen import ids

        folded = unicodedata.normalize("NFKC", text).casefold().replace("_", "-").strip()
        if folded != text and ids.is_slug(folded):
            hint += f"; did you mean '{folded}'?"
    return hint


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def field_name(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def problems_from(exc: ValidationError, doc: yamlio.Document, display: str) -> list[Problem]:
    problems = []
    errors = exc.errors(include_url=False)
    # how many errors lie under each location prefix (linear: a file may hold 100k errors)
    under: dict[tuple[Any, ...], int] = {}
    for e in errors:
        for end in range(len(e["loc"]) + 1):
            prefix = tuple(e["loc"][:end])
            under[prefix] = under.get(prefix, 0) + 1
    for error in errors:
        kind = error["type"]
        loc = tuple(error["loc"])
        if (
            kind == "string_type"
            and isinstance(error.get("input"), (dict, list))
            and under.get(loc[:-1], 0) > 1
        ):
            continue  # the text branch of a union (e.g. Answer | str) given a mapping: the other branch says why
        path, _ = _walk(doc.data, loc, keep_last=kind in ("missing", "extra_forbidden"))
        mark = doc.mark_for(path)
        message = error["msg"]
        hint = _HINTS.get(kind, "")
        if kind == "string_pattern_mismatch":
            hint = _pattern_hint(error)
        if kind == "extra_forbidden":
            message = f"unknown field '{path[-1] if path else ''}'"
            hint = "check the spelling against the schema; unknown fields are never ignored"
        elif kind == "bool_type" and isinstance(error.get("input"), str):
            hint = f"'{_short(error['input'])}' is text here; write true or false, unquoted"
        elif kind == "missing":
            message = f"required field '{path[-1] if path else ''}' is missing"
        elif kind in ("int_type", "float_type") and isinstance(error.get("input"), str):
            hint = f"'{_short(error['input'])}' is text here (a date, or quoted?); write a plain number, unquoted"
        elif kind == "string_type" and isinstance(error.get("input"), (bool, int, float)):
            written = doc.texts.get(path, str(error["input"]))
            typ = {bool: "a boolean", int: "a number", float: "a number"}[type(error["input"])]
            hint = f'quote it: "{written}" (unquoted, {written} is read as {typ}, not text)'
        elif kind == "string_type" and error.get("input", 0) is None:
            hint = "the value is empty (or null/~): write the text, quoted"
        if kind == "extra_forbidden" and path in doc.keys:
            mark = doc.keys[path]  # the unknown key itself
        elif kind == "missing" or kind == "extra_forbidden":
            mark = doc.mark_for(path[:-1]) if path else mark
        line, col = mark if mark else (None, None)
        problems.append(Problem(display, line, col, field_name(path), message, hint))
    return problems


def load_model(
    path: Path, model: type[M], display: str
) -> tuple[M | None, yamlio.Document | None, list[Problem]]:
    """Parse and validate one file. Returns (model or None, document or None, problems)."""
    try:
        doc = yamlio.load_file(path, display)
    except InputError as exc:
        return None, None, exc.problems
    if not isinstance(doc.data, dict):
        return (
            None,
            doc,
            [
                Problem(
                    display,
                    1,
                    1,
                    "",
                    "the file must hold a YAML mapping (key: value lines)",
                    "start from an existing file or run 'misgen new'",
                )
            ],
        )
    try:
        return model.model_validate(doc.data), doc, []
    except ValidationError as exc:
        return None, doc, problems_from(exc, doc, display)


def locate(
    doc: yamlio.Document | None,
    display: str,
    path: tuple[str | int, ...],
    message: str,
    hint: str = "",
) -> Problem:
    """A problem found by a cross-file check, placed at ``path`` in ``doc``."""
    mark = doc.mark_for(path) if doc else None
    line, col = mark if mark else (None, None)
    return Problem(display, line, col, field_name(path), message, hint)
