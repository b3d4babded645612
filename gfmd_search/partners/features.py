"""What the learned ranker knows about each (initiative text, actor) pair.

Candidates are the actors named in the retrieved passages (the voting model's tallies) and in the
documents nearest the text (neighbours.py). Each gets the values of `FEATURES`:

* ``vote``, ``vote_rank``: the voting model's score (log1p) and 1 / its rank;
* ``vote:<role>``: the passages' votes (rel · association, before weights and prior) per role, and
  for any stated role (``vote:stated``);
* ``passages``, ``best_passage``: log1p of the supporting passages, 1 / the best one's rank;
* ``prior``, ``documents``, ``documents:<role>``: log(1 + N / df), and the log share of the N
  documents naming the actor, and naming it in each role (its popularity, and its popularity as
  donor, chair, ...), smoothed: log((n + 1) / (N + 1)), so that an index of another size reads alike;
* ``neighbours``, ``neighbours:<role>``: the similarity-weighted vote of the nearest documents;
  ``neighbour_rank``: 1 / the actor's rank in that vote for a stated role (the nearest-neighbour baseline);
* ``cooccur``, ``cooccur:<role>``: the largest share, over the actors the text names (its countries,
  say), of the documents naming that actor which name this one too (in the role);
* ``classifier``, ``classifier_log``, ``classifier_rank``: the probability (and its log, and 1 / the
  actor's rank by it) that a document worded like the text names the actor in a stated role, by a
  text classifier fitted on the allowed documents (classifier.py);
* ``type:<type>``: the actor's type; ``named_in_query``: the text itself names it;
* ``year_gap``: decades between its evidence and the years the query names (or filters on);
  ``age``: decades between its newest evidence and the newest document of the index.

Roles come from the actor registry (`actors.ROLES`), so a new role adds its features. Documents the
filters exclude are out of every feature, counts included. `facts` keeps the counts behind the
values for the explanations (explain.py).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..actors import ROLES, TYPES, extract_mentions
from ..config import Settings
from ..records import Filters, Mention
from ..search import Searcher
from .actor_table import NO_ROLE, STATED, ActorTable, actor_table
from .classifier import role_classifier
from .neighbours import NeighbourVote, neighbour_index, votes
from .selection import Keep
from .voting import Passages, Support, Tally, idf_prior, retrieve, vote

VOTE_ROLES = (*ROLES, NO_ROLE, STATED)
COUNT_ROLES = (*ROLES, STATED)
FEATURES: tuple[str, ...] = (
    "vote", "vote_rank", *(f"vote:{r}" for r in VOTE_ROLES), "passages", "best_passage",
    "prior", "documents", *(f"documents:{r}" for r in COUNT_ROLES),
    "neighbours", *(f"neighbours:{r}" for r in COUNT_ROLES), "neighbour_rank",
    "cooccur", *(f"cooccur:{r}" for r in COUNT_ROLES), "classifier", "classifier_log", "classifier_rank",
    *(f"type:{t}" for t in TYPES), "named_in_query", "year_gap", "age",
)
FLOOR = 1e-4
"""Added to a probability before its log (an actor the classifier does not know has probability 0)."""
YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


@dataclass
class Candidate:
    """One actor for one text: its feature values, the counts behind them, and its evidence."""

    name: str
    type: str
    values: dict[str, float]
    facts: dict[str, float | str]
    support: list[Support] = field(default_factory=list)
    neighbour: NeighbourVote | None = None


@dataclass
class Candidates:
    """The candidates of one text, and how much evidence was found."""

    items: list[Candidate]
    passages: int
    neighbours: int
    table: ActorTable

    def matrix(self, features: list[str]) -> np.ndarray:
        """The candidates' values of `features`, one row per candidate (0 for a feature not computed)."""
        return np.array([[c.values.get(f, 0.0) for f in features] for c in self.items], dtype=np.float64)


def candidates(
    searcher: Searcher,
    text: str,
    settings: Settings,
    k_neighbours: int,
    filters: Filters | None = None,
    keep: Keep | None = None,
    passages: Passages | None = None,
) -> Candidates:
    """Every actor the retrieved passages or the `k_neighbours` nearest documents name, with features.
    `passages`, when given, are the text's retrieved passages (one retrieval for several `k_neighbours`)."""
    reader = searcher.reader
    table = actor_table(reader)
    f = filters or Filters()
    counts = table.counts(f.exclude_doc_ids or ())
    passages = passages or retrieve(searcher, text, settings.partner_passages, filters)
    tallies = {t.name: t for t in vote(passages, settings, idf_prior(counts.documents, counts.df, settings.partner_prior), keep)}
    rank_of = {row: i for i, (row, _) in enumerate(passages.ranked, 1)}
    allowed = _allowed_documents(searcher, f, len(table.doc_ids))
    nearest = neighbour_index(reader).nearest(text, k_neighbours, allowed)
    near = {n: v for n, v in votes(table, nearest).items() if keep is None or keep(_mention(n, table))}
    near_rank = {n: i for i, n in enumerate(sorted((n for n in near if near[n].role_score[STATED] > 0),
                                                   key=lambda n: (-near[n].role_score[STATED], n)), 1)}
    likely = role_classifier(reader, allowed).probabilities(text)
    likely_rank = {n: i for i, n in enumerate(sorted(likely, key=lambda n: (-likely[n], n)), 1)}
    asked = {m.name for m in extract_mentions(text)}
    beside = table.cooccurrence(asked, allowed)
    years = _query_years(text, f)
    newest = max((y for y in table.years if y), default=None)
    items = []
    for vote_rank, name in enumerate([*tallies, *sorted(set(near) - set(tallies))], 1):
        tally, nv = tallies.get(name), near.get(name)
        values, facts = _voting(tally, vote_rank, rank_of)
        df = counts.df.get(name, 0)
        values["prior"] = math.log1p(counts.documents / max(df, 1))
        values["documents"] = _share(df, counts.documents)
        facts.update({"documents": df, "indexed": counts.documents, "nearest": len(nearest)})
        for role in COUNT_ROLES:
            n = counts.df_role.get((name, role), 0)
            values[f"documents:{role}"], facts[f"documents:{role}"] = _share(n, counts.documents), n
        if nv is not None:
            values["neighbours"], facts["neighbours"] = nv.score, nv.documents
            for role in COUNT_ROLES:
                values[f"neighbours:{role}"], facts[f"neighbours:{role}"] = nv.role_score[role], nv.role_documents[role]
        if name in near_rank:
            values["neighbour_rank"] = 1.0 / near_rank[name]
        for role, companion in beside.get(name, {}).items():
            key = f"cooccur:{role}" if role else "cooccur"
            values[key], facts[key], facts[f"{key}/of"] = companion.share, companion.together, companion.documents
            facts[f"{key}/with"] = companion.actor
        p = facts["classifier"] = likely.get(name, 0.0)
        values["classifier"], values["classifier_log"] = p, math.log(p + FLOOR)
        values["classifier_rank"] = 1.0 / likely_rank[name] if name in likely_rank else 0.0
        kind = table.types.get(name) or (tally.type if tally else "")
        values[f"type:{kind}"] = 1.0
        values["named_in_query"] = facts["named_in_query"] = float(name in asked)
        evidence_years = _evidence_years(tally, nv, table, searcher)
        if evidence_years and years:
            gap = min(abs(a - b) for a in evidence_years for b in years)
            values["year_gap"], facts["year_gap"] = gap / 10, gap
        if evidence_years and newest:
            values["age"], facts["newest"] = (newest - max(evidence_years)) / 10, max(evidence_years)
        items.append(Candidate(name, kind, values, facts, tally.support if tally else [], nv))
    return Candidates(items, len(passages.ranked), len(nearest), table)


def _share(n: int, of: int) -> float:
    return math.log((n + 1) / (of + 1))


def _voting(tally: Tally | None, vote_rank: int, rank_of: dict[int, int]) -> tuple[dict[str, float], dict[str, float | str]]:
    """The voting features of a candidate (all 0 for one only the nearest documents name)."""
    if tally is None:
        return {}, {"passages": 0}
    shares: Counter[str] = Counter()
    by_role: Counter[str] = Counter()
    for s in tally.support:
        shares[s.role or NO_ROLE] += s.share
        by_role[s.role or NO_ROLE] += 1
        if s.role:
            shares[STATED] += s.share
            by_role[STATED] += 1
    values = {
        "vote": math.log1p(tally.score),
        "vote_rank": 1.0 / vote_rank,
        "passages": math.log1p(len(tally.support)),
        "best_passage": 1.0 / min(rank_of[s.row] for s in tally.support),
        **{f"vote:{r}": math.log1p(v) for r, v in shares.items()},
    }
    facts: dict[str, float | str] = {"passages": len(tally.support), **{f"passages:{r}": n for r, n in by_role.items()}}
    return values, facts


def _allowed_documents(searcher: Searcher, f: Filters, n_docs: int) -> np.ndarray | None:
    """The documents the filters keep, as a boolean mask (None: all)."""
    mask = searcher.reader.filter_mask(f.year_from, f.year_to, f.doc_types, f.sources, None, f.exclude_doc_ids)
    if mask is None:
        return None
    allowed = np.zeros(n_docs, dtype=bool)
    allowed[searcher.reader.chunk_doc_index[mask]] = True
    return allowed


def _mention(name: str, table: ActorTable) -> Mention:
    """A stand-in mention of an actor, for the type and exclusion filters."""
    return Mention(name, table.types.get(name, ""), name, 0, 0)


def _query_years(text: str, f: Filters) -> list[int]:
    """The years a query is about: its year filter, else the years its text names."""
    if f.year_from or f.year_to:
        return sorted({y for y in (f.year_from, f.year_to) if y})
    return sorted({int(y) for y in YEAR.findall(text)})


def _evidence_years(tally: Tally | None, nv: NeighbourVote | None, table: ActorTable, searcher: Searcher) -> list[int]:
    """Years of the documents that support a candidate."""
    doc_of = searcher.reader.chunk_doc_index
    docs = {int(doc_of[s.row]) for s in tally.support} if tally else set()
    docs |= {doc for doc, _, _ in nv.evidence} if nv else set()
    return [y for y in (table.years[d] for d in docs) if y]
