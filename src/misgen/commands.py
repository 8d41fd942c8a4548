"""Command implementations: parse -> load -> compute -> render. Each returns an exit code."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from misgen.exits import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from misgen.output import clean, console, dump_json, print_problems
from misgen.problems import Problem, UsageError


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
        raise UsageError(
            "--from-text starts the questionnaire (--interactive) from a text's suggestions"
        )
    if args.interactive:
        from misgen.interactive import run_session

        if output:
            target = Path(output)
            if target.exists() or target.is_symlink():  # before the questions, not after them
                raise UsageError(
                    f"{output} exists; choose another FILE (misgen never overwrites it)"
                )
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
            from misgen import tables

            out = console()
            # the table needs ~110 columns to keep ids whole; narrower, one entry per case
            out.print(
                tables.cases_table(rows) if out.width >= 110 else tables.cases_list(rows, out.width)
            )
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
        note = (
            ({"accepted": accept, "signals": pending}, classify_note(pending, accept))
            if pending
            else None
        )
    verdict = Classifier.from_kb(kb, _policy_name(kb, args.policy)).classify(
        answers, case_id=scenario.id
    )
    if args.format == "json":
        dump_json(
            {**verdict_dict(verdict), "suggestions": note[0]} if note else verdict_dict(verdict)
        )
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
    from misgen import tables
    from misgen.evaluation import classify_all, compare_policies, failing, report

    kb = _kb(args)
    policy = _policy_name(kb, args.policy)
    if args.compare_policies:
        _emit(args, compare_policies(kb), tables.policy_tables)
        return EXIT_OK
    rep = report(kb, classify_all(kb, policy=policy), policy)
    bad = failing(rep) if policy in (None, kb.policy.default) else []
    _emit(args, rep, tables.eval_tables)
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
        path_to=args.path_to,
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


def cmd_export(args: argparse.Namespace) -> int:
    kb = _kb(args)
    from misgen.export import command

    return command(
        kb,
        fmt=args.format,
        output=args.output,
        force=args.force,
        policy=_policy_name(kb, args.policy),
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
    from misgen.release import command
    from misgen.release_diff import parse_version

    parse_version(args.release_version or __version__)  # a bad version fails before the data loads
    return command(
        _kb(args),
        output=args.output,
        release_version=args.release_version,
        previous=args.previous,
        force=args.force,
        fmt=args.format,
    )
