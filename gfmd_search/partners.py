"""Partner suggestion: a document-centric voting model over the passages retrieved for an initiative.

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

`suggest` is `retrieve` then `vote` then `partners`; the evaluation runner calls the same three
functions, so what it measures is what `gfmd-search partners` runs.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .actors import CIVIL_SOCIETY, GOVERNMENT, INTERNATIONAL, TYPES, canonical_actor
from .config import PARTNER_RELEVANCE, Settings
from .records import NO_ROLE, Evidence, Filters, Mention, Partner
from .search import Searcher, SearchError
from .snippets import snippet
from .store import IndexReader


class UnknownActorType(ValueError):
    """An actor type filter names no known type."""


TYPE_ALIASES: dict[str, str] = {
    "government": GOVERNMENT, "governments": GOVERNMENT, "country": GOVERNMENT, "countries": GOVERNMENT,
    "state": GOVERNMENT, "gov": GOVERNMENT,
    "international organisation": INTERNATIONAL, "international organization": INTERNATIONAL,
    "international organisations": INTERNATIONAL, "international organizations": INTERNATIONAL,
    "international": INTERNATIONAL, "organisation": INTERNATIONAL, "organization": INTERNATIONAL,
    "organisations": INTERNATIONAL, "organizations": INTERNATIONAL, "io": INTERNATIONAL, "igo": INTERNATIONAL,
    "civil society / other": CIVIL_SOCIETY, "civil society": CIVIL_SOCIETY, "civil": CIVIL_SOCIETY,
    "other": CIVIL_SOCIETY, "cso": CIVIL_SOCIETY, "ngo": CIVIL_SOCIETY, "private sector": CIVIL_SOCIETY,
}
"""Names accepted for the actor types (the canonical type names are in actors.TYPES)."""


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


@dataclass
class Tally:
    """An actor's votes: its score and the passages that gave it."""

    name: str
    type: str
    score: float = 0.0
    support: list[Support] = field(default_factory=list)


def suggest(
    searcher: Searcher,
    text: str,
    k: int = 10,
    types: list[str] | None = None,
    exclude: list[str] | None = None,
    filters: Filters | None = None,
) -> list[Partner]:
    """The `k` actors the passages relevant to `text` most support, with their evidence."""
    if k < 1:
        raise SearchError("k must be at least 1")
    settings = searcher.settings
    passages = retrieve(searcher, text, settings.partner_passages, filters)
    keep = actor_filter(types, exclude)
    prior = actor_prior(searcher.reader, settings.partner_prior)
    tallies = vote(passages, settings, prior, keep)[:k]
    return partners(searcher.reader, tallies, settings.partner_evidence)


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
            tally.support.append(Support(row, share * weight, role, [(m.start, m.end) for m in found]))
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


_DOC_COUNTS: weakref.WeakKeyDictionary[IndexReader, tuple[int, dict[str, int]]] = weakref.WeakKeyDictionary()


def document_counts(reader: IndexReader) -> tuple[int, dict[str, int]]:
    """The number of documents and, per actor, of documents naming it (cached per index version)."""
    found = _DOC_COUNTS.get(reader)
    if found is None:
        found = (reader.document_count, reader.actor_document_counts())
        _DOC_COUNTS[reader] = found
    return found


def actor_prior(reader: IndexReader, exponent: float) -> Callable[[str], float]:
    """prior(a) = log(1 + N / df(a)) ** exponent over the index's documents (1 for exponent 0)."""
    n_docs, df = document_counts(reader)
    return idf_prior(n_docs, df, exponent)


def idf_prior(n_docs: int, df: dict[str, int], exponent: float) -> Callable[[str], float]:
    """The IDF-like prior of the given counts; an actor no document names counts as named once."""
    def prior(name: str) -> float:
        return math.log1p(n_docs / max(df.get(name, 1), 1)) ** exponent if exponent else 1.0

    return prior


def resolve_types(types: Iterable[str] | None) -> set[str] | None:
    """Canonical actor types of the names given (None: every type); an unknown name is an error."""
    if not types:
        return None
    out = set()
    for t in types:
        key = " ".join(t.lower().split())
        if key not in TYPE_ALIASES:
            raise UnknownActorType(f"unknown actor type {t!r}; use one of {', '.join(TYPES)}")
        out.add(TYPE_ALIASES[key])
    return out


def resolve_exclude(exclude: Iterable[str] | None) -> set[str]:
    """Canonical names of the actors to leave out ("the Philippines", "Filipino" -> "Philippines").
    A name no actor resolves to is kept as written (lower-cased) and matched against canonical names."""
    out = set()
    for name in exclude or ():
        found = canonical_actor(name)
        out.add(found[0] if found else " ".join(name.lower().split()))
    return out


def actor_filter(types: list[str] | None, exclude: list[str] | None) -> Callable[[Mention], bool] | None:
    """A test a mention's actor must pass to be suggested (None when everything passes)."""
    wanted, left_out = resolve_types(types), resolve_exclude(exclude)
    if wanted is None and not left_out:
        return None

    def keep(m: Mention) -> bool:
        if wanted is not None and m.type not in wanted:
            return False
        return m.name not in left_out and m.name.lower() not in left_out

    return keep


def partners(reader: IndexReader, tallies: list[Tally], evidence: int) -> list[Partner]:
    """Partners of the tallies, each with its `evidence` strongest passages (distinct documents first)."""
    doc_of, doc_ids = reader.chunk_doc_index, reader.doc_ids()
    chosen: list[list[Support]] = []
    for t in tallies:
        ordered = sorted(t.support, key=lambda s: (-s.weight, s.row))
        seen: set[int] = set()
        first, rest = [], []
        for s in ordered:
            (rest if int(doc_of[s.row]) in seen else first).append(s)
            seen.add(int(doc_of[s.row]))
        chosen.append((first + rest)[:evidence])
    rows = reader.chunk_rows(sorted({s.row for picked in chosen for s in picked}))
    chunk = {c["row"]: c for c in rows}
    out = []
    for t, picked in zip(tallies, chosen):
        roles: dict[str, int] = {}
        for s in t.support:
            if s.role:
                roles[s.role] = roles.get(s.role, 0) + 1
        out.append(
            Partner(
                name=t.name,
                type=t.type,
                score=round(t.score, 6),
                documents=len({doc_ids[int(doc_of[s.row])] for s in t.support}),
                roles=sorted(roles, key=lambda r: (-roles[r], r)),
                evidence=[
                    Evidence(
                        doc_id=chunk[s.row]["doc_id"],
                        chunk_id=s.row,
                        title=chunk[s.row]["title"],
                        year=chunk[s.row]["year"],
                        page=chunk[s.row]["page_start"],
                        score=round(s.weight, 6),
                        snippet=snippet(chunk[s.row]["text"], s.spans),
                        role=s.role,
                    )
                    for s in picked
                ],
            )
        )
    return out
