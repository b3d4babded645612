"""The FastAPI application: one Engine, routers, error handlers, limits, the web page.

`create_app(engine)` is what `gfmd-search serve` runs under uvicorn. Routes are plain
`def` functions: FastAPI runs them in its thread pool, which suits the CPU-bound,
blocking engine; the engine and its index reader are safe to share between threads.
The engine follows the index's `current` link, so an ingest (by the CLI or by
`POST /admin/ingest`) is picked up by the next request without a restart, while
requests in flight finish on the version they started with.
"""

from __future__ import annotations

import json
import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gfmd_search.app import Engine
from gfmd_search.embedding import EmbeddingError
from gfmd_search.search import SearchError
from gfmd_search.store import StoreError

from .deps import MAX_BODY_BYTES, ApiError, InvalidInput, Views
from .models import HealthResponse
from .routers import admin, documents, partners, practices, recommendations, search

log = logging.getLogger("gfmd_search_api")

STATIC = Path(__file__).resolve().parent / "static"
VERSION = "0.1.0"

#: The page loads nothing from elsewhere: scripts, styles and data all come from this app.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

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


def create_app(engine: Engine, *, warm_up: bool = True, max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    """The HTTP app over one engine (loaded once, shared by every request)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
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
        openapi_tags=[
            {"name": "search", "description": "passages ranked for a query"},
            {"name": "partners", "description": "countries and organisations for an initiative"},
            {"name": "documents", "description": "documents, related passages, source files"},
            {"name": "service", "description": "health and statistics"},
            {"name": "admin", "description": "index changes (token needed; off without one)"},
        ],
    )
    app.state.engine = engine
    app.state.views = Views()

    _error_handlers(app)
    app.include_router(search.router)
    app.include_router(practices.router)
    app.include_router(partners.router)
    app.include_router(documents.router)
    app.include_router(recommendations.router)
    app.include_router(admin.router)
    _service_routes(app)
    _page_routes(app)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app


def _warm_up(engine: Engine) -> None:
    """Open the index and load the model before the first request (when there is an index)."""
    try:
        engine.searcher()
        engine.embedder.encode_query("warm up")
    except (StoreError, EmbeddingError) as exc:
        log.warning("starting without a usable index: %s", exc)


# --- service routes ---------------------------------------------------------------------------


def _service_routes(app: FastAPI) -> None:
    from fastapi import Depends

    from .deps import IndexView, get_engine, get_view
    from .models import ErrorResponse, StatsResponse

    @app.get(
        "/health",
        response_model=HealthResponse,
        tags=["service"],
        summary="Is the service ready?",
        responses={503: {"model": HealthResponse, "description": "running, but no usable index"}},
    )
    def health(request: Request, engine: Engine = Depends(get_engine)):
        try:
            view = request.app.state.views.get(engine)
        except (StoreError, EmbeddingError) as exc:
            body = HealthResponse(status="unavailable", detail=str(exc))
            return JSONResponse(body.model_dump(), status_code=503)
        return HealthResponse(status="ok", index_version=view.version, documents=view.documents)

    @app.get(
        "/stats",
        response_model=StatsResponse,
        tags=["service"],
        summary="What the index holds",
        responses={503: {"model": ErrorResponse, "description": "no index has been built yet"}},
    )
    def stats(engine: Engine = Depends(get_engine), view: IndexView = Depends(get_view)):
        s = engine.settings
        return StatsResponse(
            **engine.stats(),
            doc_types=dict(sorted(view.doc_types.items())),
            years=view.years,
            limits={"max_k": s.max_k, "max_query_chars": s.max_query_chars, "max_body_bytes": MAX_BODY_BYTES},
        )


# --- the page -------------------------------------------------------------------------------


def _page_routes(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-cache"})

    @app.get("/api", include_in_schema=False)
    def api_page() -> FileResponse:
        return FileResponse(STATIC / "api.html", media_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-cache"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


# --- errors ---------------------------------------------------------------------------------


def _error(status: int, detail: str, errors: list[dict[str, str]] | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers)


def _field(loc: tuple | list) -> str:
    return ".".join(str(part) for part in loc) or "request"


def _message(error: dict[str, Any]) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}".replace("'", "")
    if kind == "json_invalid":
        return f"the body is not valid JSON ({ctx.get('error', 'decode error')})"
    if kind == "string_too_short":
        return "is empty"
    return str(error.get("msg", "is not valid"))


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            loc = list(e.get("loc", ()))
            if loc and loc[0] == "body" and e.get("type") == "json_invalid":
                loc = ["body"]
            field = _field(loc)
            if e.get("type") == "literal_error" and loc[-1:] == ["mode"]:
                message = f"unknown mode {e.get('input')!r}; use one of dense, bm25, hybrid"
            else:
                message = _message(e)
            errors.append({"field": field, "message": message})
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
        return _error(422, detail, errors)

    @app.exception_handler(InvalidInput)
    async def invalid_input(request: Request, exc: InvalidInput) -> JSONResponse:
        return _error(422, f"{exc.field}: {exc.message}", [{"field": exc.field, "message": exc.message}])

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.detail, headers=exc.headers)

    @app.exception_handler(SearchError)
    async def search_error(request: Request, exc: SearchError) -> JSONResponse:
        return _error(422, str(exc), [{"field": "request", "message": str(exc)}])

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        log.warning("index unavailable: %s", exc)
        return _error(503, f"the index is not available: {exc}", headers={"Retry-After": "30"})

    @app.exception_handler(EmbeddingError)
    async def embedding_error(request: Request, exc: EmbeddingError) -> JSONResponse:
        log.error("embedding model unavailable: %s", exc)
        return _error(503, f"the embedding model is not available: {exc}")

    @app.exception_handler(NotImplementedError)
    async def not_implemented(request: Request, exc: NotImplementedError) -> JSONResponse:
        return _error(501, "this feature is not available in this build of gfmd-search")

    @app.exception_handler(ValueError)
    async def value_error(request: Request, exc: ValueError) -> JSONResponse:
        log.warning("bad request on %s: %s", request.url.path, exc)
        return _error(400, f"the request could not be processed: {exc}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no endpoint at {request.url.path}; see /openapi.json or the API page at /api"
        elif exc.status_code == 400 and detail == "There was an error parsing the body":
            detail = "the request body could not be read: send UTF-8 encoded JSON"
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return _error(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error(500, "internal error: the server could not answer this request (it has been logged)")


# --- middleware (pure ASGI: no per-request overhead of BaseHTTPMiddleware) -------------------


class BodySizeLimit:
    """Refuses request bodies over `max_bytes` with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await _send_error(send, 400, "the Content-Length header is not a number")
                return
            if int(length) > self.max_bytes:
                await _send_error(send, 413, self._too_large())
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise StarletteHTTPException(413, self._too_large())
            return message

        await self.app(scope, limited, send)

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_bytes:,} bytes"


class SecurityHeaders:
    """Headers every answer carries; the page also gets a strict Content-Security-Policy."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if b"content-security-policy" not in present:
                    ctype = dict(headers).get(b"content-type", b"")
                    if ctype.startswith(b"text/html"):
                        extra.append((b"content-security-policy", PAGE_CSP.encode()))
                        extra.append((b"x-frame-options", b"DENY"))
                headers.extend((k, v) for k, v in extra if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


async def _send_error(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })
    await send({"type": "http.response.body", "body": body})

