"""Recommendations as units: found in each document at ingest, with their addressees and
management responses, then linked across documents.

    extract(doc)           -> Extraction(units, roles)   one document's recommendations, in order
    link(units, documents) -> units with `same_as` set   repeats across documents (briefs, matrices)
    resolve(units)         -> units with links shown on both sides, responses carried over
    stats(units)           -> counts, and the responses no recommendation elsewhere was found for
    with_roles(mentions, chunk, roles) -> a chunk's actor mentions, addressees and responsible units marked

VERSION changes with the extraction rules, so an index knows when its stored units are stale.
"""

from __future__ import annotations

from .extract import ADDRESSEE, RESPONSIBLE, Extraction, extract, with_roles
from .link import link, resolve, stats

VERSION = "4"

__all__ = ["ADDRESSEE", "RESPONSIBLE", "VERSION", "Extraction", "extract", "link", "resolve", "stats", "with_roles"]
