"""Actor extraction: countries, international organisations and other bodies named in a text.

    extract_mentions(text) -> list[Mention]   sorted by start, non-overlapping (longest match wins)
    canonical_actor(name)  -> (canonical name, type) | None

The gazetteer data live in gfmd_search/data/countries.json and organisations.json (decisions on
canonical names, EU/EC and the GFMD itself are recorded in those files). VERSION changes whenever
the code version or the data change, so an index knows when its stored mentions are stale.
"""

from __future__ import annotations

from ..records import ROLES
from .extract import canonical_actor, extract_mentions
from .gazetteer import CIVIL_SOCIETY, GOVERNMENT, INTERNATIONAL, TYPES, data_fingerprint

GOVERNMENT = GOVERNMENT  # "government"
INTERNATIONAL = INTERNATIONAL  # "international organisation"
CIVIL_SOCIETY = CIVIL_SOCIETY  # "civil society / other"

_CODE_VERSION = "1"
VERSION = f"{_CODE_VERSION}-{data_fingerprint()}"

__all__ = [
    "CIVIL_SOCIETY",
    "GOVERNMENT",
    "INTERNATIONAL",
    "ROLES",
    "TYPES",
    "VERSION",
    "canonical_actor",
    "extract_mentions",
]
