"""The nearest-documents vote: TF-IDF (scikit-learn) over the indexed documents.

The documents most similar to an initiative text vote for the actors they name, each vote weighted
by the cosine similarity of the document to the text; a vote is counted for any mention and, apart,
for each role (and for any stated role, `STATED`). This is the nearest-neighbour baseline of the partner evaluation and a
feature of the learned ranker. The vectors are built once per index version, on first use.
"""

from __future__ import annotations

import weakref
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from ..store import IndexReader
from .actor_table import BATCH, NO_ROLE, STATED, ActorTable, Naming


@dataclass
class NeighbourVote:
    """One actor's votes from the nearest documents: similarity sums and document counts, per role."""

    score: float = 0.0
    documents: int = 0
    role_score: Counter[str] = field(default_factory=Counter)
    role_documents: Counter[str] = field(default_factory=Counter)
    evidence: list[tuple[int, float, Naming]] = field(default_factory=list)
    """(document position, similarity, naming) of each voting document, most similar first."""


class NeighbourIndex:
    """TF-IDF vectors of the documents of one index version (sublinear tf, English stop words)."""

    def __init__(self, texts: list[str]):
        self.vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
        try:
            self.matrix = self.vectorizer.fit_transform(texts)
        except ValueError:  # no document has a word left: nothing is near anything
            self.matrix = None

    def nearest(self, text: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The `k` documents most similar to `text` (positions and cosine similarities, > 0 only),
        among the `allowed` ones (a boolean mask over documents; None: all)."""
        if self.matrix is None or k < 1:
            return []
        sims = (self.matrix @ self.vectorizer.transform([text]).T).toarray().ravel()
        if allowed is not None:
            sims = np.where(allowed, sims, 0.0)
        top = np.argsort(-sims, kind="stable")[:k]
        return [(int(i), float(sims[i])) for i in top if sims[i] > 0]


def votes(table: ActorTable, nearest: list[tuple[int, float]]) -> dict[str, NeighbourVote]:
    """Each actor's votes from the nearest documents."""
    out: dict[str, NeighbourVote] = defaultdict(NeighbourVote)
    for doc, sim in nearest:
        for name, naming in table.names[doc].items():
            v = out[name]
            v.score += sim
            v.documents += 1
            for role in naming.roles | ({STATED} if naming.roles - {NO_ROLE} else set()):
                v.role_score[role] += sim
                v.role_documents[role] += 1
            v.evidence.append((doc, sim, naming))
    return dict(out)


def document_texts(reader: IndexReader) -> list[str]:
    """Each document's text, its chunks joined in row order (in `IndexReader.doc_ids` order; a
    deleted document's is empty)."""
    parts: list[list[str]] = [[] for _ in range(len(reader.doc_ids()))]
    doc_of = reader.chunk_doc_index
    live = reader.live_rows()
    for start in range(0, len(live), BATCH):
        rows = live[start : start + BATCH].tolist()
        for row, text in zip(rows, reader.texts(rows)):
            parts[int(doc_of[row])].append(text)
    return ["\n".join(p) for p in parts]


_INDEXES: weakref.WeakKeyDictionary[IndexReader, NeighbourIndex] = weakref.WeakKeyDictionary()


def neighbour_index(reader: IndexReader) -> NeighbourIndex:
    """The TF-IDF vectors of an index version (built on first use, then cached with the reader)."""
    found = _INDEXES.get(reader)
    if found is None:
        found = _INDEXES[reader] = NeighbourIndex(document_texts(reader))
    return found
