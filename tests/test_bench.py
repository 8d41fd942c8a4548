"""The benchmark keeps working: `bench/run.py --quick` completes and prints its tables.

Benchmarks are not timed unit tests: nothing here looks at a number.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench" / "run.py"


@pytest.mark.skipif(not BENCH.is_file(), reason="bench/ is not part of this tree (an sdist?)")
def test_quick_benchmark_prints_the_table(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MISGEN_ROOT"}
    out_json = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json", str(out_json)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for heading in ("Start-up", "Throughput", "Targets of issue 19"):
        assert heading in out, out
    for row in (
        "python -c pass",
        "misgen --help",
        "misgen classify one.yaml",
        "misgen validate",
        "floor: libyaml event stream (in-process)",
        "misgen.kb.load (in-process)",
        "misgen classify --all",
        "misgen docs --out DIR",
        "misgen graph --format svg",
        "check-jsonschema",
    ):
        assert row in out, f"no row for {row!r}:\n{out}"
    assert "| misgen validate / libyaml event stream (process)" in out
    # the real measurements ran (docs, graph and check-jsonschema may say n/a with a reason)
    for row in ("python -c pass", "misgen --help", "misgen validate  ", "floor: libyaml event stream (in-process)"):
        line = next(line for line in out.splitlines() if line.startswith(f"| {row}"))
        assert "n/a" not in line, line
    assert out_json.is_file()
