"""`POST /partners`: actors ranked by the evidence of the passages relevant to a text."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Body

from gfmd_search.records import Filters

from ..checks import check_k, check_list, check_text, check_years
from ..deps import EngineDep, ViewDep, ViewsDep
from ..errors import BODY_RESPONSES, UNAVAILABLE_RESPONSES, response
from ..models import EvidenceModel, PartnerModel, PartnersRequest, PartnersResponse
from ..views import view_covering

router = APIRouter(
    tags=["partners"],
    responses={
        422: response("invalid body (empty or too long text, k out of range, unknown field or type)"),
        **BODY_RESPONSES,
        **UNAVAILABLE_RESPONSES,
    },
)


@router.post(
    "/partners",
    response_model=PartnersResponse,
    summary="Suggest partners",
    description=(
        "Governments, international organisations and civil society actors ranked by how strongly the passages "
        "relevant to `text` show them at work on it (a vote of the top passages for the actors they mention, weighted by stated "
        "roles such as chair or co-chair). Each partner comes with the passages that support it."
    ),
)
def partners(
    body: Annotated[PartnersRequest, Body()], engine: EngineDep, view: ViewDep, views: ViewsDep
) -> PartnersResponse:
    settings = engine.settings
    check_text(body.text, "body.text", settings)
    check_k(body.k, "body.k", settings)
    check_years(body.year_from, body.year_to, "body")
    types = check_list(body.types, "body.types")  # an unknown type raises UnknownActorType: 422
    exclude = check_list(body.exclude, "body.exclude")
    doc_types = view.check_types(check_list(body.doc_types, "body.doc_types"), "body.doc_types")
    filters = Filters(year_from=body.year_from, year_to=body.year_to, doc_types=doc_types)
    started = time.perf_counter()
    suggested = engine.partners(body.text, body.k, types, exclude, filters)
    found = suggested.partners
    took = (time.perf_counter() - started) * 1000
    view = view_covering(views, engine, view, (ev.doc_id for p in found for ev in p.evidence))
    out = [
        PartnerModel(**{**vars(p), "evidence": [
            EvidenceModel(**vars(ev), file_url=view.file_url(ev.doc_id, ev.page)) for ev in p.evidence
        ]})
        for p in found
    ]
    return PartnersResponse(
        text=body.text, k=body.k, count=len(out), took_ms=round(took, 2), index_version=view.version,
        model=suggested.model, reason=suggested.reason, partners=out,
    )
