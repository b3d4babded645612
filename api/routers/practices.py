"""`GET /practices`: related good practices for a query, practice records as units."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from gfmd_search.records import Filters

from ..checks import check_k, check_list, check_params, check_text
from ..deps import EngineDep
from ..errors import UNAVAILABLE_RESPONSES, response
from ..models import PracticesResponse
from .search import where_filters

router = APIRouter(tags=["search"])


@router.get(
    "/practices",
    response_model=PracticesResponse,
    responses={422: response("invalid query, k out of range, unknown facet"), **UNAVAILABLE_RESPONSES},
    summary="Related good practices",
    description=(
        "The good-practice records (document type `practice`) that best answer a query, one per record, "
        "each with its countries, partners, themes and source link. Same ranking as `GET /search`."
    ),
)
def practices(
    request: Request,
    engine: EngineDep,
    q: Annotated[str, Query(description="the query, in words", examples=["skills partnerships for nurses"])],
    k: Annotated[int, Query(ge=1, description="number of practices (1 to 100)")] = 10,
    where: Annotated[list[str] | None, Query(
        description="facet filters `FACET=VALUE` (repeatable)", examples=[["country=Philippines"]],
    )] = None,
) -> PracticesResponse:
    check_params(request, ("q", "k", "where"))
    check_text(q, "query.q", engine.settings)
    check_k(k, "query.k", engine.settings)
    found = engine.practices(q, k, Filters(where=where_filters(check_list(where, "query.where"))))
    return PracticesResponse(query=q, k=k, count=len(found), practices=found)
