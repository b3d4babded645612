"""Explanations in words: what weighed most for a suggested actor, with the counts behind it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from .actor_table import NO_ROLE, STATED
from .features import Candidate
from .voting import Tally

Facts = dict[str, float | str]


def _role(role: str) -> str:
    return {STATED: "with a stated role", NO_ROLE: "without a stated role"}.get(role, f"as {role}")


def _passages(f: Facts, _: str) -> str:
    return f"named in {f['passages']:.0f} retrieved passages"


def _vote_role(f: Facts, role: str) -> str:
    return f"named {_role(role)} in {f.get('passages:' + role, 0):.0f} retrieved passages"


def _neighbours(f: Facts, role: str) -> str:
    key = f"neighbours:{role}" if role else "neighbours"
    return f"named{' ' + _role(role) if role else ''} in {f.get(key, 0):.0f} of the {f['nearest']:.0f} most similar documents"


def _documents(f: Facts, role: str) -> str:
    key = f"documents:{role}" if role else "documents"
    return f"named{' ' + _role(role) if role else ''} in {f.get(key, 0):.0f} of {f['indexed']:.0f} indexed documents"


def _cooccur(f: Facts, role: str) -> str:
    key = f"cooccur:{role}" if role else "cooccur"
    return (f"named{' ' + _role(role) if role else ''} in {f[key]:.0f} of the {f[key + '/of']:.0f} documents "
            f"naming {f[key + '/with']}")


def _classifier(f: Facts, _: str) -> str:
    return f"named with a stated role by documents worded like this one (text classifier: p = {f['classifier']:.2f})"


def _prior(f: Facts, _: str) -> str:
    return f"named in few documents ({f['documents']:.0f} of {f['indexed']:.0f})"


PHRASES: dict[str, Callable[[Facts, str], str]] = {
    "vote": _passages,
    "vote_rank": _passages,
    "passages": _passages,
    "best_passage": lambda f, _: "named in a top retrieved passage",
    "vote:": _vote_role,
    "prior": _prior,
    "documents": _documents,
    "documents:": _documents,
    "neighbours": _neighbours,
    "neighbours:": _neighbours,
    "neighbour_rank": lambda f, _: _neighbours(f, STATED),
    "cooccur": _cooccur,
    "cooccur:": _cooccur,
    "classifier": _classifier,
    "classifier_log": _classifier,
    "classifier_rank": _classifier,
    "type:": lambda f, kind: f"type: {kind}",
    "named_in_query": lambda f, _: "named in the text of the query",
    "year_gap": lambda f, _: f"evidence {f['year_gap']:.0f} years from the query's years",
    "age": lambda f, _: f"evidence as recent as {f['newest']:.0f}",
}
"""A phrase for each feature (a key ending in ':' covers every role or type after it)."""


def phrase(feature: str, facts: Facts) -> str:
    """The words for one feature of a candidate."""
    head, sep, rest = feature.partition(":")
    return PHRASES[head + sep](facts, rest)


def explain_candidate(candidate: Candidate, contributions: dict[str, float], top: int = 3) -> list[str]:
    """The phrases of the `top` features present for a candidate that raised its score most (repeats
    merged); a feature that is absent (0) says nothing about the actor and is not put into words."""
    out: list[str] = []
    for feature, value in sorted(contributions.items(), key=lambda kv: -kv[1]):
        if value <= 0 or len(out) == top:
            break
        if not candidate.values.get(feature):
            continue
        words = phrase(feature, candidate.facts)
        if words not in out:
            out.append(words)
    return out


def explain_votes(tally: Tally) -> list[str]:
    """The voting model's explanation: the supporting passages, by stated role."""
    roles = Counter(s.role for s in tally.support if s.role)
    out = [f"named in {len(tally.support)} retrieved passages"]
    out += [f"named as {role} in {n} of them" for role, n in roles.most_common()]
    return out
