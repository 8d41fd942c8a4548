"""Keeping a large case base small in memory (issue 19).

A pydantic model instance carries its own ``__pydantic_fields_set__``: a new ``set`` of the
field names given, ~200-700 bytes, for every case and every answer in it (about 27 per
case: 6.6 KB of a case's ~27 KB in memory). The models are frozen, so those sets are only
ever read (``model_copy`` copies the set before it adds to it): instances of the same class
with the same fields set can share one. :func:`share_fields_set` does that for a model and
every model inside it; :func:`misgen.kb.load` calls it on each case as it is loaded.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_set = object.__setattr__


def share_fields_set(model: BaseModel, table: dict[tuple[type, frozenset[str]], Any]) -> None:
    """Make ``model`` and the models inside it (fields, lists, dict values) use one shared
    fields-set object per (class, field names), kept in ``table``."""
    for value in model.__dict__.values():
        kind = type(value)
        if kind is dict:
            for item in value.values():
                if isinstance(item, BaseModel):
                    share_fields_set(item, table)
        elif kind is list or kind is tuple:
            for item in value:
                if isinstance(item, BaseModel):
                    share_fields_set(item, table)
        elif isinstance(value, BaseModel):
            share_fields_set(value, table)
    fields = model.__pydantic_fields_set__
    shared = table.setdefault((type(model), frozenset(fields)), fields)
    if shared is not fields:
        _set(model, "__pydantic_fields_set__", shared)
