"""Which actors a text's documents would name in a role: a one-vs-rest text classifier (scikit-learn).

Each indexed document is an example: its text, with the mentions of a stated role blanked out (the
"Donors: Government of Japan" a query never has), and as labels the actors it names in a stated role.
One logistic regression per actor over TF-IDF of words and word pairs gives the probability that a
document worded like the query names that actor in a role: "projects on counter-trafficking in
Indonesia are funded by the United States", learnt from every document at once rather than from the
nearest few. A feature of the learned ranker (features.py).

A classifier is fitted per index version and per set of documents the filters allow (held-back
documents are never examples), on first use, and the last few are kept with the reader.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from ..store import IndexReader
from .actor_table import BATCH, NO_ROLE

C = 10.0
"""Inverse regularisation of each actor's logistic regression (chosen by cross-validation on the
train folds of the IOM records: 1, 3, 10, 30, 100; eval/results/partners/README.md)."""
KEPT = 8
"""Fitted classifiers kept per index version (one per set of allowed documents)."""


class RoleClassifier:
    """P(a document worded like the text names the actor in a stated role), for every actor some
    allowed document names in one."""

    def __init__(self, texts: list[str], labels: list[set[str]]):
        self.actors = sorted(set().union(*labels)) if labels else []
        self.models: dict[str, LogisticRegression | float] = {}
        self.vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2))
        try:
            x = self.vectorizer.fit_transform(texts)
        except ValueError:  # no document has a word left
            self.actors = []
            return
        for actor in self.actors:
            y = np.array([actor in named for named in labels], dtype=int)
            # An actor every document names in a role needs no model: its probability is 1.
            self.models[actor] = 1.0 if y.all() else LogisticRegression(C=C, max_iter=2000).fit(x, y)

    def probabilities(self, text: str) -> dict[str, float]:
        """Each actor's probability for `text`."""
        if not self.actors:
            return {}
        x = self.vectorizer.transform([text])
        return {a: m if isinstance(m, float) else float(m.predict_proba(x)[0, 1]) for a, m in self.models.items()}


def classifier_examples(reader: IndexReader, allowed: np.ndarray | None) -> tuple[list[str], list[set[str]]]:
    """The allowed live documents' texts (chunks joined, mentions of a stated role blanked) and the
    actors each names in a stated role."""
    n = len(reader.doc_ids())
    parts: list[list[str]] = [[] for _ in range(n)]
    named: list[set[str]] = [set() for _ in range(n)]
    doc_of = reader.chunk_doc_index
    live = reader.live_rows()
    for start in range(0, len(live), BATCH):
        rows = live[start : start + BATCH].tolist()
        mentions = reader.mentions(rows)
        for row, text in zip(rows, reader.texts(rows)):
            doc = int(doc_of[row])
            if allowed is not None and not allowed[doc]:
                continue
            for m in sorted(mentions.get(row, []), key=lambda m: -m.start):
                if m.role and m.role != NO_ROLE:
                    text = text[: m.start] + " " * (m.end - m.start) + text[m.end :]
                    named[doc].add(m.name)
            parts[doc].append(text)
    keep = [d for d in range(n) if reader.doc_live()[d] and (allowed is None or allowed[d])]
    return ["\n".join(parts[d]) for d in keep], [named[d] for d in keep]


_FITTED: weakref.WeakKeyDictionary[IndexReader, OrderedDict[str, RoleClassifier]] = weakref.WeakKeyDictionary()
_FITTING = threading.Lock()  # one fit at a time: a second caller waits for the first's result


def role_classifier(reader: IndexReader, allowed: np.ndarray | None = None) -> RoleClassifier:
    """The classifier of an index version over its `allowed` documents (a boolean mask; None: all),
    fitted on first use and kept with the reader; concurrent first uses wait for one fit."""
    key = "all" if allowed is None else hashlib.sha1(np.packbits(allowed).tobytes()).hexdigest()
    with _FITTING:
        kept = _FITTED.setdefault(reader, OrderedDict())
        found = kept.get(key)
        if found is None:
            found = kept[key] = RoleClassifier(*classifier_examples(reader, allowed))
            while len(kept) > KEPT:
                kept.popitem(last=False)
        kept.move_to_end(key)
        return found
