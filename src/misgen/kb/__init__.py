"""Load the whole knowledge base from a data root and cross-check it.

Every file is parsed and validated on its own (:mod:`misgen.loading`), then the checks
here make sure every reference resolves: signals and answers used by rules, labels and
subtypes, sources, linked cases, rule test cases. All problems are collected in one run.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from pathlib import Path
from typing import cast

from misgen import ids, models
from misgen.kb.base import (  # noqa: F401  (re-exported)
    TAXONOMY_FILES,
    KnowledgeBase,
    _duplicate_ids,
    _loop_problem,
    _misnamed_case_files,
    _order,
    _Reparse,
    debate_targets,
    display_name,
    inside,
    iter_case_files,
    loops,
    positions_on,
    resolved,
)
from misgen.kb.case_checks import check_cases
from misgen.kb.rule_checks import (  # noqa: F401  (re-exported)
    MAX_CONDITION_NODES,
    MAX_RULE_BASE_NODES,
    MAX_USE_DEPTH,
    _cycles_and_depth,
    check_rules,
    check_sizes,
    definition_sizes,
    expanded_size,
)
from misgen.kb.taxonomy_checks import check_taxonomy
from misgen.loading import load_model, locate
from misgen.memory import share_fields_set
from misgen.problems import Problem
from misgen.yamlio import Document


def load(root: Path, extra_cases: Iterable[Path] = (), *, with_cases: bool = True) -> KnowledgeBase:
    """Load and check the data root (plus ``extra_cases`` outside it).

    ``with_cases=False`` loads only taxonomy/ and classifier/ (all that classifying a scenario
    needs) and skips the checks that need the case base (rule tests naming cases).
    """
    # The cyclic GC stays paused through the loading *and* the checks after it: the loaded
    # data is acyclic (no aliases), and with the GC on, the checks of 10,000 cases (600,000
    # tracked objects) took 0.8 s instead of 0.4 s, a super-linear term (issue 19).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _load(root, extra_cases, with_cases=with_cases)
    finally:
        if gc_was_enabled:
            gc.enable()


def _load(root: Path, extra_cases: Iterable[Path], *, with_cases: bool) -> KnowledgeBase:
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
    shared: dict[tuple[type, frozenset[str]], object] = {}
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
            share_fields_set(case, shared)  # ~6.6 KB less per case in memory (misgen.memory)
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
    drafts = {s.id: s for c in cases.values() for s in c.sources if isinstance(s, models.Source)}
    if drafts:  # a draft record (misgen new) is cited like the bibliography's own
        fresh = frozenset(drafts) - set(kb.sources)
        kb = KnowledgeBase(**{**kb.__dict__, "sources": {**drafts, **kb.sources}, "drafts": fresh})
    if not problems:
        problems += list(check_sizes(kb, docs))
        problems += list(check_taxonomy(kb, docs))
        problems += list(check_rules(kb, docs, with_cases=with_cases))
        problems += list(check_cases(kb, case_docs))
    return KnowledgeBase(**{**kb.__dict__, "problems": tuple(sorted(set(problems), key=_order))})


#: (part, list field, id field) for every id list in the taxonomy files; nested lists
#: (subtypes of a label, terms of a framework) are checked within their parent.


__all__ = [
    "KnowledgeBase",
    "MAX_CONDITION_NODES",
    "MAX_RULE_BASE_NODES",
    "MAX_USE_DEPTH",
    "TAXONOMY_FILES",
    "_cycles_and_depth",
    "check_cases",
    "check_rules",
    "check_sizes",
    "check_taxonomy",
    "debate_targets",
    "definition_sizes",
    "display_name",
    "expanded_size",
    "inside",
    "iter_case_files",
    "load",
    "loops",
    "positions_on",
    "resolved",
]
