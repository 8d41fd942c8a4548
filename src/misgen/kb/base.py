"""The knowledge base: its data class and the helpers every loading step shares."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from misgen import ids, models
from misgen.loading import locate
from misgen.problems import InputError, Problem
from misgen.yamlio import Document, load_file

TAXONOMY_FILES: dict[str, tuple[str, type[models.Strict]]] = {
    "signals": ("taxonomy/signals.yaml", models.SignalsFile),
    "labels": ("taxonomy/labels.yaml", models.LabelsFile),
    "relations": ("taxonomy/relations.yaml", models.RelationsFile),
    "frameworks": ("taxonomy/frameworks.yaml", models.FrameworksFile),
    "sources": ("taxonomy/sources.yaml", models.SourcesFile),
    "rules": ("classifier/rules.yaml", models.RulesFile),
    "policy": ("classifier/policy.yaml", models.Policy),
    "deprecated": ("taxonomy/deprecated.yaml", models.DeprecatedFile),
    "debate": ("taxonomy/debate.yaml", models.DebateFile),
}


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything misgen knows, validated. Cases are keyed by id, in sorted order."""

    root: Path
    signals: dict[str, models.Signal]
    deprecated: dict[str, models.DeprecatedSignal]
    positions: dict[str, models.Position]
    labels: dict[str, models.Label]
    subtypes: dict[str, models.Subtype]
    relations: tuple[models.Relation, ...]
    frameworks: dict[str, models.Framework]
    sources: dict[str, models.Source]
    definitions: dict[str, models.Definition]
    rules: tuple[models.Rule, ...]
    policy: models.Policy | None
    cases: dict[str, models.Case]
    case_paths: dict[str, str]
    problems: tuple[Problem, ...] = field(default=())
    #: ids of draft source records written in case files, not yet in taxonomy/sources.yaml
    drafts: frozenset[str] = field(default=frozenset())

    @property
    def ok(self) -> bool:
        return not self.problems

    def answers_of(self, case_id: str) -> dict[str, models.Answer]:
        return dict(self.cases[case_id].signals)


def display_name(root: Path, path: Path) -> str:
    """How a file is named in problems: relative to the data root when inside it."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except (ValueError, RuntimeError, OSError):  # outside, or a symlink loop (RuntimeError < 3.13)
        return str(path)


def resolved(path: Path) -> Path:
    """``path.resolve()``, or the absolute path unresolved when it is a symlink loop."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return Path(os.path.abspath(path))


def loops(path: Path) -> bool:
    """Whether resolving ``path`` fails: a symlink loop (RuntimeError before Python 3.13,
    OSError from 3.13 on) or a link too deep to follow."""
    try:
        path.resolve()
        return False
    except (RuntimeError, OSError):
        return True


def _loop_problem(rel: str) -> Problem:
    return locate(
        None,
        rel,
        (),
        "symlink loop: the link leads back to itself",
        "replace the link with the real file or folder",
    )


def iter_case_files(root: Path) -> list[Path]:
    folder = root / "cases"
    return sorted(p for p in folder.glob("*.yaml")) if folder.is_dir() and not loops(folder) else []


_ID_LISTS = (
    ("signals", "signals"),
    ("labels", "labels"),
    ("relations", "relations"),
    ("frameworks", "frameworks"),
    ("sources", "sources"),
    ("debate", "positions"),
)


def _duplicate_ids(
    parts: dict[str, object], docs: dict[str, tuple[Document | None, str]]
) -> list[Problem]:
    """Ids listed twice in a taxonomy file (compared folded), found on the lists themselves:
    the dictionaries built from them would silently keep only the last."""
    found: list[Problem] = []
    for key, attr in _ID_LISTS:
        part = parts.get(key)
        if part is None:
            continue
        doc, rel = docs[key]
        items = getattr(part, attr)
        for i, item_id in _dupes(x.id for x in items):
            found.append(
                locate(
                    doc,
                    rel,
                    (attr, i, "id"),
                    f"duplicate {attr[:-1]} id '{item_id}'",
                    "ids must be unique",
                )
            )
        for child in ("subtypes", "terms"):
            for pi, item in enumerate(items):
                for ci, child_id in _dupes(c.id for c in getattr(item, child, ())):
                    found.append(
                        locate(
                            doc,
                            rel,
                            (attr, pi, child, ci, "id"),
                            f"duplicate {child[:-1]} id '{child_id}'",
                            "ids must be unique",
                        )
                    )
    return found


def _misnamed_case_files(root: Path) -> list[Problem]:
    """Files in cases/ that look like case files but would be silently skipped."""
    folder = root / "cases"
    if not folder.is_dir():
        return []
    return [
        locate(
            None,
            f"cases/{p.name}",
            (),
            "ignored: case files must end in '.yaml'",
            f"rename it to {p.stem}.yaml",
        )
        for p in sorted(folder.iterdir())
        if p.suffix.lower() in (".yaml", ".yml") and p.suffix != ".yaml"
    ]


def _order(p: Problem) -> tuple[str, int, int, str, str]:
    return (p.path, p.line or 0, p.column or 0, p.field, p.message)


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` (symlinks resolved) lies within ``folder``."""
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, RuntimeError, OSError):  # outside, or a symlink loop
        return False


class _Reparse:
    """A case document parsed again on first use, to place a problem found by a cross-file check."""

    __slots__ = ("display", "doc", "path")

    def __init__(self, path: Path, display: str) -> None:
        self.path, self.display = path, display
        self.doc: Document | None = None

    def mark_for(self, path: tuple[str | int, ...]) -> tuple[int, int] | None:
        if self.doc is None:
            try:
                self.doc = load_file(self.path, self.display)
            except InputError:  # changed or removed since it was loaded: no position
                return None
        return self.doc.mark_for(path)


# --------------------------------------------------------------------------- checks


def _dupes(items: Iterable[str]) -> Iterator[tuple[int, str]]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        key = ids.fold(item)
        if key in seen:
            yield index, item
        seen.add(key)


def debate_targets(kb: KnowledgeBase) -> set[str]:
    """Every id a debate position may bear on, apart from cases."""
    return (
        set(kb.labels)
        | set(kb.subtypes)
        | set(kb.signals)
        | {r.id for r in kb.rules}
        | {r.id for r in kb.relations}
        | set(kb.frameworks)
        | {f"{fw.id}:{t.id}" for fw in kb.frameworks.values() for t in fw.terms}
    )


def _looks_like_case(target: str) -> bool:
    """Without the case base loaded, a case id cannot be checked: accept a well-formed one."""
    return ids.is_slug(target)


def positions_on(kb: KnowledgeBase, key: str) -> list[models.Position]:
    """The debate positions that bear on ``key`` (for a subtype, also its label's)."""
    return [p for p in kb.positions.values() if key in p.bears_on]


def _suggest(value: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(value, sorted(choices), n=1)
    return f"did you mean '{close[0]}'?" if close else ""
