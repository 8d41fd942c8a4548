"""misgen benchmark: one command, side-by-side timings, floors, competitors and targets.

    .venv/bin/python bench/run.py --setup-competitors   # once: check-jsonschema (both YAML
                                                        # parsers) and yamllint, in their own venvs
    .venv/bin/python bench/run.py --markdown bench/RESULTS.md   # 1,000 / 10,000 / 50,000 cases
    .venv/bin/python bench/run.py --sizes 1000 --repeat 3
    .venv/bin/python bench/run.py --quick               # 100 cases, 1 run (CI: keeps it working)

Run it with the interpreter of the virtual environment misgen is installed in: the
``misgen`` and ``check-jsonschema`` console scripts are looked up next to it (then on PATH),
and that interpreter is the bare-start baseline (``python -c pass``).

For every size it builds a synthetic data root in a temporary folder: taxonomy/,
classifier/ and schema/ copied from the data root, cases/ holding the real cases (the rule
tests name them) plus replicas ``<id>-s00001``, ``<id>-s00002``, ... (the ``id:`` line and
the file name rewritten; ``links`` pointing at the replica of the same round, or at the
original when that replica does not exist) up to the requested count.

Every measurement is a fresh process, timed by wall clock, with its peak RSS taken from
``os.wait4``; runs are interleaved (one of each command per round) so that machine noise
hits them alike, and the median is reported. Ratios are taken from CPU time (user + system)
of whole processes, which a shared machine disturbs far less than wall time; wall time is
shown beside it. Benchmarks are not timed unit tests: nothing here fails on a slow result,
it only prints MISS next to the target. Every number of a report comes from one run.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # _common and _report beside this file, also when imported
from _common import Cmd
from _common import Sample as Sample  # re-exported for tests/test_bench_v2.py
from _measure import (
    find_tool,
    last_line,
    load_now,
    machine,
    make_root,
    measure,
    run_once,
    versions,
)
from _report import LABELS, README_BEGIN, README_END, markdown, readme, render, replace_block

REPO = HERE.parent
WORKER = HERE / "_worker.py"


# --------------------------------------------------------------------------- data


# --------------------------------------------------------------------------- running


# --------------------------------------------------------------------------- formatting


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="misgen benchmark: start-up, floors, validate, competitors, classify, docs, "
        "graph; every target with OK/MISS, from one run."
    )
    ap.add_argument(
        "--sizes",
        default="1000,10000,50000",
        help="comma-separated case counts (default: 1000,10000,50000)",
    )
    ap.add_argument(
        "--heavy-max",
        type=int,
        default=10000,
        metavar="N",
        help="run the competitors, classify --all, docs and graph only at sizes up to N "
        "(default 10000; the largest size measures the floors and validate: memory and growth)",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per measurement; the median is reported (default 3)",
    )
    ap.add_argument(
        "--budget",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="fewer runs for a command whose warm-up shows it would take longer than this per size (default 120)",
    )
    ap.add_argument(
        "--timeout",
        type=float,
        default=1800.0,
        metavar="SECONDS",
        help="kill a run after this long (default 1800)",
    )
    ap.add_argument(
        "--startup-repeat",
        type=int,
        default=None,
        help="runs per start-up measurement (default: 20, or 3 with --quick)",
    )
    ap.add_argument("--quick", action="store_true", help="100 cases, 1 run: a smoke test for CI")
    ap.add_argument(
        "--data",
        default=str(REPO),
        metavar="ROOT",
        help="data root to replicate (default: this checkout)",
    )
    ap.add_argument(
        "--tools",
        action="append",
        default=[],
        metavar="DIR",
        help="another folder to look for check-jsonschema and yamllint in (repeatable)",
    )
    ap.add_argument(
        "--setup-competitors",
        action="store_true",
        help="install check-jsonschema (pure-Python and C YAML) and yamllint into their own "
        "virtual environments under $MISGEN_BENCH_TOOLS or ~/.cache/misgen-bench, then exit",
    )
    ap.add_argument("--json", metavar="FILE", help="also write the raw results as JSON")
    ap.add_argument(
        "--markdown",
        metavar="FILE",
        help="also write the report as Markdown with how to reproduce it (bench/RESULTS.md)",
    )
    ap.add_argument(
        "--readme",
        metavar="FILE",
        help="also replace the generated block of FILE's 'Performance' section (between "
        f"{README_BEGIN} and {README_END}) with this run's figures",
    )
    ap.add_argument(
        "--write",
        action="store_true",
        help="the same as --markdown bench/RESULTS.md --readme README.md (of this checkout)",
    )
    ap.add_argument(
        "--note",
        action="append",
        default=[],
        metavar="TEXT",
        help="a note on the conditions of the run, printed with the report (repeatable)",
    )
    ap.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace the Python heap peak of kb.load at the largest size (one slow run)",
    )
    ap.add_argument(
        "--keep",
        action="store_true",
        help="keep the generated data roots (their folder is printed)",
    )
    args = ap.parse_args(argv)
    if args.setup_competitors:
        from _competitors import setup

        return setup()
    if args.quick:
        args.sizes, args.repeat = "100", 1
    if args.write:
        args.markdown = args.markdown or str(HERE / "RESULTS.md")
        args.readme = args.readme or str(REPO / "README.md")
    if args.readme and README_BEGIN not in Path(args.readme).read_text(encoding="utf-8"):
        print(
            f"bench: {args.readme} has no {README_BEGIN} ... {README_END} block to replace",
            file=sys.stderr,
        )
        return 2
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    repeat = max(1, args.repeat)
    startup_repeat = args.startup_repeat or (3 if args.quick else 20)
    source = Path(args.data).resolve()

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    python = sys.executable
    misgen = find_tool("misgen")
    if misgen is None:
        print(
            "bench: the 'misgen' console script was not found next to this Python or on PATH; "
            "run with the venv's python (.venv/bin/python bench/run.py)",
            file=sys.stderr,
        )
        return 2
    from _competitors import discover

    tools, tool_notes = discover(args.tools)
    work = Path(tempfile.mkdtemp(prefix="misgen-bench-"))
    # PYTHONDONTWRITEBYTECODE is dropped so that the warm-up run caches misgen's bytecode, as an
    # ordinary install has it; otherwise every start-up would include compiling misgen's sources.
    # The classify snapshot cache (misgen.snapshot) lives in the bench's own folder.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MISGEN_ROOT", "FORCE_COLOR", "PYTHONDONTWRITEBYTECODE", "MISGEN_NO_CACHE")
        and not k.startswith("MISGEN_MAX_")
    }
    env.update(
        NO_COLOR="1", COLUMNS="120", PYTHONWARNINGS="ignore", MISGEN_CACHE_DIR=str(work / "cache")
    )
    cold_env = {**env, "MISGEN_NO_CACHE": "1"}

    results: dict[str, object] = {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="minutes"),
        "machine": machine(),
        "versions": "",
        "tools": [t.versions for t in tools],
        "load_before": load_now(),
        "repeat": repeat,
        "startup_repeat": startup_repeat,
        "sizes": {},
    }
    started = time.perf_counter()
    notes: list[str] = [*args.note, *tool_notes]
    try:
        # ------------------------------------------------------------ start-up (real cases only)
        base = work / "base"
        n_base = make_root(source, base, 0)
        one = work / "one.yaml"
        shutil.copy(min((source / "cases").glob("*.yaml")), one)
        log(f"start-up: {n_base} real cases, {startup_repeat} runs")
        classify = [misgen, "--root", str(base), "classify", str(one)]
        startup = [
            Cmd("python", "python -c pass", [python, "-c", "pass"]),
            Cmd("help", "misgen --help", [misgen, "--help"]),
            Cmd("classify_one", "misgen classify one.yaml (cached snapshot)", classify),
            Cmd(
                "classify_one_json",
                "misgen classify one.yaml --format json (cached snapshot)",
                [*classify, "--format", "json"],
            ),
            Cmd(
                "classify_one_cold",
                "misgen classify one.yaml, no cache (the pydantic path)",
                classify,
                env=cold_env,
            ),
            Cmd(
                "classify_one_cold_json",
                "misgen classify one.yaml --format json, no cache",
                [*classify, "--format", "json"],
                env=cold_env,
            ),
        ]
        measure(startup, base, env, startup_repeat, args.budget, args.timeout, lambda _msg: None)

        # ------------------------------------------------------------ per size
        probes: dict[str, tuple[list[str] | None, str | None]] = {}
        for tool in tools:
            if tool.kind == "check-jsonschema":
                probes[tool.variant] = probe_cjs(tool.path, base, env)
                if probes[tool.variant][1]:
                    notes.append(f"{tool.label}: {probes[tool.variant][1]}")
        per_size: dict[int, dict[str, Cmd]] = {}
        counts: dict[int, int] = {}
        for size in sizes:
            root = work / f"root-{size}"
            t0 = time.perf_counter()
            n = make_root(source, root, size)
            counts[size] = n
            log(f"size {n}: generated in {time.perf_counter() - t0:.1f}s at {root}")
            case_files = [str(p) for p in sorted((root / "cases").glob("*.yaml"))]
            docs_out = work / f"docs-{size}"
            heavy = size <= args.heavy_max
            cmds = [
                Cmd(
                    "bytes", LABELS["bytes"], [python, str(WORKER), "bytes", str(root)], worker=True
                ),
                Cmd(
                    "events",
                    LABELS["events"],
                    [python, str(WORKER), "events", str(root)],
                    worker=True,
                ),
                Cmd(
                    "floor", LABELS["floor"], [python, str(WORKER), "floor", str(root)], worker=True
                ),
                Cmd(
                    "validate",
                    LABELS["validate"],
                    [misgen, "--root", str(root), "validate"],
                    ok=(0, 1),
                ),
                Cmd("load", LABELS["load"], [python, str(WORKER), "load", str(root)], worker=True),
            ]
            for tool in tools if heavy else []:
                if tool.kind == "check-jsonschema":
                    extra, _note = probes[tool.variant]
                    if extra is None:
                        continue
                    argv_ = [
                        tool.path,
                        *extra,
                        "--schemafile",
                        str(root / "schema" / "case.schema.json"),
                    ]
                    cmds.append(
                        Cmd(tool.variant, LABELS[tool.variant], [*argv_, *case_files], ok=(0, 1))
                    )
                else:
                    cmds.append(
                        Cmd(
                            tool.variant,
                            LABELS[tool.variant],
                            [tool.path, "-f", "parsable", *case_files],
                            ok=(0, 1, 2),
                        )
                    )
            if heavy:
                cmds += [
                    Cmd(
                        "classify_all",
                        LABELS["classify_all"],
                        [misgen, "--root", str(root), "classify", "--all"],
                    ),
                    Cmd(
                        "docs",
                        LABELS["docs"],
                        [misgen, "--root", str(root), "docs", "--out", str(docs_out)],
                        prepare=functools.partial(shutil.rmtree, docs_out, ignore_errors=True),
                    ),
                    Cmd(
                        "graph",
                        LABELS["graph"],
                        [misgen, "--root", str(root), "graph", "--format", "svg"],
                    ),
                ]
            measure(cmds, root, env, repeat, args.budget, args.timeout, log)
            per_size[size] = {c.key: c for c in cmds}
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
                shutil.rmtree(docs_out, ignore_errors=True)

        # ------------------------------------------------------------ traced heap, largest size (opt-in: slow)
        traced = None
        if args.tracemalloc:
            root = work / f"root-{sizes[-1]}"
            if not root.exists():
                make_root(source, root, sizes[-1])
            log("tracemalloc run of misgen.kb.load")
            sample, _ = run_once(
                Cmd(
                    "trace",
                    "",
                    [python, str(WORKER), "load", str(root), "--tracemalloc"],
                    worker=True,
                ),
                root,
                env,
                args.timeout,
            )
            if sample.inner:
                traced = float(sample.inner["traced_peak"]) / 2**20  # type: ignore[arg-type]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    results["versions"] = versions(python)
    results["load_after"] = load_now()
    results["elapsed"] = time.perf_counter() - started
    report = render(startup, per_size, counts, sizes, traced, notes, n_base, results)
    print(report)
    if args.keep:
        print(f"\ngenerated data kept in {work}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.markdown:
        Path(args.markdown).write_text(markdown(report, results, argv), encoding="utf-8")
    if args.readme:
        path = Path(args.readme)
        path.write_text(
            replace_block(path.read_text(encoding="utf-8"), readme(results)), encoding="utf-8"
        )
    return 0


def probe_cjs(cjs: str, base: Path, env: dict[str, str]) -> tuple[list[str] | None, str | None]:
    """The extra arguments check-jsonschema needs for the schema (``[]``: none), or None when it
    cannot run at all; and a note. Its default (ECMAScript) regex dialect may reject a pattern:
    then Python's dialect is used, and the note says so."""
    schema = str(base / "schema" / "case.schema.json")
    sample = str(min((base / "cases").glob("*.yaml")))

    def attempt(extra: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [cjs, *extra, "--schemafile", schema, sample],
            cwd=base,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    def usable(done: subprocess.CompletedProcess[str]) -> bool:
        return (
            done.returncode in (0, 1)
            and "schemafile was not valid" not in done.stdout + done.stderr
        )

    first = attempt([])
    if usable(first):
        return [], None
    second = attempt(["--regex-variant", "python"])
    if usable(second):
        text = first.stdout + first.stderr
        detail = last_line(
            [ln for ln in text.splitlines() if "Error" in ln][-1] if "Error" in text else text
        )
        return ["--regex-variant", "python"], (
            "rejects schema/case.schema.json with its default ECMAScript regex dialect "
            f"({detail}); measured with --regex-variant python"
        )
    return None, "could not run: " + last_line(first.stdout + first.stderr)


# --------------------------------------------------------------------------- the report


if __name__ == "__main__":
    sys.exit(main())
