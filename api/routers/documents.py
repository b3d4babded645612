"""Documents, their related passages, and their source files."""

from __future__ import annotations

import mimetypes
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse

from gfmd_search.practices import PRACTICE, practice_of
from gfmd_search.records import Filters, StoredDocument

from ..checks import check_k, check_params
from ..deps import EngineDep, SettingsDep, ViewDep, ViewsDep
from ..errors import NOT_FOUND_RESPONSES, UNAVAILABLE_RESPONSES, ApiError, response
from ..files import resolve_corpus_path
from ..models import ChunkModel, DocumentList, DocumentResponse, DocumentSummary, SimilarResponse
from ..views import IndexView, hit_model, view_covering

router = APIRouter(tags=["documents"])

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


def _summary(doc: StoredDocument, view: IndexView) -> DocumentSummary:
    return DocumentSummary(**vars(doc), file_url=view.file_url(doc.doc_id))


@router.get("/documents", response_model=DocumentList, responses=UNAVAILABLE_RESPONSES, summary="List documents")
def list_documents(engine: EngineDep, view: ViewDep):
    docs = engine.documents()
    return DocumentList(count=len(docs), documents=[_summary(d, view) for d in docs])


@router.get(
    "/documents/{doc_id}/similar",
    response_model=SimilarResponse,
    responses={**NOT_FOUND_RESPONSES, **UNAVAILABLE_RESPONSES, 422: response("k out of range")},
    summary="Related passages of other documents",
    description=(
        "Passages of other documents closest in meaning to this document as a whole (the centroid of "
        "its passages): the related good practices and discussions elsewhere in the corpus."
    ),
)
def similar(
    request: Request,
    engine: EngineDep,
    view: ViewDep,
    views: ViewsDep,
    doc_id: Annotated[str, Path(
        description="document identifier", examples=["pfp-bilateral-agreement-on-circular-migration-between-canada"],
    )],
    k: Annotated[int, Query(ge=1, description="number of passages (1 to 100)")] = 10,
    doc_type: Annotated[str | None, Query(
        description="only documents of this type, one passage each; `practice` also returns the related "
        "good practices as units (countries, partners, link)", examples=["practice"],
    )] = None,
):
    check_params(request, ("k", "doc_type"))
    check_k(k, "query.k", engine.settings)
    types = view.check_types([doc_type] if doc_type else None, "query.doc_type")
    if engine.document(doc_id) is None:
        raise ApiError(404, f"no document {doc_id!r} in the index")
    hits = engine.similar(doc_id, k, Filters(doc_types=types), group=bool(types))
    view = view_covering(views, engine, view, (h.doc_id for h in hits))
    practices = [practice_of(h) for h in hits] if types == [PRACTICE] else None
    return SimilarResponse(doc_id=doc_id, k=k, count=len(hits), hits=[hit_model(h, view) for h in hits],
                           practices=practices)


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentResponse,
    responses={**NOT_FOUND_RESPONSES, **UNAVAILABLE_RESPONSES},
    summary="A document and its passages",
)
def document(
    request: Request,
    engine: EngineDep,
    view: ViewDep,
    doc_id: Annotated[str, Path(description="document identifier", examples=["gfmd-2012-port-louis"])],
):
    check_params(request, ())
    found = engine.document(doc_id)
    if found is None:
        raise ApiError(404, f"no document {doc_id!r} in the index")
    chunks = [ChunkModel(**vars(c), file_url=view.file_url(doc_id, c.page_start)) for c in engine.chunks(doc_id)]
    return DocumentResponse(**vars(found), file_url=view.file_url(doc_id), chunks=chunks)


@router.get(
    "/files/{file_path:path}",
    response_class=FileResponse,
    responses={
        200: {"description": "the file", "content": {"application/pdf": {}, "text/html": {}, "text/plain": {}}},
        400: response("absolute path or `..` in the path"),
        403: response("the path leads outside the corpus root"),
        404: response("no such file in the corpus"),
    },
    summary="A source file of the corpus",
    description=(
        "Serves a file from the configured corpus root only: absolute paths, `..`, hidden files and "
        "symlinks leading out of the root are refused. Add `#page=N` to open a PDF at a page. HTML "
        "files are sent with a sandboxing Content-Security-Policy, so they cannot run scripts."
    ),
)
def source_file(
    settings: SettingsDep,
    file_path: Annotated[
        str, Path(description="path relative to the corpus root", examples=["meetings/gfmd-2012-port-louis.pdf"])
    ],
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
