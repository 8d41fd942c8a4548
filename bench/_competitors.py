"""The tools a user might run instead of ``misgen validate``: finding them, and installing them.

    .venv/bin/python bench/run.py --setup-competitors    # once: separate virtual environments

The benchmark measures every variant it finds, each once:

- ``check-jsonschema`` (JSON Schema validation of the case files against
  ``schema/case.schema.json``, the schema misgen generates from its models), separately for
  each YAML backend it can have: ruamel.yaml's pure-Python parser (what ``pip install
  check-jsonschema`` gives since ruamel.yaml 0.19) and ruamel.yaml's C parser (with
  ``ruamel.yaml.clib`` installed). Which one a given install uses is asked of its own
  interpreter, never assumed.
- ``yamllint`` (YAML syntax and style only, no schema), default configuration.

Places searched, in order: next to the benchmark's Python, each ``--tools DIR``, every
``bin/`` under the tool home (``$MISGEN_BENCH_TOOLS``, else ``~/.cache/misgen-bench``, where
``--setup-competitors`` installs them with pip), then PATH. The first install of each
variant wins. Nothing is installed into misgen's own environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: tool environments --setup-competitors creates under the tool home: name -> pip requirements
SETUPS = {
    "cjs-pure": ["check-jsonschema"],
    "cjs-clib": ["check-jsonschema", "ruamel.yaml.clib"],
    "yamllint": ["yamllint"],
}


def tool_home() -> Path:
    explicit = os.environ.get("MISGEN_BENCH_TOOLS")
    if explicit:
        return Path(explicit).expanduser()
    return Path.home() / ".cache" / "misgen-bench"


def setup(home: Path | None = None, log: object = print) -> int:
    """Create one virtual environment per competitor under ``home`` and pip-install it."""
    home = home or tool_home()
    home.mkdir(parents=True, exist_ok=True)
    for name, requirements in SETUPS.items():
        env = home / name
        if not (env / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
        log(f"installing {' '.join(requirements)} into {env}")  # type: ignore[operator]
        done = subprocess.run(
            [str(env / "bin" / "python"), "-m", "pip", "install", "-q", *requirements], check=False
        )
        if done.returncode != 0:
            log(
                f"  pip failed for {name} (exit {done.returncode}); it will be reported as not found"
            )  # type: ignore[operator]
    return 0


@dataclass
class Tool:
    kind: str  # "check-jsonschema" or "yamllint"
    path: str
    variant: str  # a short key: "cjs-c", "cjs-python", "yamllint"
    label: str  # what the tables print
    versions: str  # the versions that matter, for the report

    @property
    def c_yaml(self) -> bool:
        return self.variant == "cjs-c"


_PROBE = r"""
import importlib.metadata as m, importlib.util as u, json
out = {}
for d in ("check-jsonschema", "ruamel.yaml", "ruamel.yaml.clib", "yamllint", "PyYAML"):
    try:
        out[d] = m.version(d)
    except m.PackageNotFoundError:
        pass
out["ruamel_c"] = u.find_spec("_ruamel_yaml") is not None
try:
    import yaml
    out["pyyaml_c"] = bool(getattr(yaml, "__with_libyaml__", False))
except ImportError:
    out["pyyaml_c"] = False
print(json.dumps(out))
"""


def _interpreter(script: str) -> str | None:
    """The Python a console script runs with (its ``#!`` line)."""
    try:
        with open(script, "rb") as handle:
            first = handle.readline(1024).decode("utf-8", "replace").strip()
    except OSError:
        return None
    if not first.startswith("#!"):
        return None
    command = first[2:].strip().split()
    if not command:
        return None
    if os.path.basename(command[0]) == "env" and len(command) > 1:
        return shutil.which(command[1])
    return command[0] if os.path.exists(command[0]) else None


def _describe(kind: str, path: str) -> Tool | None:
    python = _interpreter(path)
    if python is None:
        return None
    probe = subprocess.run([python, "-c", _PROBE], capture_output=True, text=True, check=False)
    try:
        info = json.loads(probe.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return None
    if kind == "check-jsonschema":
        if "check-jsonschema" not in info:
            return None
        c = bool(info.get("ruamel_c"))
        parser = (
            f"ruamel.yaml {info.get('ruamel.yaml', '?')} + ruamel.yaml.clib {info.get('ruamel.yaml.clib', '?')} (C parser)"
            if c
            else f"ruamel.yaml {info.get('ruamel.yaml', '?')}, pure-Python parser"
        )
        return Tool(
            kind,
            path,
            "cjs-c" if c else "cjs-python",
            f"check-jsonschema, {'C' if c else 'pure-Python'} YAML",
            f"check-jsonschema {info['check-jsonschema']} ({parser})",
        )
    if "yamllint" not in info:
        return None
    return Tool(
        kind,
        path,
        "yamllint",
        "yamllint (syntax and style only)",
        f"yamllint {info['yamllint']} (PyYAML {info.get('PyYAML', '?')}"
        + (", libyaml" if info.get("pyyaml_c") else "")
        + ")",
    )


def discover(extra_dirs: list[str] | None = None) -> tuple[list[Tool], list[str]]:
    """Every distinct competitor variant found, and notes on what was looked for."""
    dirs = [str(Path(sys.executable).parent), *(extra_dirs or [])]
    home = tool_home()
    if home.is_dir():
        dirs += [str(p) for p in sorted(home.glob("*/bin"))]
    found: dict[str, Tool] = {}
    seen_paths: set[str] = set()
    for kind in ("check-jsonschema", "yamllint"):
        candidates = [os.path.join(d, kind) for d in dirs]
        on_path = shutil.which(kind)
        if on_path:
            candidates.append(on_path)
        for candidate in candidates:
            real = os.path.realpath(candidate)
            if real in seen_paths or not os.access(candidate, os.X_OK) or os.path.isdir(candidate):
                continue
            seen_paths.add(real)
            tool = _describe(kind, candidate)
            if tool is not None and tool.variant not in found:
                found[tool.variant] = tool
    notes = []
    for variant, how in (
        (
            "cjs-python",
            "check-jsonschema with ruamel.yaml's pure-Python parser (pip install check-jsonschema)",
        ),
        (
            "cjs-c",
            "check-jsonschema with ruamel.yaml's C parser (pip install check-jsonschema ruamel.yaml.clib)",
        ),
        ("yamllint", "yamllint (pip install yamllint)"),
    ):
        if variant not in found:
            notes.append(
                f"not found, not measured: {how}; bench/run.py --setup-competitors installs it under {home}"
            )
    order = {"cjs-python": 0, "cjs-c": 1, "yamllint": 2}
    return sorted(found.values(), key=lambda t: order[t.variant]), notes
