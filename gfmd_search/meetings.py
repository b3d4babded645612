"""The wording of GFMD meeting records: one writer for every text made from the GFMD facts.

`scripts/build_sample_corpus.py` writes the sample corpus' meeting records with these functions,
and the partner evaluation writes its roundtable documents with the same ones, so the actor
extractor finds the same stated roles ("co-chaired by", "Team members:") in both.
A meeting, roundtable or thematic meeting is a dict of ``gfmd-facts/meetings.json``.
"""

from __future__ import annotations

import re
from typing import Any

Facts = dict[str, Any]


def join_names(names: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def sentence(text: str) -> str:
    """End a text with a full stop unless it already ends with punctuation."""
    text = text.strip()
    return text if text[-1:] in ".!?" else text + "."


def meeting_place(m: Facts) -> str:
    """The place in a meeting's name: the city without its parenthesis (the chair country if online)."""
    city = re.sub(r"\s*\(.*?\)", "", m["city"]).strip()
    if city.lower() == "online":
        return re.sub(r"\s*\(.*?\)", "", m["chair_country"]).strip()
    return city


def meeting_label(m: Facts) -> str:
    """A meeting's name, e.g. "GFMD 2012 Port Louis"."""
    return f"GFMD {m['year']} {meeting_place(m)}"


def roundtable_heading(rt: Facts) -> str:
    """The heading of a roundtable session: its number and title."""
    rid = str(rt.get("id") or "").strip()
    if rid.startswith("Cluster"):
        head = f"Thematic cluster {rid.split(None, 1)[1]}" if " " in rid else rid
    elif rid in ("?", ""):
        head = "Roundtable (session number not recorded)"
    elif rid.startswith("RTs"):
        head = "Roundtables " + rid[3:].strip()
    else:
        head = f"Roundtable {rid}"
    head = f"{head}: {rt['title']}"
    return head + " (uncertain)" if rt.get("uncertain") else head


def roundtable_paragraphs(rt: Facts, label: str) -> list[str]:
    """The paragraphs of a roundtable session of meeting `label`: topic, then who took part."""
    intro = f"At {label}, this session discussed \u201c{rt['title']}\u201d."
    if rt.get("uncertain"):
        intro += " This roundtable record is marked uncertain in the source facts."
    people = []
    if rt.get("co_chairs"):
        people.append(f"The roundtable was co-chaired by {join_names(rt['co_chairs'])}.")
    if rt.get("team_members"):
        people.append(f"Team members: {', '.join(rt['team_members'])}.")
    if rt.get("non_state_partners"):
        people.append(f"Non-state partners: {', '.join(rt['non_state_partners'])}.")
    if rt.get("coordinators"):
        people.append(f"Coordinators: {'; '.join(rt['coordinators'])}.")
    if not people:
        people.append(
            "No co-chairs, team members, non-state partners or coordinators are recorded for this session."
        )
    paras = [intro, " ".join(people)]
    if rt.get("notes"):
        paras.append("Notes: " + sentence(rt["notes"]))
    return paras


def thematic_heading(tm: Facts) -> str:
    """The heading of a thematic meeting."""
    head = f"Thematic meeting: {tm['title']}"
    return head + " (uncertain)" if tm.get("uncertain") else head


def thematic_paragraphs(tm: Facts) -> list[str]:
    """The paragraphs of a thematic meeting: date, place, co-conveners, notes."""
    parts = []
    if tm.get("date"):
        parts.append(f"Date: {tm['date']}.")
    if tm.get("place"):
        parts.append(f"Place: {tm['place']}.")
    if tm.get("co_conveners"):
        parts.append(f"Co-convened by {join_names(tm['co_conveners'])}.")
    if not parts:
        parts.append("No date, place or co-conveners are recorded for this meeting.")
    if tm.get("uncertain"):
        parts.append("This record is marked uncertain in the source facts.")
    paras = [" ".join(parts)]
    if tm.get("notes"):
        paras.append("Notes: " + sentence(tm["notes"]))
    return paras
