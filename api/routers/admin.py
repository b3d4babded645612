"""Index-changing endpoints: off unless a token is configured, and then only with it."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Body, Depends

from gfmd_search.app import Engine
from gfmd_search.store import StoreError

from ..deps import ApiError, check_list, corpus_root, get_engine, require_token, resolve_corpus_path
from ..models import ErrorResponse, IngestRequest, IngestResponse, ReloadResponse

log = logging.getLogger("gfmd_search_api")

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_token)])

ERRORS = {
    401: {"model": ErrorResponse, "description": "no token given"},
    403: {"model": ErrorResponse, "description": "wrong token"},
    404: {"model": ErrorResponse, "description": "admin endpoints are disabled (no token configured), or no such path"},
}


@router.post(
    "/ingest",
    response_model=IngestResponse,
    responses={
        **ERRORS,
        400: {"model": ErrorResponse, "description": "the body could not be read, or a path is absolute or holds `..`"},
        403: {"model": ErrorResponse, "description": "wrong token, or a path leads outside the corpus root"},
        409: {"model": ErrorResponse, "description": "another ingest is writing the index"},
        413: {"model": ErrorResponse, "description": "the request body is too large"},
        422: {"model": ErrorResponse, "description": "invalid body"},
        503: {"model": ErrorResponse, "description": "the ingest failed on the server; the old index stays live"},
    },
    summary="Ingest files of the corpus root",
    description=(
        "Ingests files or folders given relative to the corpus root (the whole root when `paths` is absent) "
        "into a new index version, swapped in atomically: requests in flight finish on the old version, "
        "later ones see the new one. Files that cannot be ingested are listed in `skipped` with the reason. "
        "Needs `Authorization: Bearer <api_token>`."
    ),
)
def ingest(body: IngestRequest = Body(IngestRequest()), engine: Engine = Depends(get_engine)):
    settings = engine.settings
    given = check_list(body.paths, "body.paths")
    paths = [resolve_corpus_path(p, settings) for p in given] if given else [corpus_root(settings)]
    try:
        report = engine.ingest(paths, prune=body.prune, progress=False)
    except StoreError as exc:
        if "being written" in str(exc):
            raise ApiError(409, str(exc)) from None
        raise
    except Exception as exc:  # a fault of the server, never of the request: logged, answered 503
        log.exception("ingest of %s failed", paths)
        detail = f"the ingest failed on the server ({exc}); the previous index version is still live"
        raise ApiError(503, detail) from None
    live = engine.store.current()
    return IngestResponse(**report.to_dict(), index_version=live.name if live else None)


@router.post(
    "/reload",
    response_model=ReloadResponse,
    responses={**ERRORS, 503: {"model": ErrorResponse, "description": "no index"}},
    summary="Reopen the live index version",
    description=(
        "The server already follows index swaps by itself; this forces the check now (after an ingest "
        "run by the CLI, for instance) and answers the live version. Needs the token."
    ),
)
def reload(engine: Engine = Depends(get_engine)):
    reader = engine.searcher().reader
    return ReloadResponse(index_version=reader.version.name, documents=int(reader.manifest["documents"]))
