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
import itertools
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORKER = HERE / "_worker.py"

# Targets of issue 19 (CPU time of whole processes; every ratio from one run, side by side).
T_CLASSIFY_ONE_PYTHON = 6.0  # misgen classify FILE (text and JSON) / python -c pass: at most
T_VALIDATE_EVENTS = 2.5  # misgen validate / libyaml event-stream floor at 10,000 cases: at most
T_CJS_C_VALIDATE = 5.0  # check-jsonschema with a C YAML parser / misgen validate: at least
T_DOCS_VALIDATE = 2.0  # misgen docs / misgen validate at 1,000 cases (wall and CPU): at most
T_MEMORY_MIB = 600.0  # peak RSS of misgen validate at 50,000 cases, MiB: at most
T_MARGINAL_FLAT = 1.3  # marginal CPU per case, last pair of sizes / first pair: at most (flat)
# kept from issue 10
T_HELP_PYTHON = 2.5  # misgen --help / python -c pass: at most


# --------------------------------------------------------------------------- data


def make_root(source: Path, dest: Path, total: int) -> int:
    """Build a data root at ``dest`` with ``total`` cases (at least the real ones). Returns the count."""
    for name in ("taxonomy", "classifier", "schema"):
        if (source / name).is_dir():
            shutil.copytree(source / name, dest / name)
    cases = dest / "cases"
    cases.mkdir(parents=True)
    originals = sorted((source / "cases").glob("*.yaml"))
    texts = {p.stem: p.read_text(encoding="utf-8") for p in originals}
    for stem, text in texts.items():
        (cases / f"{stem}.yaml").write_text(text, encoding="utf-8")
    plan: list[tuple[str, int]] = []
    round_ = 0
    while len(originals) + len(plan) < total:
        round_ += 1
        for stem in texts:
            if len(originals) + len(plan) >= total:
                break
            plan.append((stem, round_))
    existing = {f"{stem}-s{r:05d}" for stem, r in plan}
    for stem, r in plan:
        new_id = f"{stem}-s{r:05d}"
        (cases / f"{new_id}.yaml").write_text(
            _replica(texts[stem], new_id, r, existing), encoding="utf-8"
        )
    return len(originals) + len(plan)


_ID_LINE = re.compile(r"(?m)^id:[ \t]*\S.*$")
_LINKS_BLOCK = re.compile(r"(?ms)^links:[^\n]*\n(?:(?:[ \t]+[^\n]*|[ \t]*)\n)*")
_LINK_CASE = re.compile(r"""(?m)^([ \t]+(?:-[ \t]+)?case:[ \t]*)(["']?)([a-z0-9-]+)\2[ \t]*$""")


def _replica(text: str, new_id: str, round_: int, existing: set[str]) -> str:
    text, count = _ID_LINE.subn(f"id: {new_id}", text, count=1)
    if count != 1:
        raise SystemExit(f"bench: cannot find the 'id:' line to rewrite for {new_id}")

    def relink(match: re.Match[str]) -> str:
        target = f"{match.group(3)}-s{round_:05d}"
        return f"{match.group(1)}{target if target in existing else match.group(3)}"

    return _LINKS_BLOCK.sub(lambda block: _LINK_CASE.sub(relink, block.group(0)), text)


# --------------------------------------------------------------------------- running


def median(values: object) -> float:
    """The median (not statistics.median: this process stays small, see run_once)."""
    ordered = sorted(values)  # type: ignore[call-overload]
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


@dataclass
class Sample:
    wall: float
    rss_mb: float
    code: int
    cpu: float = 0.0  # user + system seconds of the process (and its reaped children)
    inner: dict[str, object] | None = None


@dataclass
class Cmd:
    key: str
    label: str
    argv: list[str]
    ok: tuple[int, ...] = (0,)
    worker: bool = False  # stdout is the worker's JSON
    prepare: Callable[[], None] | None = None  # untimed, before every run
    runs: int = 0  # samples wanted, set after the warm-up
    samples: list[Sample] = field(default_factory=list)
    na: str | None = None  # why there is no number
    note: str | None = None  # e.g. "exit 1: data has problems"
    env: dict[str, str] | None = None  # instead of the common environment

    def median(self) -> float | None:
        return median(s.wall for s in self.samples) if self.samples and not self.na else None

    def cpu_median(self) -> float | None:
        return median(s.cpu for s in self.samples) if self.samples and not self.na else None

    def inner_median(self, what: str = "seconds") -> float | None:
        vals = [float(s.inner[what]) for s in self.samples if s.inner]  # type: ignore[arg-type]
        return median(vals) if vals and not self.na else None

    def rss(self) -> float | None:
        return max(s.rss_mb for s in self.samples) if self.samples and not self.na else None


KILLED = -1000


def _tail(handle: IO[bytes], size: int = 16384) -> str:
    end = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, end - size))
    return handle.read().decode("utf-8", "replace")


def run_once(
    cmd: Cmd, cwd: Path, env: dict[str, str], timeout: float | None = None
) -> tuple[Sample, str]:
    """Run ``cmd`` once in a fresh process: wall time, CPU time and peak RSS from ``os.wait4``.

    On Linux a child's peak RSS starts from this process's own peak resident size (the
    high-water mark carries over exec), so this process keeps itself small: no heavy imports,
    no large outputs read. That floor (~15 MB, shown by the ``python -c pass`` row) is in
    every RSS figure.
    """
    if cmd.prepare:
        cmd.prepare()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd.argv,
            cwd=cwd,
            env=cmd.env if cmd.env is not None else env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        killed: list[bool] = []

        def kill() -> None:
            killed.append(True)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        # wait4, not Popen.wait: it also returns the child's peak RSS (and its reaped children's)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if timer:
            timer.cancel()
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if killed:
            code = KILLED
        # only the tails: reading a large output (an SVG of 10,000 cases) would grow this process,
        # and every later child starts from its peak resident size (see run_once's docstring)
        stdout, stderr = _tail(out), _tail(err)
    inner = None
    if cmd.worker and code == 0:
        inner = json.loads(stdout.strip().splitlines()[-1])
    rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return Sample(wall, rss_mb, code, usage.ru_utime + usage.ru_stime, inner), (
        stderr.strip() or stdout.strip()
    )


SLOW = 10.0  # seconds: a warm-up this slow counts as a sample (caches are warm by then)


def measure(
    cmds: list[Cmd],
    cwd: Path,
    env: dict[str, str],
    repeat: int,
    budget: float,
    timeout: float,
    log: Callable[[str], None],
) -> None:
    """Warm each command up once (file cache, bytecode), then interleaved rounds, one run of each
    command per round, until each has ``repeat`` samples or has used about ``budget`` seconds."""
    for cmd in cmds:
        sample, text = run_once(cmd, cwd, env, timeout)
        if sample.code not in cmd.ok:
            cmd.na = _reason(sample.code, text, timeout)
            log(f"  {cmd.label}: n/a ({cmd.na})")
            continue
        if sample.code != 0:
            cmd.note = f"exit {sample.code}: " + _last_line(text)
        cmd.runs = max(1, min(repeat, int(budget // max(sample.wall, 1e-6))))
        if sample.wall >= SLOW:
            cmd.samples.append(sample)
        log(f"  warm-up {cmd.label}: {sample.wall:.2f}s, {cmd.runs} run(s)")
    for round_ in range(repeat):
        for cmd in cmds:
            if cmd.na or len(cmd.samples) >= cmd.runs:
                continue
            sample, text = run_once(cmd, cwd, env, timeout)
            if sample.code not in cmd.ok:
                cmd.na = _reason(sample.code, text, timeout)
                continue
            cmd.samples.append(sample)
        log(f"  round {round_ + 1}/{repeat} done")


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return (lines[-1] if lines else "no output")[:160]


def _reason(code: int, text: str, timeout: float | None = None) -> str:
    if code == KILLED:
        return f"killed after the {timeout:.0f} s timeout (--timeout)"
    if "No module named 'misgen." in text:
        return "not implemented yet: " + _last_line(text)[:100]
    return f"exit {code}: {_last_line(text)}"


# --------------------------------------------------------------------------- formatting


def fmt_s(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def fmt_x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(r: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


# --------------------------------------------------------------------------- main


def find_tool(name: str) -> str | None:
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    return shutil.which(name)


def versions(python: str) -> str:
    """Package versions, read in a child: importlib.metadata would add ~5 MB to this process."""
    code = (
        "import platform\nfrom importlib import metadata\nout = ['Python ' + platform.python_version()]\n"
        "for d in ('misgen', 'PyYAML', 'pydantic', 'pydantic-core', 'networkx', 'rich'):\n"
        "    try: out.append(d + ' ' + metadata.version(d))\n"
        "    except metadata.PackageNotFoundError: out.append(d + ' missing')\n"
        "print(', '.join(out))"
    )
    found = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    return found.stdout.strip() or f"Python {platform.python_version()}"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 2**20:.1f} GiB RAM"
                break
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} CPU(s), {cpu}{memory}"


def load_now() -> str:
    """How busy the machine is: load average and CPU pressure (Linux), for the report."""
    parts = []
    try:
        parts.append("load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3]))
    except OSError:
        pass
    try:
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0].split()
        parts.append("CPU pressure " + " ".join(x for x in some[1:4]))
    except (OSError, IndexError):
        pass
    return "; ".join(parts) or "unknown"


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
        print(f"bench: {args.readme} has no {README_BEGIN} ... {README_END} block to replace", file=sys.stderr)
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
                Cmd("bytes", LABELS["bytes"], [python, str(WORKER), "bytes", str(root)], worker=True),
                Cmd("events", LABELS["events"], [python, str(WORKER), "events", str(root)], worker=True),
                Cmd("floor", LABELS["floor"], [python, str(WORKER), "floor", str(root)], worker=True),
                Cmd("validate", LABELS["validate"], [misgen, "--root", str(root), "validate"], ok=(0, 1)),
                Cmd("load", LABELS["load"], [python, str(WORKER), "load", str(root)], worker=True),
            ]
            for tool in tools if heavy else []:
                if tool.kind == "check-jsonschema":
                    extra, _note = probes[tool.variant]
                    if extra is None:
                        continue
                    argv_ = [tool.path, *extra, "--schemafile", str(root / "schema" / "case.schema.json")]
                    cmds.append(Cmd(tool.variant, LABELS[tool.variant], [*argv_, *case_files], ok=(0, 1)))
                else:
                    cmds.append(
                        Cmd(tool.variant, LABELS[tool.variant], [tool.path, "-f", "parsable", *case_files], ok=(0, 1, 2))
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
        path.write_text(replace_block(path.read_text(encoding="utf-8"), readme(results)), encoding="utf-8")
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
        return done.returncode in (0, 1) and "schemafile was not valid" not in done.stdout + done.stderr

    first = attempt([])
    if usable(first):
        return [], None
    second = attempt(["--regex-variant", "python"])
    if usable(second):
        text = first.stdout + first.stderr
        detail = _last_line([ln for ln in text.splitlines() if "Error" in ln][-1] if "Error" in text else text)
        return ["--regex-variant", "python"], (
            "rejects schema/case.schema.json with its default ECMAScript regex dialect "
            f"({detail}); measured with --regex-variant python"
        )
    return None, "could not run: " + _last_line(first.stdout + first.stderr)


# --------------------------------------------------------------------------- the report

LABELS = {
    "bytes": "floor: read the bytes",
    "events": "floor: libyaml event stream",
    "floor": "PyYAML safe-load baseline (CSafeLoader)",
    "validate": "misgen validate",
    "load": "misgen.kb.load",
    "cjs-c": "check-jsonschema, C YAML (ruamel.yaml.clib)",
    "cjs-python": "check-jsonschema, pure-Python YAML",
    "yamllint": "yamllint (syntax and style only)",
    "classify_all": "misgen classify --all",
    "docs": "misgen docs --out DIR",
    "graph": "misgen graph --format svg",
}
#: (command, in-process?, row label) in table order; in-process rows time the work alone
ROWS = [
    ("bytes", True, "floor: read the bytes (in-process)"),
    ("events", True, "floor: libyaml event stream (in-process)"),
    ("events", False, "floor: libyaml event stream (process)"),
    ("floor", True, "PyYAML safe-load baseline, CSafeLoader (in-process)"),
    ("floor", False, "PyYAML safe-load baseline, CSafeLoader (process)"),
    ("validate", False, "misgen validate"),
    ("load", True, "misgen.kb.load (in-process)"),
    ("cjs-c", False, "check-jsonschema, C YAML parser"),
    ("cjs-python", False, "check-jsonschema, pure-Python YAML parser"),
    ("yamllint", False, "yamllint (syntax and style, no schema)"),
    ("classify_all", False, "misgen classify --all"),
    ("docs", False, "misgen docs --out DIR"),
    ("graph", False, "misgen graph --format svg"),
]


def render(
    startup: list[Cmd],
    per_size: dict[int, dict[str, Cmd]],
    counts: dict[int, int],
    sizes: list[int],
    traced: float | None,
    notes: list[str],
    n_base: int,
    results: dict[str, object],
) -> str:
    """The report (Markdown tables), and the same numbers into ``results``."""
    out: list[str] = []
    s = {c.key: c for c in startup}
    pyw, pyc = s["python"].median(), s["python"].cpu_median()
    repeat, startup_repeat = results["repeat"], results["startup_repeat"]
    out.append(f"misgen benchmark, {results['date']}")
    out.append("")
    out.append(f"- machine: {results['machine']}")
    out.append(f"- versions: {results['versions']}")
    for tool in results["tools"]:  # type: ignore[attr-defined]
        out.append(f"- compared with: {tool}")
    out.append(f"- machine load: before {results['load_before']}; after {results['load_after']}")
    out.append(
        f"- median of up to {repeat} run(s) per size ('n=' where a slow command got fewer, see "
        f"--budget), start-up median of {startup_repeat}; every run is a fresh process; "
        f"total {float(results['elapsed']):.0f} s"  # type: ignore[arg-type]
    )
    out.append("")
    out.append(f"### Start-up (data root with the {n_base} real cases)")
    out.append("")
    out.append(
        table(
            ["command", "wall s", "x python -c pass", "CPU s", "CPU x python", "peak RSS MiB (max of runs)"],
            [
                [
                    c.label,
                    fmt_s(c.median()),
                    fmt_x(ratio(c.median(), pyw)),
                    fmt_s(c.cpu_median()),
                    fmt_x(ratio(c.cpu_median(), pyc)),
                    f"{c.rss():.0f}" if c.rss() else "n/a",
                ]
                for c in startup
            ],
        )
    )

    def value(size: int, key: str, inner: bool, cpu: bool = False) -> float | None:
        cmd = per_size.get(size, {}).get(key)
        if cmd is None:
            return None
        if cpu:
            return cmd.inner_median("cpu") if inner else cmd.cpu_median()
        return cmd.inner_median() if inner else cmd.median()

    present = [r for r in ROWS if any(r[0] in per_size[size] for size in sizes)]
    raw: dict[str, dict[str, object]] = {}
    rows_cpu, rows_wall, rows_rss = [], [], []
    for key, inner, label in present:
        cpu_row, wall_row, rss_row = [label], [label], [label]
        entry: dict[str, object] = {}
        for size in sizes:
            cv, wv = value(size, key, inner, True), value(size, key, inner)
            cmd = per_size[size].get(key)
            n = len(cmd.samples) if cmd else 0
            few = f" (n={n})" if cv is not None and n < repeat else ""  # type: ignore[operator]
            cpu_row.append("n/a" if cv is None else f"{fmt_s(cv)} ({1000 * cv / counts[size]:.3f}){few}")
            wall_row.append("n/a" if wv is None else fmt_s(wv) + few)
            rss = None if inner or cmd is None else cmd.rss()
            rss_row.append("(same run)" if inner and cmd and not cmd.na else (f"{rss:.0f}" if rss else "n/a"))
            entry[str(counts[size])] = {"wall": wv, "cpu": cv, "runs": n, "rss_mib": rss}
        raw[label] = entry
        rows_cpu.append(cpu_row)
        rows_wall.append(wall_row)
        if not inner:
            rows_rss.append(rss_row)
    heads = [f"@{counts[size]}" for size in sizes]
    out += ["", "### Throughput: CPU seconds (user + system), ms per case in brackets", ""]
    out.append(
        "In-process rows time the measured work alone (interpreter start and imports excluded); "
        "the other rows are whole processes."
    )
    out += ["", table(["measurement", *heads], rows_cpu)]

    # marginal cost: what one more case costs, from the difference between two sizes
    pairs = list(itertools.pairwise(sizes))
    marginal: dict[str, list[float | None]] = {}
    if pairs:
        mrows = []
        for key, inner, label in present:
            values = []
            for a, b in pairs:
                va, vb = value(a, key, inner, True), value(b, key, inner, True)
                values.append(
                    (vb - va) / (counts[b] - counts[a]) * 1000 if va is not None and vb is not None else None
                )
            marginal[label] = values
            flat = ratio(values[-1], values[0]) if len(values) > 1 else None
            mrows.append([label, *("n/a" if v is None else f"{v:.3f}" for v in values), fmt_x(flat)])
            raw[label]["marginal_ms_per_case"] = values
        out += ["", "### Marginal CPU ms per case between sizes (flat = linear; the fixed start-up cost drops out)", ""]
        out.append(
            table(
                ["measurement", *(f"{counts[a]}->{counts[b]}" for a, b in pairs), "last / first pair"],
                mrows,
            )
        )
    out += ["", "### Wall seconds (a shared machine: read the CPU table for ratios)", ""]
    out.append(table(["measurement", *heads], rows_wall))
    out += ["", "### Peak RSS, MiB (os.wait4, largest of the runs; the bench's own ~15 MiB floor included)", ""]
    out.append(table(["command", *heads], rows_rss))

    # ------------------------------------------------------------ ratios (information)
    def both(size: int, a: str, ai: bool, b: str, bi: bool) -> tuple[float | None, float | None]:
        return (
            ratio(value(size, a, ai, True), value(size, b, bi, True)),
            ratio(value(size, a, ai), value(size, b, bi)),
        )

    info = [
        ("misgen validate / read the bytes (in-process)", "validate", False, "bytes", True),
        ("misgen validate / libyaml event stream (process)", "validate", False, "events", False),
        ("misgen validate / PyYAML safe-load baseline (process)", "validate", False, "floor", False),
        ("misgen.kb.load / libyaml event stream (in-process)", "load", True, "events", True),
        ("misgen.kb.load / PyYAML safe-load baseline (in-process)", "load", True, "floor", True),
        ("check-jsonschema C YAML / misgen validate", "cjs-c", False, "validate", False),
        ("check-jsonschema pure-Python YAML / misgen validate", "cjs-python", False, "validate", False),
        ("yamllint / misgen validate", "yamllint", False, "validate", False),
        ("misgen classify --all / misgen validate", "classify_all", False, "validate", False),
        ("misgen docs / misgen validate", "docs", False, "validate", False),
        ("misgen graph --format svg / misgen validate", "graph", False, "validate", False),
    ]
    irows = []
    ratios_raw: dict[str, object] = {}
    for name, a, ai, b, bi in info:
        cells = []
        for size in sizes:
            rc, rw = both(size, a, ai, b, bi)
            cells.append("n/a" if rc is None else f"{fmt_x(rc)} ({fmt_x(rw)})")
            ratios_raw[f"{name} @{counts[size]}"] = {"cpu": rc, "wall": rw}
        if any(c != "n/a" for c in cells):
            irows.append([name, *cells])
    out += ["", "### Ratios, CPU (wall in brackets)", ""]
    out.append(table(["ratio", *heads], irows))

    # ------------------------------------------------------------ targets
    trows: list[list[str]] = []
    targets: dict[str, object] = {}

    def add(name: str, goal: str, cpu: float | None, wall: float | None, limit: float,
            at_most: bool = True, unit: str = "x", both_count: bool = False, why: str = "") -> None:
        def show(x: float | None) -> str:
            if x is None:
                return "n/a"
            return fmt_x(x) if unit == "x" else f"{x:.0f} {unit}"

        def ok(x: float) -> bool:
            return x <= limit if at_most else x >= limit

        if cpu is None:
            verdict = "n/a" + (f" ({why})" if why else "")
        else:
            good = ok(cpu) and (not both_count or wall is None or ok(wall))
            verdict = "OK" if good else "MISS"
        trows.append([name, goal, show(cpu), show(wall) if unit == "x" else "", verdict])
        targets[name] = {"cpu": cpu, "wall": wall, "goal": goal, "verdict": verdict, "cells": trows[-1]}

    def near(target: int) -> int | None:
        return next((size for size in sizes if abs(counts[size] - target) <= target // 10), None)

    for key, what in (("classify_one", "text"), ("classify_one_json", "JSON")):
        add(
            f"misgen classify FILE ({what}) / python -c pass",
            f"<= {T_CLASSIFY_ONE_PYTHON:.0f}x",
            ratio(s[key].cpu_median(), pyc),
            ratio(s[key].median(), pyw),
            T_CLASSIFY_ONE_PYTHON,
        )
    for key, what in (("classify_one_cold", "text"), ("classify_one_cold_json", "JSON")):
        add(
            f"  (before: without the cache, the pydantic path, {what})",
            f"<= {T_CLASSIFY_ONE_PYTHON:.0f}x",
            ratio(s[key].cpu_median(), pyc),
            ratio(s[key].median(), pyw),
            T_CLASSIFY_ONE_PYTHON,
        )
    ten = near(10000)
    rc, rw = both(ten, "validate", False, "events", False) if ten else (None, None)
    add(
        "misgen validate / libyaml event-stream floor @10k",
        f"<= {T_VALIDATE_EVENTS}x",
        rc,
        rw,
        T_VALIDATE_EVENTS,
        why="10,000 cases not run",
    )
    measured_cjs = [size for size in sizes if value(size, "cjs-c", False, True) is not None]
    for size in measured_cjs or sizes[:1]:
        rc, rw = both(size, "cjs-c", False, "validate", False)
        add(
            f"check-jsonschema (C YAML parser) / misgen validate @{counts[size]}",
            f">= {T_CJS_C_VALIDATE:.0f}x",
            rc,
            rw,
            T_CJS_C_VALIDATE,
            at_most=False,
            why="check-jsonschema with ruamel.yaml.clib not found: bench/run.py --setup-competitors",
        )
    one_k = near(1000)
    rc, rw = both(one_k, "docs", False, "validate", False) if one_k else (None, None)
    add(
        "misgen docs / misgen validate @1k (wall and CPU)",
        f"<= {T_DOCS_VALIDATE:.0f}x",
        rc,
        rw,
        T_DOCS_VALIDATE,
        both_count=True,
        why="1,000 cases not run",
    )
    fifty = near(50000)
    big = per_size[fifty].get("validate") if fifty else None
    add(
        "peak RSS of misgen validate @50k",
        f"<= {T_MEMORY_MIB:.0f} MiB",
        big.rss() if big else None,
        None,
        T_MEMORY_MIB,
        unit="MiB",
        why="50,000 cases not run",
    )
    vm = marginal.get("misgen validate", [])
    add(
        "misgen validate: marginal CPU per case, last / first pair of sizes"
        + (f" ({counts[sizes[-2]]}->{counts[sizes[-1]]} vs {counts[sizes[0]]}->{counts[sizes[1]]})" if len(sizes) > 2 else ""),
        f"<= {T_MARGINAL_FLAT}x (flat)",
        ratio(vm[-1], vm[0]) if len(vm) > 1 else None,
        None,
        T_MARGINAL_FLAT,
        why="needs three sizes",
    )
    add(
        "misgen --help / python -c pass (issue 10)",
        f"<= {T_HELP_PYTHON}x",
        ratio(s["help"].cpu_median(), pyc),
        ratio(s["help"].median(), pyw),
        T_HELP_PYTHON,
    )
    if traced is not None:
        trows.append(
            [f"traced Python heap peak (tracemalloc), kb.load @{counts[sizes[-1]]}", "(info)", f"{traced:.0f} MiB", "", ""]
        )
    out += ["", "### Targets of issue 19 (verdict from CPU time; wall must agree where marked)", ""]
    out.append(table(["target", "goal", "CPU", "wall", "verdict"], trows))

    for size in sizes:
        for key, cmd in per_size[size].items():
            if cmd.na:
                notes.append(f"{LABELS.get(key, key)} @{counts[size]}: n/a: {cmd.na}")
            elif cmd.note:
                notes.append(f"{LABELS.get(key, key)} @{counts[size]}: {cmd.note}")
    for c in startup:
        if c.na:
            notes.append(f"{c.label}: n/a: {c.na}")
    if notes:
        out += ["", "Notes:", "", *(f"- {n}" for n in notes)]
    results["startup"] = {
        c.key: {
            "label": c.label,
            "wall": c.median(),
            "cpu": c.cpu_median(),
            "runs": len(c.samples),
            "rss_mib": c.rss(),
            "na": c.na,
        }
        for c in startup
    }
    results["throughput"] = raw
    results["ratios"] = ratios_raw
    results["targets"] = targets
    results["sizes"] = {str(k): v for k, v in counts.items()}
    results["traced_peak_mib"] = traced
    results["notes"] = notes
    return "\n".join(out)


MARKDOWN_HEAD = """# Benchmark results

Generated by `bench/run.py` (`{command}`): every number below comes from the one run it
describes. Do not edit by hand; run it again.

## How to reproduce

```bash
.venv/bin/python bench/run.py --setup-competitors      # once: check-jsonschema (pure-Python and
                                                       # C YAML) and yamllint, in their own venvs
.venv/bin/python bench/run.py --markdown bench/RESULTS.md    # 1,000 / 10,000 / 50,000 cases
.venv/bin/python bench/run.py --sizes 1000 --repeat 3        # a few minutes
.venv/bin/python bench/run.py --quick      # 100 cases, 1 run: what CI runs (tests/test_bench.py)
```

## Method

- **Data.** For each size the bench copies `taxonomy/`, `classifier/` and `schema/` into a
  temporary root and fills `cases/` with the real cases plus replicas (the `id:` line, the
  file name and the `links` rewritten), so that every replica validates.
- **Runs.** Every measurement is a fresh process, run once to warm the file cache and
  bytecode, then timed; the commands of a size are interleaved round by round, so machine
  noise hits them alike; the median is reported. Ratios use **CPU time** (user + system,
  from `os.wait4`), which a shared machine disturbs far less than wall time (shown beside).
  Peak RSS is `ru_maxrss` of the child (MiB).
- **Floors.** *Read the bytes*: open and read every file, nothing else. *libyaml event
  stream*: `yaml.parse` with the C parser, every event object created, no data built: the
  least any YAML-reading validator must do. *PyYAML safe-load baseline*: `yaml.load` with
  `CSafeLoader` (libyaml plus PyYAML's Python constructor): an unhardened naive loader, not
  a floor. In-process rows time the work alone; process rows include start-up.
- **Marginal cost.** What one more case costs: the CPU difference between two sizes divided
  by the difference in cases. Unlike whole-run time per case it is not flattered by the
  fixed start-up cost, and it exposes a super-linear term.
- **Competitors.** `check-jsonschema` checks the case files alone against
  `schema/case.schema.json` (generated from misgen's models) with each YAML parser it can
  have: ruamel.yaml's pure-Python parser (the default install) and its C parser
  (`ruamel.yaml.clib`). `yamllint` checks YAML syntax and style only. `misgen validate` does
  more than either: the hardened parse, the strict schema of every file (taxonomy and
  classifier too), cross-file references and graph integrity.
- **classify FILE** is measured with the snapshot cache warm (the normal case after the
  first run) and without it (`MISGEN_NO_CACHE=1`: the pydantic path, what every run cost
  before the cache).

## Latest run

"""


def markdown(report: str, results: dict[str, object], argv: list[str] | None) -> str:
    command = "bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    body = report.replace("misgen benchmark, ", "Run of ", 1)
    return MARKDOWN_HEAD.format(command=command.strip()) + body + "\n"


README_BEGIN = "<!-- bench/run.py: generated from one run, do not edit by hand -->"
README_END = "<!-- end of bench/run.py's block -->"


def replace_block(text: str, block: str) -> str:
    """``text`` with what lies between README_BEGIN and README_END replaced by ``block``."""
    head, found, rest = text.partition(README_BEGIN)
    _old, found_end, tail = rest.partition(README_END)
    if not found or not found_end:
        raise SystemExit(f"bench: no {README_BEGIN} ... {README_END} block to replace")
    return f"{head}{README_BEGIN}\n{block.strip()}\n{README_END}{tail}"


def readme(results: dict[str, object]) -> str:
    """The README's generated block: the run's date, machine and versions, and its target
    rows exactly as bench/RESULTS.md prints them (tests/test_bench_v2.py checks they agree)."""
    start = results["startup"]  # type: ignore[index]
    targets = results["targets"]  # type: ignore[assignment]

    def cpu(key: str) -> str:
        return fmt_x(ratio(start[key]["cpu"], start["python"]["cpu"]))  # type: ignore[index]

    lines = [
        f"Run of {results['date']} on {results['machine']}; {results['versions']}.",
        "",
        "| target | goal | CPU | wall | verdict |",
        "|---|---|---|---|---|",
    ]
    for t in targets.values():  # type: ignore[union-attr]
        lines.append("| " + " | ".join(str(c).strip() for c in t["cells"]) + " |")
    lines += [
        "",
        f"`misgen classify FILE` without the cache (the pydantic path): {cpu('classify_one_cold')} "
        "a bare `python -c pass` in CPU time.",
        "",
        "Compared with, on the same files and schema:",
        "",
    ]
    for tool in results["tools"]:  # type: ignore[attr-defined]
        lines.append(f"- {tool}")
    notes = results.get("notes") or []
    if notes:
        lines += ["", "Notes on this run:", ""]
        lines += [f"- {n}" for n in notes]  # type: ignore[attr-defined]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
