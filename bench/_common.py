"""Shared by the benchmark's runner and its report: the targets of issue 19, a measured
command and its samples, and the number formats."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# Targets of issue 19 (CPU time of whole processes; every ratio from one run, side by side).
T_CLASSIFY_ONE_PYTHON = 6.0  # misgen classify FILE (text and JSON) / python -c pass: at most


T_VALIDATE_EVENTS = 2.5  # misgen validate / libyaml event-stream floor at 10,000 cases: at most


T_CJS_C_VALIDATE = 5.0  # check-jsonschema with a C YAML parser / misgen validate: at least


T_DOCS_VALIDATE = 2.0  # misgen docs / misgen validate at 1,000 cases (wall and CPU): at most


T_MEMORY_MIB = 600.0  # peak RSS of misgen validate at 50,000 cases, MiB: at most


T_MARGINAL_FLAT = 1.3  # marginal CPU per case, last pair of sizes / first pair: at most (flat)


# kept from issue 10
T_HELP_PYTHON = 2.5  # misgen --help / python -c pass: at most


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
