"""Role detection: what a sentence says an actor did (chair, co-chair, host, donor, ...).

Two kinds of cue, both tied to the mention by position within one sentence:
- a trigger before a list of mentions ("co-chaired by X, Y and Z", "Donors: X, Y", "hosted by X",
  "in partnership with X", "team members: A, B, C"); the first mention must start within
  FORWARD_REACH characters of the trigger, and the role then runs along the list;
- a cue right after a mention (or a list ending in it): "X (co-chair)", "X and Y co-chaired",
  "X, which hosted", "X as donor", "X's chairmanship".
Forward cues are read first and win; a mention keeps the first role it is given.
"""

from __future__ import annotations

import re

from ..records import CHAIR, CO_CHAIR, DONOR, HOST, IMPLEMENTING_PARTNER, TEAM_MEMBER, Mention

FORWARD_REACH = 60
_LISTING = r"\s*(?::|were|was|is|are|include[sd]?|including|being|such\s+as)"
_CO = r"co(?:-\s?|\s)?"

_FORWARD = [
    (CO_CHAIR, rf"\b{_CO}chair(?:ed|ing)\s+(?:jointly\s+)?(?:by|for|with)\b"),
    (CO_CHAIR, rf"\b{_CO}chair(?:s|persons?|men|women)?(?:{_LISTING}|\s+with\b)"),
    (CO_CHAIR, rf"\bunder\s+the\s+{_CO}chair(?:man|person|woman)?ship\s+of\b"),
    (CHAIR, r"(?<![\w-])chaired\s+by\b"),
    (CHAIR, r"(?<![\w-])chair(?:s|person|man|woman)?\s*:"),
    (CHAIR, r"\bunder\s+the\s+(?:chair(?:man|person|woman)?ship|presidency)\s+of\b"),
    (CHAIR, r"(?<![\w-])chair(?:ing)?\s+(?:country|government)" + _LISTING),
    (HOST, r"\bhosted\s+(?:jointly\s+)?by\b"),
    (HOST, r"\bhost(?:ing)?\s+(?:countr(?:y|ies)|governments?|city)(?:" + _LISTING + r"|\s*,)"),
    (HOST, r"\bhosts?\s*:"),
    (HOST, r"\bat\s+the\s+invitation\s+of\b"),
    (DONOR, r"\b(?:co-)?(?:funded|financed|sponsored|bankrolled)\s+(?:jointly\s+|generously\s+|fully\s+|partly\s+)?by\b"),
    (DONOR, r"\bdonors?(?:\s+countr(?:y|ies))?" + _LISTING),
    (DONOR, r"\bwith\s+(?:the\s+)?(?:generous\s+)?(?:financial\s+support|funding|financing|financial\s+contributions?"
            r"|grants?|contributions?|support\s+and\s+funding)\s+(?:from|of|by|provided\s+by)\b"),
    (DONOR, r"\b(?:funding|grants?|financing|financial\s+support)\s+(?:from|provided\s+by)\b"),
    (IMPLEMENTING_PARTNER, r"\b(?:co-)?implemented\s+(?:jointly\s+|together\s+)?by\b"),
    (IMPLEMENTING_PARTNER, r"\bimplementing\s+(?:partners?|agenc(?:y|ies)|organi[sz]ations?)(?:" + _LISTING + r"|\s*,)"),
    (IMPLEMENTING_PARTNER, r"\bin\s+(?:close\s+)?(?:partnership|collaboration|cooperation|co-operation)\s+with\b"),
    (IMPLEMENTING_PARTNER, r"\bexecuted\s+by\b"),
    (TEAM_MEMBER, r"\bteam\s+members?" + _LISTING),
    (TEAM_MEMBER, r"\bmembers\s+of\s+the\s+(?:roundtable\s+|RT\s+|working\s+group\s+)?team(?:" + _LISTING + r")?"),
    (TEAM_MEMBER, r"\bteam\s+(?:was\s+|is\s+)?(?:composed|comprised|consisting|made\s+up)\s+of\b"),
]
# Every forward cue contains one of these keywords; a cue starts at most _CUE_BEFORE characters before
# its keyword ("under the co-chairmanship of") and ends at most _CUE_AFTER characters after it. Cues are
# looked for only around keyword hits, and only the cues containing that keyword: one pass of all the
# cue patterns over a whole chunk would cost more than the rest of the extraction together.
_KEYWORDS = (
    "chair", "host", "fund", "financ", "sponsor", "bankroll", "donor", "implement", "execut", "partnership",
    "collaboration", "cooperation", "co-operation", "team", "invitation", "grant", "presidency",
)
CUE_KEYWORDS = re.compile("|".join(_KEYWORDS))  # run on the lower-cased text: far faster than IGNORECASE
_CUE_BEFORE, _CUE_AFTER = 45, 70
_CUES_BY_KEYWORD = {
    kw: [(re.compile(p, re.IGNORECASE), role) for role, p in _FORWARD if kw in p.lower()] for kw in _KEYWORDS
}

_LEAD = r"\s*(?:\(\s*|,\s*(?:which|who|that)\s+(?:also\s+)?|,\s*(?:as\s+)?(?:the\s+)?|\s+as\s+(?:(?:the|a|an)\s+)?)?"
_NOT_BY = r"(?!\s+(?:by|for)\b)"
_MEETING = (
    r"(?:GFMD|Global\s+Forum|Forum|meetings?|summits?|conferences?|roundtables?|workshops?|events?|sessions?"
    r"|dialogues?|consultations?|seminars?|Days|debate)"
)
_BACKWARD = [
    (CO_CHAIR, rf"{_CO}chair(?:s|ed|ing|persons?)?\b{_NOT_BY}"),
    (CHAIR, rf"(?:(?:GFMD\s+)?chair(?:s|ed|ing|person|-in-office)?|presided)\b{_NOT_BY}"),
    (CHAIR, r"['\u2019]s\s+(?:chair(?:man|person|woman)?ship|presidency)\b"),
    (HOST, rf"host(?:s|ed|ing)\s+(?:the\s+)?(?:[\w-]+\s+){{0,3}}?{_MEETING}\b"),
    (HOST, r"host(?:\s+(?:country|government|city))?(?=\s*[),;:.]|\s+(?:of|for|to)\s+the\b)"),
    (DONOR, rf"(?:donors?|funded|financed|sponsored|donated|provided\s+(?:the\s+)?funding)\b{_NOT_BY}"),
    (IMPLEMENTING_PARTNER, rf"(?:implemented|implements|implementing\s+(?:partners?|agency|organi[sz]ation))\b{_NOT_BY}"),
    (TEAM_MEMBER, r"team\s+members?\b"),
]
BACKWARD = re.compile(
    _LEAD + "(?:" + "|".join(f"(?P<b{i}>{p})" for i, (_, p) in enumerate(_BACKWARD)) + ")", re.IGNORECASE
)
BACKWARD_ROLES = [role for role, _ in _BACKWARD]

# What may stand between two mentions of one list.
LIST_GAP = re.compile(
    r"[\s,;/&\u2022\u00b7*\-\u2013]*(?:(?:and|or|as\s+well\s+as|plus)\b[\s,]*)?(?:the\s+)?"
    r"(?:Governments?\s+of\s+(?:the\s+)?)?",
    re.IGNORECASE,
)
LIST_AND = re.compile(r"(?:\band\b|&|\bas\s+well\s+as\b|\bor\b|\n)", re.IGNORECASE)
_ABBREVIATIONS = frozenset("mr ms mrs dr st no amb prof hon jr sr al vs cf e.g i.e etc approx h.e u.s u.k".split())
# Words that may stand between a forward cue and the first mention ("funded by the Government of",
# "co-chaired by Amb. Enrique A. Manalo of the"); any other lower-case word breaks the link.
GAP_WORDS = frozenset("""
the of its their a an both jointly respectively together mainly primarily partly fully generously also
government governments ministry ministries delegation delegations representatives city kingdom republic
state states country countries ambassador minister h.e. amb. mr. ms. dr.
""".split())


def _sentence_break(gap: str) -> bool:
    if re.search(r"\n[ \t]*\n", gap):
        return True
    for m in re.finditer(r"(?<=[^\d\s])[.!?]['\"\u201d\u2019)\]]*\d*(?=\s)", gap):
        word = re.search(r"([\w.]+)$", gap[: m.start()])
        if word is None or word.group(1).lower().rstrip(".") not in _ABBREVIATIONS:
            if not (word and len(word.group(1)) == 1 and word.group(1).isupper()):  # initials: "Enrique A. Manalo"
                return True
    return False


def _forward_gap_ok(gap: str) -> bool:
    if len(gap) > FORWARD_REACH or _sentence_break(gap):
        return False
    for word in re.findall(r"[A-Za-z][\w'.-]*", gap):
        if word[0].islower() and word.lower() not in GAP_WORDS:
            return False
    return True


def _is_list_gap(gap: str) -> bool:
    return LIST_GAP.fullmatch(gap) is not None


def assign_roles(text: str, mentions: list[Mention]) -> None:
    """Set `role` on the mentions (sorted by start) that a nearby cue gives a role."""
    if not mentions:
        return
    for span, role in sorted(_forward_cues(text).items()):
        _forward(text, mentions, span[1], role)
    for k, mention in enumerate(mentions):
        m = BACKWARD.match(text, mention.end)
        if m is None:
            continue
        role = BACKWARD_ROLES[int(m.lastgroup[1:])]
        if mentions[k].role is None:
            mentions[k].role = role
        # Walk back along a list "A, B and C <cue>": the last link must be "and"/"&", not a bare comma
        # ("In Ethiopia, IOM implements ..." is no list).
        j = k
        while j > 0:
            gap = text[mentions[j - 1].end:mentions[j].start]
            if not _is_list_gap(gap) or (j == k and not LIST_AND.search(gap)):
                break
            j -= 1
            if mentions[j].role is None:
                mentions[j].role = role


def _forward_cues(text: str) -> dict[tuple[int, int], str]:
    """Forward cues (span -> role), looked for around keyword hits only."""
    cues: dict[tuple[int, int], str] = {}
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lower-case to two; keep offsets exact
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for k in CUE_KEYWORDS.finditer(lowered):
        lo, hi = max(0, k.start() - _CUE_BEFORE), min(len(text), k.end() + _CUE_AFTER)
        for pattern, role in _CUES_BY_KEYWORD[k.group().lower()]:
            for m in pattern.finditer(text, lo, hi):
                if m.start() <= k.start() < m.end():
                    cues.setdefault(m.span(), role)
    return _leftmost_non_overlapping(cues)


def _leftmost_non_overlapping(cues: dict[tuple[int, int], str]) -> dict[tuple[int, int], str]:
    """Leftmost first, the longest on ties; no two cues overlap."""
    out: dict[tuple[int, int], str] = {}
    end = -1
    for (s, e), role in sorted(cues.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        if s >= end:
            out[(s, e)] = role
            end = e
    return out


def _forward(text: str, mentions: list[Mention], pos: int, role: str) -> None:
    i = next((i for i, m in enumerate(mentions) if m.start >= pos), None)
    if i is None:
        return
    if not _forward_gap_ok(text[pos:mentions[i].start]):
        return
    if mentions[i].role is None:
        mentions[i].role = role
    while i + 1 < len(mentions) and _is_list_gap(text[mentions[i].end:mentions[i + 1].start]):
        i += 1
        if mentions[i].role is None:
            mentions[i].role = role
