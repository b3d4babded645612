"""Request and response models of the HTTP API (pydantic), with OpenAPI examples.

The hit and partner shapes are the CLI's JSON (`Hit.to_dict()`, `Partner.to_dict()`),
with one field added where the web page needs it: `file_url`, the link that opens the
source file at the passage's page (None when the file lies outside the corpus root).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gfmd_search.config import Mode

Kind = Literal["body", "note", "table"]

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


class AlsoIn(BaseModel):
    """A near-duplicate of a hit, shown once under the best of them."""

    doc_id: str
    title: str
    page: int


class HitModel(BaseModel):
    """One passage found: the CLI's JSON hit, plus `file_url`."""

    doc_id: str = Field(description="document identifier")
    chunk_id: int = Field(description="passage (chunk row) identifier in the live index version")
    title: str
    year: int | None
    page: int = Field(description="page of the text the snippet shows (1-based physical page)")
    page_end: int = Field(description="last page of the passage")
    section: str | None = Field(description="heading the passage sits under, when known")
    score: float = Field(description="ranking score (comparable within one answer only)")
    snippet: str = Field(description="HTML-escaped excerpt; query terms are wrapped in `<mark>` (safe to insert as HTML)")
    source: str | None = Field(description="where the document was published (URL), when known")
    doc_type: str | None = Field(description="document type, e.g. `meeting record`")
    text: str = Field(description="the passage's full text (plain text, not escaped)")
    kind: str = Field("body", description="`body`, `note` (a page's footnotes) or `table` (table and chart text)")
    note: str | None = Field(None, description="for a note passage, the number of the note the snippet shows")
    language: str | None = Field(None, description="the document's language (ISO 639-1)")
    also_in: list[AlsoIn] = Field(
        default_factory=list, description="other documents carrying nearly the same passage (collapsed)"
    )
    file_url: str | None = Field(
        None, description="link to the source file served by this app, at the passage's page for PDFs"
    )
    facets: dict[str, list[str]] = Field(
        default_factory=dict,
        description="the document's facet values besides year and type: country, organisation, theme, "
        "and those its record declares (a PDF named by a catalogue record shows the record's)",
    )

    model_config = ConfigDict(
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


class FacetCountModel(BaseModel):
    """How many matching documents carry one value of a facet."""

    value: str
    count: int


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
    facets: dict[str, list[FacetCountModel]] | None = Field(
        None,
        description="per facet asked for, the count of matching documents per value, most first: the "
        "documents with a passage among the first `facet_passages` (100) passages the query ranks, "
        "under the same mode and filters",
    )


class PracticeModel(BaseModel):
    """A good-practice record, as a unit."""

    doc_id: str
    title: str
    year: int | None
    countries: list[str]
    partners: list[str]
    themes: list[str]
    link: str | None = Field(description="the practice's source page")
    score: float
    snippet: str = Field(description="HTML-escaped excerpt with `<mark>` tags")


class PracticesResponse(BaseModel):
    """The answer to `GET /practices`: related good practices for a query."""

    query: str
    k: int
    count: int
    practices: list[PracticeModel]


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


class EvidenceModel(BaseModel):
    """A passage that shows an actor's involvement."""

    doc_id: str
    chunk_id: int
    title: str
    year: int | None
    page: int
    score: float
    snippet: str = Field(description="HTML-escaped excerpt with `<mark>` tags (safe to insert as HTML)")
    role: str | None = Field(None, description="the actor's stated role in this passage, e.g. `co-chair`")
    file_url: str | None = Field(None, description="link to the source file at this page")


class PartnerModel(BaseModel):
    """A suggested partner, the CLI's JSON shape."""

    name: str
    type: str = Field(description="actor type: `government`, `international organisation` or `civil society / other`")
    score: float
    documents: int = Field(description="documents among the evidence that mention this actor")
    roles: list[str]
    evidence: list[EvidenceModel]
    explanation: list[str] = Field(
        default_factory=list, description="what weighed most for this actor, e.g. `donor in 4 of the 10 most similar documents`"
    )

    model_config = ConfigDict(
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


class ChunkModel(BaseModel):
    """One passage of a document."""

    row: int = Field(description="chunk row in the live index version (the `chunk_id` of hits)")
    ordinal: int = Field(description="position of the passage in its document")
    text: str
    page_start: int
    page_end: int
    section: str | None
    char_start: int
    char_end: int
    file_url: str | None = None


class DocumentSummary(BaseModel):
    """A document's metadata."""

    doc_id: str
    title: str
    year: int | None
    doc_type: str | None
    meeting: str | None
    source: str | None
    pages: int
    file_url: str | None = Field(None, description="link to the source file served by this app")
    extra: dict[str, Any] = Field(default_factory=dict, description="other metadata from the sidecar")


class DocumentResponse(DocumentSummary):
    """`GET /documents/{doc_id}`: metadata and its passages."""

    chunks: list[ChunkModel]


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
    practices: list[PracticeModel] | None = Field(
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


class SkippedModel(BaseModel):
    path: str
    reason: str


class IngestResponse(BaseModel):
    """What an ingest run did."""

    ingested: list[str]
    unchanged: list[str]
    removed: list[str]
    skipped: list[SkippedModel]
    chunks_embedded: int
    chunks_reused: int
    index_version: str | None


class ReloadResponse(BaseModel):
    """`POST /admin/reload`."""

    index_version: str
    documents: int


class ResponseModel(BaseModel):
    """A management response to a recommendation."""

    status: Literal["accepted", "partially accepted", "rejected"] | None = Field(
        description="null when the response's status could not be read (then `raw` holds its text)"
    )
    actions: list[str] = Field(description="key actions")
    responsible: list[str] = Field(description="responsible units, one entry per key action where the layout has them")
    deadline: str | None = Field(description="time frame(s) or deadline(s)")
    priority: str | None = Field(description="priority level, when stated")
    doc_id: str = Field(description="the document the response is in")
    page: int = Field(description="page of the response in that document")
    raw: str = Field(description="the response's text as read")


class RecommendationModel(BaseModel):
    """A recommendation unit: the CLI's JSON (`gfmd-search recommendations --json`) plus `file_url`."""

    doc_id: str
    ordinal: int = Field(description="position among the document's recommendations")
    number: str | None = Field(description="its number or letter, when it has one")
    text: str
    page: int = Field(description="page its text starts on (1-based physical page)")
    char_start: int
    char_end: int
    kind: Literal["numbered", "prose"]
    addressees: list[str] = Field(description="actors and groups it is addressed to")
    themes: list[str]
    response: ResponseModel | None = Field(description="its management response, its own or from a response document")
    same_as: dict[str, Any] | None = Field(description="the recommendation this one repeats (`doc_id`, `number`, `page`)")
    repeated_in: list[dict[str, Any]] = Field(description="where this recommendation is repeated")
    title: str | None
    source: str | None
    file_url: str | None = Field(None, description="link to the source file at the recommendation's page")


class RecommendationsResponse(BaseModel):
    """The answer to `GET /recommendations`."""

    query: str | None
    k: int
    count: int
    index_version: str
    recommendations: list[RecommendationModel]
