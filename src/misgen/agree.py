"""Inter-coder reliability: two codings of the same cases, compared (pure apart from reading).

A *coding* is a folder of case or scenario files (or a single file). Files are matched
across the two codings by their ``id`` (the file stem when the id is absent); a case in
only one coding is reported as unmatched and not scored. Per signal the report gives raw
agreement and Cohen's kappa over the answer categories, where a missing answer counts as
"unknown" and "unknown" is a category like any other. Both codings are also classified
and their verdicts compared: primary-label agreement and the mean Jaccard index of the
label sets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from misgen import models
from misgen.engine import Classifier, Decision, summarize
from misgen.kb import KnowledgeBase
from misgen.problems import InputError, Problem, UsageError

UNKNOWN = models.UNKNOWN


@dataclass(frozen=True)
class Coded:
    """One case as one coder answered it."""

    case: str
    path: str
    answers: dict[str, models.Answer]


# --------------------------------------------------------------------------- reading


def coding_files(source: str) -> list[Path]:
    """The YAML files of a coding: the file itself, or every ``*.yaml``/``*.yml`` under a folder."""
    path = Path(source)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if path.exists():
        return [path]
    raise UsageError(f"{source}: no such file or folder")


def read_coding(source: str, kb: KnowledgeBase) -> dict[str, Coded]:
    """Every case of a coding by id; InputError on a bad file or an id given twice."""
    from misgen.scenario import read_scenario

    coded: dict[str, Coded] = {}
    problems: list[Problem] = []
    for path in coding_files(source):
        display = str(path)
        scenario = read_scenario(display, kb)
        case = scenario.id or path.stem
        if case in coded:
            problems.append(
                Problem(
                    display,
                    None,
                    None,
                    "id",
                    f"case '{case}' is also coded in {coded[case].path}",
                    "give each case once per coding",
                )
            )
            continue
        coded[case] = Coded(case, display, scenario.answers())
    if problems:
        raise InputError(problems)
    return coded


# --------------------------------------------------------------------------- statistics


def match(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """(ids in both, ids only in ``a``, ids only in ``b``), each sorted."""
    return (
        sorted(a.keys() & b.keys()),
        sorted(a.keys() - b.keys()),
        sorted(b.keys() - a.keys()),
    )


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two equally long sequences of categories.

    ``(po - pe) / (1 - pe)``, with ``pe`` from each coder's own marginal distribution.
    None when it is undefined: no items, or ``pe == 1`` (both coders gave one and the same
    category throughout). Computed in integers so that ``pe == 1`` is tested exactly.
    """
    if len(a) != len(b):
        raise ValueError("both codings must rate the same items")
    n = len(a)
    if n == 0:
        return None
    agree = sum(x == y for x, y in zip(a, b, strict=True))
    count_a, count_b = Counter(a), Counter(b)
    chance = sum(count_a[k] * count_b[k] for k in count_a)  # pe * n * n
    if chance == n * n:
        return None
    return (agree * n - chance) / (n * n - chance)


def answer_of(answers: Mapping[str, models.Answer], signal: str) -> str:
    """The answer to ``signal``; a missing one counts as "unknown"."""
    given = answers.get(signal)
    return given.answer if given is not None else UNKNOWN


def signal_stats(a: Sequence[str], b: Sequence[str]) -> dict[str, Any]:
    """n, raw agreement, kappa and the number of items where exactly one side is "unknown"."""
    n = len(a)
    agree = sum(x == y for x, y in zip(a, b, strict=True))
    return {
        "n": n,
        "agreement": _round(agree / n if n else None),
        "kappa": _round(cohen_kappa(a, b)),
        "one_unknown": sum((x == UNKNOWN) != (y == UNKNOWN) for x, y in zip(a, b, strict=True)),
    }


def label_jaccard(first: Sequence[str], second: Sequence[str]) -> float:
    """|A ∩ B| / |A ∪ B| of two label lists; 1.0 when both are empty."""
    union = set(first) | set(second)
    return len(set(first) & set(second)) / len(union) if union else 1.0


def summary(decision: Decision) -> str:
    return summarize(decision.primary, decision.labels, decision.subtype, decision.possible)


def classifier(kb: KnowledgeBase, policy: str | None) -> Classifier:
    """The classifier under ``policy``; UsageError naming the policies if there is none such."""
    try:
        return Classifier.from_kb(kb, policy)
    except KeyError:
        assert kb.policy is not None
        names = ", ".join(p.id for p in kb.policy.policies)
        raise UsageError(f"unknown policy '{policy}'; policies: {names}") from None


def report(
    kb: KnowledgeBase, a: Mapping[str, Coded], b: Mapping[str, Coded], clf: Classifier
) -> dict[str, Any]:
    """The agreement report (the JSON of ``misgen agree``); UsageError if no case matches."""
    both, only_a, only_b = match(a, b)
    if not both:
        raise UsageError("no case id appears in both codings")
    signals = {}
    for sid in kb.signals:
        signals[sid] = signal_stats(
            [answer_of(a[c].answers, sid) for c in both],
            [answer_of(b[c].answers, sid) for c in both],
        )
    defined = [(sid, s["kappa"]) for sid, s in signals.items() if s["kappa"] is not None]
    lowest = min(defined, key=lambda item: item[1]) if defined else None  # first one on a tie
    same_primary = 0
    jaccard = []
    differ = []
    for case in both:
        da, db = clf.decide(a[case].answers), clf.decide(b[case].answers)
        same_primary += da.primary == db.primary
        jaccard.append(label_jaccard(da.labels, db.labels))
        if summary(da) != summary(db):
            differ.append({"case": case, "a": summary(da), "b": summary(db)})
    return {
        "schema_version": 1,
        "cases": len(both),
        "unmatched": {"only_a": only_a, "only_b": only_b},
        "signals": signals,
        "lowest_kappa": {"signal": lowest[0], "kappa": lowest[1]} if lowest else None,
        "verdicts": {
            "primary_agreement": _round(same_primary / len(both)),
            "label_jaccard": _round(sum(jaccard) / len(jaccard)),
            "differ": differ,
        },
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


# --------------------------------------------------------------------------- terminal


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def renderables(rep: dict[str, Any]) -> list[Any]:
    """The text report: a per-signal table (within 80 columns), then the verdict lines."""
    from rich.table import Table

    from misgen.output import clean

    table = Table(title=f"agreement over {rep['cases']} case(s)", title_justify="left")
    table.add_column("signal", no_wrap=True)
    for head in ("n", "agreement", "kappa"):
        table.add_column(head, justify="right", no_wrap=True)
    for sid, s in rep["signals"].items():
        table.add_row(clean(sid), str(s["n"]), _figure(s["agreement"]), _figure(s["kappa"]))
    verdicts = rep["verdicts"]
    lowest = rep["lowest_kappa"]
    lines = [
        f"primary agreement: {_figure(verdicts['primary_agreement'])}",
        f"label Jaccard: {_figure(verdicts['label_jaccard'])}",
        "lowest kappa: "
        + (f"{clean(lowest['signal'])} {_figure(lowest['kappa'])}" if lowest else "n/a"),
    ]
    unmatched = rep["unmatched"]
    for side, ids in (("A", unmatched["only_a"]), ("B", unmatched["only_b"])):
        if ids:
            lines.append(f"only in {side} (not scored): {clean(', '.join(ids))}")
    if verdicts["differ"]:
        lines.append(f"verdicts differ in {len(verdicts['differ'])} case(s):")
        lines += [
            f"  {clean(d['case'])}: {clean(d['a'])} | {clean(d['b'])}" for d in verdicts["differ"]
        ]
    else:
        lines.append("verdicts differ in no case")
    return [table, *lines]
