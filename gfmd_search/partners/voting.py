"""The voting model: a document-centric vote of the passages retrieved for an initiative.

Balog, Azzopardi and de Rijke's "Model 2" (2006), read as a vote of passages (Macdonald and Ounis):
the hybrid search retrieves the top ``partner_passages`` passages for the initiative text, and each
passage votes for the actors it mentions::

    score(a)    = prior(a) · Σ_{p in top-N, p mentions a} rel(p) · assoc(a, p)
    rel(p)      = 1 / (partner_rank_c + rank(p))          partner_relevance = "rank" (rank from 1)
                | score(p) / score(top passage)           partner_relevance = "score"
    assoc(a, p) = w(a, p) / n_actors(p) ^ partner_assoc_norm
    w(a, p)     = the largest role weight of a's mentions in p (role_weights; a mention without a
                  stated role weighs role_weights["none"], 1.0 when absent)
    prior(a)    = log(1 + N_docs / df(a)) ^ partner_prior  (IDF-like: damps actors named everywhere)

Filters (year range, document types) act in the searcher, before ranking. The parameters are
settings (see config.py and the README for how their defaults were chosen on data).

`retrieve` and `vote` are what `suggest` runs when no learned ranker is in use, and the voting
features of the learned ranker (features.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import PARTNER_RELEVANCE, Settings
from ..records import Filters, Mention
from ..search import Searcher
from .actor_table import NO_ROLE


@dataclass
class Passages:
    """The retrieved passages of one initiative text: ranked chunk rows and their actor mentions."""

    ranked: list[tuple[int, float]]
    mentions: dict[int, list[Mention]]

    def top(self, n: int) -> Passages:
        """The first `n` passages only."""
        ranked = self.ranked[:n]
        return Passages(ranked, {r: self.mentions.get(r, []) for r, _ in ranked})


@dataclass
class Support:
    """One passage's vote for one actor."""

    row: int
    weight: float
    role: str | None
    spans: list[tuple[int, int]]
    share: float = 0.0
    """rel(p) / n_actors(p) ^ assoc_norm: the vote before the role weight and the prior."""


@dataclass
class Tally:
    """An actor's votes: its score and the passages that gave it."""

    name: str
    type: str
    score: float = 0.0
    support: list[Support] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)


def retrieve(searcher: Searcher, text: str, n: int, filters: Filters | None = None) -> Passages:
    """The top `n` passages for `text` by the searcher's default mode, with their mentions."""
    if n < 1:
        raise ValueError("partner_passages must be at least 1")
    ranked = searcher.rank(text, n, None, filters)
    return Passages(ranked, searcher.reader.mentions([r for r, _ in ranked]))


def vote(
    passages: Passages,
    settings: Settings,
    prior: Callable[[str], float],
    keep: Callable[[Mention], bool] | None = None,
) -> list[Tally]:
    """Every actor the passages mention (and `keep` keeps), best first (ties by name)."""
    relevance = relevance_weights(passages.ranked, settings.partner_relevance, settings.partner_rank_c)
    roles = settings.role_weights
    tallies: dict[str, Tally] = {}
    for (row, _), rel in zip(passages.ranked, relevance):
        by_actor: dict[str, list[Mention]] = {}
        for m in passages.mentions.get(row, []):
            by_actor.setdefault(m.name, []).append(m)
        if not by_actor:
            continue
        share = rel / len(by_actor) ** settings.partner_assoc_norm
        for name, found in by_actor.items():
            if keep is not None and not keep(found[0]):
                continue
            weight, role = _strongest_role(found, roles)
            if weight <= 0:
                continue
            tally = tallies.setdefault(name, Tally(name, found[0].type))
            tally.support.append(Support(row, share * weight, role, [(m.start, m.end) for m in found], share))
    for tally in tallies.values():
        p = prior(tally.name)
        for s in tally.support:
            s.weight *= p
        tally.score = sum(s.weight for s in tally.support)
    return sorted((t for t in tallies.values() if t.score > 0), key=lambda t: (-t.score, t.name))


def relevance_weights(ranked: list[tuple[int, float]], how: str, c: float) -> list[float]:
    """rel(p) of each ranked passage: 1/(c + rank) or the score relative to the top score."""
    if how == "rank":
        return [1.0 / (c + i) for i in range(1, len(ranked) + 1)]
    if how == "score":
        top = max((s for _, s in ranked), default=0.0)
        return [max(s, 0.0) / top if top > 0 else 0.0 for _, s in ranked]
    raise ValueError(f"unknown partner_relevance {how!r}; use one of {', '.join(PARTNER_RELEVANCE)}")


def _strongest_role(found: list[Mention], weights: dict[str, float]) -> tuple[float, str | None]:
    """The largest role weight among an actor's mentions in one passage, and that role."""
    best, role = -math.inf, None
    for m in found:
        w = weights.get(m.role or NO_ROLE, 1.0)
        if w > best:
            best, role = w, m.role
    return best, role


def idf_prior(n_docs: int, df: dict[str, int], exponent: float) -> Callable[[str], float]:
    """The IDF-like prior of the given counts; an actor no document names counts as named once."""
    def prior(name: str) -> float:
        return math.log1p(n_docs / max(df.get(name, 1), 1)) ** exponent if exponent else 1.0

    return prior


