"""Input checks the schema cannot express; each refusal names its field (422)."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request

from gfmd_search.config import Settings

from .errors import InvalidInput

#: Most items in a list field (types, exclude, doc_types, paths) and longest item.
MAX_LIST_ITEMS = 100
MAX_ITEM_CHARS = 200


def check_text(value: str, field: str, settings: Settings) -> str:
    """A query or description: not blank, not longer than `max_query_chars`."""
    if "\x00" in value:
        raise InvalidInput(field, "must not contain NUL characters")
    if not value.strip():
        raise InvalidInput(field, "is empty: type a few words to search for")
    if len(value) > settings.max_query_chars:
        raise InvalidInput(
            field, f"is {len(value):,} characters long; the limit is {settings.max_query_chars:,}"
        )
    return value


def check_k(k: int, field: str, settings: Settings) -> int:
    """A number of results between 1 and `max_k`."""
    if k < 1:
        raise InvalidInput(field, "must be at least 1")
    if k > settings.max_k:
        raise InvalidInput(field, f"must be at most {settings.max_k}")
    return k


def check_years(year_from: int | None, year_to: int | None, prefix: str) -> None:
    """`year_from` not after `year_to`."""
    if year_from is not None and year_to is not None and year_from > year_to:
        raise InvalidInput(f"{prefix}.year_from", f"{year_from} is after year_to {year_to}")


def check_list(values: list[str] | None, field: str) -> list[str] | None:
    """A list of names: blank items dropped, bounded in length; None when empty."""
    if values is None:
        return None
    if len(values) > MAX_LIST_ITEMS:
        raise InvalidInput(field, f"has {len(values)} items; the limit is {MAX_LIST_ITEMS}")
    kept = []
    for value in values:
        if len(value) > MAX_ITEM_CHARS:
            raise InvalidInput(field, f"an item is longer than {MAX_ITEM_CHARS} characters")
        if "\x00" in value:
            raise InvalidInput(field, "must not contain NUL characters")
        if value.strip():
            kept.append(value.strip())
    return kept or None


def check_params(request: Request, allowed: Iterable[str]) -> None:
    """Refuse query parameters the endpoint does not know (a typo would otherwise be ignored)."""
    allowed = set(allowed)
    unknown = sorted({key for key in request.query_params if key not in allowed})
    if unknown:
        raise InvalidInput(
            f"query.{unknown[0]}",
            f"unknown parameter {unknown[0]!r}; this endpoint takes {', '.join(sorted(allowed))}",
        )
