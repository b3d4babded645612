"""`GET /search`: passages ranked for a query."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from gfmd_search.app import Engine
from gfmd_search.config import Mode
from gfmd_search.facets import FacetError, parse_where
from gfmd_search.records import Filters, Kind, SearchQuery

from ..checks import check_k, check_list, check_params, check_text, check_years
from ..deps import EngineDep, ViewDep, ViewsDep
from ..errors import UNAVAILABLE_RESPONSES, InvalidInput, response
from ..models import FiltersModel, SearchResponse
from ..views import IndexView, Views, hit_model, view_covering

router = APIRouter(
    tags=["search"],
    responses={
        422: response("invalid query or parameters (empty, too long, unknown mode, type or parameter, k out of range)"),
        **UNAVAILABLE_RESPONSES,
    },
)

PARAMS = ("q", "k", "mode", "year_from", "year_to", "type", "source", "lang", "kind", "group", "collapse", "facets",
          "where")


@router.get(
    "/search",
    response_model=SearchResponse,
    summary="Search passages",
    description=(
        "The passages that best answer a query, best first. `mode` picks the ranking: `dense` "
        "(meaning, sentence embeddings), `bm25` (keywords) or `hybrid` (both, fused; the default). "
        "Filters apply before ranking. With `group=true` only the best passage of each document is kept. "
        "Each hit is the CLI's JSON (`gfmd-search search --json`) plus `file_url`."
    ),
)
async def search(
    request: Request,
    engine: EngineDep,
    view: ViewDep,
    views: ViewsDep,
    q: Annotated[str, Query(
        description="the query, in words (at most 2,000 characters)",
        examples=["skills partnerships between countries of origin and destination"],
    )],
    k: Annotated[int, Query(ge=1, description="number of hits (1 to 100)", examples=[10])] = 10,
    mode: Annotated[
        Mode | None, Query(description="ranking: `dense`, `bm25` or `hybrid` (the server default when absent)")
    ] = None,
    year_from: Annotated[
        int | None, Query(ge=1000, le=9999, description="keep documents of this year or later", examples=[2010])
    ] = None,
    year_to: Annotated[
        int | None, Query(ge=1000, le=9999, description="keep documents of this year or earlier", examples=[2020])
    ] = None,
    doc_type: Annotated[list[str] | None, Query(
        alias="type", description="document type to keep (repeatable), e.g. `meeting record`",
        examples=[["meeting record"]],
    )] = None,
    source: Annotated[
        list[str] | None, Query(description="keep documents whose source URL contains this (repeatable)")
    ] = None,
    lang: Annotated[
        list[str] | None, Query(description="keep documents in this language, e.g. `fr` (repeatable)")
    ] = None,
    kind: Annotated[list[Kind] | None, Query(description="keep passages of this kind (repeatable)")] = None,
    group: Annotated[bool, Query(description="keep only the best passage of each document")] = False,
    facets: Annotated[list[str] | None, Query(
        description="count the matching documents per value of this facet (repeatable): year, doc_type, "
        "language, country, organisation, theme, or one a record mapping declares", examples=[["country"]],
    )] = None,
    where: Annotated[list[str] | None, Query(
        description="keep documents with this facet value, `FACET=VALUE` (repeatable; any value of a "
        "facet, every facet)", examples=[["country=Philippines"]],
    )] = None,
    collapse: Annotated[bool | None, Query(
        description="show a passage repeated in several documents once, with `also_in` (default: on)"
    )] = None,
) -> SearchResponse:
    settings = engine.settings
    check_params(request, PARAMS)
    check_text(q, "query.q", settings)
    check_k(k, "query.k", settings)
    check_years(year_from, year_to, "query")
    types = view.check_types(check_list(doc_type, "query.type"), "query.type")
    sources = check_list(source, "query.source")
    facet_names = check_list(facets, "query.facets")
    facet_filters = where_filters(check_list(where, "query.where"))
    languages = check_list(lang, "query.lang")
    kinds = [str(x) for x in kind] if kind else None
    filters = Filters(
        year_from=year_from, year_to=year_to, doc_types=types, sources=sources, where=facet_filters,
        languages=languages, kinds=kinds,
    )
    query = SearchQuery(q, k, mode, filters, group, collapse, facet_names or [])
    shown = FiltersModel(
        year_from=year_from, year_to=year_to, types=types, sources=sources, where=facet_filters,
        languages=languages, kinds=kinds,
    )
    # the hot path: the checks above run here, on the event loop; the engine's work, one hop to the thread pool
    return await run_in_threadpool(_answer, engine, views, view, query, shown)


def _answer(engine: Engine, views: Views, view: IndexView, query: SearchQuery, shown: FiltersModel) -> SearchResponse:
    started = time.perf_counter()
    result = engine.search(query)
    hits = result.hits
    took = (time.perf_counter() - started) * 1000
    view = view_covering(views, engine, view, (h.doc_id for h in hits))
    return SearchResponse(
        query=query.text,
        mode=query.mode or engine.settings.mode,
        k=query.k,
        group=query.group,
        filters=shown,
        count=len(hits),
        took_ms=round(took, 2),
        index_version=view.version,
        hits=[hit_model(h, view) for h in hits],
        facets=result.facets if query.facets else None,
    )


def where_filters(pairs: list[str] | None) -> dict[str, list[str]] | None:
    """`where=country=Philippines` parameters as facet filters (a malformed one is a 422 naming it)."""
    try:
        return parse_where(pairs)
    except FacetError as exc:
        raise InvalidInput("query.where", str(exc)) from None
