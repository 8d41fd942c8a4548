"""The cues, checked: the data :mod:`misgen.suggest.cues` reads and :mod:`misgen.suggest.match` runs."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cue:
    id: str
    signal: str
    answer: str
    phrases: tuple[str, ...]
    weight: int = 1
    with_: tuple[tuple[str, ...], ...] = ()
    unless: tuple[str, ...] = ()
    negated: str | None = None
    over: tuple[str, ...] = ()
    match: tuple[str, ...] = ()
    no_match: tuple[str, ...] = ()


@dataclass(frozen=True)
class CueSet:
    version: int
    cues: tuple[Cue, ...]
    negation: tuple[str, ...]
    not_negation: tuple[str, ...]
    window: int
    hedging: tuple[str, ...]
    hedge_effect: str
    tuned_on: tuple[str, ...] = field(default=())
    needs_applies: tuple[str, ...] = field(default=())
