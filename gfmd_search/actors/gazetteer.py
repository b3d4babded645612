"""The actor gazetteer: countries (pycountry + data/countries.json) and organisations
(data/organisations.json), loaded once and compiled into one trie-shaped regular expression.

The trie regex shares prefixes between the ~4,000 surface forms, so a scan costs about one
character test per text position; `finditer` gives leftmost-longest, non-overlapping matches.
`Gazetteer.scan` turns those matches into candidates after the context filters that keep
"Chad Smith", "available in French." or "Latin American" from becoming countries.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

GOVERNMENT = "government"
INTERNATIONAL = "international organisation"
CIVIL_SOCIETY = "civil society / other"
TYPES = (GOVERNMENT, INTERNATIONAL, CIVIL_SOCIETY)

COUNTRY, ORGANISATION = "country", "organisation"
NAME, ACRONYM, DEMONYM = "name", "acronym", "demonym"

DATA_FILES = ("countries.json", "organisations.json")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'",
                              "\u2010": "-", "\u2011": "-", "\u00a0": " "})
_SPACES = re.compile(r"\s+")

# Words that may follow a country name without making it a person's given name ("Chad Basin").
INSTITUTION_WORDS = frozenset("""
Government Governments Ministry Ministries Embassy Mission Permanent Delegation Republic National Federal
State States Country Office Offices Agency Department Authorities Authority Council Commission Institute
Bureau Development Migration Migrants Migrant Refugee Refugees Diaspora Labour Labor High Plan Strategy
Action Response Crisis Emergency Humanitarian Operations Team Programme Program Project Projects Case Study
Basin Lake River Valley Red Army Police Parliament Forces Defence Defense Consulate Province Region Regional
Border Coast Coastal North South East West Central Northern Southern Eastern Western Annual Report Chapter
Profile Mission Returnees Community Communities Roundtable Roundtables Ministerial Presidency Prime President
Senate Congress Court Secretariat Cooperation Co-operation Compact Partnership Partnerships Dialogue Process
Summit Chair Co-Chair Host Donor Evaluation Evaluations Final Interim Midterm Mid-term Baseline Survey Census
Statistics Statistical Data Directorate General Overseas Abroad Foreign Affairs Interior Justice Health
Education Trade Economy Economic Finance Social Welfare Women Youth Children Health Airways Airlines
""".split())

TITLES = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Mx|Dr|Prof|Professor|Sir|Dame|Amb|Ambassador|Mister|Miss|Rev|Hon|Sen|Rep|Gov|Minister|"
    r"Secretary|Director|Chairman|Chairperson|President|Dear)|\bH\.\s?E)\.?\s*$"
)
_NEXT_WORD = re.compile(r"\s+([A-Z][a-z][\w'\u2019-]*)")
_NEXT_INITIAL = re.compile(r"\s+[A-Z]\.\s")
_LANGUAGE_NEXT = re.compile(r"[ \t]*\n?[ \t]*([A-Za-z]+)")
LANGUAGE_NOUNS = frozenset("""
language languages speaking speakers speaker version versions translation translations text texts original
spoken dialect dialects script alphabet
""".split())
LANGUAGE_VERBS = frozenset("in into from speak speaks spoke spoken speaking fluent translated written".split())

# Prefixes that fold into a following country mention: "Government of the Philippines" -> Philippines.
_GOV_PREFIX = re.compile(
    r"(?:\b(?:(?:Royal|Federal|National|Central|Imperial)\s+)?Government|\bPermanent\s+Mission|\bEmbassy|\bConsulate"
    r"|\bMinistry\s+(?:of|for)\s+(?:(?:[A-Z][\w'\-&]*|of|for|and|the|&),?\s+){1,10}?)"
    r"\s*of\s+(?:the\s+)?$"
)
_GOV_PREFIX_WINDOW = 140


def normalise(s: str) -> str:
    """The key a surface form is looked up by: straight apostrophes, plain hyphens, single spaces."""
    return _SPACES.sub(" ", s.translate(_APOSTROPHES)).strip()


@dataclass(frozen=True)
class Entity:
    """One actor: its canonical name and type."""

    name: str
    type: str
    kind: str = ORGANISATION
    exclude: bool = False
    country: str | None = None


@dataclass(frozen=True)
class Form:
    """A surface form of an entity."""

    entity: Entity
    kind: str


@dataclass
class Candidate:
    """A span of text resolved to an entity, before overlap resolution."""

    start: int
    end: int
    entity: Entity
    kind: str
    priority: int = 0


def _load_json(name: str) -> dict[str, Any]:
    return json.loads(resources.files("gfmd_search").joinpath("data", name).read_text(encoding="utf-8"))


def data_fingerprint() -> str:
    """A short hash of the gazetteer data files (part of actors.VERSION)."""
    h = hashlib.sha256()
    for name in DATA_FILES:
        h.update(resources.files("gfmd_search").joinpath("data", name).read_bytes())
    return h.hexdigest()[:12]


def _plural(word: str) -> str | None:
    if " " in word or word.endswith(("s", "sh", "ch", "x", "ese", "ic", "y")):
        return None
    return word + "s"


class Gazetteer:
    """All surface forms, the compiled trie regex and the context rules."""

    def __init__(self, countries: dict[str, Any], organisations: dict[str, Any]):
        self.forms: dict[str, Form] = {}
        self.by_name: dict[str, Entity] = {}
        self.lower: dict[str, Entity] = {}
        self.acronyms: dict[str, Entity] = {}
        self._add_countries(countries)
        self._add_organisations(organisations)
        self.person_names = frozenset(countries.get("person_names", []))
        self.language_adjectives = frozenset(countries.get("language_adjectives", []))
        self.not_after = {k: tuple(v) for k, v in countries.get("not_after", {}).items()}
        self.not_before = {
            k: tuple(v) for table in (countries, organisations) for k, v in table.get("not_before", {}).items()
        }
        self.ambiguous = frozenset(organisations.get("ambiguous_acronyms", []))
        self.first_words = frozenset(k.split(" ")[0] for k in self.forms)
        self.regex = re.compile(r"(?<![\w])(?:" + _trie_pattern(self.forms) + r")(?![\w])")

    # ---------------------------------------------------------------- building
    def _add(self, surface: str, entity: Entity, kind: str, upper: bool = False) -> None:
        key = normalise(surface)
        if not key:
            return
        held = self.forms.get(key)
        # First writer wins, but a name beats an acronym/demonym reading of the same string.
        if held is None or (held.kind != NAME and kind == NAME and held.entity != entity):
            self.forms[key] = Form(entity, kind)
        if kind == NAME and (len(key) >= 5 or " " in key):
            self.lower.setdefault(key.lower(), entity)
        if kind == ACRONYM:
            self.acronyms.setdefault(key, entity)
        if upper and sum(c.isalpha() for c in key) >= 4 and key.upper() != key:
            self.forms.setdefault(key.upper(), Form(entity, NAME))

    def _entity(self, name: str, type_: str, kind: str, exclude: bool = False, country: str | None = None) -> Entity:
        if type_ not in TYPES:
            raise ValueError(f"unknown actor type {type_!r} for {name!r}")
        if name in self.by_name:
            raise ValueError(f"duplicate canonical actor name {name!r}")
        e = Entity(name, type_, kind, exclude, country)
        self.by_name[name] = e
        return e

    def _add_countries(self, data: dict[str, Any]) -> None:
        import pycountry

        overrides = data.get("canonical", {})
        aliases = data.get("aliases", {})
        demonyms = data.get("demonyms", {})
        excluded = set(data.get("exclude", []))
        codes: dict[str, list[str]] = {}
        for c in pycountry.countries:
            if c.alpha_3 in excluded:
                continue
            names = [c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)]
            codes[c.alpha_3] = [n for n in names if n]
            canonical = overrides.get(c.alpha_3) or getattr(c, "common_name", None) or c.name
            codes[c.alpha_3].insert(0, canonical)
        for code, name in data.get("extra_countries", {}).items():
            codes[code] = [overrides.get(code, name)]
        for code, names in codes.items():
            entity = self._entity(names[0], GOVERNMENT, COUNTRY)
            for n in names + aliases.get(code, []):
                if n.lower().startswith("the "):
                    n = n[4:]
                kind = ACRONYM if (n.replace(".", "").isupper() and len(n.replace(".", "")) <= 4) else NAME
                self._add(n, entity, kind, upper=kind == NAME)
            for d in demonyms.get(code, []):
                self._add(d, entity, DEMONYM)
                plural = _plural(d)
                if plural:
                    self._add(plural, entity, DEMONYM)

    def _add_organisations(self, data: dict[str, Any]) -> None:
        for o in data["organisations"]:
            entity = self._entity(o["name"], o["type"], ORGANISATION, bool(o.get("exclude")), o.get("country"))
            for n in [o["name"], *o.get("aliases", [])]:
                self._add(n, entity, NAME, upper=" " in n)
            for a in o.get("acronyms", []):
                self._add(a, entity, ACRONYM)

    # ---------------------------------------------------------------- lookup
    def lookup(self, surface: str) -> Form | None:
        return self.forms.get(normalise(surface))

    def resolve_name(self, name: str) -> Entity | None:
        """Exact (then case-insensitive, full names only) lookup of a whole string."""
        key = normalise(name)
        form = self.forms.get(key)
        if form is not None:
            return form.entity
        return self.lower.get(key.lower())

    # ---------------------------------------------------------------- scanning
    def scan(self, text: str) -> list[Candidate]:
        """Gazetteer matches in `text` that survive the context filters."""
        out: list[Candidate] = []
        for m in self.regex.finditer(text):
            surface = m.group()
            form = self.forms.get(normalise(surface))
            if form is None:  # pragma: no cover - every trie path ends on a known form
                continue
            start, end = m.span()
            if not self._keep(text, start, end, surface, form):
                continue
            if form.entity.kind == COUNTRY and form.kind != DEMONYM:
                start = self._government_prefix(text, start)
            out.append(Candidate(start, end, form.entity, form.kind))
        return out

    def _keep(self, text: str, start: int, end: int, surface: str, form: Form) -> bool:
        key = normalise(surface)
        before = self.not_after.get(key)
        if before and _prev_word_in(text, start, before):
            return False
        after = self.not_before.get(key)
        if after and _next_starts_with(text, end, after):
            return False
        if form.kind == ACRONYM:
            if end < len(text) and text[end] == "$":
                return False
            if key in self.ambiguous and self._in_caps_run(text, start, end):
                return False
        if key in self.person_names and self._is_person(text, start, end):
            return False
        if form.kind == DEMONYM and key in self.language_adjectives and self._is_language(text, start, end):
            return False
        return True

    def _is_person(self, text: str, start: int, end: int) -> bool:
        if TITLES.search(text[max(0, start - 25):start]):
            return True
        if _NEXT_INITIAL.match(text, end):
            return True
        m = _NEXT_WORD.match(text, end)
        if not m:
            return False
        word = normalise(m.group(1))
        return word not in INSTITUTION_WORDS and word not in self.first_words

    @staticmethod
    def _is_language(text: str, start: int, end: int) -> bool:
        """'available in French.', 'French-speaking', 'in Spanish and ...': a language, not a country."""
        nxt = _LANGUAGE_NEXT.match(text, end)
        next_word = nxt.group(1).lower() if nxt else None
        if text[end:end + 1] == "-" or next_word in LANGUAGE_NOUNS:
            return True
        prev = re.search(r"([A-Za-z]+)[^A-Za-z]*$", text[max(0, start - 30):start])
        prev_word = prev.group(1).lower() if prev else None
        if prev_word in LANGUAGE_VERBS and (next_word is None or next_word in ("and", "or")):
            return True
        return next_word is None and prev_word in ("and", "or")

    def _in_caps_run(self, text: str, start: int, end: int) -> bool:
        """True when a neighbouring word is an ALL-CAPS word that is not itself a known form."""
        left = re.search(r"([A-Za-z]{2,})[ \t]+$", text[max(0, start - 30):start])
        right = re.match(r"[ \t]+([A-Za-z]{2,})", text[end:end + 30])
        for m in (left, right):
            if m and m.group(1).isupper() and m.group(1) not in self.forms:
                return True
        return False

    @staticmethod
    def _government_prefix(text: str, start: int) -> int:
        window = text[max(0, start - _GOV_PREFIX_WINDOW):start]
        m = _GOV_PREFIX.search(window)
        return start - (len(window) - m.start()) if m else start


def _prev_word_in(text: str, start: int, words: tuple[str, ...]) -> bool:
    prev = text[max(0, start - 40):start].rstrip(" \t\n-\u2010\u2011")
    for w in words:
        if prev.endswith(w) and (len(prev) == len(w) or not prev[-len(w) - 1].isalnum()):
            return True
    return False


def _next_starts_with(text: str, end: int, phrases: tuple[str, ...]) -> bool:
    nxt = text[end:end + 40]
    stripped = nxt.lstrip()
    for p in phrases:
        candidate = nxt if not p[0].isalnum() else stripped
        if candidate.startswith(p):
            rest = candidate[len(p):]
            if not p[-1].isalnum() or not rest or not rest[0].isalnum():
                return True
    return False


_CHAR_PATTERNS = {" ": r"\s+", "'": "['\u2019\u2018`\u00b4]", "-": "[-\u2010\u2011]"}


def _trie_pattern(forms: dict[str, Form]) -> str:
    """One regex for all keys, shaped as a character trie (greedy: longest key first)."""
    root: dict = {}
    for key in forms:
        node = root
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = True
    return _node_pattern(root)


def _node_pattern(node: dict) -> str:
    terminal = "" in node
    alts = []
    for ch in sorted(k for k in node if k):
        alts.append(_CHAR_PATTERNS.get(ch, re.escape(ch)) + _node_pattern(node[ch]))
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return "(?:" + body + ")?" if terminal else body


@lru_cache(maxsize=1)
def get_gazetteer() -> Gazetteer:
    """The gazetteer, built on first use and cached for the process."""
    return Gazetteer(_load_json("countries.json"), _load_json("organisations.json"))
