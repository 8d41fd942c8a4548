"""Load the whole knowledge base from a data root and cross-check it.

Every file is parsed and validated on its own (:mod:`misgen.loading`), then the checks
here make sure every reference resolves: signals and answers used by rules, labels and
subtypes, sources, linked cases, rule test cases. All problems are collected in one run.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from misgen import ids, models
from misgen.loading import load_model, locate
from misgen.problems import InputError, Problem
from misgen.conditions import condition_text, truth
from misgen.conditions import signals_in as engine_signals_in
from misgen.conditions import children, walk
from misgen.yamlio import Document, _env_int, load_file

TAXONOMY_FILES = {
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


def load(root: Path, extra_cases: Iterable[Path] = (), *, with_cases: bool = True) -> KnowledgeBase:
    """Load and check the data root (plus ``extra_cases`` outside it).

    ``with_cases=False`` loads only taxonomy/ and classifier/ (all that classifying a scenario
    needs) and skips the checks that need the case base (rule tests naming cases).
    """
    problems: list[Problem] = []
    docs: dict[str, tuple[Document | None, str]] = {}
    parts: dict[str, object] = {}
    for key, (rel, model) in TAXONOMY_FILES.items():
        path = root / rel
        if not path.is_file():
            problems.append(
                locate(
                    None,
                    rel,
                    (),
                    "required file is missing",
                    f"restore {rel} from the misgen repository",
                )
            )
            parts[key] = None
            continue
        if not inside(path, root):
            problems.append(
                locate(
                    None,
                    rel,
                    (),
                    "symlink points outside the data root",
                    f"put the real file at {rel}",
                )
            )
            parts[key] = None
            continue
        obj, doc, found = load_model(path, model, rel)
        problems += found
        parts[key] = obj
        docs[key] = (doc, rel)

    problems += _duplicate_ids(parts, docs)
    case_files = iter_case_files(root) if with_cases else []
    root_files = set(case_files)
    if with_cases:
        problems += _misnamed_case_files(root)
        if (root / "cases").is_symlink() and loops(root / "cases"):
            problems.append(_loop_problem("cases"))
    looping = [p for p in case_files if p.is_symlink() and loops(p)]
    problems += [_loop_problem(f"cases/{p.name}") for p in looping]
    case_files = [p for p in case_files if p not in looping]
    extra = list(extra_cases)
    problems += [_loop_problem(str(p)) for p in extra if loops(p)]
    extra = [p for p in extra if not loops(p)]
    if extra:
        seen = {p.resolve() for p in case_files}
        case_files += [p for p in extra if p.resolve() not in seen]
    # resolved once: resolving every path costs ~13 lstat calls per file (a quarter of the
    # load time at 1,000 cases); a plain file in a plain cases/ folder needs no resolving
    real_root = root.resolve()
    cases_plain = resolved(root / "cases") == real_root / "cases"
    cases: dict[str, models.Case] = {}
    case_docs: dict[
        str, tuple[Document | None, str]
    ] = {}  # documents re-read only to place a problem
    folded: dict[str, str] = {}
    # The loaded data is acyclic (no aliases), so pausing the cyclic GC during the bulk
    # load is safe and keeps the per-file cost flat from 1k to 10k files.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for path in case_files:
            in_root, is_link = path in root_files, path.is_symlink()
            plain = in_root and cases_plain and not is_link
            display = f"cases/{path.name}" if plain else display_name(root, path)
            # a file of the data root (or a symlinked cases/ folder) must stay inside the root
            if not plain and (in_root or is_link) and not inside(path, real_root):
                link = (
                    f"cases/{path.name}" if path in root_files else str(path)
                )  # the link, not its target
                problems.append(
                    locate(
                        None,
                        link,
                        (),
                        "symlink points outside the data root",
                        "copy the file into cases/ instead of linking it",
                    )
                )
                continue
            case, doc, found = load_model(path, models.Case, display)
            problems += found
            if case is None:
                continue
            if path.stem != case.id:
                problems.append(
                    locate(
                        doc,
                        display,
                        ("id",),
                        f"id '{case.id}' differs from the file name '{path.stem}'",
                        f"rename the file to {case.id}.yaml or change the id",
                    )
                )
            key = ids.fold(case.id)
            if key in folded:
                problems.append(
                    locate(
                        doc,
                        display,
                        ("id",),
                        f"id '{case.id}' is already used by {case_docs[folded[key]][1]} (ids are compared after NFKC case folding)",
                        "choose a distinct id",
                    )
                )
                continue
            folded[key] = case.id
            cases[case.id] = case
            # not ``doc``: its node positions (~50 KB per case) would be held for every case
            # until the checks end (630 MB for 10,000 cases); a problem re-reads its file
            case_docs[case.id] = (cast(Document, _Reparse(path, display)), display)
    finally:
        if gc_was_enabled:
            gc.enable()

    signals = {s.id: s for s in parts["signals"].signals} if parts["signals"] else {}  # type: ignore[attr-defined]
    labels = {lab.id: lab for lab in parts["labels"].labels} if parts["labels"] else {}  # type: ignore[attr-defined]
    subtypes = {s.id: s for lab in labels.values() for s in lab.subtypes}
    kb = KnowledgeBase(
        root=root,
        signals=signals,
        deprecated={d.id: d for d in parts["deprecated"].deprecated} if parts["deprecated"] else {},  # type: ignore[attr-defined]
        positions={p.id: p for p in parts["debate"].positions} if parts["debate"] else {},  # type: ignore[attr-defined]
        labels=labels,
        subtypes=subtypes,
        relations=tuple(parts["relations"].relations) if parts["relations"] else (),  # type: ignore[attr-defined]
        frameworks={f.id: f for f in parts["frameworks"].frameworks} if parts["frameworks"] else {},  # type: ignore[attr-defined]
        sources={s.id: s for s in parts["sources"].sources} if parts["sources"] else {},  # type: ignore[attr-defined]
        definitions=dict(parts["rules"].definitions) if parts["rules"] else {},  # type: ignore[attr-defined]
        rules=tuple(parts["rules"].rules) if parts["rules"] else (),  # type: ignore[attr-defined]
        policy=parts["policy"],  # type: ignore[arg-type]
        cases=dict(sorted(cases.items())),
        case_paths={cid: case_docs[cid][1] for cid in sorted(cases)},
    )
    if not problems:
        problems += list(check_sizes(kb, docs))
        problems += list(check_taxonomy(kb, docs))
        problems += list(check_rules(kb, docs, with_cases=with_cases))
        problems += list(check_cases(kb, case_docs))
    return KnowledgeBase(**{**kb.__dict__, "problems": tuple(sorted(set(problems), key=_order))})


#: (part, list field, id field) for every id list in the taxonomy files; nested lists
#: (subtypes of a label, terms of a framework) are checked within their parent.
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


def check_taxonomy(
    kb: KnowledgeBase, docs: dict[str, tuple[Document | None, str]]
) -> Iterator[Problem]:
    # duplicate ids within each list are found by _duplicate_ids, before the dicts are built
    ldoc, lrel = docs["labels"]
    for li, label in enumerate(kb.labels.values()):
        for ci, cond in enumerate(label.necessary_conditions):
            if isinstance(cond, str):
                continue
            where = ("labels", li, "necessary_conditions", ci, "signals")
            yield from _check_condition(kb, cond.signals, ldoc, lrel, where, True)
            if any(isinstance(n, (models.LabelNode, models.UseNode)) for n in walk(cond.signals)):
                yield locate(ldoc, lrel, where, "a necessary condition reads signals only (no 'label' or 'use')")
        for si, sub in enumerate(label.subtypes):
            if ids.label_of_subtype(sub.id) != label.id:
                yield locate(
                    ldoc,
                    lrel,
                    ("labels", li, "subtypes", si, "id"),
                    f"subtype '{sub.id}' must start with '{label.id}.'",
                )
            for k, src in enumerate(sub.sources):
                if src not in kb.sources:
                    yield locate(
                        ldoc,
                        lrel,
                        ("labels", li, "subtypes", si, "sources", k),
                        f"unknown source '{src}'",
                        "add it to taxonomy/sources.yaml",
                    )
        for k, src in enumerate(label.sources):
            if src not in kb.sources:
                yield locate(
                    ldoc,
                    lrel,
                    ("labels", li, "sources", k),
                    f"unknown source '{src}'",
                    "add it to taxonomy/sources.yaml",
                )
    sdoc, srel = docs["signals"]
    for si, signal in enumerate(kb.signals.values()):
        if signal.applies_when is not None:
            yield from _check_condition(
                kb, signal.applies_when, sdoc, srel, ("signals", si, "applies_when"), True
            )
            if any(isinstance(n, (models.LabelNode, models.UseNode)) for n in walk(signal.applies_when)):
                yield locate(
                    sdoc,
                    srel,
                    ("signals", si, "applies_when"),
                    "applies_when reads signals only (no 'label' or 'use')",
                )
            if signal.id in engine_signals_in(signal.applies_when):
                yield locate(
                    sdoc, srel, ("signals", si, "applies_when"), "a signal cannot depend on itself"
                )
    if "deprecated" in docs:
        ddoc, drel = docs["deprecated"]
        for di, old in enumerate(kb.deprecated.values()):
            if old.id in kb.signals:
                yield locate(
                    ddoc,
                    drel,
                    ("deprecated", di, "id"),
                    f"'{old.id}' is a current signal and cannot also be deprecated",
                    "retired ids are never reused for a new question",
                )
            for k, new in enumerate(old.replaced_by):
                if new not in kb.signals:
                    yield locate(
                        ddoc,
                        drel,
                        ("deprecated", di, "replaced_by", k),
                        f"unknown signal '{new}'",
                        _suggest(new, kb.signals),
                    )
            for answer, targets in old.translate.items():
                for new, value in targets.items():
                    if new not in old.replaced_by:
                        yield locate(
                            ddoc,
                            drel,
                            ("deprecated", di, "translate", answer, new),
                            f"'{new}' is not listed in replaced_by",
                        )
                    elif new in kb.signals and value not in kb.signals[new].answers:
                        yield locate(
                            ddoc,
                            drel,
                            ("deprecated", di, "translate", answer, new),
                            f"'{value}' is not an answer of signal '{new}'",
                            f"allowed: {', '.join(kb.signals[new].answers)}",
                        )
    if "debate" in docs:
        bdoc, brel = docs["debate"]
        known = debate_targets(kb)
        for pi, pos in enumerate(kb.positions.values()):
            if pos.source not in kb.sources:
                yield locate(
                    bdoc, brel, ("positions", pi, "source"), f"unknown source '{pos.source}'",
                    "add it to taxonomy/sources.yaml",
                )
            for k, target in enumerate(pos.bears_on):
                if target not in known and not (target in kb.cases or not kb.cases and _looks_like_case(target)):
                    yield locate(
                        bdoc, brel, ("positions", pi, "bears_on", k), f"unknown id '{target}'",
                        "use a label, subtype, signal, rule, relation, case or framework:term id",
                    )
    rdoc, rrel = docs["relations"]
    nodes = set(kb.labels) | set(kb.subtypes)
    for ri, rel in enumerate(kb.relations):
        for end in ("source", "target"):
            if getattr(rel, end) not in nodes:
                yield locate(
                    rdoc,
                    rrel,
                    ("relations", ri, end),
                    f"unknown label or subtype '{getattr(rel, end)}'",
                    _suggest(getattr(rel, end), nodes),
                )
        if rel.source == rel.target:
            yield locate(
                rdoc, rrel, ("relations", ri, "target"), "a relation cannot point at itself"
            )
        for k, src in enumerate(rel.sources):
            if src not in kb.sources:
                yield locate(rdoc, rrel, ("relations", ri, "sources", k), f"unknown source '{src}'")
    fdoc, frel = docs["frameworks"]
    kinds = kb.signals.get("system-kind")
    for fi, fw in enumerate(kb.frameworks.values()):
        for k, kind in enumerate(fw.scope):
            if kinds is None or kind not in kinds.answers or kind == models.UNKNOWN:
                yield locate(
                    fdoc,
                    frel,
                    ("frameworks", fi, "scope", k),
                    f"'{kind}' is not a kind of system",
                    f"allowed: {', '.join(a for a in (kinds.answers if kinds else []) if a != models.UNKNOWN)}",
                )
        for k, src in enumerate(fw.sources):
            if src not in kb.sources:
                yield locate(
                    fdoc, frel, ("frameworks", fi, "sources", k), f"unknown source '{src}'"
                )
        for ti, term in enumerate(fw.terms):
            for mi, mapping in enumerate(term.maps_to):
                if mapping.target not in nodes:
                    yield locate(
                        fdoc,
                        frel,
                        ("frameworks", fi, "terms", ti, "maps_to", mi, "target"),
                        f"unknown label or subtype '{mapping.target}'",
                        _suggest(mapping.target, nodes),
                    )
            yield from _check_condition(
                kb, term.when, fdoc, frel, ("frameworks", fi, "terms", ti, "when"), allow_label=True
            )
    # every id is unique across kinds, so `misgen explain ID` is unambiguous
    owners: dict[str, str] = {}
    for kind, keys in (("signal", kb.signals), ("label", kb.labels), ("framework", kb.frameworks)):
        for key in keys:
            if ids.fold(key) in owners:
                yield locate(
                    None,
                    "taxonomy",
                    (),
                    f"{kind} id '{key}' is also used by a {owners[ids.fold(key)]}",
                    "ids must be unique across kinds",
                )
            owners[ids.fold(key)] = kind


def _suggest(value: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(value, sorted(choices), n=1)
    return f"did you mean '{close[0]}'?" if close else ""


def _check_condition(
    kb: KnowledgeBase,
    node: models.Condition,
    doc: Document | None,
    rel: str,
    path: tuple[str | int, ...],
    allow_label: bool = False,
) -> Iterator[Problem]:
    if isinstance(node, (models.AllNode, models.AnyNode)):
        key = "all" if isinstance(node, models.AllNode) else "any"
        for i, child in enumerate(node.all if isinstance(node, models.AllNode) else node.any):
            yield from _check_condition(kb, child, doc, rel, path + (key, i), allow_label)
    elif isinstance(node, models.NotNode):
        yield from _check_condition(kb, node.not_, doc, rel, path + ("not",), allow_label)
    elif isinstance(node, models.AtLeastNode):
        if node.at_least > len(node.of):
            yield locate(
                doc,
                rel,
                path + ("at-least",),
                f"at-least {node.at_least} of only {len(node.of)} conditions can never be true",
            )
        for i, child in enumerate(node.of):
            yield from _check_condition(kb, child, doc, rel, path + ("of", i), allow_label)
    elif isinstance(node, (models.IsNode, models.InNode)):
        signal = kb.signals.get(node.signal)
        if signal is None:
            yield locate(
                doc,
                rel,
                path + ("signal",),
                f"unknown signal '{node.signal}'",
                _suggest(node.signal, kb.signals),
            )
            return
        values = [node.is_] if isinstance(node, models.IsNode) else node.in_
        for value in values:
            if value not in signal.answers:
                yield locate(
                    doc,
                    rel,
                    path + (("is",) if isinstance(node, models.IsNode) else ("in",)),
                    f"'{value}' is not an answer of signal '{signal.id}'",
                    f"allowed: {', '.join(signal.answers)}",
                )
    elif isinstance(node, models.UseNode):
        if allow_label:
            yield locate(
                doc, rel, path + ("use",), "'use' is only available in classifier/rules.yaml"
            )
        elif node.use not in kb.definitions:
            yield locate(
                doc,
                rel,
                path + ("use",),
                f"unknown definition '{node.use}'",
                _suggest(node.use, kb.definitions),
            )
    elif isinstance(node, models.LabelNode):
        if not allow_label:
            yield locate(
                doc,
                rel,
                path + ("label",),
                "'label' conditions are only allowed in framework terms (rules must never read labels)",
            )
        elif node.label not in kb.labels and node.label not in kb.subtypes:
            yield locate(doc, rel, path + ("label",), f"unknown label or subtype '{node.label}'")


def _plain(node: models.Condition) -> bool:
    """Whether a condition reads signals only (no ``use``, no ``label``)."""
    return not any(isinstance(n, (models.LabelNode, models.UseNode)) for n in walk(node))


def _uses(node: models.Condition) -> Iterator[str]:
    if isinstance(node, models.UseNode):
        yield node.use
    for child in (
        getattr(node, "all", None) or getattr(node, "any", None) or getattr(node, "of", None) or []
    ):
        yield from _uses(child)
    if isinstance(node, models.NotNode):
        yield from _uses(node.not_)


#: the longest chain of definitions through ``use``: evaluation recurses once per link
MAX_USE_DEPTH = 12

#: The expanded size of one condition: its nodes, with every ``use`` replaced by the
#: definition's tree (so a definition used twice counts twice). Traces, explanations, the
#: near-miss search and the docs all walk conditions expanded, so this (not the file size)
#: is what bounds their time and memory. Override with MISGEN_MAX_CONDITION_NODES.
MAX_CONDITION_NODES = _env_int("MISGEN_MAX_CONDITION_NODES", 1_000)
#: The expanded size of every condition of the rule base together (rules, definitions,
#: policy caveats, applies_when, necessary conditions, framework terms): what classifying
#: one case costs. The bundled data uses about 400 (its largest condition: 22 nodes).
#: Override with MISGEN_MAX_RULE_BASE_NODES.
MAX_RULE_BASE_NODES = _env_int("MISGEN_MAX_RULE_BASE_NODES", 5_000)


def _use_graph(definitions: dict[str, models.Definition]) -> dict[str, list[str]]:
    return {
        name: [u for u in dict.fromkeys(_uses(d.when)) if u in definitions]
        for name, d in definitions.items()
    }


def definition_sizes(definitions: dict[str, models.Definition]) -> dict[str, int]:
    """The expanded size of every definition not on a ``use`` cycle, memoised: linear time.

    Definitions are sized in order of the chain length below them, so every definition a
    tree uses is sized before the tree; a use of a cyclic or unknown definition counts 1.
    """
    _cyclic, depth = _cycles_and_depth(_use_graph(definitions))
    sizes: dict[str, int] = {}
    for name in sorted(depth, key=depth.__getitem__):
        sizes[name] = expanded_size(definitions[name].when, sizes)
    return sizes


def expanded_size(node: models.Condition, sizes: dict[str, int]) -> int:
    """The nodes of ``node`` with each ``use`` counted as the definition's size (``sizes``)."""
    if isinstance(node, models.UseNode):
        return 1 + sizes.get(node.use, 0)
    return 1 + sum(expanded_size(child, sizes) for child in children(node))


def _nodes(n: int) -> str:
    return f"{n:,}" if n < 10**12 else f"about {n:.1e}"


def check_sizes(
    kb: KnowledgeBase, docs: dict[str, tuple[Document | None, str]]
) -> Iterator[Problem]:
    """Refuse conditions too large to evaluate, explain or document in bounded time.

    One problem per cause: a definition over the cap is named, and the rules, caveats and
    definitions that are over only because they use it are not reported again.
    """
    sizes = definition_sizes(kb.definitions)
    over = {name for name, size in sizes.items() if size > MAX_CONDITION_NODES}
    hint = (
        "a definition used many times is counted each time it is used: use it once, "
        "or raise MISGEN_MAX_CONDITION_NODES if the rules are trusted"
    )
    total, reported = 0, False
    doc, rel = docs.get("rules", (None, "classifier/rules.yaml"))
    for name, definition in kb.definitions.items():
        size = sizes.get(name, 0)
        total += size
        if name in over and not any(u in over for u in _uses(definition.when)):
            reported = True
            yield locate(
                doc,
                rel,
                ("definitions", name, "when"),
                f"definition '{name}' expands to {_nodes(size)} condition nodes through 'use' "
                f"(at most {MAX_CONDITION_NODES:,})",
                hint,
            )
    conditions: list[tuple[str, tuple[str | int, ...], models.Condition]] = []
    for i, rule in enumerate(kb.rules):
        conditions.append(("rules", ("rules", i, "when"), rule.when))
        if rule.unless is not None:
            conditions.append(("rules", ("rules", i, "unless"), rule.unless))
    for k, caveat in enumerate(kb.policy.caveats if kb.policy else ()):
        conditions.append(("policy", ("caveats", k, "when"), caveat.when))
    for si, signal in enumerate(kb.signals.values()):
        if signal.applies_when is not None:
            conditions.append(("signals", ("signals", si, "applies_when"), signal.applies_when))
    for li, label in enumerate(kb.labels.values()):
        for ci, cond in enumerate(label.necessary_conditions):
            if not isinstance(cond, str):
                where = ("labels", li, "necessary_conditions", ci, "signals")
                conditions.append(("labels", where, cond.signals))
    for fi, fw in enumerate(kb.frameworks.values()):
        for ti, term in enumerate(fw.terms):
            conditions.append(("frameworks", ("frameworks", fi, "terms", ti, "when"), term.when))
    for part, where, node in conditions:
        size = expanded_size(node, sizes)
        total += size
        if size > MAX_CONDITION_NODES and not any(u in over for u in _uses(node)):
            cdoc, crel = docs.get(part, (None, TAXONOMY_FILES[part][0]))
            reported = True
            yield locate(
                cdoc,
                crel,
                where,
                f"condition expands to {_nodes(size)} nodes through 'use' "
                f"(at most {MAX_CONDITION_NODES:,})",
                hint,
            )
    if total > MAX_RULE_BASE_NODES and not reported:  # one problem per cause
        yield locate(
            None,
            rel,
            (),
            f"the conditions of the rule base expand to {_nodes(total)} nodes in all "
            f"(at most {MAX_RULE_BASE_NODES:,}; rules, definitions, caveats, applies_when, "
            "necessary conditions and framework terms together)",
            "make the conditions smaller (a definition counts each time it is used), or raise "
            "MISGEN_MAX_RULE_BASE_NODES if the rules are trusted",
        )


def _cycles_and_depth(graph: dict[str, list[str]]) -> tuple[set[str], dict[str, int]]:
    """Definitions on a ``use`` cycle, and the chain length below each other one.

    Tarjan's strongly connected components, iteratively: linear in the size of the graph,
    so a hostile rules file with a chain of thousands of definitions costs milliseconds
    (following the uses from every definition in turn was quadratic: minutes). Components
    come out children first, so each depth is computed from finished ones.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cyclic: set[str] = set()
    depth: dict[str, int] = {}
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work[-1]
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            children = graph[node]
            if i < len(children):
                work[-1] = (node, i + 1)
                child = children[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in children:
                    cyclic.update(component)
                else:
                    depth[node] = 1 + max(
                        (depth.get(c, 0) for c in children if c not in cyclic), default=0
                    )
    return cyclic, depth


def check_rules(
    kb: KnowledgeBase, docs: dict[str, tuple[Document | None, str]], with_cases: bool = True
) -> Iterator[Problem]:
    doc, rel = docs["rules"]
    for name, definition in kb.definitions.items():
        yield from _check_condition(kb, definition.when, doc, rel, ("definitions", name, "when"))
    cyclic, depth = _cycles_and_depth(_use_graph(kb.definitions))
    for name in kb.definitions:
        if name in cyclic:
            yield locate(
                doc,
                rel,
                ("definitions", name),
                f"definition '{name}' uses itself (a cycle)",
                "break the cycle",
            )
        elif depth[name] > MAX_USE_DEPTH:
            yield locate(
                doc,
                rel,
                ("definitions", name),
                f"definition '{name}' starts a chain of {depth[name]} definitions "
                f"through 'use' (at most {MAX_USE_DEPTH})",
                "use the conditions directly instead of a long chain",
            )
    for i, _rid in _dupes(r.id for r in kb.rules):
        yield locate(doc, rel, ("rules", i, "id"), f"duplicate rule id '{kb.rules[i].id}'")
    for i, rule in enumerate(kb.rules):
        base = ("rules", i)
        if rule.label not in kb.labels:
            yield locate(
                doc,
                rel,
                base + ("label",),
                f"unknown label '{rule.label}'",
                _suggest(rule.label, kb.labels),
            )
        if rule.subtype and (
            rule.subtype not in kb.subtypes or ids.label_of_subtype(rule.subtype) != rule.label
        ):
            yield locate(
                doc,
                rel,
                base + ("subtype",),
                f"'{rule.subtype}' is not a subtype of '{rule.label}'",
            )
        if rule.subtype_by:
            signal = kb.signals.get(rule.subtype_by.signal)
            if signal is None:
                yield locate(
                    doc,
                    rel,
                    base + ("subtype_by", "signal"),
                    f"unknown signal '{rule.subtype_by.signal}'",
                )
            for answer, sub in rule.subtype_by.map.items():
                if signal is not None and answer not in signal.answers:
                    yield locate(
                        doc,
                        rel,
                        base + ("subtype_by", "map", answer),
                        f"'{answer}' is not an answer of '{signal.id}'",
                    )
                if sub not in kb.subtypes or ids.label_of_subtype(sub) != rule.label:
                    yield locate(
                        doc,
                        rel,
                        base + ("subtype_by", "map", answer),
                        f"'{sub}' is not a subtype of '{rule.label}'",
                    )
        yield from _check_condition(kb, rule.when, doc, rel, base + ("when",))
        if rule.unless is not None:
            yield from _check_condition(kb, rule.unless, doc, rel, base + ("unless",))
        for k, src in enumerate(rule.sources):
            if src not in kb.sources:
                yield locate(
                    doc,
                    rel,
                    base + ("sources", k),
                    f"unknown source '{src}'",
                    "add it to taxonomy/sources.yaml",
                )
        for kind in ("fires_on", "silent_on") if with_cases else ():
            for k, cid in enumerate(getattr(rule.tests, kind)):
                if cid not in kb.cases:
                    yield locate(
                        doc,
                        rel,
                        base + ("tests", kind, k),
                        f"unknown case '{cid}'",
                        _suggest(cid, kb.cases),
                    )
    pdoc, prel = docs["policy"]
    policy = kb.policy
    if policy is not None:
        names = [p.id for p in policy.policies]
        for k, named in enumerate(policy.policies):
            if sorted(named.precedence) != sorted(kb.labels):
                yield locate(
                    pdoc,
                    prel,
                    ("policies", k, "precedence"),
                    "precedence must list every label exactly once",
                    f"labels: {', '.join(sorted(kb.labels))}",
                )
            elif named.precedence[-1] != policy.not_a_goal_failure:
                yield locate(
                    pdoc,
                    prel,
                    ("policies", k, "precedence"),
                    f"'{policy.not_a_goal_failure}' must come last: it can only stand alone",
                )
            if names.index(named.id) != k:
                yield locate(pdoc, prel, ("policies", k, "id"), f"policy '{named.id}' is listed twice")
        grades = (*models.STRENGTHS, "unstated")
        if sorted(policy.grade_order) != sorted(grades):
            yield locate(
                pdoc,
                prel,
                ("grade_order",),
                "grade_order must list every evidence grade exactly once",
                f"grades: {', '.join(grades)} (strongest first)",
            )
        if policy.default not in names:
            yield locate(
                pdoc, prel, ("default",), f"unknown policy '{policy.default}'", f"policies: {', '.join(names)}"
            )
        for k, caveat in enumerate(policy.caveats):
            yield from _check_condition(kb, caveat.when, pdoc, prel, ("caveats", k, "when"))
        nagf = kb.labels.get(policy.not_a_goal_failure)
        if nagf is None or nagf.goal_failure:
            yield locate(
                pdoc,
                prel,
                ("not_a_goal_failure",),
                "must name the label whose goal_failure is false",
            )


def check_cases(
    kb: KnowledgeBase, case_docs: dict[str, tuple[Document | None, str]]
) -> Iterator[Problem]:
    bib: dict[str, tuple[str, models.Source]] = {
        sid: ("taxonomy/sources.yaml", s) for sid, s in kb.sources.items()
    }
    for cid, case in kb.cases.items():
        doc, rel = case_docs[cid]
        yield from _check_case(kb, case, doc, rel, bib)


def _check_case(
    kb: KnowledgeBase,
    case: models.Case,
    doc: Document | None,
    rel: str,
    bib: dict[str, tuple[str, models.Source]],
) -> Iterator[Problem]:
    local = {s.id for s in case.sources}
    for i, sid in _dupes(s.id for s in case.sources):
        yield locate(doc, rel, ("sources", i, "id"), f"duplicate source id '{sid}'")
    for i, src in enumerate(case.sources):
        other = bib.get(src.id)
        if other and (other[1].title != src.title or other[1].year != src.year):
            yield locate(
                doc,
                rel,
                ("sources", i, "id"),
                f"source '{src.id}' is also defined in {other[0]} with a different title or year",
                "reuse the same metadata for the same work, or choose a new id",
            )
        bib.setdefault(src.id, (rel, src))
    for sid in kb.signals:
        if sid not in case.signals:
            yield locate(
                doc,
                rel,
                ("signals",),
                f"signal '{sid}' is not answered",
                'add it; answer "unknown" if the evidence is silent',
            )
    for sid, answer in case.signals.items():
        path = ("signals", sid)
        signal = kb.signals.get(sid)
        if signal is None:
            retired = kb.deprecated.get(sid)
            if retired is not None:
                yield locate(
                    doc,
                    rel,
                    path,
                    f"signal '{sid}' was retired in {retired.since} (replaced by {', '.join(retired.replaced_by)})",
                    f"run 'misgen migrate {rel}' to translate this file; nothing is lost",
                )
            else:
                yield locate(doc, rel, path, f"unknown signal '{sid}'", _suggest(sid, kb.signals))
            continue
        if answer.answer not in signal.answers:
            yield locate(
                doc,
                rel,
                path + ("answer",),
                f"'{answer.answer}' is not an answer of '{sid}'",
                f"allowed: {', '.join(signal.answers)}",
            )
        if answer.answer not in (models.UNKNOWN, "not-applicable"):
            for need in ("strength", "evidence", "source"):
                if getattr(answer, need) is None:
                    yield locate(
                        doc,
                        rel,
                        path,
                        f"answer '{answer.answer}' needs {need}",
                        "every known answer states its evidence, its strength and its source",
                    )
        if answer.source is not None and answer.source not in local:
            yield locate(
                doc,
                rel,
                path + ("source",),
                f"unknown source '{answer.source}'",
                "list it under sources in this file",
            )
    values = {sid: a.answer for sid, a in case.signals.items()}
    for sid, signal in kb.signals.items():
        answer = case.signals.get(sid)
        if signal.applies_when is None or answer is None or not _plain(signal.applies_when):
            continue  # a 'use' or 'label' there is refused by check_taxonomy
        applies = truth(signal.applies_when, values, kb.definitions)
        if applies is False and answer.answer not in (models.NOT_APPLICABLE, models.UNKNOWN):
            yield locate(
                doc,
                rel,
                ("signals", sid, "answer"),
                f"'{sid}' only applies when {condition_text(signal.applies_when)}, which this case answers otherwise",
                "answer 'not-applicable'",
            )
        elif applies is True and answer.answer == models.NOT_APPLICABLE:
            yield locate(
                doc,
                rel,
                ("signals", sid, "answer"),
                f"'{sid}' applies here ({condition_text(signal.applies_when)})",
                "give an answer, or 'unknown' if the evidence is silent",
            )
    labels = case.curated.labels
    for k, lab in enumerate(labels):
        if lab not in kb.labels:
            yield locate(
                doc,
                rel,
                ("curated", "labels", k),
                f"unknown label '{lab}'",
                _suggest(lab, kb.labels),
            )
    for k, lab in _dupes(labels):
        yield locate(doc, rel, ("curated", "labels", k), f"label '{lab}' is listed twice")
    if case.curated.subtype and (
        case.curated.subtype not in kb.subtypes
        or ids.label_of_subtype(case.curated.subtype) != labels[0]
    ):
        yield locate(
            doc,
            rel,
            ("curated", "subtype"),
            f"'{case.curated.subtype}' is not a subtype of the primary label '{labels[0]}'",
        )
    dis = case.curated.disagreement
    if dis is not None and (dis.classifier not in kb.labels and dis.classifier != "undetermined"):
        yield locate(
            doc,
            rel,
            ("curated", "disagreement", "classifier"),
            f"unknown label '{dis.classifier}'",
            "name a label, or 'undetermined'",
        )
    for k, dispute in enumerate(case.disputes):
        if dispute.label not in kb.labels and dispute.label not in kb.subtypes:
            yield locate(
                doc, rel, ("disputes", k, "label"), f"unknown label or subtype '{dispute.label}'"
            )
        for j, lab in enumerate(dispute.with_labels):
            if lab not in kb.labels:
                yield locate(doc, rel, ("disputes", k, "with_labels", j), f"unknown label '{lab}'")
        for j, src in enumerate(dispute.held_by):
            if src not in local:
                yield locate(
                    doc,
                    rel,
                    ("disputes", k, "held_by", j),
                    f"unknown source '{src}'",
                    "list it under sources in this file",
                )
    for k, link in enumerate(case.links):
        if link.case == case.id:
            yield locate(doc, rel, ("links", k, "case"), "a case cannot link to itself")
        elif link.case not in kb.cases:
            yield locate(
                doc,
                rel,
                ("links", k, "case"),
                f"unknown case '{link.case}'",
                _suggest(link.case, kb.cases),
            )
