"""The condition language, interpreted once: three-valued truth and the signals a tree reads.

Conditions are evaluated in Kleene's three-valued logic (``True``, ``False``, ``None`` for
unknown), so an unanswered signal never counts as "no". :func:`truth` is the only
interpreter of the language; the engine's traced evaluation is checked against it by a
property test, and the knowledge-base checks use it for ``applies_when``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from misgen import models
from misgen.models import UNKNOWN

Truth = bool | None


def truth(
    node: models.Condition,
    values: Mapping[str, str],
    definitions: Mapping[str, models.Definition],
    verdict_labels: frozenset[str] | None = None,
) -> Truth:
    """The three-valued value of ``node`` under ``values`` (signal id -> answer).

    Each definition is evaluated once per call, however often it is used (a definition
    that uses another many times would otherwise cost exponential time), and a ``use``
    cycle reads as unknown instead of recursing forever (cycles are refused by validate).
    """
    return _truth(node, values, definitions, verdict_labels, {})


def _truth(
    node: models.Condition,
    values: Mapping[str, str],
    definitions: Mapping[str, models.Definition],
    verdict_labels: frozenset[str] | None,
    memo: dict[str, Truth],
) -> Truth:
    if isinstance(node, models.IsNode):
        actual = values.get(node.signal, UNKNOWN)
        return True if actual == node.is_ else (None if actual == UNKNOWN else False)
    if isinstance(node, models.InNode):
        actual = values.get(node.signal, UNKNOWN)
        return True if actual in node.in_ else (None if actual == UNKNOWN else False)
    if isinstance(node, models.AllNode):
        out: Truth = True
        for child in node.all:
            value = _truth(child, values, definitions, verdict_labels, memo)
            if value is False:
                return False
            if value is None:
                out = None
        return out
    if isinstance(node, models.AnyNode):
        out = False
        for child in node.any:
            value = _truth(child, values, definitions, verdict_labels, memo)
            if value is True:
                return True
            if value is None:
                out = None
        return out
    if isinstance(node, models.NotNode):
        value = _truth(node.not_, values, definitions, verdict_labels, memo)
        return None if value is None else not value
    if isinstance(node, models.AtLeastNode):
        kids = [_truth(c, values, definitions, verdict_labels, memo) for c in node.of]
        return at_least(node.at_least, kids)
    if isinstance(node, models.UseNode):
        if node.use in memo:
            return memo[node.use]
        memo[node.use] = None  # in progress: a cycle reads as unknown
        value = _truth(definitions[node.use].when, values, definitions, verdict_labels, memo)
        memo[node.use] = value
        return value
    if isinstance(node, models.LabelNode):
        return None if verdict_labels is None else node.label in verdict_labels
    raise TypeError(f"unknown condition node {type(node).__name__}")  # pragma: no cover


def at_least(threshold: int, kids: list[Truth]) -> Truth:
    yes = sum(k is True for k in kids)
    maybe = sum(k is None for k in kids)
    return True if yes >= threshold else (None if yes + maybe >= threshold else False)


def children(node: models.Condition) -> list[models.Condition]:
    if isinstance(node, models.AllNode):
        return list(node.all)
    if isinstance(node, models.AnyNode):
        return list(node.any)
    if isinstance(node, models.AtLeastNode):
        return list(node.of)
    if isinstance(node, models.NotNode):
        return [node.not_]
    return []


def walk(node: models.Condition) -> Iterator[models.Condition]:
    """Every node of a tree, without following ``use``."""
    yield node
    for child in children(node):
        yield from walk(child)


def signals_in(
    node: models.Condition,
    definitions: Mapping[str, models.Definition] | None = None,
    seen: frozenset[str] = frozenset(),
) -> set[str]:
    """Every signal a condition reads, following ``use`` into definitions (cycle-safe).

    The one place that walks a condition tree for its signals; the classifier, the graph,
    the docs and ``misgen explain`` all use it. Each definition is visited once (linear in
    the size of the trees reached, however often a definition is used); definitions named
    in ``seen`` are not followed.
    """
    out: set[str] = set()
    visited = set(seen)
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (models.IsNode, models.InNode)):
            out.add(current.signal)
        elif isinstance(current, models.UseNode):
            definition = (definitions or {}).get(current.use)
            if definition is not None and current.use not in visited:
                visited.add(current.use)
                stack.append(definition.when)
        else:
            stack.extend(children(current))
    return out


def condition_text(node: models.Condition) -> str:
    """A short reading of a (small) condition, for messages: ``single-target is "yes"``."""
    if isinstance(node, models.IsNode):
        return f'{node.signal} is "{node.is_}"'
    if isinstance(node, models.InNode):
        return f"{node.signal} is one of {', '.join(node.in_)}"
    if isinstance(node, models.NotNode):
        return f"not ({condition_text(node.not_)})"
    if isinstance(node, models.UseNode):
        return node.use
    if isinstance(node, models.LabelNode):
        return f"label {node.label}"
    joiners: dict[type, str] = {models.AllNode: " and ", models.AnyNode: " or "}
    word = joiners.get(type(node), ", ")
    text = word.join(condition_text(c) for c in children(node))
    if isinstance(node, models.AtLeastNode):
        return f"at least {node.at_least} of ({text})"
    return text
