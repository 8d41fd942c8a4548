"""The rule base and the precedence policy."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from misgen.models.base import Line, RuleId, Slug, Strict, SubtypeId, Text
from misgen.models.conditions import Condition

# --------------------------------------------------------------------------- rules


class RuleTests(Strict):
    fires_on: list[Slug] = Field(min_length=1)
    silent_on: list[Slug] = Field(min_length=1)


class SubtypeBy(Strict):
    """Pick the subtype from one signal's answer."""

    signal: Slug
    map: dict[str, SubtypeId] = Field(min_length=1)


class Rule(Strict):
    id: RuleId
    label: Slug
    role: Literal["primary", "secondary"] = "primary"
    subtype: SubtypeId | None = None
    subtype_by: SubtypeBy | None = None
    when: Condition
    unless: Condition | None = None
    message: Text
    limitations: list[Text] = Field(min_length=1)
    sources: list[Slug] = Field(min_length=1)
    tests: RuleTests


class Definition(Strict):
    name: Line
    when: Condition


class RulesFile(Strict):
    definitions: dict[Slug, Definition] = Field(default_factory=dict)
    rules: list[Rule] = Field(min_length=1)


class Caveat(Strict):
    """A note attached to any verdict whose answers meet ``when`` (it never changes labels)."""

    id: Slug
    when: Condition
    message: Text


class NamedPolicy(Strict):
    """One answer to "what does the primary label mean?", and the order derived from it."""

    id: Slug
    question: Text
    rationale: Text
    precedence: list[Slug] = Field(min_length=1)


class Policy(Strict):
    default: Slug
    policies: list[NamedPolicy] = Field(min_length=1)
    not_a_goal_failure: Slug
    grade_order: list[Literal["measured", "inferred", "speculative", "unstated"]]
    caveats: list[Caveat] = Field(default_factory=list)

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
