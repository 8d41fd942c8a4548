"""The command line: ``main(argv) -> int``, argparse, lazy imports.

argparse is used instead of click/typer for start-up time (it is in the standard library
and already imported by Python's own tooling paths); each command imports what it needs
only when it runs, so ``misgen --help`` loads neither pydantic nor networkx.

Exit codes: 0 success, 1 problems found (invalid data, disagreements, stale output),
2 usage error or unusable input, 3 internal error (a bug: please report it).
"""

from __future__ import annotations

import os
import sys

# not ``from typing import TYPE_CHECKING``: typing (and collections.abc) would cost --help
# more than a third of a bare Python start; mypy honours this spelling too
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any

from misgen.exits import EXIT_INTERNAL, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE

#: the commands of misgen.datacmds (checking and maintaining the data); the rest are in
#: misgen.commands
DATA_COMMANDS = frozenset({"validate", "schema", "migrate", "agree", "info"})

#: ``misgen --help`` exactly as argparse prints it at 80 columns, so that printing it needs
#: no argparse: importing argparse and building the parser is ~2x a bare Python start on
#: its own (the target is --help within 2.5x of one). tests/test_cli.py keeps it in sync.
HELP = """\
usage: misgen [-h] [--root DIR] [--debug] [--version] COMMAND ...

A formal taxonomy and explainable rule-based classifier of AI goal failures.

positional arguments:
  COMMAND
    validate  check data files against the schema and each other
    schema    write (or --check) the JSON Schema files generated from the
              models
    taxonomy  show the labels, subtypes, signals, relations and frameworks
    explain   explain a label, subtype, signal, relation, framework term, rule
              or case
    classify  classify a scenario file, or the whole case base with --all
    eval      agreement report: classifier verdicts vs curated labels
    graph     render the relation graph (svg, mermaid, dot, json, text)
    docs      generate (or --check) the Markdown documentation site
    new       write a new case file skeleton from answers
    migrate   rewrite case or scenario files that use retired signal ids
    agree     inter-coder reliability: compare two codings of the same cases
    export    export the case base as CSV, JSON Lines, SQLite, BibTeX, CSL-
              JSON or MISP
    import    scaffold case skeletons from the rows of a spreadsheet (CSV)
    release   build the versioned release bundle (JSON) and its SHA-256
    info      show the data root in use and where it came from, versions and
              counts
    suggest   suggest signal answers from a text, quoting the sentences behind
              them

options:
  -h, --help  show this help message and exit
  --root DIR  data root holding taxonomy/, classifier/, cases/ (default:
              $MISGEN_ROOT, the checkout, or the bundled data)
  --debug     show tracebacks for internal errors
  --version   show program's version number and exit

Exit codes: 0 ok, 1 problems found, 2 usage or input error, 3 internal error.
Set NO_COLOR to disable colour.
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (:mod:`misgen.parser`), imported only when a command runs."""
    from misgen.parser import build_parser as build

    return build()


def _fast_classify(argv: Sequence[str] | None) -> Any:
    """``misgen classify FILE`` from the cached snapshot, without pydantic or rich
    (:mod:`misgen.fastpath`): its output, ready to write; None to take the normal path."""
    words = list(sys.argv[1:] if argv is None else argv)
    if "classify" not in words:
        return None
    from misgen.fastpath import prepare

    return prepare(words)


def main(argv: Sequence[str] | None = None) -> int:
    fast = _fast_classify(argv)
    if fast is not None:  # written below, inside the same error handling
        args = fast
    else:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
    if fast is None:
        from misgen.output import harden_streams
        from misgen.problems import InputError, UsageError

        harden_streams()  # a stdout that is not UTF-8 escapes what it cannot encode
    else:  # the fast path hardened the streams itself and raises neither (see misgen.fastpath)
        from misgen.fastpath import Never as InputError  # type: ignore[assignment]
        from misgen.fastpath import Never as UsageError  # type: ignore[assignment]
    try:
        if fast is not None:
            return int(fast())
        name = "cmd_" + args.command.replace("-", "_")
        if args.command in DATA_COMMANDS:
            from misgen import datacmds as module
        else:
            from misgen import commands as module  # type: ignore[no-redef]
        return int(getattr(module, name)(args))
    except UsageError as exc:
        from misgen.output import clean

        print(f"misgen: error: {clean(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as exc:
        from misgen.output import print_problems

        print_problems(exc.problems)
        return EXIT_USAGE
    except SystemExit as exc:  # commands stop early with an exit code
        return exc.code if isinstance(exc.code, int) else EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("misgen: interrupted (files are written whole or not at all)", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_OK
    except (
        RecursionError
    ):  # only reachable with caps raised (MISGEN_MAX_DEPTH): data nested past Python's stack
        if args.debug:
            raise
        print(
            "misgen: error: the data nests too deeply to process; flatten it, or lower MISGEN_MAX_DEPTH",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except (
        OSError
    ) as exc:  # the file system said no (permissions, full disk, a folder as -o): not a bug
        if args.debug:
            raise
        from misgen.output import clean

        where = f"{clean(exc.filename)}: " if exc.filename else ""
        print(f"misgen: error: {where}{clean(exc.strerror or exc)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        if args.debug:
            raise
        from misgen.output import clean

        print(
            f"misgen: internal error: {type(exc).__name__}: {clean(exc)}\n"
            "This is a bug in misgen. Re-run with --debug for the traceback and please report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def run() -> None:
    """The console script: ``main()``, and standard output flushed while errors can still be
    reported (a broken pipe exits 0 quietly, a full disk exits 2 with a message, a closed
    stdout is ignored: never a traceback at interpreter exit)."""
    try:
        if sys.argv[1:] in (["--help"], ["-h"]):  # the fast path: see HELP
            if sys.stdout is not None:
                sys.stdout.write(HELP)
            code = EXIT_OK
        else:
            code = main()
    except SystemExit as exc:  # argparse: a subcommand's --help, --version, usage errors
        code = (
            exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_USAGE)
        )
    except BrokenPipeError:
        code = EXIT_OK
        _discard_stdout()
    except OSError as exc:  # the fast path's write: a full disk
        code = _stdout_failed(exc)
    sys.exit(_flush_stdout(code))


def _discard_stdout() -> None:
    """Point standard output at the null device: what is still buffered is dropped quietly."""
    if sys.stdout is None:
        return
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - no descriptor
        pass


def _stdout_failed(exc: OSError) -> int:
    _discard_stdout()
    if sys.stderr is not None:
        print(
            f"misgen: error: cannot write to standard output: {exc.strerror or exc}",
            file=sys.stderr,
        )
    return EXIT_USAGE


def _flush_stdout(code: int) -> int:
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
    except (OSError, ValueError) as exc:
        return _stdout_failed(exc) if isinstance(exc, OSError) and code == EXIT_OK else code
    return code
