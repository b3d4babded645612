"""The records that cross module boundaries: every module speaks these."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# The roles an actor is stated to play in a passage (found by actors/roles.py, weighed by partners.py).
CHAIR, CO_CHAIR, HOST, DONOR = "chair", "co-chair", "host", "donor"
IMPLEMENTING_PARTNER, TEAM_MEMBER = "implementing partner", "team member"
# A recommendation addressed to the actor, or a management response naming it responsible
# (gfmd_search/recommendations/).
ADDRESSEE, RESPONSIBLE = "addressee", "responsible"
ROLES = (CHAIR, CO_CHAIR, HOST, DONOR, IMPLEMENTING_PARTNER, TEAM_MEMBER)
RECOMMENDATION_ROLES = (ADDRESSEE, RESPONSIBLE)
NO_ROLE = "none"
"""The role_weights key of a mention with no stated role."""


@dataclass
class Page:
    """One page of a document's text. `number` is the 1-based physical page index."""

    number: int
    text: str
    label: str | None = None
    notes: list[str] = field(default_factory=list)  # footnotes at the foot of the page, each "239 text"
    tables: list[str] = field(default_factory=list)  # runs of table and chart lines, kept out of `text`


@dataclass
class Document:
    """A loaded document: its pages and metadata, before chunking."""

    doc_id: str
    title: str
    pages: list[Page]
    year: int | None = None
    doc_type: str | None = None
    source: str | None = None
    path: str | None = None
    meeting: str | None = None
    content_hash: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    facets: dict[str, list[str]] = field(default_factory=dict)  # declared by a record: facet -> values
    language: str | None = None  # ISO 639-1 code, detected at ingest unless given
    language_detected: bool = True  # False when the detector was unsure and the default was used

    @property
    def text(self) -> str:
        """All page texts joined by blank lines (the frame of chunk offsets)."""
        return PAGE_SEPARATOR.join(p.text for p in self.pages)


PAGE_SEPARATOR = "\n\n"
BLOCK_SEPARATOR = "\n"  # between the notes (or table runs) of a page, the frame of their chunks' offsets
KINDS = ("body", "note", "table")


@dataclass
class Chunk:
    """A passage of a document, sized for the embedding model."""

    doc_id: str
    ordinal: int
    text: str
    page_start: int
    page_end: int
    section: str | None
    char_start: int
    char_end: int
    text_hash: str = ""
    kind: str = "body"  # body: offsets into Document.text; note, table: into the page's joined block
    page_breaks: list[int] = field(default_factory=list)  # offsets in `text` where each next page begins


@dataclass
class Mention:
    """An actor named in a text: canonical name, actor type, role if stated."""

    name: str
    type: str
    surface: str
    start: int
    end: int
    role: str | None = None


@dataclass
class Hit:
    """One search result: a chunk with its document's metadata, score and snippet."""

    doc_id: str
    chunk_id: int
    title: str
    year: int | None
    page: int
    page_end: int
    section: str | None
    score: float
    snippet: str
    source: str | None
    doc_type: str | None
    text: str
    facets: dict[str, list[str]] = field(default_factory=dict)
    kind: str = "body"
    note: str | None = None  # the number of the note the snippet shows, for note passages
    language: str | None = None
    also_in: list[dict[str, Any]] = field(default_factory=list)  # near-duplicates: doc_id, title, page

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape shared by the CLI and the API."""
        return asdict(self)

    def citation(self) -> str:
        """Where the snippet is: "p. 73" or "note 239, p. 72"."""
        return (f"note {self.note}, " if self.note else "") + f"p. {self.page}"


@dataclass
class FacetCount:
    """How many matching documents carry one value of a facet."""

    value: str
    count: int


@dataclass
class SearchResult:
    """Hits and, per requested facet, the counts of the matching documents (see facets.py)."""

    hits: list[Hit]
    facets: dict[str, list[FacetCount]]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape shared by the CLI and the API."""
        return asdict(self)


@dataclass
class Practice:
    """A good-practice record found for a query or a document: the unit "related good practices" returns."""

    doc_id: str
    title: str
    year: int | None
    countries: list[str]
    partners: list[str]
    themes: list[str]
    link: str | None
    score: float
    snippet: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape shared by the CLI and the API."""
        return asdict(self)


@dataclass
class Evidence:
    """A passage that shows an actor's involvement."""

    doc_id: str
    chunk_id: int
    title: str
    year: int | None
    page: int
    score: float
    snippet: str
    role: str | None = None


@dataclass
class Partner:
    """A suggested partner with its score and supporting passages."""

    name: str
    type: str
    score: float
    documents: int
    roles: list[str]
    evidence: list[Evidence]
    explanation: list[str] = field(default_factory=list)
    """What weighed most for this actor, in words ("donor in 4 of the 10 most similar documents")."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape shared by the CLI and the API."""
        return asdict(self)


@dataclass
class Skipped:
    """A file that could not be ingested and why."""

    path: str
    reason: str


@dataclass
class IngestReport:
    """What an ingest run did."""

    ingested: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_reused: int = 0

    @property
    def failed(self) -> bool:
        """True when at least one file was skipped for an error."""
        return bool(self.skipped)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Filters:
    """Metadata filters applied before ranking."""

    year_from: int | None = None
    year_to: int | None = None
    doc_types: list[str] | None = None
    sources: list[str] | None = None
    exclude_doc_ids: list[str] | None = None
    where: dict[str, list[str]] | None = None  # facet -> values: any value of each facet, every facet
    languages: list[str] | None = None
    kinds: list[str] | None = None  # body, note, table


@dataclass
class Response:
    """A management response to one recommendation. `status` is accepted, partially accepted,
    rejected, or None when the response could not be read (then `raw` holds its text)."""

    status: str | None
    actions: list[str]
    responsible: list[str]
    deadline: str | None
    priority: str | None
    doc_id: str
    page: int
    raw: str = ""


@dataclass
class Recommendation:
    """A recommendation found in a document: its number (when it has one), text, page and
    addressees; `response` is its own or a linked management response; `same_as` names the
    unit this one repeats (a brief or response matrix restating a report), `repeated_in` the
    units that repeat this one."""

    doc_id: str
    ordinal: int
    number: str | None
    text: str
    page: int
    char_start: int
    char_end: int
    kind: str
    addressees: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    response: Response | None = None
    same_as: dict[str, Any] | None = None
    repeated_in: list[dict[str, Any]] = field(default_factory=list)
    title: str | None = None  # the document's title and source, filled in when read from the index
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape shared by the CLI and the API."""
        return asdict(self)


@dataclass
class StoredDocument:
    """A document as the index holds it: its metadata, without its text."""

    doc_id: str
    title: str
    year: int | None
    doc_type: str | None
    meeting: str | None
    source: str | None
    path: str | None
    pages: int
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class StoredChunk(Chunk):
    """A passage as the index holds it; `row` is its chunk id in this index version."""

    row: int = -1


@dataclass
class IndexVersion:
    """The live index version: its name, when it was built, what it holds."""

    name: str
    created: str
    documents: int
    chunks: int
