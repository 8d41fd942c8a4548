"""Rich tables of the case base and of the agreement report (misgen classify --all, eval)."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from misgen.output import clean
from misgen.render import wrapped


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
        lines = wrapped(f"{text} [{r.verdict.evidence_grade}]", width - 2, 0, 4)
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
