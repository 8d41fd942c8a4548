"""Shared field types, the strict base model, and bibliography records (sources, citations)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
