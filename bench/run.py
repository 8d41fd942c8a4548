"""misgen benchmark: one command, side-by-side timings, ratios and growth.

    .venv/bin/python bench/run.py                       # 1,000 and 10,000 cases, median of 5
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
hits them alike, and the median is reported. Benchmarks are not timed unit tests: nothing
here fails on a slow result, it only prints MISS next to the target.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import functools
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

# Targets from issue 10 (ratios measured side by side).
T_VALIDATE_FLOOR = 1.5  # misgen validate / libyaml parse floor: at most
T_CJS_VALIDATE = 10.0  # check-jsonschema / misgen validate: at least
T_HELP_PYTHON = 2.5  # misgen --help / python -c pass: at most
T_CLASSIFY_ONE_PYTHON = 6.0  # misgen classify one.yaml / python -c pass: at most
T_GROWTH = 1.3  # per-case cost, largest size / smallest: at most ("linear", with noise)
T_MEMORY_MB = 300.0  # peak RSS validating the largest size: at most ("a few hundred MB")
T_DOCS_GRAPH_1K = 5.0  # docs and graph for 1,000 cases: seconds, at most ("a few seconds")


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
            env=env,
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
        "for d in ('PyYAML', 'pydantic', 'pydantic-core', 'networkx', 'rich', 'check-jsonschema'):\n"
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
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} CPU(s), {cpu}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="misgen benchmark: validate, classify, docs, graph and start-up, side by side."
    )
    ap.add_argument(
        "--sizes", default="1000,10000", help="comma-separated case counts (default: 1000,10000)"
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="runs per measurement; the median is reported (default 5)",
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
        help="runs per start-up measurement (default 4 x --repeat)",
    )
    ap.add_argument("--quick", action="store_true", help="100 cases, 1 run: a smoke test for CI")
    ap.add_argument(
        "--data",
        default=str(REPO),
        metavar="ROOT",
        help="data root to replicate (default: this checkout)",
    )
    ap.add_argument("--json", metavar="FILE", help="also write the raw results as JSON")
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
    if args.quick:
        args.sizes, args.repeat = "100", 1
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    repeat = max(1, args.repeat)
    startup_repeat = args.startup_repeat or (4 * repeat)
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
    cjs = find_tool("check-jsonschema")
    # PYTHONDONTWRITEBYTECODE is dropped so that the warm-up run caches misgen's bytecode, as an
    # ordinary install has it; otherwise every start-up would include compiling misgen's sources.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MISGEN_ROOT", "FORCE_COLOR", "PYTHONDONTWRITEBYTECODE")
    }
    env.update(NO_COLOR="1", COLUMNS="120", PYTHONWARNINGS="ignore")

    work = Path(tempfile.mkdtemp(prefix="misgen-bench-"))
    results: dict[str, object] = {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="minutes"),
        "machine": machine(),
        "versions": "",
        "repeat": repeat,
        "sizes": {},
    }
    started = time.perf_counter()
    try:
        # ------------------------------------------------------------ start-up (real cases only)
        base = work / "base"
        n_base = make_root(source, base, 0)
        one = work / "one.yaml"
        shutil.copy(min((source / "cases").glob("*.yaml")), one)
        log(f"start-up: {n_base} real cases, {startup_repeat} runs")
        startup = [
            Cmd("python", "python -c pass", [python, "-c", "pass"]),
            Cmd("help", "misgen --help", [misgen, "--help"]),
            Cmd(
                "classify_one",
                "misgen classify one.yaml",
                [misgen, "--root", str(base), "classify", str(one)],
            ),
        ]
        measure(startup, base, env, startup_repeat, args.budget, args.timeout, lambda _msg: None)

        # ------------------------------------------------------------ per size
        cjs_args: list[str] = []
        cjs_note = None
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
            cmds = [
                Cmd(
                    "floor",
                    "floor: read + CSafeLoader parse (process)",
                    [python, str(WORKER), "floor", str(root)],
                    worker=True,
                ),
                Cmd(
                    "validate",
                    "misgen validate",
                    [misgen, "--root", str(root), "validate"],
                    ok=(0, 1),
                ),
                Cmd(
                    "load",
                    "misgen.kb.load (process)",
                    [python, str(WORKER), "load", str(root)],
                    worker=True,
                ),
            ]
            if cjs is None:
                cjs_note = "check-jsonschema is not installed (pip install check-jsonschema)"
            else:
                if not cjs_args:
                    cjs_args, cjs_note = probe_cjs(cjs, base, env)
                if cjs_args:
                    cmds.append(
                        Cmd(
                            "cjs",
                            "check-jsonschema --schemafile schema/case.schema.json",
                            [
                                cjs,
                                *cjs_args,
                                "--schemafile",
                                str(root / "schema" / "case.schema.json"),
                                *case_files,
                            ],
                            ok=(0, 1),
                        )
                    )
            cmds += [
                Cmd(
                    "classify_all",
                    "misgen classify --all",
                    [misgen, "--root", str(root), "classify", "--all"],
                ),
                Cmd(
                    "docs",
                    "misgen docs --out DIR",
                    [misgen, "--root", str(root), "docs", "--out", str(docs_out)],
                    prepare=functools.partial(shutil.rmtree, docs_out, ignore_errors=True),
                ),
                Cmd(
                    "graph",
                    "misgen graph --format svg",
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
    report = render(
        startup,
        per_size,
        counts,
        sizes,
        traced,
        cjs_note,
        n_base,
        repeat,
        startup_repeat,
        results,
        time.perf_counter() - started,
    )
    print(report)
    if args.keep:
        print(f"\ngenerated data kept in {work}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def probe_cjs(cjs: str, base: Path, env: dict[str, str]) -> tuple[list[str], str | None]:
    """check-jsonschema's default (ECMAScript) regex dialect may reject the schema; fall back to python's."""
    schema = str(base / "schema" / "case.schema.json")
    sample = str(min((base / "cases").glob("*.yaml")))
    first = subprocess.run(
        [cjs, "--schemafile", schema, sample],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if first.returncode in (0, 1) and "schemafile was not valid" not in first.stdout + first.stderr:
        return [], None
    second = subprocess.run(
        [cjs, "--regex-variant", "python", "--schemafile", schema, sample],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if (
        second.returncode in (0, 1)
        and "schemafile was not valid" not in second.stdout + second.stderr
    ):
        detail = _last_line(
            [ln for ln in (first.stdout + first.stderr).splitlines() if "Error" in ln][-1]
            if "Error" in first.stdout + first.stderr
            else first.stdout + first.stderr
        )
        return ["--regex-variant", "python"], (
            "check-jsonschema rejects schema/case.schema.json with its default ECMAScript regex dialect "
            f"({detail}); measured with --regex-variant python"
        )
    return [], "check-jsonschema could not run: " + _last_line(first.stdout + first.stderr)


LABELS = {
    "floor": "floor: read + CSafeLoader parse",
    "validate": "misgen validate",
    "load": "misgen.kb.load",
    "cjs": "check-jsonschema (case schema)",
    "classify_all": "misgen classify --all",
    "docs": "misgen docs --out DIR",
    "graph": "misgen graph --format svg",
}
#: (command, in-process?, row label) in table order
ROWS = [
    ("floor", False, "floor: read + CSafeLoader parse (process)"),
    ("floor", True, "floor (in-process)"),
    ("validate", False, "misgen validate"),
    ("load", True, "misgen.kb.load (in-process)"),
    ("cjs", False, "check-jsonschema --schemafile case.schema.json"),
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
    cjs_note: str | None,
    n_base: int,
    repeat: int,
    startup_repeat: int,
    results: dict[str, object],
    elapsed: float,
) -> str:
    out: list[str] = []
    s = {c.key: c for c in startup}
    py, hlp, one = s["python"].median(), s["help"].median(), s["classify_one"].median()
    small, large = sizes[0], sizes[-1]
    out.append(f"misgen benchmark, {results['date']}")
    out.append(f"machine: {results['machine']}; {results['versions']}")
    out.append(
        f"median of up to {repeat} run(s) per size ('n=' where a slow command got fewer, see --budget), "
        f"start-up median of {startup_repeat}; every run is a fresh process; total {elapsed:.0f} s"
    )
    out.append("")
    out.append(f"Start-up (data root with the {n_base} real cases)")
    out.append("")
    pyc = s["python"].cpu_median()
    out.append(
        table(
            ["command", "wall s", "x python -c pass", "CPU s", "CPU x python", "peak RSS MB"],
            [
                [
                    c.label,
                    fmt_s(c.median()),
                    fmt_x(ratio(c.median(), py)),
                    fmt_s(c.cpu_median()),
                    fmt_x(ratio(c.cpu_median(), pyc)),
                    f"{c.rss():.0f}" if c.rss() else "n/a",
                ]
                for c in startup
            ],
        )
    )

    def value(size: int, key: str, inner: bool, cpu: bool = False) -> float | None:
        cmd = per_size[size].get(key)
        if cmd is None:
            return None
        if cpu:
            return cmd.inner_median("cpu") if inner else cmd.cpu_median()
        return cmd.inner_median() if inner else cmd.median()

    out.append("")
    out.append(
        "Throughput: wall seconds of the whole process, and CPU (user + system) milliseconds per case;"
    )
    out.append(
        "the in-process rows time the work alone (imports excluded). Growth is the per-case cost at the"
    )
    out.append(
        "largest size over the smallest (1.00x = linear; below 1 = a fixed start-up cost amortised)."
    )
    out.append("")
    header = ["measurement"]
    for size in sizes:
        header += [f"wall s @{counts[size]}", f"CPU ms/case @{counts[size]}"]
    if len(sizes) > 1:
        header += ["growth wall", "growth CPU"]
    header.append(f"peak RSS MB @{counts[large]}")
    rows: list[list[str]] = []
    raw: dict[str, dict[str, object]] = {}

    def growth(a: float | None, b: float | None) -> float | None:
        return (b / counts[large]) / (a / counts[small]) if a and b else None

    for key, inner, label in ROWS:
        if all(key not in per_size[size] for size in sizes):
            continue
        row = [label]
        entry: dict[str, object] = {}
        for size in sizes:
            v, cv = value(size, key, inner), value(size, key, inner, True)
            cmd = per_size[size].get(key)
            n = len(cmd.samples) if cmd else 0
            row += [
                fmt_s(v) + (f" (n={n})" if v is not None and n < repeat else ""),
                "n/a" if cv is None else f"{1000 * cv / counts[size]:.2f}",
            ]
            entry[str(counts[size])] = {"wall": v, "cpu": cv, "runs": n}
        if len(sizes) > 1:
            gw = growth(value(small, key, inner), value(large, key, inner))
            gc = growth(value(small, key, inner, True), value(large, key, inner, True))
            row += [fmt_x(gw), fmt_x(gc)]
            entry["growth_wall"], entry["growth_cpu"] = gw, gc
        big = per_size[large].get(key)
        rss = big.rss() if big else None
        row.append("(same run)" if inner and rss else (f"{rss:.0f}" if rss else "n/a"))
        entry["rss_mb"] = None if inner else rss
        raw[label] = entry
        rows.append(row)
    out.append(table(header, rows))

    notes = []
    for size in sizes:
        for key, cmd in per_size[size].items():
            if cmd.na:
                notes.append(f"- {LABELS.get(key, key)} @{counts[size]}: n/a: {cmd.na}")
            elif cmd.note:
                notes.append(f"- {LABELS.get(key, key)} @{counts[size]}: {cmd.note}")
    for c in startup:
        if c.na:
            notes.append(f"- {c.label}: n/a: {c.na}")
    if cjs_note:
        notes.append(f"- {cjs_note}")
    if notes:
        out += ["", "Notes:", *notes]

    # ------------------------------------------------------------ targets
    out += ["", "Ratios against the targets of issue 10", ""]
    trows: list[list[str]] = []
    ratios: dict[str, object] = {}

    def add(
        name: str,
        target: str,
        v: float | None,
        limit: float,
        at_most: bool = True,
        unit: str = "x",
        cpu: float | None = None,
    ) -> None:
        """``v`` from wall clock; ``cpu`` the same ratio from CPU time (steadier on a busy machine)."""

        def show(x: float | None) -> str:
            if x is None:
                return "n/a"
            return fmt_x(x) if unit == "x" else f"{x:.{0 if unit == 'MB' else 1}f} {unit}"

        def judge(x: float | None) -> str:
            return (
                "n/a"
                if x is None
                else ("ok" if (x <= limit if at_most else x >= limit) else "MISS")
            )

        verdict = judge(v)
        if cpu is not None and judge(cpu) != verdict:
            verdict += f" (CPU: {judge(cpu)})"
        trows.append([name, target, show(v), show(cpu) if unit == "x" else "", verdict])
        ratios[name] = {"value": v, "cpu": cpu, "target": target, "verdict": verdict}

    def both(size: int, a: str, ai: bool, b: str, bi: bool) -> tuple[float | None, float | None]:
        return (
            ratio(value(size, a, ai), value(size, b, bi)),
            ratio(value(size, a, ai, True), value(size, b, bi, True)),
        )

    for size in sizes:
        n = counts[size]
        rw, rc = both(size, "validate", False, "floor", False)
        add(
            f"misgen validate / floor (process) @{n}",
            f"<= {T_VALIDATE_FLOOR}x",
            rw,
            T_VALIDATE_FLOOR,
            cpu=rc,
        )
        rw, rc = both(size, "load", True, "floor", True)
        add(
            f"kb.load / floor (in-process) @{n}",
            f"<= {T_VALIDATE_FLOOR}x",
            rw,
            T_VALIDATE_FLOOR,
            cpu=rc,
        )
        rw, rc = both(size, "cjs", False, "validate", False)
        add(
            f"check-jsonschema / misgen validate @{n}",
            f">= {T_CJS_VALIDATE:.0f}x",
            rw,
            T_CJS_VALIDATE,
            at_most=False,
            cpu=rc,
        )
    add(
        "misgen --help / python -c pass",
        f"<= {T_HELP_PYTHON}x",
        ratio(hlp, py),
        T_HELP_PYTHON,
        cpu=ratio(s["help"].cpu_median(), pyc),
    )
    add(
        "misgen classify one.yaml / python -c pass",
        f"<= {T_CLASSIFY_ONE_PYTHON:.0f}x",
        ratio(one, py),
        T_CLASSIFY_ONE_PYTHON,
        cpu=ratio(s["classify_one"].cpu_median(), pyc),
    )
    if len(sizes) > 1:
        for key, inner, label in ROWS:
            if key in ("validate", "classify_all", "docs", "graph") or (key == "load" and inner):
                add(
                    f"growth per case {counts[small]}->{counts[large]}: {label}",
                    f"<= {T_GROWTH}x (linear)",
                    growth(value(small, key, inner), value(large, key, inner)),
                    T_GROWTH,
                    cpu=growth(value(small, key, inner, True), value(large, key, inner, True)),
                )
    for size in sizes:
        if abs(counts[size] - 1000) <= 100:
            for key in ("docs", "graph"):
                add(
                    f"{LABELS[key]} @{counts[size]}",
                    f"<= {T_DOCS_GRAPH_1K:.0f} s",
                    value(size, key, False),
                    T_DOCS_GRAPH_1K,
                    unit="s",
                )
    big = per_size[large]["validate"]
    add(
        f"peak RSS of misgen validate @{counts[large]}",
        f"<= {T_MEMORY_MB:.0f} MB",
        big.rss(),
        T_MEMORY_MB,
        unit="MB",
    )
    if traced is not None:
        trows.append(
            [
                f"traced Python heap peak (tracemalloc), kb.load @{counts[large]}",
                "(info)",
                f"{traced:.0f} MB",
                "",
                "",
            ]
        )
    out.append(table(["ratio", "target", "wall", "CPU", "verdict"], trows))
    results["startup"] = {
        c.key: {"seconds": c.median(), "runs": len(c.samples), "rss_mb": c.rss(), "na": c.na}
        for c in startup
    }
    results["throughput"] = raw
    results["ratios"] = ratios
    results["sizes"] = {str(k): v for k, v in counts.items()}
    results["traced_peak_mb"] = traced
    results["notes"] = notes
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
