"""Error answers: every error is JSON `{"detail": …}` (422s add `errors`, one entry per field).

Exceptions map to status codes by type: `InvalidInput` and `UnknownActorType` → 422,
`IndexLocked` → 409, `StoreError` and `EmbeddingError` → 503, `ApiError` → its own status.
The `*_RESPONSES` dicts document these answers on the routes that can give them.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gfmd_search.config import MODES
from gfmd_search.embedding import EmbeddingError
from gfmd_search.partners import UnknownActorType
from gfmd_search.search import SearchError
from gfmd_search.store import IndexLocked, StoreError

from .models import ErrorResponse

log = logging.getLogger("gfmd_search_api")


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


def response(description: str) -> dict[str, Any]:
    """A `responses=` entry of the OpenAPI schema for an error answer."""
    return {"model": ErrorResponse, "description": description}


UNAVAILABLE_RESPONSES = {503: response("no index has been built yet")}
BODY_RESPONSES = {
    400: response("the body could not be read (not UTF-8 JSON)"),
    413: response("the request body is too large"),
}
NOT_FOUND_RESPONSES = {404: response("no such document")}


def error(status: int, detail: str, errors: list[dict[str, str]] | None = None,
          headers: dict[str, str] | None = None) -> JSONResponse:
    """The JSON error answer."""
    body: dict[str, Any] = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers)


def _invalid(field: str, message: str) -> JSONResponse:
    return error(422, f"{field}: {message}", [{"field": field, "message": message}])


def _field(loc: tuple | list) -> str:
    return ".".join(str(part) for part in loc) or "request"


def _unreadable_body(cause: BaseException | None) -> str:
    """What is wrong with a body the JSON parser gave up on."""
    if isinstance(cause, RecursionError):
        return "the JSON body is nested too deeply"
    if isinstance(cause, ValueError) and "integer string conversion" in str(cause):
        return f"a number in the JSON body has more than {sys.get_int_max_str_digits():,} digits"
    return "the request body could not be read: send UTF-8 encoded JSON"


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


def add_error_handlers(app: FastAPI) -> None:
    """Answer every exception with a JSON error of the right status."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            loc = list(e.get("loc", ()))
            if loc and loc[0] == "body" and e.get("type") == "json_invalid":
                loc = ["body"]
            if e.get("type") == "literal_error" and loc[-1:] == ["mode"]:
                message = f"unknown mode {e.get('input')!r}; use one of {', '.join(MODES)}"
            else:
                message = _message(e)
            errors.append({"field": _field(loc), "message": message})
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
        return error(422, detail, errors)

    @app.exception_handler(InvalidInput)
    async def invalid_input(request: Request, exc: InvalidInput) -> JSONResponse:
        return _invalid(exc.field, exc.message)

    @app.exception_handler(UnknownActorType)
    async def unknown_actor_type(request: Request, exc: UnknownActorType) -> JSONResponse:
        return _invalid("body.types", str(exc))

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error(exc.status, exc.detail, headers=exc.headers)

    @app.exception_handler(SearchError)
    async def search_error(request: Request, exc: SearchError) -> JSONResponse:
        return _invalid("request", str(exc))

    @app.exception_handler(IndexLocked)
    async def index_locked(request: Request, exc: IndexLocked) -> JSONResponse:
        return error(409, str(exc))

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        log.warning("index unavailable: %s", exc)
        return error(503, f"the index is not available: {exc}", headers={"Retry-After": "30"})

    @app.exception_handler(EmbeddingError)
    async def embedding_error(request: Request, exc: EmbeddingError) -> JSONResponse:
        log.error("embedding model unavailable: %s", exc)
        return error(503, f"the embedding model is not available: {exc}")

    @app.exception_handler(ValueError)
    async def value_error(request: Request, exc: ValueError) -> JSONResponse:
        log.warning("bad request on %s: %s", request.url.path, exc)
        return error(400, f"the request could not be processed: {exc}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no endpoint at {request.url.path}; see /openapi.json or the API page at /api"
        elif exc.status_code == 400 and detail == "There was an error parsing the body":
            detail = _unreadable_body(exc.__cause__)
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return error(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error(500, "internal error: the server could not answer this request (it has been logged)")
