"""The node kinds of the relation graph, for the model and the styles alike."""

from __future__ import annotations

#: node kinds, in the order renderers list them
KINDS: tuple[str, ...] = (
    "label",
    "subtype",
    "case",
    "framework",
    "term",
    "rule",
    "signal",
    "source",
)
