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
    head.append(f"   [{verdict.status}; evidence: {verdict.evidence_grade}]", style="dim")
    tree = Tree(head)
    if title:
        tree.add(Text(clean(title), style="italic"))
    for fired in verdict.fired:
        sub = f" → {fired.subtype}" if fired.subtype else ""
        branch = tree.add(Text(f"rule {fired.rule} ({fired.role}){sub}", style="bold"))
        add_trace(branch, fired.trace)
        if fired.unless is not None:
            add_trace(
                branch.add(Text("unless (not true, so it does not block):", style="dim")),
                fired.unless,
            )
    if not verdict.fired:
        tree.add(Text("no rule fired", style="yellow"))
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
            line.append(
                ", ".join(p.terms) if p.terms else "no term applies",
                style="cyan" if p.terms else "dim",
            )
            if p.possible:
                line.append(f" (possibly: {', '.join(p.possible)})", style="dim")
            ps.add(line)
    return tree


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


def eval_tables(rep: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    summary = Table(title=f"Agreement on {rep['cases']} cases")
    summary.add_column("label")
    summary.add_column("curated primaries", justify="right")
    summary.add_column("precision", justify="right")
    summary.add_column("recall", justify="right")
    for lab, count in rep["by_label"].items():
        pl = rep["per_label"][lab]
        summary.add_row(lab, str(count), _num(pl["precision"]), _num(pl["recall"]))
    out.append(summary)
    out.append(
        Text(
            f"primary-label accuracy {rep['primary_accuracy']:.3f}   mean multi-label Jaccard {rep['jaccard']:.3f}"
        )
    )
    conf = Table(title="Confusion (rows: curated primary; columns: classifier primary)")
    conf.add_column("curated \\ classifier")
    cols = list(next(iter(rep["confusion"].values())).keys())
    for c in cols:
        conf.add_column(c, justify="right")
    for cur, row in rep["confusion"].items():
        conf.add_row(cur, *[str(row[c]) if row[c] else "·" for c in cols])
    out.append(conf)
    if rep["disagreements"]:
        dis = Table(title="Disagreements", show_lines=True)
        for col in ("case", "classifier", "curated", "declared", "reason"):
            dis.add_column(col, overflow="fold")
        for d in rep["disagreements"]:
            status = "yes" if d["declared"] else ("STALE" if d["stale"] else "NO")
            dis.add_row(
                clean(d["case"]), d["classifier"], d["curated"], status, clean(d["reason"] or "-")
            )
        out.append(dis)
    return out


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
