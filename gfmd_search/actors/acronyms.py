"""'Full Name (ACRONYM)' definitions: the organisations a text introduces itself.

A definition binds the acronym for the rest of the text. When the full name is a known actor
(or the acronym is a known acronym of the name just before it) the pair becomes one mention of
that actor; when it is an unknown organisation (its name has an organisational head word such
as Council, Institute, Foundation) it becomes a new actor of type civil society / other
(government when the name is a ministry); when it names something else ("Migration Data
Strategy (MDS)", "Multidimensional Poverty Index (MPI)") the acronym is blocked for the rest of
the text so that a registry reading of it is not used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .gazetteer import ACRONYM, CIVIL_SOCIETY, GOVERNMENT, NAME, ORGANISATION, Candidate, Entity, Gazetteer, normalise

# "(ACR)": 2-12 characters, starting with a capital; one inner space allowed ("DG INTPA").
PAREN_ACRONYM = re.compile(r"\(\s*([A-Z][A-Za-z0-9&.\-/]{0,11}(?: [A-Z][A-Za-z0-9&\-]{1,8})?)\s*\)")
# "ACR (Full Name)".
ACRONYM_PAREN = re.compile(r"(?<![\w])([A-Z][A-Za-z0-9&\-]{1,11})\s*\(\s*([^()\n]{4,160}?)\s*\)")

CONNECTORS = frozenset(
    "of for and the on de des du la le les el del y et en in to für und & à au aux da do dos das di".split()
)
ORG_HEADS = frozenset("""
Organization Organisation Organizations Organisations Council Councils Commission Institute Institution
Institutions Centre Center Agency Agencies Association Associations Foundation Foundations Fund Bank Network
Networks Federation Union Unions Ministry Ministries Forum Committee Society Societies Alliance Coalition
University Confederation Secretariat Bureau Authority Trust Partnership Church Corporation Company
Cooperative Co-operative Consortium League Chamber Congress Academy College Caritas Observatory Service Services
Administration Directorate Parliament Assembly Board Syndicate Federation Ministère Ministerio Ministério
Fundación Fondation Fundação Instituto Institut Comité Comisión Conseil Consejo Réseau Red Rede Agence Agencia
Asociación Association Servicio Federación Fédération Organización Organisation Universidad Université Banco
Banque Fonds Fondo Secrétariat Secretaría Oficina Conférence Sindicato Syndicat Cámara Chambre Consortium NGO
""".split())
GOVERNMENT_HEADS = frozenset("Ministry Ministries Ministère Ministerio Ministério Government Gouvernement Gobierno".split())

_TOKEN = re.compile(r"\S+")
_CAP_WORD = re.compile(r"^[A-ZÀ-ÞĀ-Ž][\w'\u2019\-.&/]*$")
_WINDOW = 260


@dataclass
class Definition:
    """What one 'Full Name (ACR)' or 'ACR (Full Name)' occurrence established."""

    acronym: str
    start: int  # start of the whole defining span
    end: int  # end of the defining span (after the closing parenthesis)
    entity: Entity | None  # None: the acronym is blocked (a non-actor definition)


def acronym_letters(acr: str) -> str:
    """The capitals of an acronym ("MoLE" -> "MLE", "RDHs" -> "RDH")."""
    return "".join(c for c in acr if c.isupper())


def plausible_acronym(acr: str) -> bool:
    letters = [c for c in acr if c.isalpha()]
    caps = acronym_letters(acr)
    return 2 <= len(caps) <= 10 and len(caps) * 2 >= len(letters)


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"\s+", name.strip()) if w]


def match_tier(acr: str, name: str) -> int:
    """How well `acr` abbreviates `name`: 3 exact initials, 2 close, 1 loose, 0 no."""
    caps = acronym_letters(acr)
    words = [w.strip("\"'“”‘’[]") for w in _words(name)]
    sig = [w for w in words if w and w.lower() not in CONNECTORS and w[0].isalpha()]
    if not caps or not sig:
        return 0
    initials = "".join(w[0].upper() for w in sig)
    parts = "".join(p[0].upper() for w in sig for p in re.split(r"[-/]", w) if p and p[0].isalpha())
    if caps in (initials, parts):
        return 3
    if caps[0] != initials[0]:
        if sorted(caps) == sorted(initials) and len(caps) >= 3 and caps[0] == initials[-1]:
            return 2  # another language's word order ("National Migration Institute (INM)")
        return 0
    for seq in (initials, parts):
        if _is_subsequence(caps, seq) and len(seq) - len(caps) <= 1:
            return 2
        if _is_subsequence(seq, caps) and len(caps) - len(seq) <= 1:
            return 2
    letters = "".join(c for c in " ".join(sig).upper() if c.isalpha())
    if _is_subsequence(caps, letters) and len(sig) <= len(caps) + 1:
        return 1
    return 0


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def has_org_head(name: str) -> bool:
    return any(w.strip(",.") in ORG_HEADS for w in _words(name))


def is_government_name(name: str) -> bool:
    return any(w.strip(",.") in GOVERNMENT_HEADS for w in _words(name))


def new_entity(gaz: Gazetteer, name: str, acr: str) -> Entity:
    """An organisation the text defines: 'Full Name (ACR)'. Its type: that of a known organisation
    it is named after ('OECD Development Centre ...'), government for ministries, else civil society."""
    type_ = GOVERNMENT if is_government_name(name) else CIVIL_SOCIETY
    head = [c for c in gaz.scan(name) if c.start == 0]
    if head and head[0].entity.kind == ORGANISATION and not head[0].entity.exclude:
        type_ = head[0].entity.type
    return Entity(f"{normalise(name)} ({acr})", type_)


def _significant(name: str) -> set[str]:
    words = re.findall(r"[A-Za-zÀ-ÿ]+", name.lower())
    return {w[:6] for w in words if w not in CONNECTORS and len(w) > 2}


def _shares_words(name: str, other: str) -> bool:
    """Do two names share enough words to be spellings of one organisation?"""
    a, b = _significant(name), _significant(other)
    return len(a & b) >= min(2, len(a))


def name_before(text: str, paren_start: int, acr: str) -> tuple[int, str] | None:
    """The best full name ending just before `paren_start` for `acr`: (start offset, name)."""
    lo = max(0, paren_start - _WINDOW)
    tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(text, lo, paren_start)]
    run: list[tuple[int, str]] = []
    for pos, tok in reversed(tokens):
        opener = tok[0] in "[\"“‘'"
        word = tok.lstrip("[\"“‘'")
        if word.endswith((",", ";", ":", ".", ")", "]", "\"", "”")) and not re.fullmatch(r"(?:[A-Z]\.)+", word):
            break
        if not (word.lower() in CONNECTORS or _CAP_WORD.match(word)):
            break
        run.append((pos + (len(tok) - len(word)), word))
        if opener:
            break
    run.reverse()
    while run and run[0][1].lower() in CONNECTORS:
        run.pop(0)
    while run and run[-1][1].lower() in CONNECTORS:
        run.pop()
    best: tuple[int, int, int, str] | None = None  # (tier, length, start, name)
    for i, (pos, word) in enumerate(run):
        if word.lower() in CONNECTORS:
            continue
        name = " ".join(w for _, w in run[i:])
        tier = match_tier(acr, name)
        if tier and (best is None or (tier, len(run) - i) > (best[0], best[1])):
            best = (tier, len(run) - i, pos, name)
    if best is None:
        return None
    return best[2], text[best[2]:paren_start].rstrip()


def find_definitions(text: str, gaz: Gazetteer, candidates: list[Candidate]) -> tuple[list[Candidate], list[Definition]]:
    """New candidates from the acronym definitions in `text`, and the definitions themselves."""
    ends = {c.end: c for c in candidates}
    new: list[Candidate] = []
    defs: list[Definition] = []
    for m in PAREN_ACRONYM.finditer(text):
        acr = m.group(1).rstrip(".")
        if not plausible_acronym(acr):
            continue
        ps, pe = m.start(), m.end()
        d = _define_forward(text, gaz, acr, ps, pe, ends)
        if d is not None:
            defs.append(d)
            if d.entity is not None:
                new.append(Candidate(d.start, d.end, d.entity, NAME, priority=1))
    for m in ACRONYM_PAREN.finditer(text):
        acr, full = m.group(1), m.group(2)
        if not plausible_acronym(acr) or any(d.start <= m.start() < d.end for d in defs):
            continue
        d = _define_backward(gaz, acr, full, m.start(), m.end())
        if d is not None:
            defs.append(d)
            new.append(Candidate(d.start, d.end, d.entity, NAME, priority=1))
    return new, defs


def _define_forward(
    text: str, gaz: Gazetteer, acr: str, ps: int, pe: int, ends: dict[int, Candidate]
) -> Definition | None:
    """'Full Name (ACR)': `ps`, `pe` are the parenthesis' bounds."""
    known = gaz.resolve_name(acr)
    # A known name right before the parenthesis: "United Nations High Commissioner for Refugees (UNHCR)".
    before = text[:ps].rstrip()
    a = ends.get(len(before))
    if a is not None and ps - len(before) <= 3:
        surface = text[a.start:a.end]
        if known is a.entity or (a.kind != ACRONYM and match_tier(acr, surface) >= 2) or (
            known is None and a.kind == ACRONYM and normalise(surface) == acr
        ):
            return Definition(acr, a.start, pe, a.entity)
    found = name_before(text, ps, acr)
    if found is None:
        return None
    start, name = found
    entity = gaz.resolve_name(name)
    if entity is not None:
        return Definition(acr, start, pe, entity)
    tier = match_tier(acr, name)
    if known is not None and known.kind == ORGANISATION and tier >= 2 and _shares_words(name, known.name):
        return Definition(acr, start, pe, known)  # a variant spelling of a registry organisation's name
    if known is not None and tier < 3:
        return None  # a registry acronym after a loosely matching phrase: keep the registry reading
    if has_org_head(name):
        return Definition(acr, start, pe, new_entity(gaz, name, acr))
    if tier >= 2:
        return Definition(acr, start, pe, None)
    return None


def _define_backward(gaz: Gazetteer, acr: str, full: str, start: int, end: int) -> Definition | None:
    """'ACR (Full Name)'."""
    words = _words(full)
    if not words or not all(w.lower() in CONNECTORS or _CAP_WORD.match(w) for w in words):
        return None
    entity = gaz.resolve_name(full)
    known = gaz.resolve_name(acr)
    if entity is None and known is not None and match_tier(acr, full) >= 1:
        entity = known
    if entity is None:
        if match_tier(acr, full) < 2 or not has_org_head(full):
            return None
        entity = new_entity(gaz, full, acr)
    elif known is not None and known is not entity and match_tier(acr, full) < 2:
        return None
    return Definition(acr, start, end, entity)
