"""The condition tree of rules, definitions and necessary conditions (a closed set of nodes)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Discriminator, Field, Tag

from misgen.models.base import LabelOrSubtype, Line, Slug, Strict

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
