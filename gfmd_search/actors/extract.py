"""The extraction pipeline: gazetteer scan, acronym definitions, overlap resolution, roles."""

from __future__ import annotations

import re
from functools import lru_cache

from ..records import Mention
from .acronyms import Definition, find_definitions
from .gazetteer import ACRONYM, COUNTRY, Candidate, Entity, get_gazetteer, normalise
from .roles import assign_roles

_WHOLE_COUNTRY_INSTITUTION = re.compile(
    r"\b(?:Ministry|Ministries|Government|MFA|Agency|Department|Office|Embassy|Mission|Presidency|Directorate"
    r"|Secretariat|Bureau|Authority|Cooperation|Co-operation|Development|Commission|Institute|Council"
    r"|Administration|Service|State|Federal|National)\b"
)


def extract_mentions(text: str) -> list[Mention]:
    """Actors named in `text`, sorted by start, non-overlapping (longest match wins)."""
    if not text:
        return []
    gaz = get_gazetteer()
    candidates = gaz.scan(text)
    defined, definitions = find_definitions(text, gaz, candidates)
    candidates.extend(defined)
    if definitions:
        candidates = _rebind_acronyms(text, candidates, definitions)
    chosen = _select(candidates)
    mentions = [
        Mention(c.entity.name, c.entity.type, text[c.start:c.end], c.start, c.end)
        for c in chosen
        if not c.entity.exclude
    ]
    assign_roles(text, mentions)
    return mentions


def _rebind_acronyms(text: str, candidates: list[Candidate], definitions: list[Definition]) -> list[Candidate]:
    """Later bare uses of a defined acronym resolve to its definition (or to nothing if blocked)."""
    by_acr: dict[str, list[Definition]] = {}
    for d in sorted(definitions, key=lambda d: d.end):
        by_acr.setdefault(d.acronym, []).append(d)
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(a) for a in sorted(by_acr, key=len, reverse=True)) + r")(?![\w])")
    blocked: set[tuple[int, int]] = set()
    for m in pattern.finditer(text):
        # A definition binds later uses; a blocking one also the acronym inside its own parenthesis.
        live = [d for d in by_acr[m.group()] if d.end <= m.start() or (d.entity is None and d.start <= m.start())]
        if not live:
            continue
        entity = live[-1].entity
        if entity is None:
            blocked.add(m.span())
        else:
            candidates.append(Candidate(m.start(), m.end(), entity, ACRONYM, priority=2))
    if blocked:
        candidates = [c for c in candidates if (c.start, c.end) not in blocked or c.priority > 0]
    return candidates


def _select(candidates: list[Candidate]) -> list[Candidate]:
    """Greedy: longest first, then higher priority, then leftmost; no two chosen overlap."""
    chosen: list[Candidate] = []
    taken: list[tuple[int, int]] = []
    for c in sorted(candidates, key=lambda c: (-(c.end - c.start), -c.priority, c.start)):
        if any(c.start < e and s < c.end for s, e in taken):
            continue
        chosen.append(c)
        taken.append((c.start, c.end))
    chosen.sort(key=lambda c: c.start)
    return chosen


@lru_cache(maxsize=8192)
def canonical_actor(name: str) -> tuple[str, str] | None:
    """Resolve a free-form actor name to (canonical name, type); None when unknown or not an actor
    (the GFMD itself). A name the gazetteer does not hold but that extraction would report as one
    actor ("Full Name (ACR)") resolves to what extraction reports."""
    if not name or not name.strip():
        return None
    gaz = get_gazetteer()
    key = normalise(name).strip(" .,;:")
    entity = _resolve(gaz, key)
    if entity is None:
        return None
    return None if entity.exclude else (entity.name, entity.type)


def _resolve(gaz, key: str) -> Entity | None:
    for candidate in (key, re.sub(r"^the\s+", "", key, flags=re.IGNORECASE)):
        entity = gaz.resolve_name(candidate)
        if entity is not None:
            return entity
    mentions = extract_mentions(key)
    stripped = re.sub(r"^the\s+", "", key, flags=re.IGNORECASE)
    offset = len(key) - len(stripped)
    if len(mentions) == 1 and mentions[0].start <= offset and mentions[0].end >= len(key):
        return gaz.by_name.get(mentions[0].name) or Entity(mentions[0].name, mentions[0].type)
    # "X (Y)": an acronym and its expansion, or a name and a note ("Germany (co-chair with Morocco)").
    m = re.fullmatch(r"(.+?)\s*\((.+)\)", key)
    if m:
        left, right = _resolve(gaz, m.group(1)), _resolve(gaz, m.group(2))
        if left is not None and right is not None and left is not right:
            short = len(m.group(1)) <= len(m.group(2))
            return right if short else left
        if left is not None or right is not None:
            return left or right
    if mentions:
        names = {mm.name for mm in mentions}
        covered = sum(mm.end - mm.start for mm in mentions)
        letters = len(re.sub(r"\W", "", key)) or 1
        if len(names) == 1 and covered * 2 >= letters:
            first = mentions[0]
            return gaz.by_name.get(first.name) or Entity(first.name, first.type)
        # A country's own body: "Ghana Ministry of Foreign Affairs", "Swedish Consumer Agency".
        first = mentions[0]
        entity = gaz.by_name.get(first.name)
        if (
            entity is not None
            and entity.kind == COUNTRY
            and first.start <= offset
            and len(names) == 1
            and _WHOLE_COUNTRY_INSTITUTION.search(key, first.end)
        ):
            return entity
    return None
