"""Cues against text (pure): which answers the text suggests, and the sentences behind them.

Matching is plain word comparison. The cue phrases are indexed by their first word (or the
first three letters of a first word ending in ``*``); each token of a sentence looks up the
phrases that may start there and compares them word by word. A ``...`` gap matches up to
:data:`GAP` words, simulated as a set of positions (never by backtracking), so a phrase
costs at most ``(GAP + 1) ** gaps * words`` comparisons at a token and the whole pass is
linear in the length of the text. :attr:`Matcher.work` counts the comparisons (tested).

A cue's match is *negated* when a negation phrase ("not", "no evidence that", "did not")
stands within ``window`` words before it in the same clause, or inside a ``...`` gap of
it; a negated match gives the cue's ``negated`` answer, or nothing. A match in a sentence
with a hedging phrase ("we hypothesise", "might") is *hedged*: it counts half and, alone,
gives only a ``speculative`` suggestion (or is ignored, by the file's ``effect``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from misgen.suggest.cueset import Cue, CueSet
from misgen.suggest.text import Sentence, phrase_words, sentences

GAP = 3
#: at most this many quoted sentences per suggestion
MAX_QUOTES = 2


@dataclass(frozen=True)
class Hit:
    cue: str
    signal: str
    answer: str
    weight: int
    negated: bool
    hedged: bool
    sentence: tuple[int, int]
    span: tuple[int, int]  # the matched words


@dataclass(frozen=True)
class Suggestion:
    signal: str
    answer: str
    strength: str  # "inferred" or "speculative": never "measured"
    quotes: tuple[tuple[int, int], ...]  # the supporting sentences, as character offsets
    cues: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]  # the matched words
    derived_from: tuple[str, ...] = ()  # for a not-applicable read off other suggestions


@dataclass(frozen=True)
class Result:
    suggestions: dict[str, Suggestion]
    conflicts: dict[str, dict[str, tuple[str, ...]]]  # signal -> answer -> cue ids
    sentences: int
    work: int


def _word_ok(pattern: str, word: str) -> bool:
    if "|" in pattern:
        return any(_word_ok(alt, word) for alt in pattern.split("|"))
    if pattern[-1] == "*":
        return word.startswith(pattern[:-1])
    return word == pattern


class Matcher:
    """The cue file compiled into one word index (``only``: a single cue, for its examples)."""

    def __init__(self, cueset: CueSet, only: str | None = None) -> None:
        self.cueset = cueset
        self.cues: list[Cue] = [c for c in cueset.cues if only is None or c.id == only]
        self.patterns: list[tuple[tuple[str, ...], tuple[object, ...]]] = []
        negators = {w for p in cueset.negation for w in phrase_words(p) if w != "..."}
        self.has_negator: dict[int, bool] = {}
        for ci, cue in enumerate(self.cues):
            for phrase in cue.phrases:
                words = tuple(phrase_words(phrase))
                self.has_negator[len(self.patterns)] = any(w in negators for w in words)
                self.patterns.append((words, ("cue", ci)))
            for g, group in enumerate(cue.with_):
                for phrase in group:
                    self.patterns.append((tuple(phrase_words(phrase)), ("with", ci, g)))
            for phrase in cue.unless:
                self.patterns.append((tuple(phrase_words(phrase)), ("unless", ci)))
        for kind, phrases in (("neg", cueset.negation), ("notneg", cueset.not_negation), ("hedge", cueset.hedging)):
            for phrase in phrases:
                self.patterns.append((tuple(phrase_words(phrase)), (kind,)))
        self.exact: dict[str, list[int]] = {}
        self.prefix: dict[str, list[int]] = {}
        for pi, (words, _key) in enumerate(self.patterns):
            for first in dict.fromkeys(words[0].split("|")):
                if first.endswith("*"):
                    bucket = self.prefix.setdefault(first[:3], [])
                else:
                    bucket = self.exact.setdefault(first, [])
                if pi not in bucket[-1:]:
                    bucket.append(pi)
        self.work = 0

    def _end(self, pattern: tuple[str, ...], words: list[str], p: int) -> int | None:
        """The token index just past a match of ``pattern`` at ``p`` (shortest), or None."""
        n = len(words)
        states = {p}
        for w in pattern:
            if w == "...":
                states = {s + g for s in states for g in range(GAP + 1) if s + g <= n}
                continue
            self.work += len(states)
            states = {s + 1 for s in states if s < n and _word_ok(w, words[s])}
            if not states:
                return None
        return min(states)

    def scan(self, words: list[str]) -> list[tuple[int, int, int]]:
        """(pattern index, start, end) of every match in ``words``."""
        found: list[tuple[int, int, int]] = []
        for p, word in enumerate(words):
            self.work += 1
            for pi in dict.fromkeys((*self.exact.get(word, ()), *self.prefix.get(word[:3], ()))):
                end = self._end(self.patterns[pi][0], words, p)
                if end is not None:
                    found.append((pi, p, end))
        return found

    def sentence_hits(self, sentence: Sentence) -> list[Hit]:
        toks = sentence.tokens
        words = [t.word for t in toks]
        found = self.scan(words)
        keys = [(self.patterns[pi][1], pi, s, e) for pi, s, e in found]
        notneg = [(s, e) for key, _pi, s, e in keys if key[0] == "notneg"]
        negs = [
            (s, e)
            for key, _pi, s, e in keys
            if key[0] == "neg" and not any(a <= s and e <= b for a, b in notneg)
        ]
        hedged = any(key[0] == "hedge" for key, *_ in keys)
        present = {key for key, *_ in keys}
        window = self.cueset.window
        hits: list[Hit] = []
        done: set[int] = set()
        for key, pi, s, e in keys:
            if key[0] != "cue":
                continue
            ci = key[1]
            assert isinstance(ci, int)
            cue = self.cues[ci]
            if ci in done or ("unless", ci) in present or toks[s].aside:
                continue
            if any(("with", ci, g) not in present for g in range(len(cue.with_))):
                continue
            clause = toks[s].clause
            negated = any(
                (ne <= s and s - ne <= window and toks[ns].clause == clause)
                or (s < ns and ne <= e and not self.has_negator[pi])
                for ns, ne in negs
            )
            answer = cue.negated if negated else cue.answer
            if answer is None:
                continue
            done.add(ci)
            hits.append(
                Hit(cue.id, cue.signal, answer, cue.weight, negated, hedged,
                    (sentence.start, sentence.end), (toks[s].start, toks[e - 1].end))
            )
        return hits

    def hits(self, text: str) -> list[Hit]:
        return [h for s in sentences(text) for h in self.sentence_hits(s)]


def suggest(
    text: str,
    cueset: CueSet,
    applies: Mapping[str, tuple[Callable[[dict[str, str]], bool | None], tuple[str, ...]]] | None = None,
) -> Result:
    """Suggested answers for ``text``. ``applies``: signal -> (its ``applies_when`` as a
    function of the answers, the signals it reads); a signal whose condition is false under
    the suggestions is suggested "not-applicable", quoting what the condition read."""
    matcher = Matcher(cueset)
    sents = sentences(text)
    hits = [h for s in sents for h in matcher.sentence_hits(s)]
    if cueset.hedge_effect == "ignore":
        hits = [h for h in hits if not h.hedged]
    by_cue = {c.id: c for c in cueset.cues}
    by_signal: dict[str, list[Hit]] = {}
    for h in hits:
        by_signal.setdefault(h.signal, []).append(h)
    out: dict[str, Suggestion] = {}
    conflicts: dict[str, dict[str, tuple[str, ...]]] = {}
    for sid, sig_hits in by_signal.items():
        answers: dict[str, list[Hit]] = {}
        for h in sig_hits:
            answers.setdefault(h.answer, []).append(h)
        beaten = {
            o for a, hs in answers.items() for h in hs if not h.negated for o in by_cue[h.cue].over
        }
        scores = {
            a: sum(h.weight * (0.5 if h.hedged else 1.0) for h in hs)
            for a, hs in answers.items()
            if a not in beaten
        }
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        if not ranked:
            continue
        if len(ranked) > 1 and ranked[0][1] < 2 * ranked[1][1]:
            conflicts[sid] = {a: tuple(dict.fromkeys(h.cue for h in answers[a])) for a, _ in ranked}
            continue
        answer = ranked[0][0]
        chosen = answers[answer]
        best = sorted(chosen, key=lambda h: (h.hedged, -h.weight, h.sentence[0]))
        quotes = tuple(sorted(list(dict.fromkeys(h.sentence for h in best))[:MAX_QUOTES]))
        out[sid] = Suggestion(
            sid,
            answer,
            "speculative" if all(h.hedged for h in chosen) else "inferred",
            quotes,
            tuple(dict.fromkeys(h.cue for h in best)),
            tuple(h.span for h in best if h.sentence in quotes),
        )
    for sid in cueset.needs_applies:  # meaningful only once the signal it depends on is settled
        if sid in out and sid in (applies or {}) and applies[sid][0]({k: v.answer for k, v in out.items()}) is not True:  # type: ignore[index]
            del out[sid]
    for _round in range(2):  # a not-applicable can make another condition false
        values = {sid: s.answer for sid, s in out.items()}
        for sid, (condition, reads) in (applies or {}).items():
            if sid in out or sid in conflicts or condition(values) is not False:
                continue
            basis = [out[r] for r in reads if r in out]
            quotes = tuple(sorted({q for b in basis for q in b.quotes}))[: 2 * MAX_QUOTES]
            out[sid] = Suggestion(
                sid,
                "not-applicable",
                "speculative" if basis and all(b.strength == "speculative" for b in basis) else "inferred",
                quotes,
                (),
                (),
                tuple(b.signal for b in basis),
            )
    return Result(out, conflicts, len(sents), matcher.work)
