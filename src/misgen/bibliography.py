"""The one bibliography: every work once, in ``taxonomy/sources.yaml``; cases cite by id.

Pure functions: :func:`identifiers` (the normalised arXiv id, DOI and URL that name a work,
so one work under two ids is found), :func:`differences` (which bibliographic fields of two
records of the same id disagree) and :func:`migrate_sources` (rewrite a case file's inline
source records, the format before 2026-12, as citations, returning the records the
bibliography must gain). ``misgen migrate`` does the I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from misgen import yamledit, yamlio
from misgen.loading import locate
from misgen.problems import Problem

#: the fields that say which work a record is; ``verified`` and ``note`` are about the check
WORK_FIELDS = ("authors", "year", "title", "venue", "arxiv", "doi", "url")
RECORD_FIELDS = ("id", *WORK_FIELDS, "verified", "note")


def identifiers(record: Any) -> list[str]:
    """``arxiv:…``, ``doi:…`` and ``url:…`` keys of a record (a dict or a models.Source).

    >>> identifiers({"arxiv": "2105.14111", "url": "https://www.Example.org/a/"})
    ['arxiv:2105.14111', 'url:example.org/a']
    """
    def get(key: str) -> Any:
        return record.get(key) if isinstance(record, dict) else getattr(record, key, None)

    keys = []
    if get("arxiv"):
        keys.append("arxiv:" + str(get("arxiv")).strip().lower())
    if get("doi"):
        keys.append("doi:" + str(get("doi")).strip().lower())
    if get("url"):
        url = re.sub(r"^https?://(www\.)?", "", str(get("url")).strip().lower())
        keys.append("url:" + url.split("#")[0].rstrip("/"))
    return keys


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The bibliographic fields in which two records differ.

    >>> differences({"title": "A", "year": 2020}, {"title": "A", "year": 2021, "note": "x"})
    ['year']
    """
    return [k for k in WORK_FIELDS if a.get(k) != b.get(k)]


@dataclass
class SourceMigration:
    text: str
    new_records: list[dict[str, Any]] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)




def _is_record(item: Any) -> bool:
    return isinstance(item, dict) and "id" in item and "source" not in item


def migrate_sources(
    text: str, display: str, bibliography: dict[str, dict[str, Any]]
) -> SourceMigration:
    """Replace inline source records in a case or scenario file by citations.

    ``bibliography`` maps ids to records (plain dicts) already in ``taxonomy/sources.yaml``
    or gained from files migrated before this one. A record whose id is new is returned in
    ``new_records``; one that names the same work as the bibliography's record (same
    bibliographic fields) becomes a citation, and its own ``note``, when the bibliography's
    differs, is kept as a comment above the citation; one that differs in a bibliographic
    field is a problem and the file's sources stay as they are.
    """
    doc = yamlio.parse(text, display)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        return SourceMigration(text)
    items = data["sources"]
    if not any(_is_record(item) for item in items):
        return SourceMigration(text)
    out = SourceMigration(text)
    entries: list[list[str]] = []
    gained: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(items):
        if not _is_record(item):
            entries.append(_citation_lines(item))
            continue
        sid = str(item["id"])
        record = {k: item[k] for k in RECORD_FIELDS if k in item}
        known = bibliography.get(sid) or gained.get(sid)
        if known is None:
            gained[sid] = record
            out.changes.append(f"sources: '{sid}' moved to taxonomy/sources.yaml")
            entries.append([f"  - source: {sid}"])
            continue
        diff = differences(record, known)
        if diff:
            out.problems.append(
                locate(
                    doc,
                    display,
                    ("sources", i, "id"),
                    f"'{sid}' differs from the bibliography's record in {', '.join(diff)}",
                    "check the work at its source and make the two records the same (or give "
                    "this one a new id), then migrate again; nothing was changed",
                )
            )
            continue
        comment = []
        if item.get("note") and item.get("note") != known.get("note"):
            comment = [f"  # note from this file's own record: {' '.join(str(item['note']).split())}"]
        out.changes.append(f"sources: '{sid}' now cites the bibliography's record")
        entries.append([*comment, f"  - source: {sid}"])
    if out.problems:
        return SourceMigration(text, problems=out.problems)
    out.new_records = list(gained.values())
    out.text = _splice(text, [line for entry in entries for line in entry], display)
    return out


def _citation_lines(item: Any) -> list[str]:
    if isinstance(item, dict) and set(item) <= {"source", "locator"} and "source" in item:
        lines = [f"  - source: {item['source']}"]
        if item.get("locator") is not None:
            lines.append(f"    locator: {yamledit.quote(str(item['locator']))}")
        return lines
    return ["  - " + yamledit.quote(str(item))]  # not a citation: kept for validate to report


def _splice(text: str, block: list[str], display: str) -> str:
    lines = text.splitlines(keepends=True)
    how = "write it as 'sources:' followed by '- ' items, then migrate"
    start, end, newline = yamledit.top_level_block(lines, "sources", display, how, comments_end=True)
    return "".join(lines[: start + 1] + [line + newline for line in block] + lines[end:])


def append_records(bibliography_text: str, records: list[dict[str, Any]]) -> str:
    """``taxonomy/sources.yaml`` with ``records`` appended, the existing text untouched."""
    import yaml  # type: ignore[import-untyped]

    if not records:
        return bibliography_text
    dumped = yaml.safe_dump(records, sort_keys=False, allow_unicode=True, width=100)
    block = "".join("  " + line if line.strip() else line for line in dumped.splitlines(True))
    text = bibliography_text if bibliography_text.endswith("\n") else bibliography_text + "\n"
    return text + block
