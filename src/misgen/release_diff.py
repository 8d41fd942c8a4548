"""What changed between two release bundles, and the smallest release the versioning
policy (VERSIONING.md) allows for it."""

from __future__ import annotations

import re
from typing import Any

from misgen.problems import UsageError

#: the verdict proper; a difference in any of these is a changed verdict
VERDICT_FIELDS = ("status", "primary", "labels", "possible", "subtype")
BUMPS = ("none", "patch", "minor", "major")
#: ids that case files, scenarios, JSON consumers and citations refer to: removing one breaks them
STABLE_IDS = (
    "signals",
    "answers",
    "labels",
    "subtypes",
    "rules",
    "policies",
    "cases",
    "frameworks",
    "terms",
)
_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:(?:a|b|rc)[0-9]+)?\Z")

# --------------------------------------------------------------------------- comparing


def ids(bundle: dict[str, Any]) -> dict[str, set[str]]:
    """The ids a bundle defines, by kind (answers as ``signal=answer``, terms as ``framework:term``)."""
    tax = bundle["taxonomy"]
    signals, labels, frameworks = tax["signals"], tax["labels"], tax.get("frameworks", [])
    return {
        "signals": {s["id"] for s in signals},
        "answers": {f"{s['id']}={a}" for s in signals for a in s["answers"]},
        "labels": {lab["id"] for lab in labels},
        "subtypes": {st["id"] for lab in labels for st in lab["subtypes"]},
        "rules": {r["id"] for r in bundle["rules"]["rules"]},
        "definitions": set(bundle["rules"].get("definitions", {})),
        "policies": {p["id"] for p in bundle["policy"]["policies"]},
        "cases": {c["id"] for c in bundle["cases"]},
        "frameworks": {f["id"] for f in frameworks},
        "terms": {f"{f['id']}:{t['id']}" for f in frameworks for t in f["terms"]},
        "relations": {r["id"] for r in tax.get("relations", [])},
        "sources": {s["id"] for s in tax.get("sources", [])},
        "deprecated": {d["id"] for d in tax.get("deprecated", [])},
    }


def coding(case: dict[str, Any]) -> tuple[Any, ...]:
    """What a case says, as opposed to how: its answers and its curated labels."""
    answers = {sid: a.get("answer") for sid, a in case.get("signals", {}).items()}
    curated = case.get("curated", {})
    return answers, curated.get("labels"), curated.get("subtype")


def _recoded(previous: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Cases in both bundles whose answers or curated labels differ."""
    old = {c["id"]: coding(c) for c in previous["cases"]}
    return sorted(
        c["id"] for c in current["cases"] if c["id"] in old and old[c["id"]] != coding(c)
    )


def _content(bundle: dict[str, Any]) -> dict[str, Any]:
    """What a release says, without its own version and change record."""
    return {k: v for k, v in bundle.items() if k not in ("version", "changes")}


def changes(
    previous: dict[str, Any], current: dict[str, Any], previous_sha256: str | None = None
) -> dict[str, Any]:
    """What changed from ``previous`` to ``current``, and the smallest release that allows it."""
    before, after = ids(previous), ids(current)
    added = {kind: sorted(after[kind] - before[kind]) for kind in after}
    removed = {kind: sorted(before[kind] - after[kind]) for kind in after}
    changed = []
    for policy in sorted(set(previous["verdicts"]) & set(current["verdicts"])):
        old, new = previous["verdicts"][policy], current["verdicts"][policy]
        for cid in sorted(set(old) & set(new)):
            fields = [f for f in VERDICT_FIELDS if old[cid].get(f) != new[cid].get(f)]
            if fields:
                changed.append(
                    {
                        "case": cid,
                        "policy": policy,
                        "fields": fields,
                        "before": {f: old[cid].get(f) for f in VERDICT_FIELDS},
                        "after": {f: new[cid].get(f) for f in VERDICT_FIELDS},
                    }
                )
    reasons: list[tuple[str, str]] = []
    if previous.get("format_version") != current["format_version"]:
        reasons.append(
            (
                "major",
                f"the bundle format changed ({previous.get('format_version')} -> {current['format_version']})",
            )
        )
    for kind in STABLE_IDS:
        if removed[kind]:
            reasons.append(("major", f"{kind} removed or renamed: {', '.join(removed[kind])}"))
    if previous["policy"].get("default") != current["policy"]["default"]:
        reasons.append(
            (
                "major",
                f"the default policy changed ({previous['policy'].get('default')} -> {current['policy']['default']})",
            )
        )
    for kind, found in removed.items():
        if found and kind not in STABLE_IDS:
            reasons.append(("minor", f"{kind} removed: {', '.join(found)}"))
    for kind, found in added.items():
        if found:
            reasons.append(("minor", f"{kind} added: {', '.join(found)}"))
    recoded = _recoded(previous, current)
    if recoded:
        reasons.append(("minor", f"answers or curated labels changed: {', '.join(recoded)}"))
    if changed:
        reasons.append(
            (
                "minor",
                f"{len(changed)} verdict(s) of existing cases changed: {', '.join(sorted({c['case'] for c in changed}))}",
            )
        )
    if not reasons and _content(previous) != _content(current):
        reasons.append(("patch", "data or wording changed; no id and no verdict changed"))
    required = max((level for level, _ in reasons), key=BUMPS.index, default="none")
    return {
        "previous": {"version": previous.get("version"), "sha256": previous_sha256},
        "required_bump": required,
        "reasons": [text for _, text in reasons],
        "cases_added": added["cases"],
        "cases_removed": removed["cases"],
        "verdicts_changed": changed,
        "ids_added": {k: v for k, v in added.items() if v},
        "ids_removed": {k: v for k, v in removed.items() if v},
    }


def parse_version(text: str) -> tuple[int, int, int]:
    match = _VERSION.match(text)
    if not match:
        raise UsageError(
            f"'{text}' is not a release version: use MAJOR.MINOR.PATCH, optionally with a pre-release "
            "suffix (a1, b2, rc1), e.g. 0.2.0 or 1.0.0rc1"
        )
    return int(match[1]), int(match[2]), int(match[3])


def bump_between(old: str, new: str) -> str:
    """The release step from ``old`` to ``new``: none, patch, minor or major (UsageError if lower)."""
    a, b = parse_version(old), parse_version(new)
    if b < a:
        raise UsageError(f"version {new} is lower than the previous release {old}")
    if b[0] > a[0]:
        return "major"
    if b[1] > a[1]:
        return "minor"
    if b[2] > a[2]:
        return "patch"
    return "none"


def allows(old: str, step: str, required: str) -> bool:
    """Whether a ``step`` from version ``old`` is enough for changes that need ``required``.

    Before 1.0.0 (major version 0) a change that needs a major release is released as a
    minor one, as semantic versioning allows for 0.y.z.
    """
    if required == "major" and parse_version(old)[0] == 0:
        required = "minor"
    return BUMPS.index(step) >= BUMPS.index(required)
