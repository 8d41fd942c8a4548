"""Commands that check and maintain the data: validate, schema, migrate, agree, info.

The classification-facing commands live in misgen.commands; this module uses its loading
helpers (one direction: misgen.commands never imports this module).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from misgen.commands import _emit, _gc_paused, _kb, _root
from misgen.exits import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from misgen.output import clean, dump_json, print_problems
from misgen.problems import InputError, Problem, UsageError

# --------------------------------------------------------------------------- validate


def cmd_validate(args: argparse.Namespace) -> int:
    from misgen.kb import display_name, inside, iter_case_files, load, resolved

    root, origin = _root_origin(args.root)
    requested: list[Path] = []
    for raw in args.paths:
        path = Path(raw)
        if path.is_dir():
            requested += sorted(path.rglob("*.yaml"))
        elif path.is_file():
            requested.append(path)
        else:
            raise UsageError(f"{raw}: no such file or folder")
    root_files = iter_case_files(root)
    extra: list[Path] = []
    if requested:  # resolving every case file costs ~13 lstat calls each: only when it matters
        in_root = {resolved(p) for p in root_files}
        data_dirs = [resolved(root / d) for d in ("taxonomy", "classifier")]
        extra = [
            p
            for p in requested
            if resolved(p) not in in_root and not any(inside(p, d) for d in data_dirs)
        ]
    with _gc_paused():  # through the checks too: see _gc_paused
        kb = load(root, extra)
        problems = list(kb.problems)
        if kb.ok:
            from misgen.graph import integrity_problems  # cheap: no networkx

            problems += integrity_problems(kb)
        if kb.ok and (root / "classifier" / "cues.yaml").is_file():  # optional: only misgen suggest reads it
            from misgen.suggest.cues import read as read_cues

            signals = {sid: list(s.answers) for sid, s in kb.signals.items()}
            problems += read_cues(root, signals)[1]
    if getattr(args, "strict", False):
        from misgen.strict import placeholder_problems

        data_dirs = [resolved(root / d) for d in ("taxonomy", "classifier")]
        for path in requested or root_files:
            if not any(inside(path, d) for d in data_dirs):
                problems += placeholder_problems(path, display_name(root, path))
        from misgen.kb.case_checks import draft_records, unanchored

        wanted = {display_name(root, p) for p in requested or root_files}
        problems += draft_records(kb, wanted)
        problems += unanchored(kb, wanted)
    if args.paths:  # an empty folder checks nothing (not the whole root)
        wanted = {display_name(root, p) for p in requested} | {
            _link_name(root, p) for p in requested
        }
        problems = [
            p for p in problems if p.path in wanted or p.path.startswith(("taxonomy", "classifier"))
        ]
        checked = len(requested)
    else:
        checked = len(root_files) + 7
    if args.format == "json":
        dump_json(
            {
                "schema_version": 1,
                "ok": not problems,
                "checked": checked,
                "problems": [p.as_dict() for p in problems],
            }
        )
    else:
        print_problems(problems)
        where = f"data root {clean(root)} ({_origin_kind(origin)})"
        if problems:
            print(
                f"{len(problems)} problem(s) in {len({p.path for p in problems})} file(s); "
                f"{checked} file(s) checked; {where}",
                file=sys.stderr,
            )
        else:
            print(f"ok: {checked} file(s) checked, no problems; {where}")
    return EXIT_PROBLEMS if problems else EXIT_OK


def _link_name(root: Path, path: Path) -> str:
    """The name of ``path`` in the root without following symlinks (how kb names a bad link)."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path(os.path.abspath(root))))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- schema


def cmd_schema(args: argparse.Namespace) -> int:
    from misgen.output import atomic_write
    from misgen.schemagen import all_schemas

    if not args.check:
        from misgen.root import refuse_bundled

        refuse_bundled(_root(args), "schema files", "Use --check to compare without writing")
    folder = _root(args) / "schema"
    stale = []
    for name, text in all_schemas().items():
        path = folder / name
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(name)
        if not args.check:
            atomic_write(path, text, force=True)
    if args.check:
        if stale:
            print(
                f"stale schema file(s): {', '.join(stale)}; run 'misgen schema' and commit the result",
                file=sys.stderr,
            )
            return EXIT_PROBLEMS
        print("ok: schema files are up to date")
        return EXIT_OK
    print(
        f"wrote {len(stale)} schema file(s) to {clean(folder)}"
        if stale
        else "schema files already up to date"
    )
    return EXIT_OK


# --------------------------------------------------------------------------- migrate / agree


def cmd_migrate(args: argparse.Namespace) -> int:
    from misgen.bibliography import append_records, migrate_sources
    from misgen.migrate import migrate_text, write_atomic
    from misgen.yamlio import decode, load_file

    kb = _kb(args, with_cases=False)
    bib_path = kb.root / "taxonomy" / "sources.yaml"
    bibliography = {sid: s.model_dump(exclude_none=True) for sid, s in kb.sources.items()}
    gained: list[dict[str, Any]] = []
    problems: list[Problem] = []
    planned: list[tuple[Path, str, str, list[str]]] = []
    for name in args.files:
        path = Path(name)
        try:
            load_file(path, name)  # the hardened reader first: size, type, encoding, YAML checks
            text, changes = migrate_text(decode(path.read_bytes(), name), name, kb)
            moved = migrate_sources(text, name, bibliography)
        except InputError as exc:
            problems += exc.problems
            continue
        if moved.problems:
            problems += moved.problems
            continue
        for record in moved.new_records:
            bibliography[record["id"]] = record
            gained.append(record)
        planned.append((path, name, moved.text, changes + moved.changes))
    changed = 0
    for path, name, text, changes in planned:
        if not changes:
            print(f"{clean(name)}: already current")
            continue
        changed += 1
        verb = "would change" if args.dry_run else "migrated"
        print(f"{clean(name)}: {verb}:")
        for line in changes:
            print(f"  {clean(line)}")
    if not args.dry_run:
        if gained:  # the bibliography first: a cited id must exist before the citation does
            write_atomic(bib_path, append_records(bib_path.read_text(encoding="utf-8"), gained))
            print(f"taxonomy/sources.yaml: {len(gained)} record(s) added")
        for path, _name, text, changes in planned:
            if changes:
                write_atomic(path, text)
    if problems:
        print_problems(problems)
        return EXIT_USAGE
    todo = any(not c.startswith("sources:") for *_, changes in planned for c in changes)
    if todo and not args.dry_run:
        print(
            "Answers marked TODO(migrate) need a coder: read 'misgen explain SIGNAL' and re-answer."
        )
    return EXIT_OK


def cmd_agree(args: argparse.Namespace) -> int:
    from misgen import agree

    kb = _kb(args, with_cases=False)
    clf = agree.classifier(kb, args.policy)  # an unknown policy fails before any file is read
    first, second = agree.read_coding(args.first, kb), agree.read_coding(args.second, kb)
    _emit(args, agree.report(kb, first, second, clf), agree.renderables)
    return EXIT_OK


# --------------------------------------------------------------------------- info


def _root_origin(explicit: str | None) -> tuple[Path, str]:
    """The data root in use and where it came from, in the order :func:`find_root` tries."""
    from misgen.root import ENV_VAR, find_root, is_bundled, walk_up

    root = find_root(explicit)
    if explicit is not None:
        return root, "--root"
    if os.environ.get(ENV_VAR):
        return root, f"${ENV_VAR}"
    if is_bundled(root):
        return root, "bundled: the read-only copy inside the installed package"
    found = walk_up(Path.cwd())
    if found is not None and found == root:
        here = "the current folder" if found == Path.cwd() else "a parent of the current folder"
        return root, f"checkout: {here}"
    return root, "checkout: the one this misgen is installed from (editable install)"


def _origin_kind(origin: str) -> str:
    """``--root``, ``MISGEN_ROOT``, ``checkout`` or ``bundled``."""
    return origin.lstrip("$").split(":", 1)[0]


def cmd_info(args: argparse.Namespace) -> int:
    import platform

    from misgen import __version__
    from misgen.kb import load
    from misgen.root import is_bundled

    root, origin = _root_origin(args.root)
    kb = load(root)
    counts = {
        "labels": len(kb.labels),
        "subtypes": len(kb.subtypes),
        "signals": len(kb.signals),
        "rules": len(kb.rules),
        "cases": len(kb.cases),
        "frameworks": len(kb.frameworks),
        "relations": len(kb.relations),
        "sources": len(kb.sources),
    }
    policy = kb.policy.default if kb.policy is not None else None
    writable = not is_bundled(root)
    if args.format == "json":
        dump_json(
            {
                "schema_version": 1,
                "misgen": __version__,
                "python": platform.python_version(),
                "root": str(root),
                "root_from": _origin_kind(origin),
                "root_origin": origin,
                "writable": writable,
                "counts": counts,
                "default_policy": policy,
                "problems": len(kb.problems),
            }
        )
        return EXIT_OK
    import textwrap

    def say(text: str) -> None:
        print(
            textwrap.fill(
                text, 79, subsequent_indent="  ", break_on_hyphens=False, break_long_words=False
            )
        )

    say(f"misgen {__version__} (Python {platform.python_version()})")
    say(f"data root: {clean(root)}")
    say(f"  from: {origin}")
    if not writable:
        say("  read-only: new, docs and schema need -o/--out, --root DIR or MISGEN_ROOT")
    say("data: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    if policy:
        say(f"default policy: {policy}")
    say(
        f"problems: {len(kb.problems)} (run 'misgen validate')" if kb.problems else "problems: none"
    )
    say(
        "order tried: --root, $MISGEN_ROOT, the current folder (or a marked parent), "
        "the checkout misgen is installed from, the bundled copy"
    )
    return EXIT_OK
