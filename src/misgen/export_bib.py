"""The bibliography as BibTeX and CSL-JSON, keyed by source id (``misgen export``)."""

from __future__ import annotations

import json
import re
from typing import Any

from misgen import models
from misgen.kb import KnowledgeBase

_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def safe_json(value: Any, indent: int | None = None) -> str:
    """Sorted-key JSON; C1 controls, line separators and bidi overrides escaped (same value)."""
    text = json.dumps(
        value,
        ensure_ascii=False,
        sort_keys=True,
        indent=indent,
        separators=(",", ": ") if indent else (",", ":"),
    )
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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
    return safe_json([csl_item(src) for src in bibliography(kb)], indent=2) + "\n"
