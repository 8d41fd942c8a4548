"""Plain, pydantic-free stand-ins for the models the engine reads (the snapshot's objects).

:mod:`misgen.models` stays the single source of truth: these classes are only ever built
from data that the pydantic models validated (see :mod:`misgen.snapshot`), and they carry
the same class names, attribute names and helper methods that :mod:`misgen.engine`,
:mod:`misgen.conditions` and :mod:`misgen.render` use, so that the same engine code can run
on them without importing pydantic (``misgen classify FILE`` in a few tens of milliseconds).

Importing this module imports nothing but ``typing`` (which misgen.yamlio imports anyway).
The slots are in constructor order (positional construction): do not sort them.
"""

# ruff: noqa: RUF023  (slots are in constructor order)
from __future__ import annotations

from typing import Any

UNKNOWN = "unknown"
NOT_APPLICABLE = "not-applicable"
STRENGTHS: tuple[str, ...] = ("measured", "inferred", "speculative")


_set = object.__setattr__


class _Plain:
    """Construction by keyword (or, all of them, by position in slot order), attribute
    access, value equality and a readable repr."""

    __slots__: tuple[str, ...] = ()

    def __init__(self, *args: object, **values: object) -> None:
        slots = self.__slots__
        if args:
            if values or len(args) != len(slots):
                raise TypeError(f"{type(self).__name__}: give all of {slots} by position, or by name")
            for name, value in zip(slots, args):
                _set(self, name, value)
            return
        for name in slots:
            _set(self, name, values.pop(name))
        if values:
            raise TypeError(f"{type(self).__name__}: unexpected fields {sorted(values)}")

    def __setattr__(self, name: str, value: object) -> None:  # frozen, as the models are
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, n) == getattr(other, n) for n in self.__slots__
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, *(repr(getattr(self, n)) for n in self.__slots__)))

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({inner})"


# --------------------------------------------------------------------------- conditions


class AllNode(_Plain):
    __slots__ = ("name", "all")
    name: str | None
    all: list[Any]


class AnyNode(_Plain):
    __slots__ = ("name", "any")
    name: str | None
    any: list[Any]


class NotNode(_Plain):
    __slots__ = ("name", "not_")
    name: str | None
    not_: Any


class AtLeastNode(_Plain):
    __slots__ = ("name", "at_least", "of")
    name: str | None
    at_least: int
    of: list[Any]


class IsNode(_Plain):
    __slots__ = ("name", "signal", "is_")
    name: str | None
    signal: str
    is_: str


class InNode(_Plain):
    __slots__ = ("name", "signal", "in_")
    name: str | None
    signal: str
    in_: list[str]


class UseNode(_Plain):
    __slots__ = ("name", "use")
    name: str | None
    use: str


class LabelNode(_Plain):
    __slots__ = ("name", "label")
    name: str | None
    label: str


# --------------------------------------------------------------------------- knowledge


class Signal(_Plain):
    __slots__ = ("id", "question", "answers", "applies_when")
    id: str
    question: str
    answers: list[str]
    applies_when: Any


class Label(_Plain):
    __slots__ = ("id", "name", "goal_failure")
    id: str
    name: str
    goal_failure: bool


class Term(_Plain):
    __slots__ = ("id", "name", "when")
    id: str
    name: str
    when: Any


class Framework(_Plain):
    __slots__ = ("id", "name", "scope", "terms")
    id: str
    name: str
    scope: list[str]
    terms: list[Term]


class SubtypeBy(_Plain):
    __slots__ = ("signal", "map")
    signal: str
    map: dict[str, str]


class Rule(_Plain):
    __slots__ = ("id", "label", "role", "subtype", "subtype_by", "when", "unless")
    id: str
    label: str
    role: str
    subtype: str | None
    subtype_by: SubtypeBy | None
    when: Any
    unless: Any


class Definition(_Plain):
    __slots__ = ("name", "when")
    name: str
    when: Any


class Caveat(_Plain):
    __slots__ = ("id", "when", "message")
    id: str
    when: Any
    message: str


class NamedPolicy(_Plain):
    __slots__ = ("id", "precedence")
    id: str
    precedence: list[str]


class Policy(_Plain):
    __slots__ = ("default", "policies", "not_a_goal_failure", "grade_order", "caveats")
    default: str
    policies: list[NamedPolicy]
    not_a_goal_failure: str
    grade_order: list[str]
    caveats: list[Caveat]

    def named(self, name: str | None = None) -> NamedPolicy:
        """The policy called ``name`` (the default when None); KeyError if there is none."""
        wanted = name or self.default
        for policy in self.policies:
            if policy.id == wanted:
                return policy
        raise KeyError(wanted)

    @property
    def precedence(self) -> list[str]:
        """The default policy's order."""
        return self.named().precedence


class Answer(_Plain):
    __slots__ = ("answer", "strength", "evidence", "source", "locator", "quote", "suggested")
    answer: str
    strength: str | None
    evidence: str | None
    source: str | None
    locator: str | None
    quote: str | None
    suggested: bool | None

    def __init__(
        self,
        answer: str,
        strength: str | None = None,
        evidence: str | None = None,
        source: str | None = None,
        locator: str | None = None,
        quote: str | None = None,
        suggested: bool | None = None,
    ) -> None:
        super().__init__(
            answer=answer,
            strength=strength,
            evidence=evidence,
            source=source,
            locator=locator,
            quote=quote,
            suggested=suggested,
        )


#: what ``from misgen.models import X`` may name inside the snapshot's private engine
__all__ = [
    "NOT_APPLICABLE",
    "STRENGTHS",
    "UNKNOWN",
    "AllNode",
    "Answer",
    "AnyNode",
    "AtLeastNode",
    "Caveat",
    "Definition",
    "Framework",
    "InNode",
    "IsNode",
    "Label",
    "LabelNode",
    "NamedPolicy",
    "NotNode",
    "Policy",
    "Rule",
    "Signal",
    "SubtypeBy",
    "Term",
    "UseNode",
]
