"""`GET /practices`: related good practices for a query, practice records as units."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from gfmd_search.app import Engine
from gfmd_search.records import Filters

from ..deps import check_k, check_list, check_params, check_text, get_engine
from ..models import ErrorResponse, PracticesResponse
from .search import where_filters

router = APIRouter(tags=["search"])


@router.get(
    "/practices",
    response_model=PracticesResponse,
    responses={
        422: {"model": ErrorResponse, "description": "invalid query, k out of range, unknown facet"},
        503: {"model": ErrorResponse, "description": "no index has been built yet"},
    },
    summary="Related good practices",
    description=(
        "The good-practice records (document type `practice`) that best answer a query, one per record, "
        "each with its countries, partners, themes and source link. Same ranking as `GET /search`."
    ),
)
def practices(
    request: Request,
    q: str = Query(..., description="the query, in words", examples=["skills partnerships for nurses"]),
    k: int = Query(10, ge=1, description="number of practices (1 to 100)"),
    where: list[str] | None = Query(None, description="facet filters `FACET=VALUE` (repeatable)",
                                    examples=[["country=Philippines"]]),
    engine: Engine = Depends(get_engine),
) -> PracticesResponse:
    check_params(request, ("q", "k", "where"))
    check_text(q, "query.q", engine.settings)
    check_k(k, "query.k", engine.settings)
    found = engine.practices(q, k, Filters(where=where_filters(check_list(where, "query.where"))))
    return PracticesResponse(query=q, k=k, count=len(found), practices=[p.to_dict() for p in found])
