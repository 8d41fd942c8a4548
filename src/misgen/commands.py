"""Command implementations: parse -> load -> compute -> render. Each returns an exit code."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from misgen.exits import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from misgen.output import clean, console, dump_json, print_problems
from misgen.problems import InputError, Problem, UsageError


def _root(args: argparse.Namespace) -> Path:
    from misgen.root import find_root

    return find_root(args.root)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Load and check the knowledge base with the cyclic garbage collector paused, then move
    what was loaded to the collector's permanent generation (``gc.freeze``).

    The loaded data holds no reference cycles (the YAML has no aliases), but 10,000 cases are
    ~600,000 tracked objects that every collection would scan again: collections during the
    checks made them super-linear (integrity checks 33 ms at 1,000 cases, ~800 ms at 10,000),
    and later work (docs, graph) pays it too. Frozen objects are still freed by reference
    counting; only the collector stops rescanning them. A small load (tests calling ``main``
    many times in one process) is not frozen: freezing would also keep whatever cyclic
    garbage the process had not collected yet.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_count()[0] > FREEZE_AFTER:  # objects tracked since the last collection
            gc.freeze()
        if was_enabled:
            gc.enable()


#: freeze the loaded objects when a load tracked more than this many (about 3,000 cases)
FREEZE_AFTER = 200_000


def _kb(args: argparse.Namespace, extra: list[Path] | None = None, with_cases: bool = True) -> Any:
    """Load the knowledge base; refuse to go on (exit 1 via SystemExit) if it has problems."""
    from misgen.kb import load

    with _gc_paused():
        kb = load(_root(args), extra or [], with_cases=with_cases)
    if not kb.ok:
        print_problems(kb.problems)
        print(
            f"misgen: the data has {len(kb.problems)} problem(s); run 'misgen validate' and fix them first",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_PROBLEMS)
    return kb


# --------------------------------------------------------------------------- validate


def _draft_records(kb: Any, paths: list[Path], root: Path) -> list[Problem]:
    """``--strict``: a source record written in a case file has not reached the bibliography."""
    from misgen import models
    from misgen.kb import display_name
    from misgen.loading import locate
    from misgen.yamlio import parse

    wanted = {display_name(root, p) for p in paths}
    out: list[Problem] = []
    for cid, case in kb.cases.items():
        rel = kb.case_paths.get(cid, "")
        drafts = [i for i, s in enumerate(case.sources) if isinstance(s, models.Source)]
        if not drafts or rel not in wanted:
            continue
        path = root / rel if not Path(rel).is_absolute() else Path(rel)
        doc = parse(path.read_text(encoding="utf-8"), rel) if path.is_file() else None
        out += [
            locate(
                doc,
                rel,
                ("sources", i),
                "a source record in a case file: every work is defined once, in taxonomy/sources.yaml",
                f"run 'misgen migrate {rel}' to move it there and cite it by id",
            )
            for i in drafts
        ]
    return out


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
        if (root / "classifier" / "cues.yaml").is_file():  # optional: only misgen suggest reads it
            from misgen.suggest.cues import read as read_cues

            problems += read_cues(root)[1]
    if getattr(args, "strict", False):
        from misgen.strict import placeholder_problems

        data_dirs = [resolved(root / d) for d in ("taxonomy", "classifier")]
        for path in requested or root_files:
            if not any(inside(path, d) for d in data_dirs):
                problems += placeholder_problems(path, display_name(root, path))
        problems += _draft_records(kb, requested or root_files, root)
        from misgen.kb.case_checks import unanchored

        problems += unanchored(kb, {display_name(root, p) for p in requested or root_files})
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


# --------------------------------------------------------------------------- taxonomy / explain


def cmd_taxonomy(args: argparse.Namespace) -> int:
    from misgen import explain

    kb = _kb(args)
    if args.format == "json":
        dump_json(explain.taxonomy_dict(kb))
    else:
        console().print(explain.taxonomy_tree(kb))
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from misgen import explain

    kb = _kb(args)
    found = explain.lookup(kb, args.id)
    if found is None:
        hint = explain.suggest(kb, args.id)
        print(
            f"misgen: unknown id '{clean(args.id)}'"
            + (f"; did you mean '{hint}'?" if hint else ""),
            file=sys.stderr,
        )
        return EXIT_USAGE
    kind, obj = found
    if args.format == "json":
        from misgen.kb import positions_on

        data = {"schema_version": 1, **explain.as_dict(kb, kind, obj)}
        data["debate"] = [p.id for p in positions_on(kb, explain.key_of(kind, obj))]
        dump_json(data)
    else:
        out = console()
        parts = explain.as_renderables(kb, kind, obj, getattr(args, "trace", False))
        for part in [*parts, *explain.debate(kb, kind, obj)]:
            out.print(part)
    return EXIT_OK


# --------------------------------------------------------------------------- classify / eval


def cmd_classify(args: argparse.Namespace) -> int:
    from misgen import render
    from misgen.serialize import verdict_dict

    output = getattr(args, "output", None)
    from_text = getattr(args, "from_text", None)
    if output and not args.interactive:
        raise UsageError("-o/--output saves the answers of --interactive; give both, or neither")
    if from_text and not args.interactive:
        raise UsageError("--from-text starts the questionnaire (--interactive) from a text's suggestions")
    if args.interactive:
        from misgen.interactive import run_session

        if output:
            target = Path(output)
            if target.exists() or target.is_symlink():  # before the questions, not after them
                raise UsageError(f"{output} exists; choose another FILE (misgen never overwrites it)")
            if target.suffix not in (".yaml", ".yml"):
                raise UsageError(f"{output}: the scenario file must end in .yaml")
        if from_text:
            from misgen.suggest.review import run_from_text

            return run_from_text(_kb(args), _root(args), from_text, output)
        return run_session(_kb(args), output)
    if args.all:
        if args.file:
            raise UsageError("give a FILE or --all, not both")
        from misgen.evaluation import classify_all

        kb = _kb(args)
        rows = classify_all(kb, policy=_policy_name(kb, args.policy))
        if args.format == "json":
            dump_json(
                {
                    "schema_version": 1,
                    "cases": [
                        {
                            "id": r.case,
                            "title": r.title,
                            "primary": r.verdict.primary,
                            "labels": list(r.verdict.labels),
                            "possible": list(r.verdict.possible),
                            "subtype": r.verdict.subtype,
                            "status": r.verdict.status,
                            "fired": [f.rule for f in r.verdict.fired],
                            "curated": list(r.curated),
                            "agrees": r.agrees,
                        }
                        for r in rows
                    ],
                }
            )
        else:
            out = console()
            # the table needs ~110 columns to keep ids whole; narrower, one entry per case
            out.print(render.cases_table(rows) if out.width >= 110 else render.cases_list(rows, out.width))
            agree = sum(r.agrees for r in rows)
            out.print(
                f"{agree}/{len(rows)} primary labels agree with the curator; see 'misgen eval' for the report"
            )
        return EXIT_OK
    if not args.file:
        raise UsageError("classify needs a FILE (or - for standard input), --all, or --interactive")
    from misgen import snapshot
    from misgen.engine import Classifier
    from misgen.scenario import read_scenario

    # the files' key before loading them: a snapshot is stored only if they did not change since
    before = snapshot.key_or_none(_root(args))
    kb = _kb(
        args, with_cases=False
    )  # a scenario needs the taxonomy and the rules, not the case base
    if before is not None:
        snapshot.store(kb, before)  # for the next run's fast path (misgen.fastpath); never raises
    scenario = read_scenario(args.file, kb)
    answers, note = scenario.answers(), None
    if any(a.suggested for a in answers.values()):  # never on the fast path: it falls back here
        from misgen.suggest.command import classify_note, split_suggestions

        accept = getattr(args, "accept_suggestions", False)
        answers, pending = split_suggestions(answers, accept)
        note = ({"accepted": accept, "signals": pending}, classify_note(pending, accept)) if pending else None
    verdict = Classifier.from_kb(kb, _policy_name(kb, args.policy)).classify(
        answers, case_id=scenario.id
    )
    if args.format == "json":
        dump_json({**verdict_dict(verdict), "suggestions": note[0]} if note else verdict_dict(verdict))
    else:
        out = console()
        if getattr(args, "trace", False):
            out.print(render.verdict_tree(verdict, scenario.title))
        else:
            out.print(render.compact_verdict(verdict, scenario.title, out.width))
        if note:
            from rich.text import Text

            out.print(Text("note: " + note[1], style="yellow"))
    return EXIT_OK


def cmd_suggest(args: argparse.Namespace) -> int:
    from misgen.suggest.command import cmd_suggest as run

    return run(args, _root(args), lambda with_cases: _kb(args, with_cases=with_cases))


def _emit(args: argparse.Namespace, data: Any, renderables: Any) -> None:
    """``data`` as JSON with ``--format json``, else ``renderables(data)`` on the console."""
    if args.format == "json":
        dump_json(data)
        return
    out = console()
    for part in renderables(data):
        out.print(part)


def _policy_name(kb: Any, name: str | None) -> str | None:
    """``name`` if the policy file defines it (UsageError otherwise)."""
    if name is not None and name not in {p.id for p in kb.policy.policies}:
        known = ", ".join(p.id for p in kb.policy.policies)
        raise UsageError(f"unknown policy '{name}'; policies: {known}")
    return name


def cmd_eval(args: argparse.Namespace) -> int:
    from misgen import render
    from misgen.evaluation import classify_all, compare_policies, failing, report

    kb = _kb(args)
    policy = _policy_name(kb, args.policy)
    if args.compare_policies:
        _emit(args, compare_policies(kb), render.policy_tables)
        return EXIT_OK
    rep = report(kb, classify_all(kb, policy=policy), policy)
    bad = failing(rep) if policy in (None, kb.policy.default) else []
    _emit(args, rep, render.eval_tables)
    for d in bad:
        why = "declared disagreement is stale" if d["stale"] else "undeclared disagreement"
        print(
            f"{clean(d['case'])}: {why}: classifier says {d['classifier']}, curator says {d['curated']}; "
            "fix the rules or declare it under curated.disagreement with a reason",
            file=sys.stderr,
        )
    return EXIT_PROBLEMS if bad else EXIT_OK


# --------------------------------------------------------------------------- graph / docs / new


def cmd_graph(args: argparse.Namespace) -> int:
    kb = _kb(args)  # bad data is reported (exit 1) before the renderer is even imported
    from misgen.graph import command

    return command(
        kb,
        fmt=args.format,
        output=args.output,
        force=args.force,
        focus=args.focus,
        depth=args.depth,
        kind=args.kind,
    )


def cmd_docs(args: argparse.Namespace) -> int:
    kb = _kb(args)
    from misgen.docs import command

    return command(kb, args)


def cmd_new(args: argparse.Namespace) -> int:
    from misgen.scaffold import command

    return command(
        _kb(args),
        case_id=args.id,
        answers_file=args.answers,
        output=args.output,
        interactive=args.interactive,
        blind=bool(getattr(args, "blind", False)),
    )


__all__ = ["Problem"]


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
        print("Answers marked TODO(migrate) need a coder: read 'misgen explain SIGNAL' and re-answer.")
    return EXIT_OK


def cmd_agree(args: argparse.Namespace) -> int:
    from misgen import agree

    kb = _kb(args, with_cases=False)
    clf = agree.classifier(kb, args.policy)  # an unknown policy fails before any file is read
    first, second = agree.read_coding(args.first, kb), agree.read_coding(args.second, kb)
    _emit(args, agree.report(kb, first, second, clf), agree.renderables)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    kb = _kb(args)
    from misgen.export import command

    return command(
        kb, fmt=args.format, output=args.output, force=args.force, policy=_policy_name(kb, args.policy)
    )


def cmd_import(args: argparse.Namespace) -> int:
    kb = _kb(args)
    from misgen.importer import command

    return command(
        kb,
        file=args.file,
        column_map=args.map,
        label=args.label,
        output=args.output,
        dry_run=args.dry_run,
    )


def cmd_release(args: argparse.Namespace) -> int:
    from misgen import __version__
    from misgen.release import command, parse_version

    parse_version(args.release_version or __version__)  # a bad version fails before the data loads
    return command(
        _kb(args),
        output=args.output,
        release_version=args.release_version,
        previous=args.previous,
        force=args.force,
        fmt=args.format,
    )


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
        print(textwrap.fill(text, 79, subsequent_indent="  ", break_on_hyphens=False, break_long_words=False))

    say(f"misgen {__version__} (Python {platform.python_version()})")
    say(f"data root: {clean(root)}")
    say(f"  from: {origin}")
    if not writable:
        say("  read-only: new, docs and schema need -o/--out, --root DIR or MISGEN_ROOT")
    say("data: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    if policy:
        say(f"default policy: {policy}")
    say(f"problems: {len(kb.problems)} (run 'misgen validate')" if kb.problems else "problems: none")
    say(
        "order tried: --root, $MISGEN_ROOT, the current folder (or a marked parent), "
        "the checkout misgen is installed from, the bundled copy"
    )
    return EXIT_OK
