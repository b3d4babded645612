"""Dependencies shared by the routers: the engine, input checks, the token, file links.

Everything here is a thin layer over `gfmd_search.app.Engine`: the routers never build
their own searcher, so the API ranks exactly as the CLI and the evaluation do.
"""

from __future__ import annotations

import hmac
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gfmd_search.app import Engine
from gfmd_search.config import Settings

#: Largest accepted request body, in bytes (a partners request is a few KiB at most).
MAX_BODY_BYTES = 64 * 1024
#: Most items in a list field (types, exclude, doc_types, paths) and longest item.
MAX_LIST_ITEMS = 100
MAX_ITEM_CHARS = 200


class InvalidInput(ValueError):
    """A request value the API refuses, answered with 422 and the field's name."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ApiError(Exception):
    """An answer other than 422 with a clear message (404, 401, 403, 409, 503, …)."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers


def get_engine(request: Request) -> Engine:
    """The one Engine the app holds."""
    return request.app.state.engine


def get_settings(engine: Engine = Depends(get_engine)) -> Settings:
    return engine.settings


# --- input checks -----------------------------------------------------------------------


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
    if k < 1:
        raise InvalidInput(field, "must be at least 1")
    if k > settings.max_k:
        raise InvalidInput(field, f"must be at most {settings.max_k}")
    return k


def check_years(year_from: int | None, year_to: int | None, prefix: str) -> None:
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


# --- the token ------------------------------------------------------------------------

bearer = HTTPBearer(
    auto_error=False,
    description="The server's `api_token` (setting `api_token`, environment `GFMD_SEARCH_API_TOKEN`).",
)


def require_token(
    engine: Engine = Depends(get_engine),
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
) -> None:
    """Admin endpoints: off (404) without a configured token; then 401 without it, 403 when wrong."""
    token = engine.settings.api_token
    if not token:
        raise ApiError(
            404,
            "admin endpoints are disabled: this server is read-only. Configure `api_token` "
            "(for example GFMD_SEARCH_API_TOKEN=…) to enable ingest and reload.",
        )
    if credentials is None or not credentials.credentials:
        raise ApiError(
            401, "this endpoint needs the API token: send `Authorization: Bearer <token>`",
            {"WWW-Authenticate": "Bearer"},
        )
    if not hmac.compare_digest(credentials.credentials.encode(), token.encode()):
        raise ApiError(403, "the API token is not valid", {"WWW-Authenticate": 'Bearer error="invalid_token"'})


# --- source files ---------------------------------------------------------------------


def corpus_root(settings: Settings) -> Path:
    return Path(settings.corpus_root).resolve()


def resolve_corpus_path(relative: str, settings: Settings, *, must_exist: bool = True) -> Path:
    """A path inside the corpus root, from a client-given relative path; never outside it.

    Refuses absolute paths, `..`, hidden components, backslashes and NUL; resolves symlinks
    and refuses any that lead out of the root.
    """
    root = corpus_root(settings)
    if not relative:
        raise ApiError(404, "no such file in the corpus")
    if "\x00" in relative or "\\" in relative:
        raise ApiError(400, "not a valid file path")
    pure = PurePosixPath(relative)
    if pure.is_absolute() or relative.startswith("/") or (len(relative) > 1 and relative[1] == ":"):
        raise ApiError(400, "absolute paths are not allowed: give a path relative to the corpus root")
    parts = [p for p in pure.parts if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise ApiError(400, "'..' is not allowed in file paths")
    if any(p.startswith(".") for p in parts):
        raise ApiError(404, "no such file in the corpus")
    candidate = root.joinpath(*parts)
    try:
        resolved = candidate.resolve(strict=must_exist)
    except (FileNotFoundError, NotADirectoryError):
        raise ApiError(404, "no such file in the corpus") from None
    except (OSError, RuntimeError):  # symlink loops, names too long
        raise ApiError(404, "no such file in the corpus") from None
    if resolved != root and not resolved.is_relative_to(root):
        raise ApiError(403, "this path leads outside the corpus root")
    return resolved


# --- per-version facts: file links, types, years ---------------------------------------------


@dataclass
class IndexView:
    """What the API needs to know about one index version, computed once per version."""

    version: str
    documents: int
    file_urls: dict[str, str | None]
    pdf: set[str]
    doc_types: Counter
    years: list[int]

    def file_url(self, doc_id: str, page: int | None = None) -> str | None:
        base = self.file_urls.get(doc_id)
        if base is None:
            return None
        return f"{base}#page={page}" if page and doc_id in self.pdf else base

    def check_types(self, types: list[str] | None, field: str) -> list[str] | None:
        """Document types, which must be types the index holds (case-insensitive)."""
        if not types:
            return None
        known = {t.lower(): t for t in self.doc_types}
        unknown = [t for t in types if t.lower() not in known]
        if unknown:
            listed = ", ".join(repr(t) for t in sorted(self.doc_types)) or "none"
            raise InvalidInput(field, f"unknown document type {unknown[0]!r}; the index holds {listed}")
        return [known[t.lower()] for t in types]


def file_link(path: str | None, root: Path) -> str | None:
    """`/files/<path relative to the corpus root>` for a document file, or None outside the root."""
    if not path:
        return None
    try:
        relative = Path(path).resolve().relative_to(root)
    except (ValueError, OSError):
        return None
    if any(part.startswith(".") for part in relative.parts):
        return None
    return "/files/" + quote(relative.as_posix(), safe="/")


class Views:
    """Caches the IndexView of the live version (rebuilt when an ingest swaps the index)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._view: IndexView | None = None
        self._key: Any = None

    def get(self, engine: Engine) -> IndexView:
        reader = engine.searcher().reader
        key = (reader.version, id(reader))
        view = self._view
        if view is not None and self._key == key:
            return view
        with self._lock:
            if self._view is None or self._key != key:
                self._view = _build_view(reader, corpus_root(engine.settings))
                self._key = key
            return self._view


def _build_view(reader: Any, root: Path) -> IndexView:
    docs = reader.documents()
    return IndexView(
        version=reader.version.name,
        documents=len(docs),
        # a record has no file of its own to open (its records file holds many): it shows its source link
        file_urls={d["doc_id"]: None if "record_id" in d["extra"] else file_link(d["path"], root) for d in docs},
        pdf={d["doc_id"] for d in docs if (d["path"] or "").lower().endswith(".pdf")},
        doc_types=Counter(d["doc_type"] for d in docs if d["doc_type"]),
        years=sorted({d["year"] for d in docs if d["year"] is not None}),
    )


def get_view(request: Request, engine: Engine = Depends(get_engine)) -> IndexView:
    """The facts of the live index version (raises StoreError → 503 when there is no index)."""
    return request.app.state.views.get(engine)


def view_covering(request: Request, engine: Engine, view: IndexView, doc_ids: Iterable[str]) -> IndexView:
    """`view`, or the live version's view when an ingest swapped the index mid-request and
    some of these documents are new to it (so their file links are not lost)."""
    if all(d in view.file_urls for d in doc_ids):
        return view
    return request.app.state.views.get(engine)


def hit_dict(hit: Any, view: IndexView) -> dict[str, Any]:
    """The CLI's JSON of a hit, plus its file link."""
    out = hit.to_dict()
    out["file_url"] = view.file_url(hit.doc_id, hit.page)
    return out
