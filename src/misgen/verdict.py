"""What the engine returns: evaluated condition trees, fired rules, near misses, questions,
framework perspectives and the verdict itself (frozen dataclasses, no behaviour beyond
their summaries). :mod:`misgen.engine` computes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from misgen.conditions import Truth


@dataclass(frozen=True)
class Trace:
    """One evaluated condition node, with its children."""

    op: str
    value: Truth
    name: str | None = None
    signal: str | None = None
    expected: tuple[str, ...] = ()
    actual: str | None = None
    strength: str | None = None
    threshold: int | None = None
    children: tuple[Trace, ...] = ()


@dataclass(frozen=True)
class Fired:
    rule: str
    label: str
    role: str
    subtype: str | None
    trace: Trace
    unless: Trace | None
    grade: str


@dataclass(frozen=True)
class NearMiss:
    rule: str
    label: str
    signal: str
    current: str
    needed: str


@dataclass(frozen=True)
class Question:
    signal: str
    question: str
    impact: int
    outcomes: tuple[tuple[str, str], ...]  # (answer, resulting verdict summary)


@dataclass(frozen=True)
class Perspective:
    framework: str
    name: str
    terms: tuple[str, ...]
    possible: tuple[str, ...]
    applicable: bool = True  # False when the system's kind is outside the framework's scope


@dataclass(frozen=True)
class Verdict:
    case: str | None
    status: str
    primary: str | None
    labels: tuple[str, ...]
    subtype: str | None
    fired: tuple[Fired, ...]
    near_misses: tuple[NearMiss, ...] = ()
    questions: tuple[Question, ...] = ()
    perspectives: tuple[Perspective, ...] = ()
    evidence_grade: str = "none"
    caveats: tuple[tuple[str, str], ...] = ()
    possible: tuple[str, ...] = ()
    policy: str = ""

    def summary(self) -> str:
        return summarize(self.primary, self.labels, self.subtype, self.possible)


def summarize(
    primary: str | None, labels: tuple[str, ...], subtype: str | None, possible: tuple[str, ...]
) -> str:
    if primary is None:
        return "undetermined" + (f" (possible: {', '.join(possible)})" if possible else "")
    text = " + ".join(labels)
    return f"{text} ({subtype})" if subtype else text


@dataclass(frozen=True)
class Decision:
    """The bare outcome of the rules, without explanations (cheap)."""

    status: str
    primary: str | None
    labels: tuple[str, ...]
    subtype: str | None
    possible: tuple[str, ...] = ()


_NO_TRACE = Trace("none", True)
