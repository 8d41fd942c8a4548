"""Checks of classifier/: references, condition sizes, use cycles and chain depth, rule tests."""

from __future__ import annotations

from collections.abc import Iterator

from misgen import ids, models
from misgen.conditions import children, walk
from misgen.kb.base import TAXONOMY_FILES, KnowledgeBase, _dupes, _suggest
from misgen.kb.taxonomy_checks import _check_condition
from misgen.loading import locate
from misgen.problems import Problem
from misgen.yamlio import Document, _env_int


def _plain(node: models.Condition) -> bool:
    """Whether a condition reads signals only (no ``use``, no ``label``)."""
    return not any(isinstance(n, (models.LabelNode, models.UseNode)) for n in walk(node))


def _uses(node: models.Condition) -> Iterator[str]:
    if isinstance(node, models.UseNode):
        yield node.use
    for child in (
        getattr(node, "all", None) or getattr(node, "any", None) or getattr(node, "of", None) or []
    ):
        yield from _uses(child)
    if isinstance(node, models.NotNode):
        yield from _uses(node.not_)


#: the longest chain of definitions through ``use``: evaluation recurses once per link
MAX_USE_DEPTH = 12

#: The expanded size of one condition: its nodes, with every ``use`` replaced by the
#: definition's tree (so a definition used twice counts twice). Traces, explanations, the
#: near-miss search and the docs all walk conditions expanded, so this (not the file size)
#: is what bounds their time and memory. Override with MISGEN_MAX_CONDITION_NODES.
MAX_CONDITION_NODES = _env_int("MISGEN_MAX_CONDITION_NODES", 1_000)
#: The expanded size of every condition of the rule base together (rules, definitions,
#: policy caveats, applies_when, necessary conditions, framework terms): what classifying
#: one case costs. The bundled data uses about 400 (its largest condition: 22 nodes).
#: Override with MISGEN_MAX_RULE_BASE_NODES.
MAX_RULE_BASE_NODES = _env_int("MISGEN_MAX_RULE_BASE_NODES", 5_000)


def _use_graph(definitions: dict[str, models.Definition]) -> dict[str, list[str]]:
    return {
        name: [u for u in dict.fromkeys(_uses(d.when)) if u in definitions]
        for name, d in definitions.items()
    }


def definition_sizes(definitions: dict[str, models.Definition]) -> dict[str, int]:
    """The expanded size of every definition not on a ``use`` cycle, memoised: linear time.

    Definitions are sized in order of the chain length below them, so every definition a
    tree uses is sized before the tree; a use of a cyclic or unknown definition counts 1.
    """
    _cyclic, depth = _cycles_and_depth(_use_graph(definitions))
    sizes: dict[str, int] = {}
    for name in sorted(depth, key=depth.__getitem__):
        sizes[name] = expanded_size(definitions[name].when, sizes)
    return sizes


def expanded_size(node: models.Condition, sizes: dict[str, int]) -> int:
    """The nodes of ``node`` with each ``use`` counted as the definition's size (``sizes``)."""
    if isinstance(node, models.UseNode):
        return 1 + sizes.get(node.use, 0)
    return 1 + sum(expanded_size(child, sizes) for child in children(node))


def _nodes(n: int) -> str:
    return f"{n:,}" if n < 10**12 else f"about {n:.1e}"


def check_sizes(
    kb: KnowledgeBase, docs: dict[str, tuple[Document | None, str]]
) -> Iterator[Problem]:
    """Refuse conditions too large to evaluate, explain or document in bounded time.

    One problem per cause: a definition over the cap is named, and the rules, caveats and
    definitions that are over only because they use it are not reported again.
    """
    sizes = definition_sizes(kb.definitions)
    over = {name for name, size in sizes.items() if size > MAX_CONDITION_NODES}
    hint = (
        "a definition used many times is counted each time it is used: use it once, "
        "or raise MISGEN_MAX_CONDITION_NODES if the rules are trusted"
    )
    total, reported = 0, False
    doc, rel = docs.get("rules", (None, "classifier/rules.yaml"))
    for name, definition in kb.definitions.items():
        size = sizes.get(name, 0)
        total += size
        if name in over and not any(u in over for u in _uses(definition.when)):
            reported = True
            yield locate(
                doc,
                rel,
                ("definitions", name, "when"),
                f"definition '{name}' expands to {_nodes(size)} condition nodes through 'use' "
                f"(at most {MAX_CONDITION_NODES:,})",
                hint,
            )
    conditions: list[tuple[str, tuple[str | int, ...], models.Condition]] = []
    for i, rule in enumerate(kb.rules):
        conditions.append(("rules", ("rules", i, "when"), rule.when))
        if rule.unless is not None:
            conditions.append(("rules", ("rules", i, "unless"), rule.unless))
    for k, caveat in enumerate(kb.policy.caveats if kb.policy else ()):
        conditions.append(("policy", ("caveats", k, "when"), caveat.when))
    for si, signal in enumerate(kb.signals.values()):
        if signal.applies_when is not None:
            conditions.append(("signals", ("signals", si, "applies_when"), signal.applies_when))
    for li, label in enumerate(kb.labels.values()):
        for ci, cond in enumerate(label.necessary_conditions):
            if not isinstance(cond, str):
                where: tuple[str | int, ...] = ("labels", li, "necessary_conditions", ci, "signals")
                conditions.append(("labels", where, cond.signals))
    for fi, fw in enumerate(kb.frameworks.values()):
        for ti, term in enumerate(fw.terms):
            conditions.append(("frameworks", ("frameworks", fi, "terms", ti, "when"), term.when))
    for part, where, node in conditions:
        size = expanded_size(node, sizes)
        total += size
        if size > MAX_CONDITION_NODES and not any(u in over for u in _uses(node)):
            cdoc, crel = docs.get(part, (None, TAXONOMY_FILES[part][0]))
            reported = True
            yield locate(
                cdoc,
                crel,
                where,
                f"condition expands to {_nodes(size)} nodes through 'use' "
                f"(at most {MAX_CONDITION_NODES:,})",
                hint,
            )
    if total > MAX_RULE_BASE_NODES and not reported:  # one problem per cause
        yield locate(
            None,
            rel,
            (),
            f"the conditions of the rule base expand to {_nodes(total)} nodes in all "
            f"(at most {MAX_RULE_BASE_NODES:,}; rules, definitions, caveats, applies_when, "
            "necessary conditions and framework terms together)",
            "make the conditions smaller (a definition counts each time it is used), or raise "
            "MISGEN_MAX_RULE_BASE_NODES if the rules are trusted",
        )


def _cycles_and_depth(graph: dict[str, list[str]]) -> tuple[set[str], dict[str, int]]:
    """Definitions on a ``use`` cycle, and the chain length below each other one.

    Tarjan's strongly connected components, iteratively: linear in the size of the graph,
    so a hostile rules file with a chain of thousands of definitions costs milliseconds
    (following the uses from every definition in turn was quadratic: minutes). Components
    come out children first, so each depth is computed from finished ones.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cyclic: set[str] = set()
    depth: dict[str, int] = {}
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work[-1]
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            children = graph[node]
            if i < len(children):
                work[-1] = (node, i + 1)
                child = children[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in children:
                    cyclic.update(component)
                else:
                    depth[node] = 1 + max(
                        (depth.get(c, 0) for c in children if c not in cyclic), default=0
                    )
    return cyclic, depth


def check_rules(
    kb: KnowledgeBase, docs: dict[str, tuple[Document | None, str]], with_cases: bool = True
) -> Iterator[Problem]:
    doc, rel = docs["rules"]
    for name, definition in kb.definitions.items():
        yield from _check_condition(kb, definition.when, doc, rel, ("definitions", name, "when"))
    cyclic, depth = _cycles_and_depth(_use_graph(kb.definitions))
    for name in kb.definitions:
        if name in cyclic:
            yield locate(
                doc,
                rel,
                ("definitions", name),
                f"definition '{name}' uses itself (a cycle)",
                "break the cycle",
            )
        elif depth[name] > MAX_USE_DEPTH:
            yield locate(
                doc,
                rel,
                ("definitions", name),
                f"definition '{name}' starts a chain of {depth[name]} definitions "
                f"through 'use' (at most {MAX_USE_DEPTH})",
                "use the conditions directly instead of a long chain",
            )
    for i, _rid in _dupes(r.id for r in kb.rules):
        yield locate(doc, rel, ("rules", i, "id"), f"duplicate rule id '{kb.rules[i].id}'")
    for i, rule in enumerate(kb.rules):
        base = ("rules", i)
        if rule.label not in kb.labels:
            yield locate(
                doc,
                rel,
                base + ("label",),
                f"unknown label '{rule.label}'",
                _suggest(rule.label, kb.labels),
            )
        if rule.subtype and (
            rule.subtype not in kb.subtypes or ids.label_of_subtype(rule.subtype) != rule.label
        ):
            yield locate(
                doc,
                rel,
                base + ("subtype",),
                f"'{rule.subtype}' is not a subtype of '{rule.label}'",
            )
        if rule.subtype_by:
            signal = kb.signals.get(rule.subtype_by.signal)
            if signal is None:
                yield locate(
                    doc,
                    rel,
                    base + ("subtype_by", "signal"),
                    f"unknown signal '{rule.subtype_by.signal}'",
                )
            for answer, sub in rule.subtype_by.map.items():
                if signal is not None and answer not in signal.answers:
                    yield locate(
                        doc,
                        rel,
                        base + ("subtype_by", "map", answer),
                        f"'{answer}' is not an answer of '{signal.id}'",
                    )
                if sub not in kb.subtypes or ids.label_of_subtype(sub) != rule.label:
                    yield locate(
                        doc,
                        rel,
                        base + ("subtype_by", "map", answer),
                        f"'{sub}' is not a subtype of '{rule.label}'",
                    )
        yield from _check_condition(kb, rule.when, doc, rel, base + ("when",))
        if rule.unless is not None:
            yield from _check_condition(kb, rule.unless, doc, rel, base + ("unless",))
        for k, src in enumerate(rule.sources):
            if src not in kb.sources:
                yield locate(
                    doc,
                    rel,
                    base + ("sources", k),
                    f"unknown source '{src}'",
                    "add it to taxonomy/sources.yaml",
                )
        for kind in ("fires_on", "silent_on") if with_cases else ():
            for k, cid in enumerate(getattr(rule.tests, kind)):
                if cid not in kb.cases:
                    yield locate(
                        doc,
                        rel,
                        base + ("tests", kind, k),
                        f"unknown case '{cid}'",
                        _suggest(cid, kb.cases),
                    )
    pdoc, prel = docs["policy"]
    policy = kb.policy
    if policy is not None:
        names = [p.id for p in policy.policies]
        for k, named in enumerate(policy.policies):
            if sorted(named.precedence) != sorted(kb.labels):
                yield locate(
                    pdoc,
                    prel,
                    ("policies", k, "precedence"),
                    "precedence must list every label exactly once",
                    f"labels: {', '.join(sorted(kb.labels))}",
                )
            elif named.precedence[-1] != policy.not_a_goal_failure:
                yield locate(
                    pdoc,
                    prel,
                    ("policies", k, "precedence"),
                    f"'{policy.not_a_goal_failure}' must come last: it can only stand alone",
                )
            if names.index(named.id) != k:
                yield locate(
                    pdoc, prel, ("policies", k, "id"), f"policy '{named.id}' is listed twice"
                )
        grades = (*models.STRENGTHS, "unstated")
        if sorted(policy.grade_order) != sorted(grades):
            yield locate(
                pdoc,
                prel,
                ("grade_order",),
                "grade_order must list every evidence grade exactly once",
                f"grades: {', '.join(grades)} (strongest first)",
            )
        if policy.default not in names:
            yield locate(
                pdoc,
                prel,
                ("default",),
                f"unknown policy '{policy.default}'",
                f"policies: {', '.join(names)}",
            )
        for k, caveat in enumerate(policy.caveats):
            yield from _check_condition(kb, caveat.when, pdoc, prel, ("caveats", k, "when"))
        nagf = kb.labels.get(policy.not_a_goal_failure)
        if nagf is None or nagf.goal_failure:
            yield locate(
                pdoc,
                prel,
                ("not_a_goal_failure",),
                "must name the label whose goal_failure is false",
            )
