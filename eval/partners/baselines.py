"""Simple references the partner models must beat, all counted over the indexed documents.

* `popularity`: actors by how many documents name them (in any role);
* `role_popularity`: by how many name them in the judged roles (as donors, for the IOM records);
* `neighbour_vote`: the nearest-neighbour vote a new user would write: the `k` documents most similar
  to the query (TF-IDF, scikit-learn) vote for the actors they name in the judged roles, weighted by
  similarity; the other actors of those roles follow by role popularity.

Counts leave out the documents a query holds back (`ActorTable.counts`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from gfmd_search.partners.actor_table import ActorTable, Counts
from gfmd_search.partners.neighbours import NeighbourIndex, votes

from .scoring import DEPTH, Ranking


def popularity(counts: Counts, depth: int = DEPTH) -> Ranking:
    """Actors by how many documents name them, most first (ties by name)."""
    return _by_count(counts.df.items(), depth)


def role_popularity(counts: Counts, roles: Iterable[str], depth: int = DEPTH) -> Ranking:
    """Actors by how many documents name them in one of `roles`, most first (ties by name)."""
    wanted = set(roles)
    totals: dict[str, int] = {}
    for (name, role), n in counts.df_role.items():
        if role in wanted:
            totals[name] = totals.get(name, 0) + n
    return _by_count(totals.items(), depth)


def neighbour_vote(
    table: ActorTable,
    index: NeighbourIndex,
    text: str,
    k: int,
    roles: Iterable[str],
    leave_out: Iterable[str] = (),
    depth: int = DEPTH,
) -> Ranking:
    """The nearest-neighbour vote for the actors named in `roles`, then the rest of them by role popularity."""
    roles = tuple(roles)
    gone = set(table.positions(leave_out))
    allowed = np.array([i not in gone for i in range(len(table.doc_ids))], dtype=bool) if gone else None
    scores = {
        name: sum(v.role_score[r] for r in roles)
        for name, v in votes(table, index.nearest(text, k, allowed)).items()
    }
    voted = [n for n, s in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])) if s > 0][:depth]
    seen = set(voted)
    rest = [n for n in role_popularity(table.counts(leave_out), roles, depth + len(voted)) if n not in seen]
    return (voted + rest)[:depth]


def _by_count(items: Iterable[tuple[str, int]], depth: int) -> Ranking:
    return [name for name, n in sorted(items, key=lambda kv: (-kv[1], kv[0])) if n > 0][:depth]
