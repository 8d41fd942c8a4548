"""The benchmark's logic (bench/run.py, bench/_competitors.py) on synthetic measurements:
every target row printed with OK/MISS, ratios and marginal costs computed as documented,
check-jsonschema measured when it needs no extra arguments (the bug of issue 19), and the
Markdown and README outputs generated from the run. No timing is asserted; the real run is
tests/test_bench.py (``--quick``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
pytestmark = pytest.mark.skipif(not (BENCH / "run.py").is_file(), reason="bench/ is not in this tree")


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"misgen_bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run() -> ModuleType:
    return _module("run")


def _cmd(run: ModuleType, key: str, cpu: float, wall: float | None = None, rss: float = 50.0,
         inner: dict[str, float] | None = None) -> Any:
    cmd = run.Cmd(key, run.LABELS.get(key, key), ["true"], worker=inner is not None)
    cmd.samples = [run.Sample(wall or cpu, rss, 0, cpu, inner)]
    return cmd


def _synthetic(run: ModuleType, docs_ratio: float = 1.5) -> tuple[str, dict[str, Any]]:
    startup = [
        _cmd(run, "python", 0.010),
        _cmd(run, "help", 0.015),
        _cmd(run, "classify_one", 0.050),
        _cmd(run, "classify_one_json", 0.070),  # 7x: a MISS
        _cmd(run, "classify_one_cold", 0.300),
        _cmd(run, "classify_one_cold_json", 0.280),
    ]
    per_size: dict[int, dict[str, Any]] = {}
    for size, per_case in ((1000, 1.0), (10000, 1.0), (50000, 1.1)):
        n = size / 1000
        inner = {"seconds": 0.3 * n, "cpu": 0.3 * n}
        cmds = [
            _cmd(run, "bytes", 0.05 * n, inner={"seconds": 0.02 * n, "cpu": 0.02 * n}),
            _cmd(run, "events", 0.45 * n, inner=inner),
            _cmd(run, "floor", 0.8 * n, inner={"seconds": 0.7 * n, "cpu": 0.7 * n}),
            _cmd(run, "validate", 0.2 + per_case * n, rss=15 * n + 40),
            _cmd(run, "load", 1.0 * n, inner={"seconds": 0.9 * n, "cpu": 0.9 * n}),
        ]
        if size <= 10000:
            cmds += [
                _cmd(run, "cjs-c", 6.0 * n),
                _cmd(run, "cjs-python", 12.0 * n),
                _cmd(run, "yamllint", 11.0 * n),
                _cmd(run, "docs", docs_ratio * (0.2 + per_case * n)),
            ]
        per_size[size] = {c.key: c for c in cmds}
    results: dict[str, Any] = {
        "date": "2026-12-07T00:00+00:00",
        "machine": "Linux test, 2 CPU(s)",
        "versions": "Python 3.11.7, misgen 0.1.0",
        "tools": ["check-jsonschema 0.39.0 (C parser)"],
        "load_before": "load average 0.1",
        "load_after": "load average 0.2",
        "repeat": 1,
        "startup_repeat": 1,
        "elapsed": 1.0,
    }
    counts = {size: size for size in per_size}
    report = run.render(startup, per_size, counts, sorted(per_size), None, [], 75, results)
    return report, results


def test_every_target_row_has_a_verdict(run: ModuleType) -> None:
    report, results = _synthetic(run)
    rows = [line for line in report.split("### Targets of issue 19", 1)[1].splitlines() if line.startswith("| ")][1:]
    assert len(rows) >= 9
    for line in rows:
        assert line.strip().strip("|").split("|")[-1].strip() in ("OK", "MISS"), line
    verdicts = {name.strip(): t["verdict"] for name, t in results["targets"].items()}
    assert verdicts["misgen classify FILE (text) / python -c pass"] == "OK"  # 5x
    assert verdicts["misgen classify FILE (JSON) / python -c pass"] == "MISS"  # 7x
    assert verdicts["misgen validate / libyaml event-stream floor @10k"] == "OK"  # 10.2 / 4.5
    assert verdicts["check-jsonschema (C YAML parser) / misgen validate @1000"] == "OK"  # 6 / 1.2
    assert verdicts["check-jsonschema (C YAML parser) / misgen validate @10000"] == "OK"
    assert verdicts["misgen docs / misgen validate @1k (wall and CPU)"] == "OK"
    assert verdicts["peak RSS of misgen validate @50k"] == "MISS"  # 15 * 50 + 40 = 790 MiB
    assert verdicts["misgen --help / python -c pass (issue 10)"] == "OK"
    flat = next(t for name, t in results["targets"].items() if name.startswith("misgen validate: marginal"))
    # 1k->10k: 1.0 ms/case; 10k->50k: (55.2 - 10.2) / 40000 = 1.125 ms/case
    assert flat["cpu"] == pytest.approx(1.125) and flat["verdict"] == "OK"


def test_ratios_floors_and_marginal_cost(run: ModuleType) -> None:
    report, results = _synthetic(run, docs_ratio=2.5)
    for floor in ("floor: read the bytes (in-process)", "floor: libyaml event stream (in-process)",
                  "floor: libyaml event stream (process)", "PyYAML safe-load baseline, CSafeLoader (process)"):
        assert f"| {floor}" in report
    marginal = results["throughput"]["misgen validate"]["marginal_ms_per_case"]
    assert marginal == pytest.approx([1.0, 1.125])
    ratios = results["ratios"]
    assert ratios["misgen validate / libyaml event stream (process) @10000"]["cpu"] == pytest.approx(10.2 / 4.5)
    assert results["targets"]["misgen docs / misgen validate @1k (wall and CPU)"]["verdict"] == "MISS"
    # the pydantic path's numbers are printed next to the snapshot's, from the same run
    assert "(before: without the cache, the pydantic path, text)" in report


def test_markdown_and_readme_quote_the_run(run: ModuleType) -> None:
    report, results = _synthetic(run)
    md = run.markdown(report, results, ["--sizes", "1000,10000,50000"])
    assert md.startswith("# Benchmark results")
    for part in ("How to reproduce", "Method", results["date"], results["machine"], results["versions"],
                 "bench/run.py --sizes 1000,10000,50000", "Targets of issue 19"):
        assert part in md, part
    readme = run.readme(results)
    assert results["date"] in readme and results["machine"] in readme
    assert "| misgen classify FILE (text) / python -c pass | <= 6x | 5.00x | 5.00x | OK |" in readme
    # the README's rows are the report's rows, cell for cell
    assert _target_rows(readme) == _target_rows(md)
    text = f"intro\n{run.README_BEGIN}\nold\n{run.README_END}\nrest\n"
    replaced = run.replace_block(text, readme)
    assert replaced.startswith("intro\n") and replaced.endswith("rest\n") and "old" not in replaced
    assert run.replace_block(replaced, readme) == replaced


def _target_rows(text: str) -> dict[str, list[str]]:
    """Target rows (name -> cells) of a report or README block: the rows whose last cell is a
    verdict."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 5 and (cells[-1] in ("OK", "MISS") or cells[-1].startswith("n/a")):
            rows[cells[0]] = cells
    return rows


def test_readme_quotes_the_results_file() -> None:
    """README.md's generated Performance block quotes bench/RESULTS.md: the same run (date,
    machine) and the same target rows, figure for figure (both written by one --write run)."""
    repo = BENCH.parent
    readme, results = (repo / "README.md").read_text(encoding="utf-8"), (BENCH / "RESULTS.md").read_text(encoding="utf-8")
    run = _module("run")
    block = readme.partition(run.README_BEGIN)[2].partition(run.README_END)[0]
    assert block.strip(), "README.md has no generated Performance block"
    first = block.strip().splitlines()[0]
    assert first.startswith("Run of "), first
    date = first.removeprefix("Run of ").split(" on ", 1)[0]
    assert f"Run of {date}" in results, f"README.md quotes the run of {date}; bench/RESULTS.md is another run"
    quoted, reported = _target_rows(block), _target_rows(results)
    assert quoted, "no target rows in README.md's block"
    assert quoted == reported


def _script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\nimport sys\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def test_check_jsonschema_needing_no_extra_arguments_is_measured(run: ModuleType, tmp_path: Path) -> None:
    base = tmp_path / "base"
    (base / "schema").mkdir(parents=True)
    (base / "cases").mkdir()
    (base / "schema" / "case.schema.json").write_text("{}", encoding="utf-8")
    (base / "cases" / "a.yaml").write_text("id: a\n", encoding="utf-8")
    accepting = _script(tmp_path, "cjs-ok", "print('ok -- validation done')")
    assert run.probe_cjs(accepting, base, {}) == ([], None)  # [] is "measure it", not "skip it"
    ecma = _script(
        tmp_path,
        "cjs-ecma",
        "if '--regex-variant' in sys.argv: print('ok')\n"
        "else:\n    print(\"SchemaError: 'x' is not a 'regex'\\nschemafile was not valid\"); sys.exit(1)",
    )
    extra, note = run.probe_cjs(ecma, base, {})
    assert extra == ["--regex-variant", "python"] and "regex" in (note or "")
    broken = _script(tmp_path, "cjs-broken", "sys.exit(3)")
    assert run.probe_cjs(broken, base, {})[0] is None


def test_competitor_discovery_reads_each_tools_own_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    competitors = _module("_competitors")
    monkeypatch.setenv("MISGEN_BENCH_TOOLS", str(tmp_path / "none"))
    script = _script(tmp_path, "check-jsonschema", "pass")
    assert competitors._interpreter(script) == sys.executable
    tools, notes = competitors.discover([str(tmp_path)])
    variants = [t.variant for t in tools]
    assert len(variants) == len(set(variants))  # each variant once
    for tool in tools:
        assert tool.versions and tool.label
    missing = {"cjs-python", "cjs-c", "yamllint"} - set(variants)
    assert len(notes) == len(missing)  # every variant not found is said so
