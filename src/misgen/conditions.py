"""The condition language, interpreted once: three-valued truth and the signals a tree reads.

Conditions are evaluated in Kleene's three-valued logic (``True``, ``False``, ``None`` for
unknown), so an unanswered signal never counts as "no". :func:`truth` is the only
interpreter of the language; the engine's traced evaluation is checked against it by a
property test, and the knowledge-base checks use it for ``applies_when``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from misgen import models
from misgen.models import UNKNOWN

Truth = bool | None


def truth(
    node: models.Condition,
    values: Mapping[str, str],
    definitions: Mapping[str, models.Definition],
    verdict_labels: frozenset[str] | None = None,
    memo: dict[str, Truth] | None = None,
) -> Truth:
    """The three-valued value of ``node`` under ``values`` (signal id -> answer).

    Each definition is evaluated once per call, however often it is used (a definition
    that uses another many times would otherwise cost exponential time), and a ``use``
    cycle reads as unknown instead of recursing forever (cycles are refused by validate).
    Callers that evaluate several trees under the same ``values`` and ``verdict_labels``
    may pass one ``memo`` (definition name -> value) to share those evaluations.

    Each tree is turned once into nested closures (:func:`compiled`), so evaluating it
    costs no type dispatch; the closures follow the node semantics below one for one.
    """
    return compiled(node)(values, definitions, verdict_labels, {} if memo is None else memo)


_Fn = Callable[
    [Mapping[str, str], Mapping[str, "models.Definition"], "frozenset[str] | None", dict[str, Truth]],
    Truth,
]
#: id(node) -> (node, its closure); the node is kept so that its id is never reused
_COMPILED: dict[int, tuple[object, _Fn]] = {}
_MAX_COMPILED = 100_000


def compiled(node: models.Condition) -> _Fn:
    """``node`` as a function ``(values, definitions, verdict_labels, memo) -> Truth``: what
    :func:`truth` runs (built once per tree, then looked up), for callers that evaluate the
    same tree many times."""
    found = _COMPILED.get(id(node))
    if found is not None and found[0] is node:
        return found[1]
    if len(_COMPILED) >= _MAX_COMPILED:  # many knowledge bases loaded in one process
        _COMPILED.clear()
    fn = _compile(node)
    _COMPILED[id(node)] = (node, fn)
    return fn


def _compile(node: models.Condition) -> _Fn:
    if isinstance(node, models.IsNode):
        signal, wanted = node.signal, node.is_

        def is_(values: Mapping[str, str], d: object, v: object, m: object) -> Truth:
            actual = values.get(signal, UNKNOWN)
            return True if actual == wanted else (None if actual == UNKNOWN else False)

        return is_
    if isinstance(node, models.InNode):
        signal, allowed = node.signal, frozenset(node.in_)

        def in_(values: Mapping[str, str], d: object, v: object, m: object) -> Truth:
            actual = values.get(signal, UNKNOWN)
            return True if actual in allowed else (None if actual == UNKNOWN else False)

        return in_
    if isinstance(node, (models.AllNode, models.AnyNode)):
        conjunction = isinstance(node, models.AllNode)
        kids = tuple(compiled(c) for c in (node.all if conjunction else node.any))  # type: ignore[union-attr]
        decisive = not conjunction  # all: a False decides; any: a True decides

        def junction(
            values: Mapping[str, str],
            definitions: Mapping[str, models.Definition],
            labels: frozenset[str] | None,
            memo: dict[str, Truth],
        ) -> Truth:
            out: Truth = conjunction
            for kid in kids:
                value = kid(values, definitions, labels, memo)
                if value is decisive:
                    return decisive
                if value is None:
                    out = None
            return out

        return junction
    if isinstance(node, models.NotNode):
        inner = compiled(node.not_)

        def not_(
            values: Mapping[str, str],
            definitions: Mapping[str, models.Definition],
            labels: frozenset[str] | None,
            memo: dict[str, Truth],
        ) -> Truth:
            value = inner(values, definitions, labels, memo)
            return None if value is None else not value

        return not_
    if isinstance(node, models.AtLeastNode):
        threshold, kids = node.at_least, tuple(compiled(c) for c in node.of)

        def at_least_(
            values: Mapping[str, str],
            definitions: Mapping[str, models.Definition],
            labels: frozenset[str] | None,
            memo: dict[str, Truth],
        ) -> Truth:
            return at_least(threshold, [k(values, definitions, labels, memo) for k in kids])

        return at_least_
    if isinstance(node, models.UseNode):
        name = node.use

        def use(
            values: Mapping[str, str],
            definitions: Mapping[str, models.Definition],
            labels: frozenset[str] | None,
            memo: dict[str, Truth],
        ) -> Truth:
            if name in memo:
                return memo[name]
            memo[name] = None  # in progress: a cycle reads as unknown
            value = compiled(definitions[name].when)(values, definitions, labels, memo)
            memo[name] = value
            return value

        return use
    if isinstance(node, models.LabelNode):
        label = node.label

        def label_(values: object, d: object, labels: frozenset[str] | None, m: object) -> Truth:
            return None if labels is None else label in labels

        return label_
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
