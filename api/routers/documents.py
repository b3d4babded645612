"""Documents, their related passages, and their source files."""

from __future__ import annotations

import mimetypes
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse

from gfmd_search.app import Engine
from gfmd_search.config import Settings
from gfmd_search.practices import PRACTICE, practice_of
from gfmd_search.records import Filters

from ..deps import (
    ApiError,
    IndexView,
    check_k,
    check_params,
    get_engine,
    get_settings,
    get_view,
    hit_dict,
    resolve_corpus_path,
    view_covering,
)
from ..models import DocumentList, DocumentResponse, ErrorResponse, SimilarResponse

router = APIRouter(tags=["documents"])

NOT_FOUND = {404: {"model": ErrorResponse, "description": "no such document"}}
UNAVAILABLE = {503: {"model": ErrorResponse, "description": "no index has been built yet"}}

#: Media types of the source files the corpus holds; anything else is sent as a download.
MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".markdown": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/plain; charset=utf-8",
}
#: Corpus HTML is shown as a document, never run: no scripts, no plug-ins, an opaque origin.
SANDBOX_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


def _summary(row: dict[str, Any], view: IndexView) -> dict[str, Any]:
    return {
        "doc_id": row["doc_id"],
        "title": row["title"],
        "year": row["year"],
        "doc_type": row["doc_type"],
        "meeting": row["meeting"],
        "source": row["source"],
        "pages": row["pages"],
        "file_url": view.file_url(row["doc_id"]),
        "extra": row.get("extra") or {},
    }


@router.get("/documents", response_model=DocumentList, responses=UNAVAILABLE, summary="List documents")
def list_documents(engine: Engine = Depends(get_engine), view: IndexView = Depends(get_view)):
    rows = engine.searcher().reader.documents()
    return DocumentList(count=len(rows), documents=[_summary(r, view) for r in rows])


@router.get(
    "/documents/{doc_id}/similar",
    response_model=SimilarResponse,
    responses={**NOT_FOUND, **UNAVAILABLE, 422: {"model": ErrorResponse, "description": "k out of range"}},
    summary="Related passages of other documents",
    description=(
        "Passages of other documents closest in meaning to this document as a whole (the centroid of "
        "its passages): the related good practices and discussions elsewhere in the corpus."
    ),
)
def similar(
    request: Request,
    doc_id: str = Path(
        ..., description="document identifier",
        examples=["pfp-bilateral-agreement-on-circular-migration-between-canada"],
    ),
    k: int = Query(10, ge=1, description="number of passages (1 to 100)"),
    doc_type: str | None = Query(
        None, description="only documents of this type, one passage each; `practice` also returns the related "
        "good practices as units (countries, partners, link)", examples=["practice"],
    ),
    engine: Engine = Depends(get_engine),
    view: IndexView = Depends(get_view),
):
    check_params(request, ("k", "doc_type"))
    check_k(k, "query.k", engine.settings)
    types = view.check_types([doc_type] if doc_type else None, "query.doc_type")
    if engine.searcher().reader.document(doc_id) is None:
        raise ApiError(404, f"no document {doc_id!r} in the index")
    hits = engine.similar(doc_id, k, Filters(doc_types=types), group=bool(types))
    view = view_covering(request, engine, view, (h.doc_id for h in hits))
    practices = [practice_of(h).to_dict() for h in hits] if types == [PRACTICE] else None
    return SimilarResponse(doc_id=doc_id, k=k, count=len(hits), hits=[hit_dict(h, view) for h in hits],
                           practices=practices)


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentResponse,
    responses={**NOT_FOUND, **UNAVAILABLE},
    summary="A document and its passages",
)
def document(
    request: Request,
    doc_id: str = Path(..., description="document identifier", examples=["gfmd-2012-port-louis"]),
    engine: Engine = Depends(get_engine),
    view: IndexView = Depends(get_view),
):
    check_params(request, ())
    found = engine.document(doc_id)
    if found is None:
        raise ApiError(404, f"no document {doc_id!r} in the index")
    out = _summary(found, view)
    out["chunks"] = [{**c, "file_url": view.file_url(doc_id, c["page_start"])} for c in found["chunks"]]
    return DocumentResponse(**out)


@router.get(
    "/files/{file_path:path}",
    response_class=FileResponse,
    responses={
        200: {"description": "the file", "content": {"application/pdf": {}, "text/html": {}, "text/plain": {}}},
        400: {"model": ErrorResponse, "description": "absolute path or `..` in the path"},
        403: {"model": ErrorResponse, "description": "the path leads outside the corpus root"},
        404: {"model": ErrorResponse, "description": "no such file in the corpus"},
    },
    summary="A source file of the corpus",
    description=(
        "Serves a file from the configured corpus root only: absolute paths, `..`, hidden files and "
        "symlinks leading out of the root are refused. Add `#page=N` to open a PDF at a page. HTML "
        "files are sent with a sandboxing Content-Security-Policy, so they cannot run scripts."
    ),
)
def source_file(
    file_path: str = Path(..., description="path relative to the corpus root", examples=["meetings/gfmd-2012-port-louis.pdf"]),
    settings: Settings = Depends(get_settings),
):
    resolved = resolve_corpus_path(file_path, settings)
    if not resolved.is_file():
        raise ApiError(404, "no such file in the corpus")
    suffix = resolved.suffix.lower()
    media = MEDIA_TYPES.get(suffix)
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if media is None:
        media = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
        headers["Content-Disposition"] = "attachment"
    if suffix != ".pdf":
        # Chromium's PDF viewer does not run under a sandbox CSP; PDFs cannot script the app anyway.
        headers["Content-Security-Policy"] = SANDBOX_CSP
    return FileResponse(resolved, media_type=media, headers=headers, content_disposition_type="inline")
