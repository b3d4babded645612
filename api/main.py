"""The FastAPI application factory: one Engine, the routers, error handlers and middleware.

`create_app(engine)` is what `gfmd-search serve` runs under uvicorn. Routes are plain
`def` functions: FastAPI runs them in its thread pool, which suits the CPU-bound,
blocking engine; the engine and its index reader are safe to share between threads.
`GET /search`, the hot path, is `async` instead: it checks its input on the event loop and
hands the engine's work to the thread pool in one hop (a `def` route costs a second hop,
for validating its answer).
The engine follows the index's `current` link, so an ingest (by the CLI or by
`POST /admin/ingest`) is picked up by the next request without a restart, while
requests in flight finish on the version they started with.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware.trustedhost import TrustedHostMiddleware

from gfmd_search.app import Engine
from gfmd_search.config import Settings
from gfmd_search.embedding import EmbeddingError
from gfmd_search.store import StoreError

from .errors import add_error_handlers
from .middleware import MAX_BODY_BYTES, BodySizeLimit, SecurityHeaders
from .routers import admin, documents, page, partners, practices, recommendations, search, service
from .views import Views

log = logging.getLogger("gfmd_search_api")

VERSION = "0.1.0"

DESCRIPTION = """
Semantic search and partner suggestion over documents of the Global Forum on Migration
and Development (GFMD): meeting records, roundtable reports and Platform for Partnerships
practices.

* `GET /search` ranks passages for a query (`dense`, `bm25` or `hybrid`), with filters and facet counts.
* `GET /practices` returns the related good practices for a query, practice records as units.
* `POST /partners` suggests countries and organisations for an initiative, with evidence.
* `GET /recommendations` finds past recommendations, whom they address and the management response.
* `GET /documents/{id}` and `GET /documents/{id}/similar` give a document and its related passages.
* `GET /files/{path}` serves source files from the corpus root (append `#page=N` for PDFs).

The API is read-only unless an `api_token` is configured; then `POST /admin/ingest` and
`POST /admin/reload` accept `Authorization: Bearer <token>`. Every error answers JSON
`{"detail": …}`; invalid input answers 422 with one entry per field in `errors`.
The web page at `/` is built on these same endpoints.
"""


TAGS = [
    {"name": "search", "description": "passages ranked for a query"},
    {"name": "partners", "description": "countries and organisations for an initiative"},
    {"name": "documents", "description": "documents, related passages, source files"},
    {"name": "service", "description": "health and statistics"},
    {"name": "admin", "description": "index changes (token needed; off without one)"},
]

#: Host names every server answers to; `--host` and the setting `allowed_hosts` add more.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def create_app(
    engine: Engine, *, host: str | None = None, warm_up: bool = True, max_body_bytes: int = MAX_BODY_BYTES
) -> FastAPI:
    """The HTTP app over one engine (loaded once, shared by every request); it answers only
    requests whose Host header names this machine, `host` or the setting `allowed_hosts`."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm_up:
            await run_in_threadpool(_warm_up, engine)
        yield

    app = FastAPI(
        title="gfmd-search",
        version=VERSION,
        summary="Search GFMD documents and find partners, over HTTP.",
        description=DESCRIPTION,
        docs_url=None,  # Swagger UI and ReDoc load from a CDN; the machines have no internet
        redoc_url=None,
        lifespan=lifespan,
        openapi_tags=TAGS,
    )
    app.state.engine = engine
    app.state.views = Views()

    add_error_handlers(app)
    routers = (search, practices, partners, documents, recommendations, admin, service, page)
    for module in routers:
        app.include_router(module.router)
    app.mount("/static", page.static_files(), name="static")
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(engine.settings, host), www_redirect=False)
    app.add_middleware(SecurityHeaders)
    return app


def allowed_hosts(settings: Settings, host: str | None = None) -> list[str]:
    """The Host names answered (others get 400, which stops DNS rebinding); IPv6 literals
    are also listed in brackets, as a Host header writes them."""
    names = [*LOCAL_HOSTS, *([host] if host else []), *settings.allowed_hosts]
    return list(dict.fromkeys(n for name in names for n in ([name, f"[{name}]"] if ":" in name else [name])))


def _warm_up(engine: Engine) -> None:
    """Open the index and load the model before the first request (when there is an index)."""
    try:
        engine.warm_up()
    except (StoreError, EmbeddingError) as exc:
        log.warning("starting without a usable index: %s", exc)
