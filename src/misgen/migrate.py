"""``misgen migrate``: rewrite case and scenario files written against retired signal ids.

Pure translation first (:func:`translate`), then text splicing at the edge
(:func:`migrate_text`): only the top-level ``signals:`` block is rewritten, everything
else in the file (comments, order, other fields) stays byte for byte. Nothing is lost: an
answer without a mechanical translation becomes "unknown" on the new signal and keeps the
old answer, strength, source and evidence in its evidence text and a TODO comment.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from misgen import models, yamledit, yamlio
from misgen.conditions import truth
from misgen.kb import KnowledgeBase
from misgen.problems import InputError, Problem
from misgen.yamledit import comment_lines as _comment
from misgen.yamledit import quote as _q

FIELDS = ("answer", "strength", "evidence", "source")


@dataclass
class Entry:
    """One signal's answer as it will be written, with TODO notes for the coder."""

    answer: str
    rest: dict[str, Any] = field(default_factory=dict)
    todo: list[str] = field(default_factory=list)


@dataclass
class Migration:
    signals: dict[str, Entry]
    changes: list[str]
    kept: set[str] = field(default_factory=set)  # entries written back exactly as they were


def _entry(raw: Any) -> Entry:
    if isinstance(raw, models.Answer):
        raw = raw.model_dump(exclude_none=True)
    if isinstance(raw, str):
        return Entry(raw)
    if isinstance(raw, dict):
        return Entry(str(raw.get("answer", models.UNKNOWN)), {k: v for k, v in raw.items() if k != "answer"})
    return Entry(models.UNKNOWN, {}, [f"unreadable answer {raw!r}"])


def translate(signals: dict[str, Any], kb: KnowledgeBase, complete: bool) -> Migration:
    """New signal answers for old ones. ``complete`` adds every current signal (case files)."""
    old = {sid: _entry(raw) for sid, raw in signals.items()}
    out: dict[str, Entry] = {}
    changes: list[str] = []
    for sid, entry in old.items():
        retired = kb.deprecated.get(sid)
        if retired is None:
            continue
        for new in retired.replaced_by:
            if new in old:
                changes.append(f"{sid}: dropped; '{new}' is already answered (old answer kept in a TODO)")
                old[new].todo.append(_was(sid, entry))
                continue
            mapped = retired.translate.get(entry.answer, {}).get(new)
            if mapped is not None:
                out[new] = Entry(mapped, dict(entry.rest))
                changes.append(f"{sid}: {entry.answer} -> {new}: {mapped}")
            else:
                evidence = _was(sid, entry)
                out[new] = Entry(models.UNKNOWN, {"evidence": evidence}, [f"re-answer from 'misgen explain {new}'"])
                if entry.rest.get("source"):
                    out[new].rest["source"] = entry.rest["source"]
                changes.append(f"{sid}: {entry.answer} -> {new}: unknown (TODO: re-answer)")
    merged: dict[str, Entry] = {}
    values = {sid: e.answer for sid, e in {**old, **out}.items()}
    for sid, signal in kb.signals.items():
        if sid in old:
            merged[sid] = old[sid]
        elif sid in out:
            merged[sid] = out[sid]
        elif complete:
            applies = (
                truth(signal.applies_when, values, kb.definitions)
                if signal.applies_when is not None
                else True
            )
            if applies is False:
                merged[sid] = Entry(models.NOT_APPLICABLE)
                changes.append(f"{sid}: added as not-applicable (its applies_when is false)")
            else:
                merged[sid] = Entry(models.UNKNOWN, {}, [f"new question: answer from 'misgen explain {sid}'"])
                changes.append(f"{sid}: added as unknown (TODO: answer)")
            values[sid] = merged[sid].answer
    for sid, entry in old.items():  # retired ids are replaced; anything else is kept as it was
        if sid not in merged and sid not in kb.deprecated:
            merged[sid] = entry
    kept = {sid for sid, entry in old.items() if sid in merged and not entry.todo}
    return Migration(merged, changes, kept)


def _was(sid: str, entry: Entry) -> str:
    parts = [f'Before signals v2 this case answered {sid}: "{entry.answer}"']
    if entry.rest.get("strength"):
        parts.append(f"({entry.rest['strength']})")
    text = " ".join(parts)
    if entry.rest.get("evidence"):
        text += ", with the evidence: " + " ".join(str(entry.rest["evidence"]).split()).rstrip(".")
    return text + "."


def render(migration: Migration, original: dict[str, list[str]]) -> list[str]:
    """The new signals block; untouched answers keep their original lines."""
    lines = ["signals:"]
    for sid, entry in migration.signals.items():
        if sid in migration.kept and sid in original:
            lines += original[sid]
            continue
        lines.append(f"  {sid}:")
        for note in entry.todo:
            lines += _comment(f"TODO(migrate): {note}", 4)
        lines.append(f"    answer: {_q(entry.answer)}")
        for key in FIELDS[1:]:
            if entry.rest.get(key) is not None:
                lines.append(f"    {key}: {_q(str(entry.rest[key]))}")
        for key, value in entry.rest.items():
            if key not in FIELDS:
                lines.append(f"    {key}: {_q(str(value))}")
    return lines


_TOP_KEY = re.compile(r"^[^\s#]")
_ENTRY = re.compile(r"^  ([^\s#:][^:]*):")


def migrate_text(text: str, display: str, kb: KnowledgeBase) -> tuple[str, list[str]]:
    """The migrated file text and what changed (empty when already current)."""
    doc = yamlio.parse(text, display)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("signals"), dict):
        raise InputError([Problem(display, 1, 1, "signals", "no 'signals' mapping to migrate", "")])
    complete = "curated" in data  # a case answers every signal; a scenario may answer a few
    migration = translate(data["signals"], kb, complete)
    if not migration.changes:
        return text, []
    lines = text.splitlines(keepends=True)
    how = "write it as 'signals:' followed by indented answers, then migrate"
    start, end, newline = yamledit.top_level_block(lines, "signals", display, how)
    original: dict[str, list[str]] = {}
    pending: list[str] = []  # comments and blank lines belong to the entry that follows
    current: str | None = None
    for line in lines[start + 1 : end]:
        key = _ENTRY.match(line)
        if key:
            current = key.group(1).strip("\"'")
            original[current] = pending
            pending = []
        if current is None or not key and not line.startswith("   ") and line.strip().startswith("#"):
            pending.append(line.rstrip("\r\n"))
            continue
        original[current].append(line.rstrip("\r\n"))
    block = [line + newline for line in render(migration, original)]
    return "".join(lines[:start] + block + lines[end:]), migration.changes


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, keeping its permissions."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
