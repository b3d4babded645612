"""The records that cross module boundaries: every module speaks these.

The records the front ends return (hits, practices, partners, recommendations, what the index
holds) describe their fields with `described`: the CLI's JSON and the HTTP API's schema (pydantic
reads the `description`) both come from these declarations, so each field is declared once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args


def described(description: str, **kwargs: Any) -> Any:
    """A dataclass field with its description (shown in the API's OpenAPI schema)."""
    return field(metadata={"description": description}, **kwargs)


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
Kind = Literal["body", "note", "table"]
"""What a passage holds: body text, a page's footnotes, or table and chart text."""
KINDS: tuple[str, ...] = get_args(Kind)
_KIND = "`body`, `note` (a page's footnotes) or `table` (table and chart text)"


@dataclass
class Chunk:
    """A passage of a document, sized for the embedding model."""

    doc_id: str
    ordinal: int = described("position of the passage in its document")
    text: str
    page_start: int
    page_end: int
    section: str | None = described("heading the passage sits under, when known")
    char_start: int = described("offset of the passage in its document's text (or its page's notes or tables)")
    char_end: int
    text_hash: str = ""
    kind: Kind = described(_KIND, default="body")  # body: offsets into Document.text; note, table: the page's block
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


_SNIPPET = "HTML-escaped excerpt; query terms are wrapped in `<mark>` (safe to insert as HTML)"


@dataclass
class AlsoIn:
    """A near-duplicate of a hit, shown once under the best of them."""

    doc_id: str
    title: str
    page: int


@dataclass
class Hit:
    """One search result: a chunk with its document's metadata, score and snippet."""

    doc_id: str = described("document identifier")
    chunk_id: int = described("passage (chunk row) identifier in the live index version")
    title: str
    year: int | None
    page: int = described("page of the text the snippet shows (1-based physical page)")
    page_end: int = described("last page of the passage")
    section: str | None = described("heading the passage sits under, when known")
    score: float = described("ranking score (comparable within one answer only)")
    snippet: str = described(_SNIPPET)
    source: str | None = described("where the document was published (URL), when known")
    doc_type: str | None = described("document type, e.g. `meeting record`")
    text: str = described("the passage's full text (plain text, not escaped)")
    facets: dict[str, list[str]] = described(
        "the document's facet values besides year and type: country, organisation, theme, and those its "
        "record declares (a PDF named by a catalogue record shows the record's)",
        default_factory=dict,
    )
    kind: Kind = described(_KIND, default="body")
    note: str | None = described("for a note passage, the number of the note the snippet shows", default=None)
    language: str | None = described("the document's language (ISO 639-1)", default=None)
    also_in: list[AlsoIn] = described(
        "other documents carrying nearly the same passage (collapsed)", default_factory=list
    )

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
    link: str | None = described("the practice's source page")
    score: float
    snippet: str = described(_SNIPPET)

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
    snippet: str = described(_SNIPPET)
    role: str | None = described("the actor's stated role in this passage, e.g. `co-chair`", default=None)


@dataclass
class Partner:
    """A suggested partner with its score and supporting passages."""

    name: str
    type: str = described("actor type: `government`, `international organisation` or `civil society / other`")
    score: float
    documents: int = described("documents among the evidence that mention this actor")
    roles: list[str]
    evidence: list[Evidence]
    explanation: list[str] = described(
        "what weighed most for this actor, e.g. `donor in 4 of the 10 most similar documents`", default_factory=list
    )

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
class SearchQuery:
    """A search as a front end asks it (Engine.search): the words, how many hits, how to rank and show them."""

    text: str
    k: int = 10
    mode: str | None = None  # dense, bm25 or hybrid; the `mode` setting when None
    filters: Filters = field(default_factory=Filters)
    group: bool = False  # only the best passage of each document
    collapse: bool | None = None  # a passage repeated in several documents shown once; the setting when None
    facets: list[str] = field(default_factory=list)  # facets whose values to count over the matching documents


@dataclass
class RecommendationQuery:
    """What a front end asks of the recommendations (Engine.recommendations): units ranked for
    `text`, or without it in reading order, kept by document, addressee, status and filters."""

    text: str | None = None
    k: int = 10
    doc_id: str | None = None
    addressee: str | None = None
    status: str | None = None  # accepted, partially accepted, rejected, or none (no response)
    filters: Filters = field(default_factory=Filters)


Status = Literal["accepted", "partially accepted", "rejected"]
"""What a management response says of its recommendation."""


@dataclass
class Response:
    """A management response to one recommendation. `status` is accepted, partially accepted,
    rejected, or None when the response could not be read (then `raw` holds its text)."""

    status: Status | None = described("null when the response's status could not be read (then `raw` holds its text)")
    actions: list[str] = described("key actions")
    responsible: list[str] = described("responsible units, one entry per key action where the layout has them")
    deadline: str | None = described("time frame(s) or deadline(s)")
    priority: str | None = described("priority level, when stated")
    doc_id: str = described("the document the response is in")
    page: int = described("page of the response in that document")
    raw: str = described("the response's text as read", default="")


@dataclass
class Recommendation:
    """A recommendation found in a document: its number (when it has one), text, page and
    addressees; `response` is its own or a linked management response; `same_as` names the
    unit this one repeats (a brief or response matrix restating a report), `repeated_in` the
    units that repeat this one."""

    doc_id: str
    ordinal: int = described("position among the document's recommendations")
    number: str | None = described("its number or letter, when it has one")
    text: str
    page: int = described("page its text starts on (1-based physical page)")
    char_start: int
    char_end: int
    kind: Literal["numbered", "prose"]
    addressees: list[str] = described("actors and groups it is addressed to", default_factory=list)
    themes: list[str] = field(default_factory=list)
    response: Response | None = described(
        "its management response, its own or from a response document", default=None
    )
    same_as: dict[str, Any] | None = described(
        "the recommendation this one repeats (`doc_id`, `number`, `page`)", default=None
    )
    repeated_in: list[dict[str, Any]] = described("where this recommendation is repeated", default_factory=list)
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
    extra: dict[str, Any] = described("other metadata from the sidecar", default_factory=dict)


@dataclass
class StoredChunk(Chunk):
    """A passage as the index holds it; `row` is its chunk id in this index version."""

    row: int = described("chunk row in the live index version (the `chunk_id` of hits)", default=-1)


@dataclass
class IndexVersion:
    """The live index version: its name, when it was built, what it holds."""

    name: str
    created: str
    documents: int
    chunks: int
