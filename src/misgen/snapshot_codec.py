"""The snapshot's payload (:mod:`misgen.snapshot`): plain JSON data in, plain objects out.

:func:`encode` turns a checked knowledge base (the pydantic models) into JSON data;
:func:`decode` turns that data back into :mod:`misgen.plain` objects, checking that it is
exactly what :func:`encode` writes: types, sizes, and every cross-reference (a condition's
signal and answers, a definition, a rule's label, the policies' labels). Anything else
raises :class:`Corrupt` and the snapshot is ignored. Imports only the standard library and
:mod:`misgen.plain` (the models only when encoding, on the normal path).
"""

from __future__ import annotations

from typing import Any

from misgen import plain

#: condition trees deeper than this are refused (the YAML parser caps nesting at 32 by default)
MAX_NESTING = 200


class Snapshot:
    """The plain objects :class:`misgen.engine.Classifier` is built from, in the shape of the
    :class:`misgen.kb.KnowledgeBase` attributes that classifying a scenario reads."""

    __slots__ = (
        "definitions",
        "deprecated",
        "frameworks",
        "labels",
        "policy",
        "root",
        "rules",
        "signals",
    )
    ok = True  # only a knowledge base without problems is ever stored
    problems: tuple[object, ...] = ()

    def __init__(
        self,
        signals: dict[str, plain.Signal],
        deprecated: frozenset[str],
        labels: dict[str, plain.Label],
        definitions: dict[str, plain.Definition],
        rules: tuple[plain.Rule, ...],
        policy: plain.Policy,
        frameworks: dict[str, plain.Framework],
    ) -> None:
        self.root: Any = None  # set by load()
        self.signals = signals
        self.deprecated = deprecated
        self.labels = labels
        self.definitions = definitions
        self.rules = rules
        self.policy = policy
        self.frameworks = frameworks



class Corrupt(Exception):
    """The snapshot is not exactly what :func:`store` writes: ignore it."""



def _str(value: Any) -> str:
    if type(value) is not str:
        raise Corrupt("expected text")
    return value


def _opt_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _strs(value: Any) -> list[str]:
    if type(value) is not list:
        raise Corrupt("expected a list")
    return [_str(v) for v in value]


def _list(value: Any, size: int | None = None) -> list[Any]:
    if type(value) is not list or (size is not None and len(value) != size):
        raise Corrupt("expected a list" + (f" of {size}" if size is not None else ""))
    return value


def _cond(value: Any, refs: list[Any], depth: int = 0) -> Any:
    """A condition node from its tagged list (see :func:`_encode_cond`); the signals, answers
    and definitions it names go to ``refs``, to be checked once everything is read."""
    if depth > MAX_NESTING:
        raise Corrupt("condition nested too deeply")
    if type(value) is not list or len(value) < 3:
        raise Corrupt("expected a condition")
    tag, name = value[0], value[1]
    if name is not None and type(name) is not str:
        raise Corrupt("expected text")
    if tag == "is" and len(value) == 4:
        signal, answer = value[2], value[3]
        if type(signal) is not str or type(answer) is not str:
            raise Corrupt("expected text")
        refs.append((signal, (answer,)))
        return plain.IsNode(name, signal, answer)
    if tag == "in" and len(value) == 4:
        signal, answers = value[2], _strs(value[3])
        if type(signal) is not str or not answers:
            raise Corrupt("bad 'in'")
        refs.append((signal, answers))
        return plain.InNode(name, signal, answers)
    if tag in ("all", "any") and len(value) == 3:
        kids = [_cond(k, refs, depth + 1) for k in _list(value[2])]
        if not kids:
            raise Corrupt(f"empty '{tag}'")
        return plain.AllNode(name, kids) if tag == "all" else plain.AnyNode(name, kids)
    if tag == "not" and len(value) == 3:
        return plain.NotNode(name, _cond(value[2], refs, depth + 1))
    if tag == "at-least" and len(value) == 4:
        threshold = value[2]
        if type(threshold) is not int or threshold < 1:
            raise Corrupt("bad at-least threshold")
        kids = [_cond(k, refs, depth + 1) for k in _list(value[3])]
        if not kids:
            raise Corrupt("empty 'of'")
        return plain.AtLeastNode(name, threshold, kids)
    if tag == "use" and len(value) == 3:
        refs.append((None, _str(value[2])))
        return plain.UseNode(name, value[2])
    if tag == "label" and len(value) == 3:
        return plain.LabelNode(name, _str(value[2]))
    raise Corrupt("unknown condition node")


def _unique(items: list[str], what: str) -> None:
    if len(set(items)) != len(items):
        raise Corrupt(f"duplicate {what}")


def decode(data: Any) -> Snapshot:
    if type(data) is not dict or set(data) != {
        "signals",
        "deprecated",
        "labels",
        "definitions",
        "rules",
        "policy",
        "frameworks",
    }:
        raise Corrupt("unexpected payload")
    refs: list[Any] = []
    signals: dict[str, plain.Signal] = {}
    for item in _list(data["signals"]):
        sid, question, answers, applies = _list(item, 4)
        signal = plain.Signal(
            _str(sid),
            _str(question),
            _strs(answers),
            None if applies is None else _cond(applies, refs),
        )
        if sid in signals or plain.UNKNOWN not in signal.answers:
            raise Corrupt("bad signal")
        signals[sid] = signal
    deprecated = frozenset(_strs(data["deprecated"]))
    labels: dict[str, plain.Label] = {}
    for item in _list(data["labels"]):
        lid, name, goal_failure = _list(item, 3)
        if type(goal_failure) is not bool or _str(lid) in labels:
            raise Corrupt("bad label")
        labels[lid] = plain.Label(lid, _str(name), goal_failure)
    definitions: dict[str, plain.Definition] = {}
    for item in _list(data["definitions"]):
        did, name, when = _list(item, 3)
        if _str(did) in definitions:
            raise Corrupt("duplicate definition")
        definitions[did] = plain.Definition(_str(name), _cond(when, refs))
    rules = []
    for item in _list(data["rules"]):
        rid, label, role, subtype, by, when, unless = _list(item, 7)
        if role not in ("primary", "secondary") or _str(label) not in labels:
            raise Corrupt("bad rule")
        subtype_by = None
        if by is not None:
            by_signal, mapping = _list(by, 2)
            if type(mapping) is not dict or not all(
                type(k) is str and type(v) is str for k, v in mapping.items()
            ):
                raise Corrupt("bad subtype_by")
            refs.append((_str(by_signal), ()))
            subtype_by = plain.SubtypeBy(by_signal, dict(mapping))
        rules.append(
            plain.Rule(
                _str(rid),
                label,
                role,
                _opt_str(subtype),
                subtype_by,
                _cond(when, refs),
                None if unless is None else _cond(unless, refs),
            )
        )
    _unique([r.id for r in rules], "rule id")
    raw_policy = data["policy"]
    if type(raw_policy) is not dict or set(raw_policy) != {
        "default",
        "policies",
        "not_a_goal_failure",
        "grade_order",
        "caveats",
    }:
        raise Corrupt("bad policy")
    named = []
    for item in _list(raw_policy["policies"]):
        pid, precedence = _list(item, 2)
        order = _strs(precedence)
        if sorted(order) != sorted(labels):
            raise Corrupt("precedence does not list every label")
        named.append(plain.NamedPolicy(_str(pid), order))
    caveats = []
    for item in _list(raw_policy["caveats"]):
        cid, when, message = _list(item, 3)
        caveats.append(plain.Caveat(_str(cid), _cond(when, refs), _str(message)))
    grades = _strs(raw_policy["grade_order"])
    if sorted(grades) != sorted((*plain.STRENGTHS, "unstated")):
        raise Corrupt("bad grade order")
    policy = plain.Policy(
        _str(raw_policy["default"]),
        named,
        _str(raw_policy["not_a_goal_failure"]),
        grades,
        caveats,
    )
    _unique([p.id for p in named], "policy id")
    if not named or policy.default not in {p.id for p in named}:
        raise Corrupt("unknown default policy")
    if policy.not_a_goal_failure not in labels:
        raise Corrupt("unknown not-a-goal-failure label")
    frameworks: dict[str, plain.Framework] = {}
    for item in _list(data["frameworks"]):
        fid, name, scope, terms = _list(item, 4)
        built = []
        for term in _list(terms):
            tid, tname, when = _list(term, 3)
            built.append(plain.Term(_str(tid), _str(tname), _cond(when, refs)))
        if _str(fid) in frameworks:
            raise Corrupt("duplicate framework")
        frameworks[fid] = plain.Framework(fid, _str(name), _strs(scope), built)
    # every reference resolves, as the knowledge-base checks guaranteed when it was stored
    for signal_id, wanted in refs:
        if signal_id is None:
            if wanted not in definitions:
                raise Corrupt("a condition uses an unknown definition")
            continue
        named_signal = signals.get(signal_id)
        if named_signal is None or any(v not in named_signal.answers for v in wanted):
            raise Corrupt("a condition names an unknown signal or answer")
    return Snapshot(signals, deprecated, labels, definitions, tuple(rules), policy, frameworks)


# --------------------------------------------------------------------------- writing (normal path)


def _encode_cond(node: Any) -> list[Any]:
    from misgen import models

    kind = type(node)
    if kind is models.IsNode:
        return ["is", node.name, node.signal, node.is_]
    if kind is models.InNode:
        return ["in", node.name, node.signal, list(node.in_)]
    if kind is models.AllNode:
        return ["all", node.name, [_encode_cond(c) for c in node.all]]
    if kind is models.AnyNode:
        return ["any", node.name, [_encode_cond(c) for c in node.any]]
    if kind is models.NotNode:
        return ["not", node.name, _encode_cond(node.not_)]
    if kind is models.AtLeastNode:
        return ["at-least", node.name, node.at_least, [_encode_cond(c) for c in node.of]]
    if kind is models.UseNode:
        return ["use", node.name, node.use]
    if kind is models.LabelNode:
        return ["label", node.name, node.label]
    raise TypeError(f"unknown condition node {kind.__name__}")


def encode(kb: Any) -> dict[str, Any]:
    """The payload for a checked knowledge base (the pydantic models' values, as JSON data)."""
    policy = kb.policy
    return {
        "signals": [
            [
                s.id,
                s.question,
                list(s.answers),
                None if s.applies_when is None else _encode_cond(s.applies_when),
            ]
            for s in kb.signals.values()
        ],
        "deprecated": sorted(kb.deprecated),
        "labels": [[lab.id, lab.name, lab.goal_failure] for lab in kb.labels.values()],
        "definitions": [
            [name, d.name, _encode_cond(d.when)] for name, d in kb.definitions.items()
        ],
        "rules": [
            [
                r.id,
                r.label,
                r.role,
                r.subtype,
                None if r.subtype_by is None else [r.subtype_by.signal, dict(r.subtype_by.map)],
                _encode_cond(r.when),
                None if r.unless is None else _encode_cond(r.unless),
            ]
            for r in kb.rules
        ],
        "policy": {
            "default": policy.default,
            "policies": [[p.id, list(p.precedence)] for p in policy.policies],
            "not_a_goal_failure": policy.not_a_goal_failure,
            "grade_order": list(policy.grade_order),
            "caveats": [[c.id, _encode_cond(c.when), c.message] for c in policy.caveats],
        },
        "frameworks": [
            [f.id, f.name, list(f.scope), [[t.id, t.name, _encode_cond(t.when)] for t in f.terms]]
            for f in kb.frameworks.values()
        ],
    }

