"""Measuring: synthetic case bases replicated from the real cases, one timed run of a
command (CPU from os.wait4, peak RSS), warm-up and repeats, and the machine's description."""

from __future__ import annotations

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
from pathlib import Path
from typing import IO

from _common import Cmd, Sample

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORKER = HERE / "_worker.py"


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
            cmd.note = f"exit {sample.code}: " + last_line(text)
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


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return (lines[-1] if lines else "no output")[:160]


def _reason(code: int, text: str, timeout: float | None = None) -> str:
    if code == KILLED:
        return f"killed after the {timeout:.0f} s timeout (--timeout)"
    if "No module named 'misgen." in text:
        return "not implemented yet: " + last_line(text)[:100]
    return f"exit {code}: {last_line(text)}"


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
