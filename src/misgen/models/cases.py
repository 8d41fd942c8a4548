"""Cases and scenarios: answers, setup, curated labels, disputes, links."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from misgen.models.base import (
    Citation,
    LabelOrSubtype,
    Line,
    Slug,
    Source,
    Strength,
    Strict,
    SubtypeId,
    Text,
)

# --------------------------------------------------------------------------- cases

Kind = Literal[
    "empirical", "incident", "model-organism", "biological-analogy", "thought-experiment"
]
Domain = Literal[
    "reinforcement-learning",
    "supervised-learning",
    "language-model",
    "llm-agent",
    "evolution",
    "evolutionary-computation",
    "robotics",
    "hypothetical-agi",
    "autonomous-vehicle",
]
LinkType = Literal[
    "variant-of", "same-mechanism-as", "contrast-with", "follow-up-of", "analogous-to"
]


class Answer(Strict):
    """One signal's answer. ``quote`` (a short verbatim passage) and ``locator`` (section,
    page, figure) anchor the evidence in ``source``; a ``measured`` answer of a case needs one.
    ``suggested`` marks an answer proposed from text by ``misgen suggest`` and not yet confirmed.
    """

    answer: Slug
    strength: Strength | None = None
    evidence: Text | None = None
    source: Slug | None = None
    locator: Line | None = None
    quote: Text | None = None
    suggested: bool | None = None


class Setup(Strict):
    training: Text
    intended_goal: Text
    training_signal: Text
    training_behaviour: Text
    what_changed: Text
    failure_behaviour: Text


class Disagreement(Strict):
    """Declared when the classifier's primary label differs from the curator's."""

    classifier: Slug
    reason: Text


class Curated(Strict):
    labels: list[Slug] = Field(min_length=1)
    subtype: SubtypeId | None = None
    reasoning: Text
    disagreement: Disagreement | None = None


class Dispute(Strict):
    """Another reading of the case, held by a named source.

    ``label`` is the disputed primary label, or a subtype when only the subtype is disputed;
    ``with_labels`` completes a disputed label set (the reading is ``label`` plus these).
    """

    label: LabelOrSubtype
    with_labels: list[Slug] = Field(default_factory=list)
    held_by: list[Slug] = Field(min_length=1)
    argument: Text

    def reading(self) -> str:
        return " + ".join([self.label, *self.with_labels])


class Link(Strict):
    type: LinkType
    case: Slug
    note: Text | None = None


class Case(Strict):
    id: Slug
    title: Line
    kind: Kind
    domain: Domain
    summary: Text
    setup: Setup
    signals: dict[Slug, Answer]
    curated: Curated
    disputes: list[Dispute]
    links: list[Link]
    #: citations of the bibliography; a full record is a draft (``misgen new`` writes one),
    #: moved to ``taxonomy/sources.yaml`` by ``misgen migrate`` and refused by ``--strict``
    sources: list[Citation | Source] = Field(min_length=1)

    def citations(self) -> list[Citation]:
        """Every cited work as a citation, drafts included."""
        return [s if isinstance(s, Citation) else Citation(source=s.id) for s in self.sources]


class Scenario(Strict):
    """What ``misgen classify`` reads: the case format with everything optional.

    Signal answers may be bare strings (``goal-directed: "yes"``). Curated labels, if
    present, are accepted but never passed to the engine.
    """

    id: Slug | None = None
    title: Line | None = None
    kind: Kind | None = None
    domain: Domain | None = None
    summary: Text | None = None
    setup: dict[str, Any] | None = None
    signals: dict[Slug, Answer | Slug] = Field(default_factory=dict)
    curated: dict[str, Any] | None = None
    disputes: list[Any] | None = None
    links: list[Any] | None = None
    sources: list[Citation | Source] | None = None

    def answers(self) -> dict[str, Answer]:
        return {k: (Answer(answer=v) if isinstance(v, str) else v) for k, v in self.signals.items()}
