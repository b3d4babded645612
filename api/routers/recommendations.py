"""`GET /recommendations`: recommendation units ranked for a query, or a document's in order."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from gfmd_search.app import Engine
from gfmd_search.records import Filters

from ..deps import (
    IndexView,
    check_k,
    check_list,
    check_params,
    check_text,
    check_years,
    get_engine,
    get_view,
    view_covering,
)
from ..models import ErrorResponse, RecommendationsResponse

router = APIRouter(tags=["recommendations"])

PARAMS = ("q", "k", "doc", "addressee", "status", "year_from", "year_to", "type", "source")


@router.get(
    "/recommendations",
    response_model=RecommendationsResponse,
    responses={
        422: {
            "model": ErrorResponse,
            "description": "invalid parameters (unknown status, document or type, k out of range)",
        },
        503: {"model": ErrorResponse, "description": "no index has been built yet"},
    },
    summary="Search past recommendations",
    description=(
        "Recommendation units (numbered or in prose) with their addressees and management response, ranked "
        "for `q` by the passage search with the same filters; without `q`, listed in reading order (with `doc`, "
        "one document's). A recommendation repeated in a brief or a response matrix is returned once, in its "
        "report, with its repeats in `repeated_in`. Each item is the CLI's JSON plus `file_url`."
    ),
)
def recommendations(
    request: Request,
    q: str | None = Query(
        None, description="what the recommendations are about", examples=["capacity building of partners"]
    ),
    k: int = Query(10, ge=1, description="number of recommendations (1 to 100)"),
    doc: str | None = Query(None, description="only this document's recommendations"),
    addressee: str | None = Query(
        None, description="only those addressed to this actor or group, or with it responsible", examples=["IOM"]
    ),
    status: str | None = Query(
        None, description="`accepted`, `partially accepted`, `rejected` or `none` (no response)"
    ),
    year_from: int | None = Query(None, ge=1000, le=9999),
    year_to: int | None = Query(None, ge=1000, le=9999),
    doc_type: list[str] | None = Query(None, alias="type", description="document type to keep (repeatable)"),
    source: list[str] | None = Query(None, description="keep documents whose source contains this (repeatable)"),
    engine: Engine = Depends(get_engine),
    view: IndexView = Depends(get_view),
) -> RecommendationsResponse:
    settings = engine.settings
    check_params(request, PARAMS)
    if q is not None and q.strip():
        check_text(q, "query.q", settings)
    check_k(k, "query.k", settings)
    check_years(year_from, year_to, "query")
    types = view.check_types(check_list(doc_type, "query.type"), "query.type")
    filters = Filters(year_from=year_from, year_to=year_to, doc_types=types, sources=check_list(source, "query.source"))
    found = engine.recommendations(q, k, doc, addressee, status, filters)
    view = view_covering(request, engine, view, (u.doc_id for u in found))
    return RecommendationsResponse(
        query=q,
        k=k,
        count=len(found),
        index_version=view.version,
        recommendations=[{**u.to_dict(), "file_url": view.file_url(u.doc_id, u.page)} for u in found],
    )
