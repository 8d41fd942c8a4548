"""Rich text renderings of verdicts, tables and the taxonomy (the terminal edge)."""

from __future__ import annotations

from typing import Any

from rich.table import Table
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


def _wrapped(text: str, width: int, indent: int, hang: int | None = None) -> list[str]:
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
        for part in _wrapped(clean(text), width, indent, hang) if text else [""]:
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


def cases_list(rows: list[Any], width: int = 80) -> Text:
    """:func:`cases_table` for a narrow terminal: one entry per case, ids never split; a
    disagreement shows both sides."""
    width = max(40, width) - 1
    out = Text("misgen: classifier vs curator (✔ agree, ✘ disagree; [evidence grade])\n", style="bold")
    for r in rows:
        curated = " + ".join(r.curated)
        said = r.verdict.summary()
        text = f"{clean(r.case)}: {said}" if r.agrees else f"{clean(r.case)}: classifier {said}; curator {curated}"
        mark, style = ("✔", "green") if r.agrees else ("✘", "red")
        lines = _wrapped(f"{text} [{r.verdict.evidence_grade}]", width - 2, 0, 4)
        out.append(f"{mark} ", style=style)
        out.append("\n  ".join(lines) + "\n")
    out.rstrip()
    return out


def cases_table(rows: list[Any]) -> Table:
    table = Table(title="misgen: classifier vs curator", show_lines=False)
    for col in ("case", "classifier", "curated", "agrees", "grade"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            clean(r.case),
            r.verdict.summary(),
            " + ".join(r.curated),
            Text("yes", style="green") if r.agrees else Text("NO", style="red"),
            r.verdict.evidence_grade,
        )
    return table


_SHORT = {
    "deceptive-alignment": "DA",
    "reflective-drift": "RD",
    "shard-imbalance": "SI",
    "misspecification": "MS",
    "none": "none",
    "undetermined": "und.",
}


def _figures_row(name: str, f: dict[str, Any]) -> list[str]:
    sub = f["subtypes"]
    return [
        name,
        str(f["cases"]),
        _num(f["primary_accuracy"], 3),
        _num(f["label_set_exact"], 3),
        _num(f["jaccard"], 3),
        f"{sub['agree']}/{sub['disagree']}/{sub['not_given']}",
        str(f["undetermined"]),
    ]


def _figures_table(title: str, rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left")
    for col, justify in (
        ("cases", "left"),
        ("n", "right"),
        ("primary", "right"),
        ("label set", "right"),
        ("Jaccard", "right"),
        ("subtype a/d/ng", "right"),
        ("undet.", "right"),
    ):
        table.add_column(col, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*row)
    return table


def _lines(text: str, indent: int = 4, width: int = 78) -> Text:
    import textwrap

    return Text(
        "\n".join(
            textwrap.wrap(
                clean(text),
                width,
                initial_indent=" " * indent,
                subsequent_indent=" " * indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    )


def eval_tables(rep: dict[str, Any]) -> list[Any]:
    """The agreement report as renderables that fit 80 columns (ids are never split)."""
    out: list[Any] = []
    split = rep["split"]
    out.append(
        _figures_table(
            f"Agreement with the curators, policy {rep['policy']}",
            [
                _figures_row("uncited", split["uncited"]),
                _figures_row("cited", split["cited"]),
                _figures_row("all", rep),
            ],
        )
    )
    out.append(
        _lines(
            "uncited: cases no rule's tests name (the nearest thing to an accuracy); cited: "
            "cases the rules were written against. primary: same primary label; label set: "
            "same set of labels; subtype a/d/ng: agree / disagree / not given by the classifier.",
            0,
        )
    )
    summary = Table(title="Per label (all cases)", title_justify="left")
    for col in ("label", "curated primaries", "precision", "recall"):
        summary.add_column(col, justify="left" if col == "label" else "right", no_wrap=True)
    for lab, count in rep["by_label"].items():
        pl = rep["per_label"][lab]
        summary.add_row(lab, str(count), _num(pl["precision"]), _num(pl["recall"]))
    out.append(summary)
    conf = Table(title="Confusion (rows: curated primary; columns: classifier)", title_justify="left")
    conf.add_column("curated", no_wrap=True)
    cols = list(next(iter(rep["confusion"].values())).keys())
    for c in cols:
        conf.add_column(_SHORT.get(c, c), justify="right", no_wrap=True)
    for cur, row in rep["confusion"].items():
        conf.add_row(cur, *[str(row[c]) if row[c] else "·" for c in cols])
    out.append(conf)
    out.append(Text("  ".join(f"{v}={k}" for k, v in _SHORT.items() if k in cols)))
    if rep["disagreements"]:
        out.append(Text("\nDisagreements (primary label)", style="bold"))
        for d in rep["disagreements"]:
            status = "declared" if d["declared"] else ("STALE" if d["stale"] else "UNDECLARED")
            out.append(Text(f"  {clean(d['case'])} [{status}]"))
            out.append(_lines(f"classifier: {d['classifier']}; curator: {d['curated']}", 6))
            if d["reason"]:
                out.append(_lines(d["reason"], 6))
    if rep.get("differences"):
        out.append(Text("\nSame primary, different label set or subtype", style="bold"))
        for d in rep["differences"]:
            got = " + ".join(d["classifier_labels"]) + (f" ({d['classifier_subtype']})" if d["classifier_subtype"] else "")
            want = " + ".join(d["curated_labels"]) + (f" ({d['curated_subtype']})" if d["curated_subtype"] else "")
            out.append(Text(f"  {clean(d['case'])}"))
            out.append(_lines(f"classifier: {got}; curator: {want}", 6))
    fragile = rep.get("fragile") or []
    if fragile:
        speculative = [f for f in fragile if f["strength"] == "speculative"]
        cases = sorted({f["case"] for f in fragile})
        out.append(
            Text(
                f"\nFragile: {len(cases)} verdicts change primary label if one answer changes; "
                f"{len({f['case'] for f in speculative})} of them hinge on a speculative answer:",
                style="bold",
            )
        )
        for f in speculative:
            to = ", ".join(f"{x['to']} -> {x['primary']}" for x in f["flips"])
            out.append(Text(f"  {clean(f['case'])}"))
            out.append(_lines(f"{f['answer']} = {f['current']} (speculative); {to}", 6))
    return out


def policy_tables(cmp: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    rows = []
    for name, f in cmp["policies"].items():
        rows.append(_figures_row(name + ("*" if name == cmp["default"] else ""), f))
        rows.append(_figures_row("  uncited", f["uncited"]))
    out.append(_figures_table("Each named policy: all cases, then uncited (* default)", rows))
    out.append(Text(f"\n{len(cmp['flips'])} cases change primary label between policies:", style="bold"))
    for flip in cmp["flips"]:
        said = "; ".join(f"{k}: {v}" for k, v in flip["primary"].items())
        out.append(Text(f"  {clean(flip['case'])} (curator: {flip['curated']})"))
        out.append(_lines(said, 6))
    return out


def _num(value: float | None, places: int = 2) -> str:
    return "-" if value is None else f"{value:.{places}f}"
