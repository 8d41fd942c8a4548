"""Sentences and word tokens of plain text or Markdown, with character offsets (pure).

One left-to-right pass each, no regular expressions: the work is linear in the length of
the text whatever it holds. A sentence ends at ``.``, ``!`` or ``?`` followed by white
space and a capital letter, digit, bracket or quote (not after a known abbreviation or a
single-letter initial), at a blank line, and at each Markdown heading or list item. A
"sentence" longer than :data:`MAX_SENTENCE` characters (hostile text, a table) is cut at
the next white space after that length, so no one sentence can cost more than a bounded
amount of matching.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

MAX_SENTENCE = 1200

#: words that a full stop follows without ending the sentence (lower case, no dot)
ABBREVIATIONS = frozenset(
    ["e.g", "i.e", "al", "fig", "figs", "eq", "eqs", "vs", "cf", "approx", "ca", "sec", "no", "nos", "vol", "pp", "ref", "refs", "dr", "mr", "mrs", "ms", "prof", "st", "resp", "incl"]
)

_CLOSERS = "\"')]}\u201d\u2019"
_OPENERS = "\"'([{\u201c\u2018*_`"
_APOSTROPHES = "'\u2019"
#: characters that end a clause: negation does not reach across them
_CLAUSE_BREAKS = frozenset(",;:()[]\u2014\u2013")


@dataclass(frozen=True)
class Token:
    word: str  # lower case; "didn't" becomes "did" then "not"
    start: int
    end: int
    clause: int  # clause number within the sentence
    aside: bool = False  # inside parentheses: "(e.g. backdoored models)" is not evidence


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    tokens: tuple[Token, ...]


def _line_start_break(text: str, i: int) -> bool:
    """A Markdown heading, list item or quote begins at ``i`` (the start of a line)."""
    j = i
    n = len(text)
    while j < n and j - i < 4 and text[j] == " ":
        j += 1
    if j >= n:
        return False
    ch = text[j]
    if ch in "#>":
        return True
    if ch in "-*+" and j + 1 < n and text[j + 1] == " ":
        return True
    k = j
    while k < n and k - j < 3 and text[k].isdigit():
        k += 1
    return k > j and k + 1 < n and text[k] in ".)" and text[k + 1] == " "


def _abbreviation_before(text: str, dot: int, start: int) -> bool:
    """The word ending at ``dot`` (exclusive) is an abbreviation or an initial."""
    j = dot
    while j > start and (text[j - 1].isalpha() or text[j - 1] == "."):
        j -= 1
    word = text[j:dot].lower()
    if not word:
        return False
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "A. Turner"
    return word in ABBREVIATIONS


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, white space trimmed; empty sentences dropped."""
    spans: list[tuple[int, int]] = []
    n = len(text)
    start = 0

    def close(end: int) -> None:
        a, b = start, end
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append((a, b))

    i = 0
    line_start = True
    while i < n:
        ch = text[i]
        if line_start and i > start and _line_start_break(text, i):
            close(i)
            start = i
        line_start = False
        if ch == "\n":
            line_start = True
            j = i + 1
            while j < n and text[j] in " \t\r":
                j += 1
            if j < n and text[j] == "\n":  # a blank line ends a paragraph
                close(i)
                start = j
                i = j
                continue
            if start < i and text[start] == "#":  # a heading is one line
                close(i)
                start = i + 1
        elif ch in ".!?":
            j = i + 1
            while j < n and text[j] in _CLOSERS:
                j += 1
            if j >= n or text[j].isspace():
                k = j
                while k < n and text[k].isspace():
                    k += 1
                nxt = text[k] if k < n else ""
                if (not nxt or nxt.isupper() or nxt.isdigit() or nxt in _OPENERS or nxt == "#") and not (
                    ch == "." and _abbreviation_before(text, i, start)
                ):
                    close(j)
                    start = j
                    i = j
                    continue
        elif i - start >= MAX_SENTENCE and ch.isspace():
            close(i)
            start = i
        i += 1
    close(n)
    return spans


def tokens(text: str, start: int, end: int) -> tuple[Token, ...]:
    """Word tokens of ``text[start:end]``: runs of letters and digits (an apostrophe inside
    a word joins it); hyphens, slashes and other punctuation separate words. "n't" becomes
    the word "not" ("didn't" -> "did", "not"; "can't" -> "can", "not")."""
    out: list[Token] = []
    clause = 0
    depth = 0
    i = start
    while i < end:
        ch = text[i]
        if ch.isalnum():
            j = i + 1
            while j < end:
                c = text[j]
                if c.isalnum() or c in _APOSTROPHES and j + 1 < end and text[j + 1].isalnum():
                    j += 1
                else:
                    break
            word = text[i:j].lower().replace("\u2019", "'")
            if word.endswith("n't") and len(word) > 3:
                base = word[:-3]
                base = {"ca": "can", "wo": "will", "sha": "shall"}.get(base, base)
                out.append(Token(base, i, j - 3, clause, depth > 0))
                out.append(Token("not", j - 3, j, clause, depth > 0))
            else:
                word = word.removesuffix("'s")
                out.append(Token(word, i, j, clause, depth > 0))
            i = j
            continue
        if ch in _CLAUSE_BREAKS:
            clause += 1
            if ch == "(":
                depth = min(depth + 1, 50)
            elif ch == ")":
                depth = max(depth - 1, 0)
        i += 1
    return tuple(out)


def sentences(text: str) -> list[Sentence]:
    return [Sentence(a, b, tokens(text, a, b)) for a, b in sentence_spans(text)]


def phrase_words(phrase: str) -> list[str]:
    """A cue phrase as the words :func:`tokens` would give. A trailing ``*`` is kept (a
    prefix); ``...`` is a gap; ``(a|b|c)`` is one word out of several, kept as ``a|b|c``
    (each alternative a single word, possibly ending in ``*``)."""
    return list(_phrase_words(phrase))


@functools.lru_cache(maxsize=4096)
def _phrase_words(phrase: str) -> tuple[str, ...]:
    """:func:`phrase_words`, cached: the cue file's phrases are compiled once per cue and
    once for each cue's examples."""
    words: list[str] = []
    for part in phrase.split():
        if part == "...":
            words.append("...")
            continue
        if part.startswith("(") and part.endswith(")") and "|" in part:
            alts = []
            for alt in part[1:-1].split("|"):
                got = phrase_words(alt)
                alts.append(got[0] if len(got) == 1 else "")
            words.append("|".join(alts))
            continue
        star = part.endswith("*") and len(part) > 1
        core = part[:-1] if star else part
        toks = [t.word for t in tokens(core, 0, len(core))]
        if star and toks:
            toks[-1] += "*"
        words.extend(toks)
    return tuple(words)


def alternatives(word: str) -> list[str]:
    """The words a phrase position accepts (one, or several for ``(a|b)``)."""
    return word.split("|")
