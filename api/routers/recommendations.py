"""`GET /recommendations`: recommendation units ranked for a query, or a document's in order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from gfmd_search.records import Filters, RecommendationQuery

from ..checks import check_k, check_list, check_params, check_text, check_years
from ..deps import EngineDep, ViewDep, ViewsDep
from ..errors import UNAVAILABLE_RESPONSES, response
from ..models import RecommendationModel, RecommendationsResponse
from ..views import view_covering

router = APIRouter(tags=["recommendations"])

PARAMS = ("q", "k", "doc", "addressee", "status", "year_from", "year_to", "type", "source")


@router.get(
    "/recommendations",
    response_model=RecommendationsResponse,
    responses={
        422: response("invalid parameters (unknown status, document or type, k out of range)"),
        **UNAVAILABLE_RESPONSES,
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
    engine: EngineDep,
    view: ViewDep,
    views: ViewsDep,
    q: Annotated[str | None, Query(
        description="what the recommendations are about", examples=["capacity building of partners"]
    )] = None,
    k: Annotated[int, Query(ge=1, description="number of recommendations (1 to 100)")] = 10,
    doc: Annotated[str | None, Query(description="only this document's recommendations")] = None,
    addressee: Annotated[str | None, Query(
        description="only those addressed to this actor or group, or with it responsible", examples=["IOM"]
    )] = None,
    status: Annotated[str | None, Query(
        description="`accepted`, `partially accepted`, `rejected` or `none` (no response)"
    )] = None,
    year_from: Annotated[int | None, Query(ge=1000, le=9999)] = None,
    year_to: Annotated[int | None, Query(ge=1000, le=9999)] = None,
    doc_type: Annotated[
        list[str] | None, Query(alias="type", description="document type to keep (repeatable)")
    ] = None,
    source: Annotated[
        list[str] | None, Query(description="keep documents whose source contains this (repeatable)")
    ] = None,
) -> RecommendationsResponse:
    settings = engine.settings
    check_params(request, PARAMS)
    if q is not None and q.strip():
        check_text(q, "query.q", settings)
    check_k(k, "query.k", settings)
    check_years(year_from, year_to, "query")
    types = view.check_types(check_list(doc_type, "query.type"), "query.type")
    filters = Filters(year_from=year_from, year_to=year_to, doc_types=types, sources=check_list(source, "query.source"))
    found = engine.recommendations(RecommendationQuery(q, k, doc, addressee, status, filters))
    view = view_covering(views, engine, view, (u.doc_id for u in found))
    return RecommendationsResponse(
        query=q,
        k=k,
        count=len(found),
        index_version=view.version,
        recommendations=[RecommendationModel(**vars(u), file_url=view.file_url(u.doc_id, u.page)) for u in found],
    )
