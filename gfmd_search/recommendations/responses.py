"""Management responses: status, key actions, responsible units, deadline and priority.

Two layouts are read:
- the response *matrix* (one block per recommendation: the recommendation, "Recommendation to:",
  "Priority level", "Management response (Accept/Partially Accept/Reject) Accepted", then a table
  of key action, time frame, responsible unit(s) and comments);
- the response *form* and prose, where fields follow a numbered recommendation ("Management
  response - partially accept", "Key actions: 1. ... – unit", "Responsible unit(s):").
A block whose status cannot be read gets status None; its raw text is always kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ACCEPTED, PARTIAL, REJECTED = "accepted", "partially accepted", "rejected"
STATUSES = (ACCEPTED, PARTIAL, REJECTED)

_OPTIONS = re.compile(r"\(\s*accept[^)]*/[^)]*\)", re.IGNORECASE)  # "(Accept/Partially Accept/Reject)"
_RESPONSE = re.compile(
    r"\b(?:management\s+response|r[ée]ponse\s+de\s+la\s+direction|respuesta\s+de\s+la\s+(?:direcci[óo]n|gerencia))"
    r"\s*[-–—:]?\s*(?P<status>"
    r"partially\s+accept(?:ed)?|partiellement\s+accept[ée]e?|parcialmente\s+aceptada|accept(?:ed)?|accept[ée]e?"
    r"|aceptada|reject(?:ed)?|rejet[ée]e?|rechazada|not\s+accepted|non\s+accept[ée]e?)?",
    re.IGNORECASE,
)
_PRIORITY = re.compile(r"\bpriority(?:\s+level)?(?:\s*\([^)]*\))?\s*:\s*(?P<p>\d|[A-Za-z]+(?:\s+high)?)", re.IGNORECASE)
RECOMMENDATION_TO = re.compile(r"\brecommendation\s+to\s*:\s*", re.IGNORECASE)
_MATRIX_HEADER = re.compile(
    r"key\s+actions?\s+time\s+frame.*?responsible\s+individual\s+or\s+unit\(s\).*?\bstatus\b", re.IGNORECASE | re.S
)
_BOILERPLATE = re.compile(
    r"Do not complete this column.*?(?:no longer applicable\)\.|action taken\.)", re.IGNORECASE | re.S
)
_TIME_FRAME = re.compile(  # a time-frame cell starts with a capital: "Continuous effort over the next year"
    r"(?:Continuous\s+efforts?|Ongoing|Immediately|Within\s+the\s+next|Over\s+the\s+next|By\s+(?:the\s+end\s+of\s+)?"
    r"(?:\w+\s+)?\d{4}|(?:Q[1-4]|End\s+of)\s+\d{4})[^\n]*"
)
_COMMENT = re.compile(r"\b(?:conditional\s+on|subject\s+to)\b.*", re.IGNORECASE | re.S)
_ACTION_START = re.compile(
    r"^(?:This|The|A|An|All|Future|Use|Conduct|Define|Support|Advocate|Organi[sz]e|Revise|Target|Engage|Develop|Establish"
    r"|Strengthen|Ensure|Explore|Continue|Build|Increase|Improve|Provide|Promote|Review|Update|Include|Create|Prepare"
    r"|Integrate|Share|Hold|Monitor|Map|Identify|Implement|Design|Launch|Set|Mobili[sz]e|Expand|Enhance|Clarify|Facilitate"
    r"|Coordinate|Disseminate|Train|Recruit|Assess|Undertake|Carry|Consider|Seek)\b"
)
_KEY_ACTIONS = re.compile(
    r"\b(?:key\s+actions?|actions?\s+cl[ée]s|acciones\s+clave)\s*:?\s*(?:\(time\s*\d\))?", re.IGNORECASE
)
_FORM_END = re.compile(
    r"\b(?:implementation\s+monitoring|comments\s+on\s+implementation|final\s+implementation)\b", re.IGNORECASE
)
_NUMBERED_ACTION = re.compile(r"(?:(?<=\s)|^)\d{1,2}\.\s+(?=[A-ZÀ-ÝÉ])")
_UNIT_FIELD = re.compile(
    r"\b(?:responsible\s+unit\(?s?\)?|responsibility|unit[ée]s?\s+responsables?|unidad(?:es)?\s+responsables?)\s*:\s*"
    r"(?:\(time\s*\d\)\s*:?\s*)?",
    re.IGNORECASE,
)
_DEADLINE = re.compile(
    r"(?:\d+\s*(?:[-–]|à|a|to)\s*\d+\s*(?:mois|months?|meses|ans?|years?|años)|\d+\s*(?:mois|months?|meses)"
    r"|(?:à\s+partir\s+du\s+mois|from\s+month)\s+\d+|dans\s+la\s+mesure\s+du\s+possible\s+avant\s+la\s+fin\s+du\s+projet"
    r"|(?:short|medium|long)\s+term)[^,–]*",
    re.IGNORECASE,
)
_TIMELINE = re.compile(
    r"\b(?:timeline|time\s+frame|d[ée]lai|plazo)\s*:\s*(?P<t>[^\n]+?)(?=\s+[A-Z][a-z]+\s*:|\n|$)", re.IGNORECASE
)


@dataclass
class Parsed:
    """A response read from a block of text, before it is given its document and page."""

    status: str | None
    actions: list[str]
    responsible: list[str]
    deadline: str | None
    priority: str | None
    raw: str
    offset: int = 0  # where the status field starts in the block


def status_of(text: str) -> tuple[str | None, int | None]:
    """The normalised status stated in a response block, and where its field starts."""
    cleaned = _OPTIONS.sub(lambda m: " " * len(m.group()), text)
    m = _RESPONSE.search(cleaned)
    if m is None:
        return None, None
    word = (m.group("status") or "").lower()
    if not word:
        return None, m.start()
    if word.startswith(("partial", "parcial")):
        return PARTIAL, m.start()
    if word.startswith(("reject", "rejet", "rechaz", "not", "non")):
        return REJECTED, m.start()
    return ACCEPTED, m.start()


def priority_of(text: str) -> str | None:
    m = _PRIORITY.search(text)
    return m.group("p").strip() if m else None


def parse_matrix_block(block: str) -> Parsed:
    """One block of a response matrix, from "Recommendation to:" to the next block."""
    status, at = status_of(block)
    actions, responsible, deadlines = [], [], []
    header = _MATRIX_HEADER.search(block)
    if header is not None:
        rows = _BOILERPLATE.sub("\n", block[header.end() :])
        actions, responsible, deadlines = _matrix_rows(rows)
    return Parsed(
        status,
        actions,
        responsible,
        "; ".join(dict.fromkeys(deadlines)) or None,
        priority_of(block),
        block.strip(),
        at or 0,
    )


def _matrix_rows(rows: str) -> tuple[list[str], list[str], list[str]]:
    """Action, time frame, responsible units, comment: the cells of each row in reading order."""
    lines = [ln.strip() for ln in re.split(r"\n+", rows) if ln.strip()]
    actions: list[str] = []
    responsible: list[str] = []
    deadlines: list[str] = []
    pending: list[str] = []
    units: list[str] | None = None

    def close_units() -> None:
        if units:
            responsible.append(_clean(" ".join(units)))

    for line in lines:
        frame = _TIME_FRAME.search(line)
        if frame is not None and (frame.start() == 0 or pending or units is None or _ACTION_START.match(line)):
            before = line[: frame.start()].strip()
            if before:
                if units is not None and not pending and not _ACTION_START.match(before):
                    units.append(before)
                else:
                    pending.append(before)
            close_units()
            if pending:
                actions.append(_clean(" ".join(pending)))
            pending, units = [], []
            deadlines.append(_clean(frame.group()))
            continue
        comment = _COMMENT.search(line)
        if comment is not None:
            line = line[: comment.start()].strip()
            if not line:
                continue
        if units is not None and not pending and (units == [] or not (_ACTION_START.match(line) or len(line) > 80)):
            units.append(line)
        else:
            pending.append(line)
    close_units()
    return actions, responsible, deadlines


def parse_form(body: str) -> Parsed | None:
    """Response fields following a recommendation in a form or in prose; None when it has none."""
    status, at = status_of(body)
    if at is None:
        return None
    rest = body[at:]
    actions, responsible, deadlines = [], [], []
    key = _KEY_ACTIONS.search(rest)
    if key is not None:
        end = _FORM_END.search(rest, key.end())
        listing = rest[key.end() : end.start() if end else len(rest)]
        parts = _NUMBERED_ACTION.split(listing)
        for part in (p.strip() for p in parts):
            if not part:
                continue
            action, _, unit = (re.split(r"(\s[–—]\s)", part, maxsplit=1) + ["", ""])[:3]
            deadline = _DEADLINE.search(action)
            if deadline:
                deadlines.append(_clean(deadline.group()))
            actions.append(_clean(action))
            if unit:
                responsible.append(_clean(unit))
    timeline = _TIMELINE.search(body)
    if timeline and not deadlines:
        deadlines.append(_clean(timeline.group("t")))
    return Parsed(
        status,
        actions,
        list(dict.fromkeys(responsible)),
        "; ".join(dict.fromkeys(deadlines)) or None,
        priority_of(body),
        rest.strip(),
        at,
    )


def units_field(text: str) -> str | None:
    """The text of a "Responsible unit(s):" / "Responsibility:" field, up to the next field."""
    m = _UNIT_FIELD.search(text)
    if m is None:
        return None
    end = re.search(
        r"\b(?:management\s+response|key\s+actions?|linked\s+to|priority|timeline)\b|\n\s*\n",
        text[m.end() :],
        re.IGNORECASE,
    )
    return _clean(text[m.end() : m.end() + end.start()] if end else text[m.end() :])


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,;:.–—-")
