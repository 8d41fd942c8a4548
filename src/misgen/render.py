"""Rich text renderings of verdicts, tables and the taxonomy (the terminal edge)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from rich.tree import Tree

from misgen.engine import Trace, Verdict
from misgen.output import clean

MARK = {True: ("✔", "green"), False: ("✘", "red"), None: ("?", "yellow")}


def trace_text(trace: Trace) -> Text:
    mark, style = MARK[trace.value]
    text = Text(f"{mark} ", style=style)
    if trace.signal:
        want = " or ".join(trace.expected)
        desc = clean(trace.name) + ": " if trace.name else ""
        text.append(f"{desc}{trace.signal} = {trace.actual}")
        if trace.value is not True:
            text.append(f" (needs {want})", style="dim")
        if trace.strength:
            text.append(f" [{trace.strength}]", style="dim")
    elif trace.op == "use":
        text.append(clean(trace.name or trace.expected[0]))
    elif trace.op == "label":
        text.append(f"verdict carries {trace.expected[0]}")
    else:
        head = {
            "all": "all of",
            "any": "any of",
            "not": "not",
            "at-least": f"at least {trace.threshold} of",
        }[trace.op]
        text.append(f"{clean(trace.name)} ({head})" if trace.name else head)
    return text


def add_trace(parent: Tree, trace: Trace) -> None:
    node = parent.add(trace_text(trace))
    children = trace.children
    # a `use` node shows the definition's own children directly under it
    if (
        trace.op == "use"
        and len(children) == 1
        and children[0].op in ("all", "any")
        and not children[0].name
    ):
        children = children[0].children
    for child in children:
        add_trace(node, child)


def verdict_tree(verdict: Verdict, title: str | None = None) -> Tree:
    head = Text(clean(verdict.case or "scenario"), style="bold")
    head.append("  →  ")
    head.append(verdict.summary(), style="bold cyan" if verdict.primary else "bold yellow")
    head.append(
        f"   [{verdict.status}; evidence: {verdict.evidence_grade}; policy: {verdict.policy}]",
        style="dim",
    )
    tree = Tree(head)
    if title:
        tree.add(Text(clean(title), style="italic"))
    for fired in verdict.fired:
        sub = f" → {fired.subtype}" if fired.subtype else ""
        role = "label holds" if fired.role == "primary" else "indicator only: label possible"
        branch = tree.add(Text(f"rule {fired.rule} ({role}){sub}", style="bold"))
        add_trace(branch, fired.trace)
        if fired.unless is not None and fired.unless.value is None:
            add_trace(
                branch.add(Text("unless (unknown, so it does not block):", style="dim")),
                fired.unless,
            )
    if not verdict.fired:
        tree.add(Text("no rule fired", style="yellow"))
    if verdict.possible:
        tree.add(
            Text(
                "possible, not established: " + ", ".join(verdict.possible)
                + " (see the questions below)",
                style="yellow",
            )
        )
    for _cid, message in verdict.caveats:
        tree.add(Text("caveat: " + clean(message), style="yellow"))
    if verdict.near_misses:
        near = tree.add(Text("near misses (one answer away)", style="bold"))
        for n in verdict.near_misses:
            near.add(Text(f"{n.rule} needs {n.signal} = {n.needed} (case says {n.current})"))
    if verdict.questions:
        qs = tree.add(Text("questions that could change the verdict", style="bold"))
        for q in verdict.questions[:6]:
            node = qs.add(Text(f"{q.signal}: {clean(q.question)}"))
            for answer, result in q.outcomes:
                node.add(Text(f"{answer} → {result}", style="dim"))
    if verdict.perspectives:
        ps = tree.add(Text("perspectives", style="bold"))
        for p in verdict.perspectives:
            line = Text(f"{clean(p.name)}: ")
            if not p.applicable:
                line.append("not applicable to this kind of system", style="dim")
                ps.add(line)
                continue
            line.append(
                ", ".join(p.terms) if p.terms else "no term applies",
                style="cyan" if p.terms else "dim",
            )
            if p.possible:
                line.append(f" (possibly: {', '.join(p.possible)})", style="dim")
            ps.add(line)
    return tree


#: what each evidence grade means, for the one line that explains the verdict's grade
GRADE_MEANING = {
    "measured": "every answer the deciding rule rests on was measured",
    "inferred": "the weakest answer the deciding rule rests on is inferred",
    "speculative": "the deciding rule rests on a speculative answer",
    "unstated": "an answer the deciding rule rests on gives no strength",
    "none": "no rule decided a label",
}
NEAR_MISSES_SHOWN, QUESTIONS_SHOWN = 4, 3


def wrapped(text: str, width: int, indent: int, hang: int | None = None) -> list[str]:
    import textwrap

    return textwrap.wrap(
        text,
        max(20, width),
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent if hang is None else hang),
        break_long_words=False,
        break_on_hyphens=False,
    ) or [" " * indent]


def supporting_answers(fired: Any) -> list[tuple[str, str, str | None, bool]]:
    """(signal, answer, strength, negated) for each answer that made the rule's ``when`` true,
    in trace order, each signal once. ``negated``: it counts because it is *not* the answer
    a ``not`` names."""
    out: list[tuple[str, str, str | None, bool]] = []
    seen: set[str] = set()

    def walk(trace: Trace, negated: bool) -> None:
        if trace.op in ("is", "in"):
            if trace.value is (not negated) and trace.signal and trace.signal not in seen:
                seen.add(trace.signal)
                out.append((trace.signal, str(trace.actual), trace.strength, negated))
            return
        for child in trace.children:
            walk(child, negated ^ (trace.op == "not"))

    walk(fired.trace, False)
    return out


def _either(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _strength(answer: str, strength: str | None) -> str:
    if strength:
        return f" [{strength}]"
    return "" if answer == "not-applicable" else " [no strength given]"


def compact_verdict(verdict: Verdict, title: str | None = None, width: int = 80) -> Text:
    """The verdict in a screenful: labels, status, policy, the rule that decided the primary
    label with the answers it rests on, other fired rules, possible labels, caveats, near
    misses and the top questions. ``--trace`` shows the full tree (:func:`verdict_tree`)."""
    width = max(40, min(width, 100)) - 1
    out = Text()

    def line(text: str = "", style: str = "", indent: int = 0, hang: int | None = None) -> None:
        for part in wrapped(clean(text), width, indent, hang) if text else [""]:
            out.append(part + "\n", style=style)

    head = Text(clean(verdict.case or "scenario"), style="bold")
    head.append(" → ")
    head.append(
        verdict.summary() if verdict.primary else "undetermined",
        style="bold cyan" if verdict.primary else "bold yellow",
    )
    out.append_text(head)
    out.append("\n")
    if title:
        line(title, "italic", 2)
    line(
        f"status: {verdict.status} · evidence: {verdict.evidence_grade} · policy: {verdict.policy}",
        "dim",
        2,
    )
    deciding = [f for f in verdict.fired if f.label == verdict.primary and f.role == "primary"]
    if deciding:
        first = deciding[0]
        line()
        line(f"decided by rule {first.rule}, because:", "bold")
        answers = supporting_answers(first)
        for signal, answer, strength, negated in answers:
            if negated:
                continue
            out.append("  ✔ ", style="green")
            out.append(f"{clean(signal)} = {clean(answer)}")
            out.append(_strength(answer, strength) + "\n", style="dim")
        blockers = [a for a in answers if a[3]]
        if blockers:
            line("and what would rule it out does not hold:", "", 2)
            for signal, answer, strength, _negated in blockers:
                out.append("  ✘ ", style="red")
                out.append(f"{clean(signal)} = {clean(answer)}")
                out.append(_strength(answer, strength) + "\n", style="dim")
        if verdict.evidence_grade in GRADE_MEANING:
            line(f"evidence {verdict.evidence_grade}: {GRADE_MEANING[verdict.evidence_grade]}", "dim", 2)
        if first.unless is not None and first.unless.value is None:
            line("its 'unless' is unknown, so it does not block (see --trace)", "dim", 2)
    elif not verdict.fired:
        line()
        line("no rule fired", "yellow")
    others = [f for f in verdict.fired if not deciding or f is not deciding[0]]
    if others:
        line()
        line("also fired:", "bold")
        for f in others:
            role = "label holds" if f.role == "primary" else "indicator only: label possible"
            line(f"{f.rule} ({role})", "", 2, 4)
    if verdict.possible or verdict.caveats:
        line()
    if verdict.possible:
        line(f"possible, not established: {', '.join(verdict.possible)}", "yellow")
    for _cid, message in verdict.caveats:
        line("caveat: " + message, "yellow", 0, 2)
    if verdict.near_misses:
        line()
        line("near misses (one answer away):", "bold")
        grouped: dict[str, dict[tuple[str, str], list[str]]] = {}
        for n in verdict.near_misses:
            grouped.setdefault(n.rule, {}).setdefault((n.needed, n.current), []).append(n.signal)
        for rule, needs in list(grouped.items())[:NEAR_MISSES_SHOWN]:
            alternatives = [
                f"{_either(signals)} = {needed} (now {current})"
                for (needed, current), signals in needs.items()
            ]
            line(f"{rule} if {' or '.join(alternatives)}", "", 2, 4)
        more = len(grouped) - NEAR_MISSES_SHOWN
        if more > 0:
            line(f"(+{more} more: --trace)", "dim", 2)
    if verdict.questions:
        line()
        shown = verdict.questions[:QUESTIONS_SHOWN]
        line(
            f"questions that could change the verdict (top {len(shown)} of {len(verdict.questions)}):",
            "bold",
        )
        for i, q in enumerate(shown, 1):
            line(f"{i}. {q.signal}: {q.question}", "", 2, 5)
            for answer, result in q.outcomes:
                line(f"{answer} → {result}", "dim", 5, 7)
    line()
    line("full rule trees and the frameworks' perspectives: add --trace", "dim")
    out.rstrip()
    return out
