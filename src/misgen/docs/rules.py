"""Pages for the rule base: an index and one page per rule."""

from __future__ import annotations

from misgen import models
from misgen.docs import context as paths
from misgen.docs import md
from misgen.docs.conditions import condition
from misgen.docs.context import Context


def rules_index(ctx: Context) -> str:
    here = paths.RULES
    rows = []
    for rule in ctx.kb.rules:
        rows.append(
            [
                ctx.rule(here, rule.id),
                ctx.label(here, rule.label),
                md.text(rule.role),
                str(len(ctx.fired_on.get(rule.id, []))),
                md.text(rule.message),
            ]
        )
    policy = ctx.kb.policy
    combine = []
    if policy is not None:
        none = ctx.label(here, policy.not_a_goal_failure)
        combine = [
            "## How fired rules combine",
            "",
            "- A label **holds** when one of its rules of role `primary` fires (those rules are its definition in signal terms). "
            "Every label that holds is reported; precedence only orders them.",
            "- A label with only `secondary` support is listed as **possible**, never as a label of the verdict.",
            f"- {none} holds only when one of its rules fires and every primary rule of every goal label is definitely "
            "silent (false, not unknown); otherwise the verdict is undetermined with it listed as possible.",
            "- When no label holds the status is `undetermined`, with the possible labels and the deciding questions.",
            "- The subtype comes from the first fired primary rule of the primary label that names one.",
            "- The evidence grade is the weakest strength among the answers that made the primary rule true: "
            + " > ".join(md.code(g) for g in policy.grade_order)
            + ".",
            "",
            "## Policies: what the primary label means",
            "",
        ]
        combine += _derivation(ctx, here)
        for named in policy.policies:
            default = " (default)" if named.id == policy.default else ""
            combine += [
                f"### {md.text(named.id)}{default}",
                "",
                f"**Question:** {md.text(named.question)}",
                "",
                md.text(named.rationale),
                "",
                "Order: " + " → ".join(ctx.label(here, x) for x in named.precedence) + ".",
                "",
            ]
    return md.page(
        "Rules",
        [
            (
                "The classifier is a small set of rules over the signal answers, evaluated in three-valued logic: "
                "an `unknown` answer is neither yes nor no, so it can leave a rule undecided but never makes it "
                "fire. A rule fires when its condition is true and its exception is not."
            ),
        ],
        md.table(["rule", "label", "role", "fires on", "message"], rows, ["l", "l", "l", "r", "l"]),
        combine,
    )


def _derivation(ctx: Context, here: str) -> list[str]:
    """Each goal label's necessary conditions, in words and in signal terms, and its rules."""
    from misgen.conditions import condition_text

    out = [
        "## Derivation: from definitions to rules",
        "",
        "Each goal label states its necessary conditions in `taxonomy/labels.yaml`, in words and "
        "in signal terms. Its rules of role `primary` are exactly those conditions: the label holds "
        "when all are true, and never while one is false (checked by `tests/test_derivation.py` on "
        "generated answers and on every case). Rules of role `secondary` are single indicators and "
        "only make a label possible.",
        "",
    ]
    for label in ctx.kb.labels.values():
        if not label.goal_failure:
            continue
        rules = [r for r in ctx.kb.rules if r.label == label.id]
        out += [f"### {ctx.label(here, label.id, name=True)}", ""]
        for cond in label.necessary_conditions:
            if isinstance(cond, str):
                out.append(f"- {md.text(cond)}")
                continue
            line = f"- {md.text(cond.text)} In signals: {md.code(condition_text(cond.signals))}."
            if cond.weakened:
                line += f" *Weakened:* {md.text(cond.weakened)}"
            out.append(line)
        out += [
            "",
            "Rules: "
            + ", ".join(f"{ctx.rule(here, r.id)} ({md.text(r.role)})" for r in rules)
            + ".",
            "",
        ]
    return out


def _subtype(ctx: Context, here: str, rule: models.Rule) -> list[str]:
    if rule.subtype:
        return ["## Subtype", "", f"Always {ctx.node(here, rule.subtype)}."]
    if rule.subtype_by:
        rows = [
            [md.code(answer), ctx.node(here, sub)]
            for answer, sub in sorted(rule.subtype_by.map.items())
        ]
        return [
            "## Subtype",
            "",
            f"Chosen by the answer to {ctx.signal(here, rule.subtype_by.signal)}:",
            "",
            *md.table(["answer", "subtype"], rows),
        ]
    return []


def _tests(ctx: Context, here: str, rule: models.Rule) -> list[str]:
    fired = set(ctx.fired_on.get(rule.id, []))
    rows = []
    for expect, cases in (("fires", rule.tests.fires_on), ("stays silent", rule.tests.silent_on)):
        for cid in cases:
            got = cid in fired
            ok = got == (expect == "fires")
            rows.append(
                [
                    ctx.case(here, cid),
                    md.code(cid),
                    expect,
                    "fires" if got else "silent",
                    md.MARK[ok],
                ]
            )
    return [
        "## Test cases",
        "",
        (
            "Cases the rule must fire on and stay silent on, checked against its current verdicts "
            "(a rule fires when its condition holds, before labels are combined)."
        ),
        "",
        *md.table(["case", "id", "expected", "now", "ok"], rows),
    ]


def rule_page(ctx: Context, rule: models.Rule) -> str:
    here = paths.rule_page(rule.id)
    fired = ctx.fired_on.get(rule.id, [])
    head = f"Assigns {ctx.label(here, rule.label, name=True)} as a **{md.text(rule.role)}** label · {ctx.to(here, paths.RULES, 'all rules')}"
    unless = (
        [
            "## Unless",
            "",
            "The rule does not fire when this is true:",
            "",
            *condition(ctx, here, rule.unless),
        ]
        if rule.unless
        else []
    )
    return md.page(
        md.code(rule.id),
        [head],
        ["## Message", "", md.text(rule.message)],
        ["## When", "", *condition(ctx, here, rule.when)],
        unless,
        _subtype(ctx, here, rule),
        ["## Limitations", "", *md.bullets(md.text(x) for x in rule.limitations)],
        _tests(ctx, here, rule),
        [
            "## Fires on",
            "",
            f"{len(fired)} case(s) in the case base:",
            "",
            *(md.bullets(ctx.case(here, c) for c in fired) or ["None."]),
        ],
        ["## Sources", "", *ctx.sources(here, list(rule.sources))],
    )
