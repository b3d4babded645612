"""Who a recommendation is addressed to: the actors the index's actor extractor finds in its
addressee phrase, plus groups that are no single actor ("donors", "governments of origin"),
read from gfmd_search/data/addressee_groups.json."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from .. import actors

# The subject before a modal: "IOM should", "Les agences ... devraient", "Governments are encouraged to".
MODAL = re.compile(
    r"\b(?:should|must|ought\s+to|(?:is|are)\s+(?:strongly\s+|also\s+)?(?:encouraged|urged|invited|called\s+upon|advised)\s+to"
    r"|devrai(?:t|ent)|doi(?:t|vent)|(?:est|sont)\s+(?:invit[ée]e?s?|encourag[ée]e?s?|appel[ée]e?s?)\s+à"
    r"|deber(?:ía|ían|á|án)|(?:está|están)\s+(?:invitad|alentad)[oa]s?\s+a)\b",
    re.IGNORECASE,
)
_RECOMMENDED_TO = re.compile(
    r"\b(?:recommended\s+(?:that|to)|recommand[ée]e?\s+(?:aux?|à)|recomienda\s+(?:a|que)|opportun\s+pour)\s+",
    re.IGNORECASE,
)
SUBJECT_REACH = 200


@lru_cache(maxsize=1)
def _groups() -> list[tuple[str, re.Pattern[str]]]:
    data = json.loads(resources.files("gfmd_search").joinpath("data/addressee_groups.json").read_text())
    return [
        (label, re.compile(r"(?<![\w-])(?:" + "|".join(patterns) + r")(?![\w-])", re.IGNORECASE))
        for label, patterns in data.items()
        if not label.startswith("_")
    ]


def addressee_phrase(statement: str) -> str | None:
    """The part of a statement that names who should act: the subject of its first modal, or
    what follows "it is recommended that"; None for an imperative ("Establish ...")."""
    head = statement[: SUBJECT_REACH + 80]
    to = _RECOMMENDED_TO.search(head)
    if to is not None:
        tail = head[to.end() :]
        verb = MODAL.search(tail)
        return tail[: verb.start()] if verb else tail[:120]
    modal = MODAL.search(head)
    if modal is not None and modal.start() <= SUBJECT_REACH:
        return head[: modal.start()]
    return None


def resolve(phrase: str | None) -> list[str]:
    """Canonical actor names and group labels named in `phrase`, in order of appearance."""
    if not phrase:
        return []
    mentions = actors.extract_mentions(phrase)
    found: list[tuple[int, str]] = [(m.start, m.name) for m in mentions]
    taken = [(m.start, m.end) for m in mentions]
    for label, pattern in _groups():
        for m in pattern.finditer(phrase):
            if not any(s < m.end() and m.start() < e for s, e in taken):
                found.append((m.start(), label))
                taken.append(m.span())
    return list(dict.fromkeys(name for _, name in sorted(found)))
