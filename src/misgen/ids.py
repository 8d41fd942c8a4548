"""The id grammar: the single owner of every identifier pattern in misgen.

Ids are ASCII on purpose: ``\\d`` and ``\\w`` match non-ASCII digits and letters in some
regex dialects, so patterns spell out ``[a-z0-9]``. Uniqueness is checked on the
NFKC-casefolded form so that ids differing only in case or by Unicode look-alikes collide.
"""

from __future__ import annotations

import re
import unicodedata

SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
MAX_ID_LENGTH = 64

#: case, signal, label, source, framework and relation ids
SLUG_RE = re.compile(rf"\A{SLUG}\Z")
#: subtype ids: ``label.subtype``
SUBTYPE_RE = re.compile(rf"\A{SLUG}\.{SLUG}\Z")
#: rule ids: ``label/rule-name``
RULE_RE = re.compile(rf"\A{SLUG}/{SLUG}\Z")
#: framework term ids: ``framework:term``
TERM_RE = re.compile(rf"\A{SLUG}:{SLUG}\Z")

SLUG_PATTERN = rf"^{SLUG}$"
SUBTYPE_PATTERN = rf"^{SLUG}\.{SLUG}$"
RULE_PATTERN = rf"^{SLUG}/{SLUG}$"
TERM_PATTERN = rf"^{SLUG}:{SLUG}$"


def fold(identifier: str) -> str:
    """Return the form used to compare ids: NFKC-normalised and case-folded.

    >>> fold("CoinRun-Go-Right") == fold("coinrun-go-right")
    True
    """
    return unicodedata.normalize("NFKC", identifier).casefold()


def is_slug(text: str) -> bool:
    return len(text) <= MAX_ID_LENGTH and SLUG_RE.match(text) is not None


def label_of_subtype(subtype_id: str) -> str:
    """``misspecification.spec-level`` -> ``misspecification``."""
    return subtype_id.split(".", 1)[0]
