"""The taxonomy files: signals, labels and subtypes, relations, frameworks, debate, retired signals, sources."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from misgen.models.base import (
    NOT_APPLICABLE,
    UNKNOWN,
    LabelOrSubtype,
    Line,
    Slug,
    Source,
    Strict,
    SubtypeId,
    Text,
)
from misgen.models.conditions import Condition

# --------------------------------------------------------------------------- taxonomy


class Signal(Strict):
    id: Slug
    question: Text
    answers: list[Slug] = Field(min_length=2)
    guidance: Text
    examples: dict[Slug, Text] = Field(min_length=1)
    applies_when: Condition | None = None
    """When this condition is false the answer must be "not-applicable" (or "unknown")."""

    @model_validator(mode="after")
    def _has_unknown(self) -> Signal:
        if UNKNOWN not in self.answers:
            raise ValueError("every signal must allow the answer 'unknown'")
        if len(set(self.answers)) != len(self.answers):
            raise ValueError("answers must be distinct")
        for answer in self.examples:
            if answer not in self.answers or answer == UNKNOWN:
                raise ValueError(
                    f"example for '{answer}', which is not a known answer of this signal"
                )
        if self.applies_when is not None and NOT_APPLICABLE not in self.answers:
            raise ValueError("a signal with applies_when must allow the answer 'not-applicable'")
        return self


class Subtype(Strict):
    id: SubtypeId
    name: Line
    definition: Text
    sources: list[Slug] = Field(default_factory=list)


class Condition_(Strict):
    """One necessary condition of a label, in words and in signal terms."""

    text: Text
    signals: Condition
    weakened: Text | None = None
    """Why a rule may fire while this condition is unknown (never while it is false)."""


class Label(Strict):
    id: Slug
    name: Line
    goal_failure: bool
    definition: Text
    necessary_conditions: list[Text | Condition_] = Field(min_length=1)

    def condition_texts(self) -> list[str]:
        return [c if isinstance(c, str) else c.text for c in self.necessary_conditions]

    indicators: list[Text] = Field(min_length=1)
    subtypes: list[Subtype] = Field(min_length=1)
    sources: list[Slug] = Field(min_length=2)


RelationType = Literal["often-confused-with", "can-co-occur-with", "can-lead-to"]


class Relation(Strict):
    id: Slug
    type: RelationType
    source: LabelOrSubtype
    target: LabelOrSubtype
    rationale: Text
    deciding_question: Text | None = None
    sources: list[Slug] = Field(default_factory=list)

    @model_validator(mode="after")
    def _deciding(self) -> Relation:
        if self.type == "often-confused-with" and not self.deciding_question:
            raise ValueError("an often-confused-with relation needs the deciding_question")
        return self


Fit = Literal["exact", "partial", "lossy"]


class Mapping(Strict):
    target: LabelOrSubtype
    fit: Fit
    note: Text


class Term(Strict):
    id: Slug
    name: Line
    definition: Text
    maps_to: list[Mapping] = Field(min_length=1)
    when: Condition


class Framework(Strict):
    id: Slug
    name: Line
    description: Text
    scope: list[Slug] = Field(default_factory=list)
    """The answers of the system-kind signal the framework applies to (empty: every kind)."""
    sources: list[Slug] = Field(min_length=1)
    terms: list[Term] = Field(min_length=1)


class SignalsFile(Strict):
    signals: list[Signal] = Field(min_length=1)


class Position(Strict):
    """A position in the debate: who holds it, where, the claim, and what it bears on."""

    id: Slug
    holder: Line
    source: Slug
    locator: Line | None = None
    claim: Text
    bears_on: list[Annotated[str, Field(min_length=1, max_length=120)]] = Field(min_length=1)


class DebateFile(Strict):
    positions: list[Position]


class DeprecatedSignal(Strict):
    """A renamed, split or retired signal: how ``misgen migrate`` translates its answers."""

    id: Slug
    replaced_by: list[Slug] = Field(min_length=1)
    since: Line
    reason: Text
    translate: dict[Slug, dict[Slug, Slug]] = Field(default_factory=dict)
    """old answer -> {new signal: new answer}; an answer not listed becomes "unknown" with a TODO."""


class DeprecatedFile(Strict):
    deprecated: list[DeprecatedSignal]


class LabelsFile(Strict):
    labels: list[Label] = Field(min_length=1)


class RelationsFile(Strict):
    relations: list[Relation]


class FrameworksFile(Strict):
    frameworks: list[Framework] = Field(min_length=1)


class SourcesFile(Strict):
    sources: list[Source]
