"""Recommendations stated in prose, in English, French and Spanish: "We recommend ...", "It is
recommended that ...", impersonal advice ("It is important to monitor ..."), and sentences whose
subject is an actor or a group followed by a modal ("IOM should ...", "Governments are encouraged
to ...", "Les États devraient ...", "Los gobiernos deberían ..."). A modal sentence whose subject
names no one is not taken."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .addressees import addressee_phrase, resolve

_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?!\s|$))+(?:[.!?]|\n|$)")
RECOMMENDS = re.compile(
    r"\b(?:we\s+(?:strongly\s+|also\s+|therefore\s+)?recommend|(?:the\s+)?(?:evaluation|evaluators?|report|review|study|"
    r"team)\s+(?:strongly\s+|also\s+)?recommends?\s+that|it\s+is\s+(?:strongly\s+|also\s+|therefore\s+)?recommended"
    r"|nous\s+recommandons|il\s+est\s+(?:fortement\s+|également\s+|donc\s+)?recommandé|l[’']évaluation\s+recommande"
    r"|recomendamos|se\s+recomienda|la\s+evaluación\s+recomienda"
    r"|(?:the\s+)?(?:authors?|evaluators?|evaluation|team|we)\s+(?:highly\s+|strongly\s+)?encourages?)\b",
    re.IGNORECASE,
)
# Advice with no subject to name: "it is important to monitor ...", "further research would be necessary"
# (not "it is important to note": that points at a fact).
IMPERSONAL = re.compile(
    r"\b(?:it\s+is\s+(?:also\s+|therefore\s+)?(?:important|crucial|essential|necessary|advisable|key)"
    r"(?:\s+for\s+[\w\s]{1,40}?)?\s+(?:to|that)\b(?!\s+(?:note|highlight|mention|stress|bear\s+in\s+mind|keep\s+in\s+mind"
    r"|remember|acknowledge|state|recogni[sz]e|understand|point\s+out|emphasi[sz]e|underline)\b)"
    r"|(?:would|will)\s+be\s+(?:necessary|needed|required|advisable)\s+to)",
    re.IGNORECASE,
)
# The modals of advice (not "must": rules and requirements are stated with it).
ADVICE = re.compile(
    r"\b(?:should|ought\s+to|(?:is|are)\s+(?:strongly\s+|also\s+)?(?:encouraged|urged|invited|called\s+upon|advised)\s+to"
    r"|devrai(?:t|ent)|(?:est|sont)\s+(?:invit[ée]e?s?|encourag[ée]e?s?|appel[ée]e?s?)\s+à"
    r"|deber(?:ía|ían)|(?:está|están)\s+(?:invitad|alentad)[oa]s?\s+a)\b",
    re.IGNORECASE,
)
# What ends a subject, reading back from the modal: a clause break or a word no subject holds.
_SUBJECT_BREAK = re.compile(
    r"[,;:()]|\b(?:that|which|who|whom|where|when|if|whether|what|how|it|there|this|these|do|does|did|not|is|are|was|were"
    r"|has|have|had|states?|says?|said|notes?|found|indicated|que|qui|si|il|est|sont|que|si|es|son)\b",
    re.IGNORECASE,
)
SUBJECT_WORDS = 8
MAX_CHARS = 600


def find_prose(text: str, skip: list[tuple[int, int]]) -> Iterator[tuple[int, int, list[str]]]:
    """(start, end, addressees) of each prose recommendation outside the `skip` spans."""
    for m in _SENTENCE.finditer(text):
        sentence = m.group()
        stripped = sentence.strip()
        if len(stripped) < 25 or len(sentence) > MAX_CHARS or stripped.endswith("?"):
            continue
        start = m.start() + len(sentence) - len(sentence.lstrip())
        if any(s <= start < e for s, e in skip):
            continue
        if RECOMMENDS.search(stripped) or IMPERSONAL.search(stripped):
            yield start, start + len(stripped), resolve(addressee_phrase(stripped))
            continue
        modal = ADVICE.search(stripped)
        if modal is None:
            continue
        names = resolve(_subject(stripped[: modal.start()]))
        if names:
            yield start, start + len(stripped), names


def _subject(head: str) -> str | None:
    """The subject of a modal: back from it to the last clause break, which must be punctuation
    or the sentence start ("IOM should", "In line with X, IOM should"); when the modal directly
    follows an aside ("The agencies, with X, should"), the sentence's first clause. None when a
    word such as "that" or "noted" comes first: then the sentence reports, it does not advise."""
    breaks = list(_SUBJECT_BREAK.finditer(head))
    if breaks and breaks[-1].group()[0].isalpha():
        return None
    subject = head[breaks[-1].end() :] if breaks else head
    if not subject.strip() and breaks and breaks[-1].group() == ",":
        subject = head[: breaks[0].start()]
    return subject if 0 < len(subject.split()) <= SUBJECT_WORDS else None
