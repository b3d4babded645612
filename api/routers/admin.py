"""Index-changing endpoints: off unless a token is configured, and then only with it."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Body, Depends

from gfmd_search.store import StoreError

from ..checks import check_list
from ..deps import EngineDep, require_token
from ..errors import BODY_RESPONSES, UNAVAILABLE_RESPONSES, ApiError, response
from ..files import corpus_root, resolve_corpus_path
from ..models import IngestRequest, IngestResponse, ReloadResponse

log = logging.getLogger("gfmd_search_api")

router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(require_token)],
    responses={
        401: response("no token given"),
        403: response("wrong token"),
        404: response("admin endpoints are disabled (no token configured), or no such path"),
    },
)


WHOLE_ROOT = IngestRequest()
"""The body when none is sent: the whole corpus root."""


@router.post(
    "/ingest",
    response_model=IngestResponse,
    responses={
        **BODY_RESPONSES,
        400: response("the body could not be read, or a path is absolute or holds `..`"),
        403: response("wrong token, or a path leads outside the corpus root"),
        409: response("another ingest is writing the index"),
        422: response("invalid body"),
        503: response("the ingest failed on the server; the old index stays live"),
    },
    summary="Ingest files of the corpus root",
    description=(
        "Ingests files or folders given relative to the corpus root (the whole root when `paths` is absent) "
        "into a new index version, swapped in atomically: requests in flight finish on the old version, "
        "later ones see the new one. Files that cannot be ingested are listed in `skipped` with the reason. "
        "Needs `Authorization: Bearer <api_token>`."
    ),
)
def ingest(engine: EngineDep, body: Annotated[IngestRequest, Body()] = WHOLE_ROOT):
    settings = engine.settings
    given = check_list(body.paths, "body.paths")
    paths = [resolve_corpus_path(p, settings) for p in given] if given else [corpus_root(settings)]
    try:
        report = engine.ingest(paths, prune=body.prune, progress=False)
    except StoreError:  # IndexLocked (another writer): 409; no usable index: 503
        raise
    except Exception as exc:  # a fault of the server, never of the request: logged, answered 503
        log.exception("ingest of %s failed", paths)
        detail = f"the ingest failed on the server ({exc}); the previous index version is still live"
        raise ApiError(503, detail) from None
    try:
        live = engine.version().name
    except StoreError:  # nothing has been ingested yet
        live = None
    return IngestResponse(**vars(report), index_version=live)


@router.post(
    "/reload",
    response_model=ReloadResponse,
    responses=UNAVAILABLE_RESPONSES,
    summary="Reopen the live index version",
    description=(
        "The server already follows index swaps by itself; this forces the check now (after an ingest "
        "run by the CLI, for instance) and answers the live version. Needs the token."
    ),
)
def reload(engine: EngineDep):
    version = engine.version()
    return ReloadResponse(index_version=version.name, documents=version.documents)
