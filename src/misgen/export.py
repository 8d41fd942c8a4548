"""``misgen export``: the case base in the formats other tools read.

Pure functions turn the knowledge base (and its verdicts) into text: CSV and JSON Lines
(one row per case), BibTeX and CSL-JSON (the bibliography, keyed by source id) and a MISP
taxonomy (``machinetag.json``). The SQLite database is built in :mod:`misgen.export_sqlite`.
Only :func:`command` touches files or standard output.

Every format is deterministic: rows in case-id order, columns and keys in a fixed order,
no timestamps, so the same data gives byte-identical output on every run.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from misgen import models
from misgen.evaluation import Row
from misgen.export_bib import bibtex_text, csl_json_text
from misgen.export_bib import safe_json as _json
from misgen.kb import KnowledgeBase
from misgen.problems import UsageError

FORMATS = ("csv", "jsonl", "sqlite", "bibtex", "csl-json", "misp")
BINARY_FORMATS = ("sqlite",)

# --------------------------------------------------------------------------- rows per case


def signal_columns(kb: KnowledgeBase) -> list[str]:
    """Two columns per signal, in taxonomy order: the answer and its strength."""
    return [col for sid in kb.signals for col in (sid, f"{sid}.strength")]


CASE_COLUMNS = (
    "id",
    "title",
    "kind",
    "domain",
    "summary",
    "curated_labels",
    "curated_subtype",
    "classifier_status",
    "classifier_primary",
    "classifier_labels",
    "classifier_possible",
    "classifier_subtype",
    "evidence_grade",
    "policy",
    "agrees",
)


def case_record(kb: KnowledgeBase, row: Row) -> dict[str, Any]:
    """One case as plain data: lists stay lists, absent values are None."""
    case = kb.cases[row.case]
    v = row.verdict
    return {
        "id": case.id,
        "title": case.title,
        "kind": case.kind,
        "domain": case.domain,
        "summary": case.summary,
        "curated_labels": list(case.curated.labels),
        "curated_subtype": case.curated.subtype,
        "classifier_status": v.status,
        "classifier_primary": v.primary,
        "classifier_labels": list(v.labels),
        "classifier_possible": list(v.possible),
        "classifier_subtype": v.subtype,
        "evidence_grade": v.evidence_grade,
        "policy": v.policy,
        "agrees": row.agrees,
        "signals": {
            sid: {
                "answer": case.signals[sid].answer if sid in case.signals else models.UNKNOWN,
                "strength": case.signals[sid].strength if sid in case.signals else None,
            }
            for sid in kb.signals
        },
    }


#: a cell a spreadsheet could read as a formula (or as a control character) starts with one of these
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Defuse CSV formula injection: prefix a cell a spreadsheet would evaluate with ``'``."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return neutralise(str(value))


def csv_text(kb: KnowledgeBase, rows: Sequence[Row]) -> str:
    """RFC 4180 CSV (CRLF line ends, quoted where needed), one row per case."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*CASE_COLUMNS, *signal_columns(kb)])
    for row in rows:
        rec = case_record(kb, row)
        cells = [_cell(rec[col]) for col in CASE_COLUMNS]
        for sid in kb.signals:
            cells += [_cell(rec["signals"][sid]["answer"]), _cell(rec["signals"][sid]["strength"])]
        writer.writerow(cells)
    return out.getvalue()


def jsonl_text(kb: KnowledgeBase, rows: Sequence[Row]) -> str:
    """JSON Lines: one object per case, keys sorted."""
    return "".join(_json(case_record(kb, row)) + "\n" for row in rows)


# --------------------------------------------------------------------------- MISP

MISP_NAMESPACE = "misgen"
#: MISP uses the version to offer updates; bump it when the labels or subtypes change
MISP_VERSION = 1


def misp_taxonomy(kb: KnowledgeBase) -> dict[str, Any]:
    """The labels as MISP predicates and their subtypes as values (``misgen:LABEL="SUBTYPE"``)."""
    refs = sorted(
        {
            kb.sources[sid].locator()
            for lab in kb.labels.values()
            for sid in lab.sources
            if sid in kb.sources
        }
    )
    return {
        "namespace": MISP_NAMESPACE,
        "expanded": "misgen: a taxonomy of AI goal failures",
        "description": (
            "Which AI goal failure a case shows: the labels of the misgen taxonomy as predicates "
            "and their subtypes as values. A label is decided by the answers to misgen's "
            "diagnostic signals (see 'misgen explain LABEL')."
        ),
        "version": MISP_VERSION,
        "refs": refs,
        "predicates": [
            {"value": lab.id, "expanded": lab.name, "description": " ".join(lab.definition.split())}
            for lab in kb.labels.values()
        ],
        "values": [
            {
                "predicate": lab.id,
                "entry": [
                    {
                        "value": sub.id.split(".", 1)[1],
                        "expanded": sub.name,
                        "description": " ".join(sub.definition.split()),
                    }
                    for sub in lab.subtypes
                ],
            }
            for lab in kb.labels.values()
            if lab.subtypes
        ],
    }


def misp_text(kb: KnowledgeBase) -> str:
    return _json(misp_taxonomy(kb), indent=2) + "\n"


# --------------------------------------------------------------------------- the command


def render(fmt: str, kb: KnowledgeBase, rows: Sequence[Row]) -> str:
    """The text of a text format."""
    if fmt == "csv":
        return csv_text(kb, rows)
    if fmt == "jsonl":
        return jsonl_text(kb, rows)
    if fmt == "bibtex":
        return bibtex_text(kb)
    if fmt == "csl-json":
        return csl_json_text(kb)
    if fmt == "misp":
        return misp_text(kb)
    raise ValueError(fmt)


def _needs_rows(fmt: str) -> bool:
    return fmt in ("csv", "jsonl", "sqlite")


def command(
    kb: KnowledgeBase, *, fmt: str, output: str | None, force: bool, policy: str | None = None
) -> int:
    from misgen.output import atomic_write

    target = Path(output) if output else None
    if fmt in BINARY_FORMATS and target is None:
        raise UsageError(f"--format {fmt} writes a binary file: give it with -o FILE")
    rows: list[Row] = []
    if _needs_rows(fmt):
        from misgen.evaluation import classify_all

        rows = classify_all(kb, policy=policy)
    if fmt == "sqlite":
        from misgen.export_sqlite import database_bytes

        assert target is not None
        data: str | bytes = database_bytes(kb, rows)
    else:
        data = render(fmt, kb, rows)
    if target is None:
        _stdout(data if isinstance(data, str) else data.decode("utf-8"))
        return 0
    atomic_write(target, data, force=force)
    print(f"wrote {target}", file=sys.stderr)
    return 0


def _stdout(text: str) -> None:
    """Exactly these bytes on standard output (no newline translation, UTF-8 whatever the locale)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()
