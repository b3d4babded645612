"""`POST /partners`: actors ranked by the evidence of the passages relevant to a text."""

from __future__ import annotations

import time

from fastapi import APIRouter, Body, Depends, Request

from gfmd_search import partners as library
from gfmd_search.app import Engine
from gfmd_search.records import Filters

from ..deps import (
    IndexView,
    InvalidInput,
    check_k,
    check_list,
    check_text,
    check_years,
    get_engine,
    get_view,
    view_covering,
)
from ..models import ErrorResponse, PartnersRequest, PartnersResponse

router = APIRouter(tags=["partners"])

ERRORS = {
    422: {"model": ErrorResponse, "description": "invalid body (empty or too long text, k out of range, unknown field or type)"},
    400: {"model": ErrorResponse, "description": "the body could not be read (not UTF-8 JSON)"},
    413: {"model": ErrorResponse, "description": "the request body is too large"},
    501: {"model": ErrorResponse, "description": "partner suggestion is not available in this build"},
    503: {"model": ErrorResponse, "description": "no index has been built yet"},
}


@router.post(
    "/partners",
    response_model=PartnersResponse,
    responses=ERRORS,
    summary="Suggest partners",
    description=(
        "Governments, international organisations and civil society actors ranked by how strongly the passages relevant to `text` show them "
        "at work on it (a vote of the top passages for the actors they mention, weighted by stated "
        "roles such as chair or co-chair). Each partner comes with the passages that support it."
    ),
)
def partners(
    request: Request,
    body: PartnersRequest = Body(...),
    engine: Engine = Depends(get_engine),
    view: IndexView = Depends(get_view),
) -> PartnersResponse:
    settings = engine.settings
    check_text(body.text, "body.text", settings)
    check_k(body.k, "body.k", settings)
    check_years(body.year_from, body.year_to, "body")
    types = check_list(body.types, "body.types")
    try:
        library.resolve_types(types)  # same names the CLI accepts: "country", "international organisation", …
    except ValueError as exc:
        raise InvalidInput("body.types", str(exc)) from None
    exclude = check_list(body.exclude, "body.exclude")
    doc_types = view.check_types(check_list(body.doc_types, "body.doc_types"), "body.doc_types")
    filters = Filters(year_from=body.year_from, year_to=body.year_to, doc_types=doc_types)
    started = time.perf_counter()
    suggested = engine.partners(body.text, body.k, types, exclude, filters)
    found = suggested.partners
    took = (time.perf_counter() - started) * 1000
    view = view_covering(request, engine, view, (ev.doc_id for p in found for ev in p.evidence))
    out = []
    for partner in found:
        item = partner.to_dict()
        for ev in item["evidence"]:
            ev["file_url"] = view.file_url(ev["doc_id"], ev["page"])
        out.append(item)
    return PartnersResponse(
        text=body.text, k=body.k, count=len(out), took_ms=round(took, 2), index_version=view.version,
        model=suggested.model, reason=suggested.reason, partners=out,
    )
