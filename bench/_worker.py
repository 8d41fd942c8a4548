"""In-process measurements for bench/run.py, one per fresh interpreter.

    python bench/_worker.py bytes ROOT     read every data file (the bytes only): the I/O floor
    python bench/_worker.py events ROOT    read + libyaml's event stream (yaml.parse with the C
                                           parser: event objects made, no data built)
    python bench/_worker.py floor ROOT     read + parse every data file with CSafeLoader, nothing else
    python bench/_worker.py load ROOT      misgen.kb.load(ROOT) (what `misgen validate` does)
    python bench/_worker.py load ROOT --tracemalloc

Prints one JSON object: the wall and CPU seconds of the measured part only (imports excluded),
the number of files or cases, and (with --tracemalloc) the traced peak in bytes.
The parent measures the whole process (wall time, peak RSS) around it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

DATA_FILES = (
    "taxonomy/signals.yaml",
    "taxonomy/labels.yaml",
    "taxonomy/relations.yaml",
    "taxonomy/frameworks.yaml",
    "taxonomy/sources.yaml",
    "classifier/rules.yaml",
    "classifier/policy.yaml",
    "taxonomy/deprecated.yaml",
    "taxonomy/debate.yaml",
)


def floor(root: Path) -> dict[str, object]:
    import yaml

    files = [root / rel for rel in DATA_FILES] + sorted((root / "cases").glob("*.yaml"))
    start, cpu = time.perf_counter(), time.process_time()
    for path in files:
        with open(path, "rb") as handle:
            yaml.load(handle.read(), Loader=yaml.CSafeLoader)
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "files": len(files),
    }


def read_bytes(root: Path) -> dict[str, object]:
    files = [root / rel for rel in DATA_FILES] + sorted((root / "cases").glob("*.yaml"))
    start, cpu = time.perf_counter(), time.process_time()
    size = 0
    for path in files:
        with open(path, "rb") as handle:
            size += len(handle.read())
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "files": len(files),
        "bytes": size,
    }


def events(root: Path) -> dict[str, object]:
    import yaml

    files = [root / rel for rel in DATA_FILES] + sorted((root / "cases").glob("*.yaml"))
    start, cpu = time.perf_counter(), time.process_time()
    count = 0
    for path in files:
        with open(path, "rb") as handle:
            for _event in yaml.parse(handle.read(), Loader=yaml.CSafeLoader):
                count += 1
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "files": len(files),
        "events": count,
    }


def load(root: Path, trace: bool) -> dict[str, object]:
    from misgen.kb import load as kb_load

    if trace:
        import tracemalloc

        tracemalloc.start()
    start, cpu = time.perf_counter(), time.process_time()
    kb = kb_load(root)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    out: dict[str, object] = {
        "seconds": seconds,
        "cpu": cpu,
        "cases": len(kb.cases),
        "problems": len(kb.problems),
    }
    if trace:
        out["traced_peak"] = tracemalloc.get_traced_memory()[1]
    return out


def main(argv: list[str]) -> int:
    mode, root = argv[0], Path(argv[1])
    if mode == "floor":
        result = floor(root)
    elif mode == "bytes":
        result = read_bytes(root)
    elif mode == "events":
        result = events(root)
    elif mode == "load":
        result = load(root, "--tracemalloc" in argv[2:])
    else:
        print(f"unknown mode {mode!r}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
