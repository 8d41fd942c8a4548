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
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from misgen import models
from misgen.evaluation import Row
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


_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _json(value: Any, indent: int | None = None) -> str:
    """Sorted-key JSON; C1 controls, line separators and bidi overrides escaped (same value)."""
    text = json.dumps(
        value,
        ensure_ascii=False,
        sort_keys=True,
        indent=indent,
        separators=(",", ": ") if indent else (",", ":"),
    )
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def jsonl_text(kb: KnowledgeBase, rows: Sequence[Row]) -> str:
    """JSON Lines: one object per case, keys sorted."""
    return "".join(_json(case_record(kb, row)) + "\n" for row in rows)


# --------------------------------------------------------------------------- bibliography


def bibliography(kb: KnowledgeBase) -> list[models.Source]:
    """Every source once, sorted by id (the bibliography, ``taxonomy/sources.yaml``)."""
    return [kb.sources[sid] for sid in sorted(kb.sources)]


_CONFERENCE = re.compile(
    r"\b(NeurIPS|NIPS|ICML|ICLR|AAAI|IJCAI|AIES|KDD|CVPR|ICCV|ECCV|ACL|EMNLP|NAACL|COLM|CoRL|"
    r"GECCO|SAFECOMP|AAMAS|UAI|AISTATS|Conference|Proceedings|Symposium|Workshop)\b"
)
_JOURNAL = re.compile(r"\b(Journal|journal|Nature|Science|Transactions|Letters|Review)\b")
_ONLINE = re.compile(r"\b(blog|Blog|Forum|LessWrong|website|Arbital|repository|system card|post)\b")


def kind_of(src: models.Source) -> str:
    """A coarse publication type from the venue: conference, journal, preprint, online or other."""
    venue = src.venue
    if _CONFERENCE.search(venue):
        return "conference"
    if _JOURNAL.search(venue):
        return "journal"
    if src.arxiv or "arXiv" in venue:
        return "preprint"
    if _ONLINE.search(venue):
        return "online"
    return "other"


_ET_AL = {"et al.", "et al", "others"}
_CORPORATE = re.compile(
    r"[()&,]|\b(team|administration|tribunal|committee|agency|institute|university|company|"
    r"inc|ltd|council|board|authority|department|research|labs?|group|foundation)\b",
    re.IGNORECASE,
)


def is_corporate(name: str) -> bool:
    """A name of an organisation (or a pseudonym) rather than given + family names."""
    return len(name.split()) == 1 or _CORPORATE.search(name) is not None


_BIB_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIB_RE = re.compile(r"[\\{}&%$#_~^]")


def bib_escape(text: str) -> str:
    """Text for a braced BibTeX field: LaTeX specials escaped, white space collapsed."""
    return _BIB_RE.sub(lambda m: _BIB_SPECIAL[m.group()], " ".join(text.split()))


def _bib_url(url: str) -> str:
    """A URL for a verbatim field: braces (which would unbalance the entry) percent-encoded."""
    return url.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def _bib_author(name: str) -> str:
    if name.strip().lower() in _ET_AL:
        return "others"
    escaped = bib_escape(name)
    return "{" + escaped + "}" if is_corporate(name) else escaped


def bibtex_entry(src: models.Source) -> str:
    kind = kind_of(src)
    entry_type = {"conference": "inproceedings", "journal": "article"}.get(kind, "misc")
    fields: list[tuple[str, str]] = [
        ("author", " and ".join(_bib_author(a) for a in src.authors)),
        ("title", "{" + bib_escape(src.title) + "}"),  # inner braces keep the capitalisation
        ("year", str(src.year)),
    ]
    venue_field = {"inproceedings": "booktitle", "article": "journal"}.get(
        entry_type, "howpublished"
    )
    fields.append((venue_field, bib_escape(src.venue)))
    if src.arxiv:
        fields += [("eprint", src.arxiv), ("archiveprefix", "arXiv")]
    if src.doi:
        fields.append(("doi", _bib_url(src.doi)))
    fields.append(("url", _bib_url(src.locator())))
    if src.note or not src.verified:
        note = ("Unverified. " if not src.verified else "") + (src.note or "")
        fields.append(("note", bib_escape(note)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{entry_type}{{{src.id},\n{body}\n}}\n"


def bibtex_text(kb: KnowledgeBase) -> str:
    return "\n".join(bibtex_entry(src) for src in bibliography(kb))


_PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "di",
    "da",
    "del",
    "della",
    "du",
    "la",
    "le",
    "dos",
    "ter",
}


def csl_name(name: str) -> dict[str, str]:
    """A CSL name: ``literal`` for organisations, else given / particle / family."""
    if is_corporate(name):
        return {"literal": " ".join(name.split())}
    parts = name.split()
    cut = len(parts) - 1
    while cut > 1 and parts[cut - 1] in _PARTICLES:
        cut -= 1
    out = {"given": " ".join(parts[:cut]), "family": parts[-1]}
    if cut < len(parts) - 1:
        out["non-dropping-particle"] = " ".join(parts[cut:-1])
    return out


def csl_item(src: models.Source) -> dict[str, Any]:
    csl_type = {
        "conference": "paper-conference",
        "journal": "article-journal",
        "preprint": "article",
        "online": "post-weblog",
    }.get(kind_of(src), "document")
    item: dict[str, Any] = {
        "id": src.id,
        "type": csl_type,
        "title": src.title,
        "author": [csl_name(a) for a in src.authors if a.strip().lower() not in _ET_AL],
        "issued": {"date-parts": [[src.year]]},
        "container-title": src.venue,
        "URL": src.locator(),
    }
    if src.doi:
        item["DOI"] = src.doi
    if src.arxiv:
        item["number"] = f"arXiv:{src.arxiv}"
    if src.note or not src.verified:
        item["note"] = ("Unverified. " if not src.verified else "") + (src.note or "")
    return item


def csl_json_text(kb: KnowledgeBase) -> str:
    return _json([csl_item(src) for src in bibliography(kb)], indent=2) + "\n"


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
