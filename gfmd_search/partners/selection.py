"""Which actors may be suggested: actor type names and exclusions, resolved to canonical names."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..actors import CIVIL_SOCIETY, GOVERNMENT, INTERNATIONAL, TYPES, canonical_actor
from ..records import Mention

TYPE_ALIASES: dict[str, str] = {
    "government": GOVERNMENT, "governments": GOVERNMENT, "country": GOVERNMENT, "countries": GOVERNMENT,
    "state": GOVERNMENT, "gov": GOVERNMENT,
    "international organisation": INTERNATIONAL, "international organization": INTERNATIONAL,
    "international organisations": INTERNATIONAL, "international organizations": INTERNATIONAL,
    "international": INTERNATIONAL, "organisation": INTERNATIONAL, "organization": INTERNATIONAL,
    "organisations": INTERNATIONAL, "organizations": INTERNATIONAL, "io": INTERNATIONAL, "igo": INTERNATIONAL,
    "civil society / other": CIVIL_SOCIETY, "civil society": CIVIL_SOCIETY, "civil": CIVIL_SOCIETY,
    "other": CIVIL_SOCIETY, "cso": CIVIL_SOCIETY, "ngo": CIVIL_SOCIETY, "private sector": CIVIL_SOCIETY,
}
"""Names accepted for the actor types (the canonical type names are in actors.TYPES)."""

Keep = Callable[[Mention], bool]


class UnknownActorType(ValueError):
    """An actor type filter names no known type."""


def resolve_types(types: Iterable[str] | None) -> set[str] | None:
    """Canonical actor types of the names given (None: every type); an unknown name is an error."""
    if not types:
        return None
    out = set()
    for t in types:
        key = " ".join(t.lower().split())
        if key not in TYPE_ALIASES:
            raise UnknownActorType(f"unknown actor type {t!r}; use one of {', '.join(TYPES)}")
        out.add(TYPE_ALIASES[key])
    return out


def resolve_exclude(exclude: Iterable[str] | None) -> set[str]:
    """Canonical names of the actors to leave out ("the Philippines", "Filipino" -> "Philippines").
    A name no actor resolves to is kept as written (lower-cased) and matched against canonical names."""
    out = set()
    for name in exclude or ():
        found = canonical_actor(name)
        out.add(found[0] if found else " ".join(name.lower().split()))
    return out


def actor_filter(types: list[str] | None, exclude: list[str] | None) -> Keep | None:
    """A test a mention's actor must pass to be suggested (None when everything passes)."""
    wanted, left_out = resolve_types(types), resolve_exclude(exclude)
    if wanted is None and not left_out:
        return None

    def keep(m: Mention) -> bool:
        if wanted is not None and m.type not in wanted:
            return False
        return m.name not in left_out and m.name.lower() not in left_out

    return keep
