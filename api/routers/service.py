"""`GET /health` and `GET /stats`: is the service ready, and what does the index hold."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gfmd_search.embedding import EmbeddingError
from gfmd_search.store import StoreError

from ..deps import EngineDep, ViewDep, ViewsDep
from ..errors import UNAVAILABLE_RESPONSES
from ..middleware import MAX_BODY_BYTES
from ..models import HealthResponse, StatsResponse

router = APIRouter(tags=["service"])


@router.get(
    "/health",
    response_model=HealthResponse,
    summary="Is the service ready?",
    responses={503: {"model": HealthResponse, "description": "running, but no usable index"}},
)
def health(engine: EngineDep, views: ViewsDep):
    try:
        view = views.get(engine)
    except (StoreError, EmbeddingError) as exc:
        body = HealthResponse(status="unavailable", detail=str(exc))
        return JSONResponse(body.model_dump(), status_code=503)
    return HealthResponse(status="ok", index_version=view.version, documents=view.documents)


@router.get("/stats", response_model=StatsResponse, summary="What the index holds", responses=UNAVAILABLE_RESPONSES)
def stats(engine: EngineDep, view: ViewDep):
    s = engine.settings
    return StatsResponse(
        **engine.stats(),
        doc_types=view.doc_types,
        years=view.years,
        limits={"max_k": s.max_k, "max_query_chars": s.max_query_chars, "max_body_bytes": MAX_BODY_BYTES},
    )
