"""Request and response models of the HTTP API, with OpenAPI examples.

The records answers carry are the core's (`gfmd_search.records`: their fields and descriptions
are declared there once); where the web page needs more, a model here extends the record with
`file_url`, the link that opens the source file at the passage's page (None when the file lies
outside the corpus root). The envelopes of the answers and the request bodies are pydantic models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gfmd_search.config import Mode
from gfmd_search.records import (
    Evidence,
    FacetCount,
    Hit,
    IngestReport,
    Partner,
    Practice,
    Recommendation,
    StoredChunk,
    StoredDocument,
    described,
)

_SNIPPET = (
    "…the <mark>skills</mark> <mark>partnerships</mark> between countries of origin and destination "
    "that train workers before they migrate…"
)


class ErrorDetail(BaseModel):
    """One problem with one input field."""

    field: str = Field(description="where the problem is, e.g. `query.k` or `body.text`")
    message: str = Field(description="what is wrong, in words")


class ErrorResponse(BaseModel):
    """Every 4xx and 5xx answer has this shape."""

    detail: str = Field(description="what went wrong and, where it helps, how to fix it")
    errors: list[ErrorDetail] | None = Field(None, description="one entry per invalid field (422 only)")

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"detail": "k: must be at most 100", "errors": [
            {"field": "query.k", "message": "must be at most 100"}]}]}
    )


@dataclass
class HitModel(Hit):
    """One passage found: the CLI's JSON hit (`gfmd_search.records.Hit`), plus `file_url`."""

    file_url: str | None = described(
        "link to the source file served by this app, at the passage's page for PDFs", default=None
    )

    __pydantic_config__ = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "doc_id": "gfmd-2012-port-louis",
                    "chunk_id": 112,
                    "title": "GFMD 2012 Port Louis: meeting record (sample)",
                    "year": 2012,
                    "page": 3,
                    "page_end": 3,
                    "section": "Roundtable 1: Labour mobility and skills",
                    "score": 0.032787,
                    "snippet": _SNIPPET,
                    "source": "https://www.gfmd.org/meetings/mauritius2012",
                    "doc_type": "meeting record",
                    "text": "The skills partnerships between countries of origin and destination …",
                    "file_url": "/files/meetings/gfmd-2012-port-louis.pdf#page=3",
                }
            ]
        }
    )


class FiltersModel(BaseModel):
    """The metadata filters that were applied."""

    year_from: int | None = None
    year_to: int | None = None
    types: list[str] | None = Field(None, description="document types kept")
    sources: list[str] | None = Field(None, description="kept documents whose source contains one of these")
    where: dict[str, list[str]] | None = Field(None, description="facet filters: any of the values of each facet")
    languages: list[str] | None = Field(None, description="document languages kept")
    kinds: list[str] | None = Field(None, description="passage kinds kept")


class SearchResponse(BaseModel):
    """The answer to `GET /search`."""

    query: str
    mode: Mode
    k: int
    group: bool = Field(description="true when only the best passage of each document was kept")
    filters: FiltersModel
    count: int = Field(description="number of hits returned")
    took_ms: float = Field(description="server time spent on the search, in milliseconds")
    index_version: str = Field(description="the index version that answered")
    hits: list[HitModel]
    facets: dict[str, list[FacetCount]] | None = Field(
        None,
        description="per facet asked for, the count of matching documents per value, most first: the "
        "documents with a passage among the first `facet_passages` (100) passages the query ranks, "
        "under the same mode and filters",
    )


class PracticesResponse(BaseModel):
    """The answer to `GET /practices`: related good practices for a query."""

    query: str
    k: int
    count: int
    practices: list[Practice]


class PartnersRequest(BaseModel):
    """The body of `POST /partners`: an initiative described in words."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "A pilot to recognise the skills of returning migrant workers in West Africa",
                    "k": 5,
                    "types": ["government", "international organisation"],
                    "exclude": ["GFMD"],
                }
            ]
        },
    )

    text: str = Field(
        min_length=1,
        description="what the initiative is about (at most `max_query_chars`, 2,000 characters by default)",
        examples=["diaspora engagement and remittances in Africa"],
    )
    k: int = Field(10, ge=1, description="number of partners to return (at most `max_k`, 100 by default)")
    types: list[str] | None = Field(
        None,
        description="actor types to include (all when absent): `government`, `international organisation`, "
        "`civil society / other`, or an alias such as `country`, `organisation`, `ngo`",
        examples=[["government"]],
    )
    exclude: list[str] | None = Field(None, description="actor names to leave out", examples=[["GFMD"]])
    year_from: int | None = Field(None, ge=1000, le=9999, description="keep documents of this year or later")
    year_to: int | None = Field(None, ge=1000, le=9999, description="keep documents of this year or earlier")
    doc_types: list[str] | None = Field(None, description="document types to draw evidence from")


@dataclass
class EvidenceModel(Evidence):
    """A passage that shows an actor's involvement, with its file link."""

    file_url: str | None = described("link to the source file at this page", default=None)


@dataclass
class PartnerModel(Partner):
    """A suggested partner, the CLI's JSON shape (`gfmd_search.records.Partner`) with file links."""

    evidence: list[EvidenceModel]

    __pydantic_config__ = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Philippines",
                    "type": "government",
                    "score": 3.42,
                    "documents": 4,
                    "roles": ["chair"],
                    "explanation": ["named as chair in 3 retrieved passages", "named in 4 retrieved passages"],
                    "evidence": [
                        {
                            "doc_id": "gfmd-2008-manila",
                            "chunk_id": 40,
                            "title": "GFMD 2008 Manila: meeting record (sample)",
                            "year": 2008,
                            "page": 1,
                            "score": 0.81,
                            "snippet": "The Government of the <mark>Philippines</mark> chaired…",
                            "role": "chair",
                            "file_url": "/files/meetings/gfmd-2008-manila.md",
                        }
                    ],
                }
            ]
        }
    )


class PartnersResponse(BaseModel):
    """The answer to `POST /partners`."""

    text: str
    k: int
    count: int
    took_ms: float
    index_version: str
    model: str = Field(description="the model that ranked: `learned ranker <version>` or `voting`")
    reason: str | None = Field(None, description="why no partner was found, when `partners` is empty")
    partners: list[PartnerModel]


@dataclass
class ChunkModel(StoredChunk):
    """One passage of a document, with its file link."""

    text_hash: str = field(default="", metadata={"exclude": True})  # internals of the index
    page_breaks: list[int] = field(default_factory=list, metadata={"exclude": True})
    file_url: str | None = described("link to the source file at the passage's first page", default=None)


@dataclass
class DocumentSummary(StoredDocument):
    """A document's metadata (`gfmd_search.records.StoredDocument`, without its path on the server)."""

    path: str | None = field(metadata={"exclude": True})
    file_url: str | None = described("link to the source file served by this app", default=None)


@dataclass
class DocumentResponse(DocumentSummary):
    """`GET /documents/{doc_id}`: metadata and its passages."""

    chunks: list[ChunkModel] = field(default_factory=list)


class DocumentList(BaseModel):
    """`GET /documents`."""

    count: int
    documents: list[DocumentSummary]


class SimilarResponse(BaseModel):
    """`GET /documents/{doc_id}/similar`: passages of other documents closest to this one."""

    doc_id: str
    k: int
    count: int
    hits: list[HitModel]
    practices: list[Practice] | None = Field(
        None, description="with `doc_type=practice`: the related good practices, one per record"
    )


class StatsResponse(BaseModel):
    """What the live index holds."""

    index: str = Field(description="index directory")
    version: str = Field(description="live index version")
    created: str
    documents: int
    chunks: int
    model: str
    dimension: int
    settings: dict[str, Any] = Field(description="the settings the index was built with")
    bytes: int = Field(description="size of the live version on disk")
    partner_model: dict[str, str | None] = Field(
        description="the partner model in use (`model`: `learned ranker <version>` or `voting`), its `file`, "
        "and the `problem` that made a saved ranker unusable, if any"
    )
    doc_types: dict[str, int] = Field(description="documents per document type")
    years: list[int] = Field(description="distinct document years, ascending")
    limits: dict[str, int] = Field(description="request limits of this server (`max_k`, `max_query_chars`, …)")
    recommendations: dict[str, Any] = Field(
        default_factory=dict, description="recommendation units, repeats, responses, and the unlinked responses"
    )


class HealthResponse(BaseModel):
    """`GET /health`."""

    status: Literal["ok", "unavailable"]
    index_version: str | None = None
    documents: int | None = None
    detail: str | None = None


class IngestRequest(BaseModel):
    """The body of `POST /admin/ingest`."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"paths": ["meetings"], "prune": False}]}
    )

    paths: list[str] | None = Field(
        None, description="files or folders relative to the corpus root (the whole corpus root when absent)"
    )
    prune: bool = Field(False, description="remove documents whose files are gone")


@dataclass
class IngestResponse(IngestReport):
    """What an ingest run did (`gfmd_search.records.IngestReport`), and the version it left live."""

    index_version: str | None = described("the live index version after the run (null when there is none)", default=None)


class ReloadResponse(BaseModel):
    """`POST /admin/reload`."""

    index_version: str
    documents: int


@dataclass
class RecommendationModel(Recommendation):
    """A recommendation unit: the CLI's JSON (`gfmd-search recommendations --json`) plus `file_url`."""

    file_url: str | None = described("link to the source file at the recommendation's page", default=None)


class RecommendationsResponse(BaseModel):
    """The answer to `GET /recommendations`."""

    query: str | None
    k: int
    count: int
    index_version: str
    recommendations: list[RecommendationModel]
