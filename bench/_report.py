"""The benchmark's report: every target with OK/MISS, the tables, the Markdown file
(bench/RESULTS.md) and the README block, all from one run's results."""

from __future__ import annotations

import itertools
import sys

from _common import (
    T_CJS_C_VALIDATE,
    T_CLASSIFY_ONE_PYTHON,
    T_DOCS_VALIDATE,
    T_HELP_PYTHON,
    T_MARGINAL_FLAT,
    T_MEMORY_MIB,
    T_VALIDATE_EVENTS,
    Cmd,
    fmt_s,
    fmt_x,
    ratio,
    table,
)

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
            [
                "command",
                "wall s",
                "x python -c pass",
                "CPU s",
                "CPU x python",
                "peak RSS MiB (max of runs)",
            ],
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
            cpu_row.append(
                "n/a" if cv is None else f"{fmt_s(cv)} ({1000 * cv / counts[size]:.3f}){few}"
            )
            wall_row.append("n/a" if wv is None else fmt_s(wv) + few)
            rss = None if inner or cmd is None else cmd.rss()
            rss_row.append(
                "(same run)" if inner and cmd and not cmd.na else (f"{rss:.0f}" if rss else "n/a")
            )
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
                    (vb - va) / (counts[b] - counts[a]) * 1000
                    if va is not None and vb is not None
                    else None
                )
            marginal[label] = values
            flat = ratio(values[-1], values[0]) if len(values) > 1 else None
            mrows.append(
                [label, *("n/a" if v is None else f"{v:.3f}" for v in values), fmt_x(flat)]
            )
            raw[label]["marginal_ms_per_case"] = values
        out += [
            "",
            "### Marginal CPU ms per case between sizes (flat = linear; the fixed start-up cost drops out)",
            "",
        ]
        out.append(
            table(
                [
                    "measurement",
                    *(f"{counts[a]}->{counts[b]}" for a, b in pairs),
                    "last / first pair",
                ],
                mrows,
            )
        )
    out += ["", "### Wall seconds (a shared machine: read the CPU table for ratios)", ""]
    out.append(table(["measurement", *heads], rows_wall))
    out += [
        "",
        "### Peak RSS, MiB (os.wait4, largest of the runs; the bench's own ~15 MiB floor included)",
        "",
    ]
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
        (
            "misgen validate / PyYAML safe-load baseline (process)",
            "validate",
            False,
            "floor",
            False,
        ),
        ("misgen.kb.load / libyaml event stream (in-process)", "load", True, "events", True),
        ("misgen.kb.load / PyYAML safe-load baseline (in-process)", "load", True, "floor", True),
        ("check-jsonschema C YAML / misgen validate", "cjs-c", False, "validate", False),
        (
            "check-jsonschema pure-Python YAML / misgen validate",
            "cjs-python",
            False,
            "validate",
            False,
        ),
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

    def add(
        name: str,
        goal: str,
        cpu: float | None,
        wall: float | None,
        limit: float,
        at_most: bool = True,
        unit: str = "x",
        both_count: bool = False,
        why: str = "",
    ) -> None:
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
        targets[name] = {
            "cpu": cpu,
            "wall": wall,
            "goal": goal,
            "verdict": verdict,
            "cells": trows[-1],
        }

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
        + (
            f" ({counts[sizes[-2]]}->{counts[sizes[-1]]} vs {counts[sizes[0]]}->{counts[sizes[1]]})"
            if len(sizes) > 2
            else ""
        ),
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
            [
                f"traced Python heap peak (tracemalloc), kb.load @{counts[sizes[-1]]}",
                "(info)",
                f"{traced:.0f} MiB",
                "",
                "",
            ]
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
