"""Strict, frozen pydantic models: the single source of truth for every data format.

``schema/*.schema.json`` is generated from these (``misgen schema``); never edit it by
hand. Every model forbids unknown keys and runs in strict mode, so ``"yes"`` is never
coerced to ``True`` and a misspelt key is an error, not silently dropped. Cross-file checks
(references resolve, ids unique) live in :mod:`misgen.kb`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from misgen import ids

Slug = Annotated[str, Field(pattern=ids.SLUG_PATTERN, max_length=ids.MAX_ID_LENGTH)]
SubtypeId = Annotated[str, Field(pattern=ids.SUBTYPE_PATTERN, max_length=2 * ids.MAX_ID_LENGTH)]
RuleId = Annotated[str, Field(pattern=ids.RULE_PATTERN, max_length=2 * ids.MAX_ID_LENGTH)]
LabelOrSubtype = Annotated[
    str, Field(pattern=rf"^{ids.SLUG}(?:\.{ids.SLUG})?$", max_length=2 * ids.MAX_ID_LENGTH)
]
Line = Annotated[str, Field(min_length=1, max_length=300)]
Text = Annotated[str, Field(min_length=1, max_length=6000)]
Strength = Literal["measured", "inferred", "speculative"]
STRENGTHS: tuple[str, ...] = ("measured", "inferred", "speculative")
UNKNOWN = "unknown"
NOT_APPLICABLE = "not-applicable"


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


# --------------------------------------------------------------------------- sources


class Source(Strict):
    """A checked bibliographic reference. ``verified: false`` needs a ``note`` saying what is missing."""

    id: Slug
    authors: list[Line] = Field(min_length=1)
    year: int = Field(ge=1800, le=2100)
    title: Line
    venue: Line
    arxiv: Annotated[str, Field(pattern=r"^[0-9]{4}\.[0-9]{4,5}$")] | None = None
    doi: Annotated[str, Field(pattern=r"^10\.[0-9]{4,9}/[^\s]+$", max_length=200)] | None = None
    url: Annotated[str, Field(pattern=r"""^https?://[^\s<>"']+$""", max_length=500)] | None = None
    verified: bool
    note: Text | None = None

    @model_validator(mode="after")
    def _locatable(self) -> Source:
        if not (self.arxiv or self.doi or self.url):
            raise ValueError("a source needs at least one of arxiv, doi or url")
        if not self.verified and not self.note:
            raise ValueError("an unverified source needs a note saying what could not be checked")
        return self

    def locator(self) -> str:
        if self.arxiv:
            return f"https://arxiv.org/abs/{self.arxiv}"
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.url or ""


class Citation(Strict):
    """A case's reference to a work of the bibliography (``taxonomy/sources.yaml``).

    ``locator`` says where in the work the case is described (section, page, figure).
    """

    source: Slug
    locator: Line | None = None


# --------------------------------------------------------------------------- conditions


class _Node(Strict):
    name: Line | None = None


class AllNode(_Node):
    all: list[Condition] = Field(min_length=1)


class AnyNode(_Node):
    any: list[Condition] = Field(min_length=1)


class NotNode(_Node):
    not_: Condition = Field(alias="not")


class AtLeastNode(_Node):
    at_least: int = Field(alias="at-least", ge=1)
    of: list[Condition] = Field(min_length=1)


class IsNode(_Node):
    signal: Slug
    is_: Slug = Field(alias="is")


class InNode(_Node):
    signal: Slug
    in_: list[Slug] = Field(alias="in", min_length=1)


class UseNode(_Node):
    use: Slug


class LabelNode(_Node):
    """True when the verdict carries this label (framework perspectives only)."""

    label: LabelOrSubtype


_NODE_KEYS = (
    ("all", "all"),
    ("any", "any"),
    ("not", "not"),
    ("at-least", "at-least"),
    ("is", "is"),
    ("in", "in"),
    ("use", "use"),
    ("label", "label"),
)


def _node_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key, tag in _NODE_KEYS:
            if key in value:
                return tag
        return None
    if isinstance(value, BaseModel):
        return {
            AllNode: "all",
            AnyNode: "any",
            NotNode: "not",
            AtLeastNode: "at-least",
            IsNode: "is",
            InNode: "in",
            UseNode: "use",
            LabelNode: "label",
        }.get(type(value))
    return None


Condition = Annotated[
    Annotated[AllNode, Tag("all")]
    | Annotated[AnyNode, Tag("any")]
    | Annotated[NotNode, Tag("not")]
    | Annotated[AtLeastNode, Tag("at-least")]
    | Annotated[IsNode, Tag("is")]
    | Annotated[InNode, Tag("in")]
    | Annotated[UseNode, Tag("use")]
    | Annotated[LabelNode, Tag("label")],
    Discriminator(
        _node_tag,
        custom_error_type="condition_node",
        custom_error_message="a condition needs exactly one of: all, any, not, at-least, is (with signal), in (with signal), use, label",
    ),
]

for _model in (AllNode, AnyNode, NotNode, AtLeastNode):
    _model.model_rebuild()


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
                raise ValueError(f"example for '{answer}', which is not a known answer of this signal")
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
