"""Release bundles: one deterministic JSON file per version (``misgen release``).

A bundle holds everything a release says: the taxonomy, the rules, the policy, the case
base and the classifier's verdicts on every case under every named policy, plus the
licences. It is canonical JSON (keys sorted, two-space indent, UTF-8, one trailing
newline) built only from the parsed data: no timestamps, no paths, no host names, so the
same data and the same misgen build the same bytes, wherever they are checked out. Its
SHA-256 goes into a ``FILE.sha256`` file beside it (``sha256sum -c`` reads it).

With ``--previous FILE`` (the bundle of the last release) the bundle also records what
changed since then: cases added and removed, every verdict that changed (by case id and
policy), the ids added and removed, and the smallest release the versioning policy
(VERSIONING.md) allows for those changes. misgen refuses to write a bundle whose version is
too small a step from the previous one: a changed verdict needs at least a minor release.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any, cast

from misgen.kb import KnowledgeBase
from misgen.problems import UsageError
from misgen.release_diff import (
    allows,
    bump_between,
    changes,
    coding,
    ids,
    parse_version,
)

FORMAT = "misgen-release-bundle"
#: bumped, as a major release, when the bundle's layout changes incompatibly
FORMAT_VERSION = 1
SCHEMA_VERSION = 1  # of the --format json summary
LICENCES = {"code": "MIT", "data": "CC-BY-4.0"}
MAX_PREVIOUS_BYTES = 256 * 1024 * 1024
_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


# --------------------------------------------------------------------------- building


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def verdict_record(verdict: Any) -> dict[str, Any]:
    return {
        "status": verdict.status,
        "primary": verdict.primary,
        "labels": list(verdict.labels),
        "possible": list(verdict.possible),
        "subtype": verdict.subtype,
        "evidence_grade": verdict.evidence_grade,
        "fired": [f.rule for f in verdict.fired],
        "caveats": [cid for cid, _ in verdict.caveats],
    }


def build(
    kb: KnowledgeBase,
    version: str,
    previous: dict[str, Any] | None = None,
    previous_sha256: str | None = None,
) -> dict[str, Any]:
    """The bundle for ``kb`` as plain data (see :func:`canonical` for its bytes)."""
    from misgen.evaluation import classify_all

    assert kb.policy is not None
    verdicts = {
        named.id: {
            row.case: verdict_record(row.verdict) for row in classify_all(kb, policy=named.id)
        }
        for named in kb.policy.policies
    }
    files = data_files(kb)
    bundle: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": "misgen",
        "version": version,
        "licences": dict(LICENCES),
        "taxonomy": {
            key: data for key, (rel, data) in files.items() if rel.startswith("taxonomy/")
        },
        "rules": files["rules"][1],
        "policy": files["policy"][1],
        "cases": [_dump(kb.cases[cid]) for cid in sorted(kb.cases)],
        "verdicts": verdicts,
        "changes": None,
    }
    if previous is not None:
        bundle["changes"] = changes(previous, bundle, previous_sha256)
    return bundle


def data_files(kb: KnowledgeBase) -> dict[str, tuple[str, Any]]:
    """Every taxonomy and classifier file of the data root, parsed and validated as misgen
    reads it: key -> (relative path, data). A file holding one list under its own key
    (``signals: [...]``) gives that list."""
    from misgen.kb import TAXONOMY_FILES
    from misgen.loading import load_model
    from misgen.problems import InputError

    out: dict[str, tuple[str, Any]] = {}
    for key, (rel, model) in TAXONOMY_FILES.items():
        obj, _, problems = load_model(kb.root / rel, cast(Any, model), rel)
        if obj is None or problems:  # changed on disk since the knowledge base was loaded
            raise InputError(problems)
        data = _dump(obj)
        out[key] = (rel, data[key] if isinstance(data, dict) and list(data) == [key] else data)
    return out


def canonical(bundle: dict[str, Any]) -> bytes:
    """Canonical JSON bytes: sorted keys, 2-space indent, UTF-8, a final newline.

    C1 controls, line/paragraph separators and bidi overrides are written as ``\\u``
    escapes (the same JSON value), so the file is safe to print in a terminal.
    """
    text = json.dumps(bundle, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    text = _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return (text + "\n").encode("utf-8")


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


# --------------------------------------------------------------------------- files


def read_bundle(path: Path) -> tuple[dict[str, Any], str]:
    """A previous bundle and its SHA-256; UsageError for anything that is not one."""
    name = str(path)
    if not path.exists():
        raise UsageError(f"{name}: no such file (--previous names the bundle of the last release)")
    if not path.is_file():
        raise UsageError(f"{name}: not a regular file (--previous names a bundle file)")
    with path.open("rb") as handle:
        raw = handle.read(MAX_PREVIOUS_BYTES + 1)
    if len(raw) > MAX_PREVIOUS_BYTES:
        raise UsageError(f"{name}: over {MAX_PREVIOUS_BYTES:,} bytes; not a misgen release bundle")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UsageError(f"{name}: not a misgen release bundle (not JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f'{name}: not a misgen release bundle (no "format": "{FORMAT}")')
    try:
        ids(data)
        if not isinstance(data["verdicts"], dict) or not isinstance(data["version"], str):
            raise TypeError("verdicts or version")
        for case in data["cases"]:
            coding(case)
        for by_case in data["verdicts"].values():
            for record in by_case.values():
                record.get("status")
    except (KeyError, TypeError, AttributeError) as exc:
        raise UsageError(
            f"{name}: a damaged misgen release bundle (missing or malformed {exc})"
        ) from None
    return data, sha256(raw)


def _refuse_package(path: Path) -> None:
    """Never write into the installed package (its code, or the data bundled with it)."""
    from misgen.kb import inside
    from misgen.root import refuse_bundled

    package = Path(__file__).resolve().parent
    for folder in (path.parent, *path.parent.parents):
        refuse_bundled(folder, "release bundles", "Pass -o PATH outside the installed package")
    if inside(path, package):
        raise UsageError(
            f"{path} is inside the misgen package ({package}); misgen never writes release "
            "bundles there. Pass -o PATH outside it (e.g. dist/misgen-VERSION.json)"
        )


# --------------------------------------------------------------------------- command


def command(
    kb: KnowledgeBase,
    *,
    output: str,
    release_version: str | None,
    previous: str | None,
    force: bool,
    fmt: str,
) -> int:
    from misgen import __version__
    from misgen.exits import EXIT_OK, EXIT_PROBLEMS
    from misgen.output import atomic_write, clean, dump_json

    version = release_version or __version__
    parse_version(version)
    out = Path(output)
    if out.is_dir():
        raise UsageError(
            f"{out} is a folder; -o names the bundle file to write (e.g. {out / f'misgen-{version}.json'})"
        )
    _refuse_package(out)
    side = out.with_name(out.name + ".sha256")
    for path in (out, side):
        if (path.exists() or path.is_symlink()) and not force:
            raise UsageError(f"{path} exists; pass --force to overwrite it")
    before, before_sha = (None, None)
    if previous:
        before, before_sha = read_bundle(Path(previous))
    bundle = build(kb, version, before, before_sha)
    delta = bundle["changes"]
    if delta is not None:
        old = str(delta["previous"]["version"])
        step = bump_between(old, version)
        if not allows(old, step, delta["required_bump"]):
            print(
                f"misgen: version {clean(version)} is a '{step}' step from {clean(old)}, but the changes "
                f"since then need at least a {delta['required_bump']} release (VERSIONING.md):",
                file=sys.stderr,
            )
            for reason in delta["reasons"]:
                print(f"  - {clean(reason)}", file=sys.stderr)
            print(
                "nothing was written; bump the version (pyproject.toml, misgen/__init__.py, CITATION.cff) or pass --release-version",
                file=sys.stderr,
            )
            return EXIT_PROBLEMS
    raw = canonical(bundle)
    digest = sha256(raw)
    atomic_write(out, raw, force=force)
    atomic_write(side, f"{digest}  {out.name}\n", force=force)
    if fmt == "json":
        dump_json(
            {
                "schema_version": SCHEMA_VERSION,
                "path": str(out),
                "version": version,
                "bytes": len(raw),
                "sha256": digest,
                "cases": len(bundle["cases"]),
                "policies": sorted(bundle["verdicts"]),
                "changes": delta,
            }
        )
        return EXIT_OK
    print(
        f"wrote {clean(out)} ({len(raw):,} bytes): misgen {clean(version)}, {len(bundle['cases'])} cases, "
        f"verdicts under {len(bundle['verdicts'])} policies"
    )
    print(f"sha256 {digest}  (also in {clean(side)})")
    if delta is not None:
        print(
            f"since {clean(delta['previous']['version'])}: {len(delta['verdicts_changed'])} verdict(s) changed, "
            f"{len(delta['cases_added'])} case(s) added, {len(delta['cases_removed'])} removed; "
            f"needs at least a {delta['required_bump']} release"
        )
        for c in delta["verdicts_changed"]:
            was, now = c["before"], c["after"]
            print(
                f"  {clean(c['case'])} [{clean(c['policy'])}]: {_summary(was)} -> {_summary(now)}"
            )
    return EXIT_OK


def _summary(record: dict[str, Any]) -> str:
    from misgen.engine import summarize
    from misgen.output import clean

    return clean(
        summarize(
            record["primary"], tuple(record["labels"]), record["subtype"], tuple(record["possible"])
        )
    )
