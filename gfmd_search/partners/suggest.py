"""`suggest`: the partners for an initiative, by the learned ranker or, without one, the voting model."""

from __future__ import annotations

from dataclasses import dataclass

from ..records import Filters, Partner
from ..search import Searcher, SearchError
from .actor_table import actor_table
from .evidence import partners
from .explain import explain_candidate, explain_votes
from .features import Candidates, candidates
from .ranker import LinearRanker, ModelChoice
from .selection import actor_filter
from .voting import Support, Tally, idf_prior, retrieve, vote


@dataclass
class Suggestions:
    """Ranked partners, the model that ranked them, and why the list is empty when it is."""

    partners: list[Partner]
    model: str
    reason: str | None = None


def suggest(
    searcher: Searcher,
    text: str,
    k: int = 10,
    types: list[str] | None = None,
    exclude: list[str] | None = None,
    filters: Filters | None = None,
    model: ModelChoice | None = None,
) -> Suggestions:
    """The `k` actors the evidence for `text` supports best, each with its evidence and explanation.
    Documents `filters` exclude are out of the search and of every count (the voting prior too)."""
    if k < 1:
        raise SearchError("k must be at least 1")
    settings = searcher.settings
    keep = actor_filter(types, exclude)
    choice = model or ModelChoice(None)
    if choice.ranker is not None:
        found = candidates(searcher, text, settings, choice.ranker.neighbours, filters, keep)
        tallies = rank(choice.ranker, found)[:k]
        n_passages, n_near = found.passages, found.neighbours
    else:
        passages = retrieve(searcher, text, settings.partner_passages, filters)
        counts = actor_table(searcher.reader).counts((filters.exclude_doc_ids or []) if filters else [])
        prior = idf_prior(counts.documents, counts.df, settings.partner_prior)
        tallies = vote(passages, settings, prior, keep)[:k]
        for t in tallies:
            t.explanation = explain_votes(t)
        n_passages, n_near = len(passages.ranked), 0
    reason = None if tallies else no_evidence(n_passages, n_near, filters, keep is not None)
    return Suggestions(partners(searcher.reader, tallies, settings.partner_evidence), choice.name, reason)


def rank(ranker: LinearRanker, found: Candidates) -> list[Tally]:
    """The candidates as tallies, best score first (ties by name), with evidence and explanations.
    A candidate only the nearest documents name has the passages naming it there as evidence."""
    if not found.items:
        return []
    x = found.matrix(ranker.features)
    scores, terms = ranker.scores(x), ranker.contributions(x)
    out = []
    for c, score, contrib in zip(found.items, scores.tolist(), terms):
        support = list(c.support)
        if not support and c.neighbour is not None:
            support = [Support(n.row, sim, n.role, n.spans) for _, sim, n in c.neighbour.evidence]
        out.append(Tally(c.name, c.type, score, support, explain_candidate(c, contrib)))
    return sorted(out, key=lambda t: (-t.score, t.name))


def no_evidence(passages: int, neighbours: int, filters: Filters | None, kept: bool) -> str:
    """Why no actor could be suggested."""
    where = " within the filters" if filters and any(vars(filters).values()) else ""
    if not passages and not neighbours:
        return f"no indexed passage matches the text{where}"
    which = " of the requested types and not excluded" if kept else ""
    return f"none of the {passages} passages that match the text{where} names an actor{which}"
