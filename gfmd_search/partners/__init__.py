"""Partner suggestion: actors ranked by the evidence of the passages and documents relevant to a text.

    suggest.py      the entry point (`Engine.partners`): learned ranker, or the voting model
    voting.py       the document-centric voting model (retrieve passages, let them vote)
    neighbours.py   the vote of the nearest documents (TF-IDF, scikit-learn)
    classifier.py   which actors documents worded like a text name in a role (a text classifier)
    features.py     (text, actor) candidates and their features
    ranker.py       the learned linear ranker, its versioned file and the fallback to voting
    explain.py      explanations in words
    actor_table.py  who each document names, in which roles
    selection.py    actor types and exclusions
    evidence.py     Partner records with evidence passages
"""

from __future__ import annotations

from .ranker import ModelChoice, RankerError, choose_model
from .selection import UnknownActorType, actor_filter, resolve_exclude, resolve_types
from .suggest import Suggestions, suggest
from .voting import Passages, idf_prior, relevance_weights, retrieve, vote

__all__ = [
    "ModelChoice", "Passages", "RankerError", "Suggestions", "UnknownActorType", "actor_filter", "choose_model", "idf_prior",
    "relevance_weights", "resolve_exclude", "resolve_types", "retrieve", "suggest", "vote",
]
