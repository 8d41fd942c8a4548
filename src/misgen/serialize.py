"""Verdicts and traces as plain JSON-ready data (the ``--format json`` contract)."""

from __future__ import annotations

from typing import Any

from misgen.engine import Trace, Verdict

SCHEMA_VERSION = 1


def trace_dict(trace: Trace) -> dict[str, Any]:
    out: dict[str, Any] = {"op": trace.op, "value": trace.value}
    if trace.name:
        out["name"] = trace.name
    if trace.signal:
        out.update(
            signal=trace.signal,
            expected=list(trace.expected),
            actual=trace.actual,
            strength=trace.strength,
        )
    elif trace.op in ("use", "label"):
        out["ref"] = trace.expected[0]
    if trace.threshold is not None:
        out["at_least"] = trace.threshold
    if trace.children:
        out["children"] = [trace_dict(c) for c in trace.children]
    return out


def verdict_dict(verdict: Verdict) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "case": verdict.case,
        "status": verdict.status,
        "primary": verdict.primary,
        "labels": list(verdict.labels),
        "possible": list(verdict.possible),
        "policy": verdict.policy,
        "subtype": verdict.subtype,
        "evidence_grade": verdict.evidence_grade,
        "caveats": [{"id": cid, "message": message} for cid, message in verdict.caveats],
        "fired": [
            {
                "rule": f.rule,
                "label": f.label,
                "role": f.role,
                "subtype": f.subtype,
                "grade": f.grade,
                "when": trace_dict(f.trace),
                "unless": trace_dict(f.unless) if f.unless else None,
            }
            for f in verdict.fired
        ],
        "near_misses": [
            {
                "rule": n.rule,
                "label": n.label,
                "signal": n.signal,
                "current": n.current,
                "needed": n.needed,
            }
            for n in verdict.near_misses
        ],
        "questions": [
            {
                "signal": q.signal,
                "question": q.question,
                "impact": q.impact,
                "outcomes": {answer: result for answer, result in q.outcomes},
            }
            for q in verdict.questions
        ],
        "perspectives": {
            p.framework: {
                "name": p.name,
                "applicable": p.applicable,
                "terms": list(p.terms),
                "possible": list(p.possible),
            }
            for p in verdict.perspectives
        },
    }
