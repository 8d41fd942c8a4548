"""Condition trees (rules, definitions, framework terms) and evaluated traces as nested lists.

Nested lists are indented by four spaces per level: Python-Markdown needs four, and GitHub
accepts them.
"""

from __future__ import annotations

from misgen import models
from misgen.docs import md
from misgen.docs.context import Context
from misgen.engine import Trace

STEP = 4
HEADS = {"all": "all of", "any": "any of", "not": "not"}


def _answers(values: list[str] | tuple[str, ...]) -> str:
    return " or ".join(md.code(v) for v in values)


def _children(node: models.Condition) -> tuple[str, list[models.Condition]]:
    if isinstance(node, models.AllNode):
        return "all of", list(node.all)
    if isinstance(node, models.AnyNode):
        return "any of", list(node.any)
    if isinstance(node, models.NotNode):
        return "not", [node.not_]
    if isinstance(node, models.AtLeastNode):
        return f"at least {node.at_least} of", list(node.of)
    return "", []


def condition(ctx: Context, here: str, node: models.Condition, depth: int = 0) -> list[str]:
    """A condition as nested bullets, with definitions (``use``) expanded in place."""
    pad = " " * (STEP * depth)
    named = f"{md.emph(node.name)}: " if node.name else ""
    if isinstance(node, models.IsNode):
        return [f"{pad}- {named}{ctx.signal(here, node.signal)} is {md.code(node.is_)}"]
    if isinstance(node, models.InNode):
        return [
            f"{pad}- {named}{ctx.signal(here, node.signal)} is one of {', '.join(md.code(v) for v in node.in_)}"
        ]
    if isinstance(node, models.LabelNode):
        return [f"{pad}- {named}the verdict carries {ctx.node(here, node.label)}"]
    if isinstance(node, models.UseNode):
        definition = ctx.kb.definitions.get(node.use)
        if definition is None:
            return [f"{pad}- {named}definition {md.code(node.use)}"]
        head, kids = _children(definition.when)
        shown = md.emph(node.name or definition.name)
        if kids and not definition.when.name:
            lines = [f"{pad}- {shown} (definition {md.code(node.use)}), {head}:"]
            for kid in kids:
                lines += condition(ctx, here, kid, depth + 1)
            return lines
        return [
            f"{pad}- {shown} (definition {md.code(node.use)}):",
            *condition(ctx, here, definition.when, depth + 1),
        ]
    head, kids = _children(node)
    lines = [f"{pad}- {named}{head}:"]
    for kid in kids:
        lines += condition(ctx, here, kid, depth + 1)
    return lines


def trace_line(ctx: Context, here: str, trace: Trace) -> str:
    mark = md.MARK[trace.value]
    if trace.signal:
        desc = f"{md.text(trace.name)}: " if trace.name else ""
        line = (
            f"{mark} {desc}{ctx.signal(here, trace.signal)} = {md.code(trace.actual or 'unknown')}"
        )
        if trace.value is not True:
            line += f" (needs {_answers(trace.expected)})"
        if trace.strength:
            line += f" [{md.text(trace.strength)}]"
        return line
    if trace.op == "use":
        return f"{mark} {md.text(trace.name or trace.expected[0])}"
    if trace.op == "label":
        return f"{mark} the verdict carries {ctx.node(here, trace.expected[0])}"
    head = HEADS.get(trace.op, f"at least {trace.threshold} of")
    return f"{mark} {md.text(trace.name)} ({head})" if trace.name else f"{mark} {head}"


def trace(ctx: Context, here: str, node: Trace, depth: int = 0) -> list[str]:
    """An evaluated condition: ✔ true, ✘ false, ? unknown, as nested bullets."""
    lines = [" " * (STEP * depth) + "- " + trace_line(ctx, here, node)]
    children = node.children
    # a definition shows its own unnamed all/any children directly under it
    if (
        node.op == "use"
        and len(children) == 1
        and children[0].op in ("all", "any")
        and not children[0].name
    ):
        children = children[0].children
    for child in children:
        lines += trace(ctx, here, child, depth + 1)
    return lines
