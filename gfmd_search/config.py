"""One configuration object drives every component.

Values are resolved in this order, later ones winning: the defaults below, a TOML
file (``gfmd-search.toml`` in the working directory, or the path in
``GFMD_SEARCH_CONFIG``, or ``--config``), environment variables
``GFMD_SEARCH_<FIELD>`` (for example ``GFMD_SEARCH_INDEX_DIR``), then explicit
overrides (command-line flags). pydantic-settings reads the sources; `load_settings`
names the setting and where its bad value came from when one does not validate.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from .records import NO_ROLE, RECOMMENDATION_ROLES, ROLES

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_BACKEND = "onnx"  # torch's vectors, faster on the CPU (README "Embedding backends")
CONFIG_FILE = "gfmd-search.toml"
ENV_PREFIX = "GFMD_SEARCH_"

# The registries of choices: every module and front end reads these.
Mode = Literal["dense", "bm25", "hybrid"]
Fusion = Literal["rrf", "convex", "zscore"]
Aggregation = Literal["max", "sum", "mean"]
PartnerRelevance = Literal["rank", "score"]
Backend = Literal["torch", "onnx", "onnx-int8"]
MODES: tuple[str, ...] = get_args(Mode)
FUSIONS: tuple[str, ...] = get_args(Fusion)
AGGREGATIONS: tuple[str, ...] = get_args(Aggregation)
PARTNER_RELEVANCE: tuple[str, ...] = get_args(PartnerRelevance)
BACKENDS: tuple[str, ...] = get_args(Backend)

DEFAULT_ROLE_WEIGHTS = {**{role: 10.0 for role in ROLES}, **{role: 1.0 for role in RECOMMENDATION_ROLES}, NO_ROLE: 1.0}
"""A stated role weighs 10 mentions without one; a `[role_weights]` table is merged over these. Being
addressed by a recommendation or responsible for a response weighs as an unstated mention: on who was
asked to act on 26 judged recommendations, higher weights gain a little MAP, not significantly
(`eval-recommendations --roles`, eval/results/recommendations/README.md)."""

_NONE_WORDS = ("", "none", "null")


class ConfigError(ValueError):
    """A configuration value is missing, unknown or of the wrong type."""


# None: only the values given to the constructor (plain `Settings(...)`); else the TOML file (or None)
# that `load_settings` reads beside the environment.
_SOURCES: ContextVar[tuple[Path | None] | None] = ContextVar("gfmd_search_sources", default=None)


class Settings(BaseSettings):
    """Every tunable of gfmd-search, with defaults chosen on data (see README)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    index_dir: Path = Path("index")
    corpus_root: Path = Path("corpus")
    # embedding
    model: str = DEFAULT_MODEL
    device: str | None = None
    batch_size: int = Field(64, ge=1)
    backend: Backend = DEFAULT_BACKEND  # torch | onnx | onnx-int8 (ONNX Runtime on the CPU; README "Speed")
    fp16: bool = False  # half-precision torch weights, for GPUs
    # chunking
    chunk_tokens: int = Field(200, ge=8)
    chunk_overlap: int = Field(32, ge=0)
    context_header: bool = True
    max_pages: int = Field(1000, ge=1)
    max_file_mb: float = Field(50.0, gt=0)  # larger files are skipped with a message: bounds ingest time and memory
    follow_links: bool = False  # follow symlinks that lead out of an ingested folder (never loops)
    # lexical and search: chosen on SciFact train queries (eval/results/tuning/scifact-train/tuning.md),
    # checked on Cranfield by cross-validation; candidates=1000 also makes search rank exactly as
    # `gfmd-search eval` measures it.
    bm25_k1: float = Field(0.9, ge=0)
    bm25_b: float = Field(0.5, ge=0, le=1)
    stemmer: str | None = "porter"
    stopwords: str | None = "en"
    language: str = "en"  # documents whose language the detector is unsure of are taken to be in this one
    # search
    mode: Mode = "hybrid"
    fusion: Fusion = "zscore"
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(0.7, ge=0, le=1)
    candidates: int = Field(1000, ge=1)
    doc_aggregation: Aggregation = "max"
    # facets: counts are over the documents of the first `facet_passages` passages a query ranks
    facet_passages: int = Field(100, ge=1)
    # records files: field mappings by file name, for files without a .mapping.toml (README, Records)
    record_mappings: dict[str, dict[str, Any]] = Field(default_factory=dict)
    collapse_duplicates: bool = True  # show a passage repeated in several documents once, the others in also_in
    # index segments and approximate dense search, chosen on benchmarks/results/scale/ (README "Scale")
    merge_factor: int = Field(10, ge=2)  # adjacent segments of one size tier merged into one
    ann_threshold: int = Field(50_000, ge=1)  # a segment of this many rows or more gets an IVF index
    ann_lists: int = Field(0, ge=0)  # IVF lists of such a segment; 0 chooses about 2 * sqrt(rows)
    ann_nprobe: int = Field(32, ge=1)  # IVF lists searched per query; candidates are re-scored exactly
    # partners: the voting model of partners/voting.py. The best point of a grid on the tune split of the
    # IOM evaluation records (eval/results/partners/tune/tuning.md): MAP 0.610 there, against 0.488
    # for the first guesses (50 passages, c=10, prior 1, no association normalisation, stated roles
    # 1.5). `none` weighs a mention with no stated role.
    partner_passages: int = Field(100, ge=1)
    # which partner model answers: "voting" (the voting model), "ranker" (the learned ranker shipped in
    # gfmd_search/data/, trained on IOM donors) or the path of a ranker file (partners/ranker.py). A
    # per-task choice: the ranker leads on IOM donors (MAP 0.600 vs 0.573, p = 0.38) but trails on
    # GFMD roundtable teams (0.383 vs 0.405, p = 0.73), so meeting records keep the voting model.
    partner_model: str = "voting"
    partner_evidence: int = Field(3, ge=0)
    partner_relevance: PartnerRelevance = "rank"
    partner_rank_c: float = Field(2.0, ge=0)
    partner_assoc_norm: float = Field(1.0, ge=0)
    partner_prior: float = Field(0.5, ge=0)
    role_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_ROLE_WEIGHTS))
    # api
    api_token: str | None = None
    max_k: int = Field(100, ge=1)
    max_query_chars: int = Field(2000, ge=1)
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ()  # Host names served besides localhost, 127.0.0.1, ::1 and --host

    @field_validator("device", "stemmer", "stopwords", "api_token", mode="before")
    @classmethod
    def _none_word(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip().lower() in _NONE_WORDS else value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _host_list(cls, value: Any) -> Any:
        """`a.example, b.example` (a TOML list works too)."""
        if isinstance(value, str):
            return tuple(host.strip() for host in value.split(",") if host.strip())
        return value

    @field_validator("role_weights", mode="before")
    @classmethod
    def _merge_roles(cls, value: Any) -> Any:
        """A partial table keeps the default weight of every role it does not name."""
        if isinstance(value, str):
            value = json.loads(value)
        if not isinstance(value, dict):
            return value
        unknown = sorted(set(value) - set(DEFAULT_ROLE_WEIGHTS))
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r}; the roles are {', '.join(DEFAULT_ROLE_WEIGHTS)}")
        return {**DEFAULT_ROLE_WEIGHTS, **value}

    @model_validator(mode="after")
    def _chunk_overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError(
                f"setting 'chunk_overlap' ({self.chunk_overlap}) must be smaller than 'chunk_tokens' ({self.chunk_tokens})"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Overrides, then the environment, then the TOML file (first wins) inside `load_settings`."""
        sources = _SOURCES.get()
        if sources is None:
            return (init_settings,)
        toml = sources[0]
        if toml is None:
            return (init_settings, env_settings)
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml))

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given non-None values replaced (and validated)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        values = {**self.model_dump(), **given}
        return _build(lambda: type(self)(**values), lambda key: "override" if key in given else "settings")


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Resolve settings from defaults, config file, environment and overrides."""
    path = config_file or os.environ.get(ENV_PREFIX + "CONFIG")
    if path is None and Path(CONFIG_FILE).is_file():
        path = CONFIG_FILE
    toml = Path(path) if path is not None else None
    from_file = _read_toml(toml) if toml is not None else {}
    given = {k: v for k, v in overrides.items() if v is not None}

    def origin(key: str) -> str:
        if key in given:
            return "override"
        if ENV_PREFIX + key.upper() in os.environ:
            return "environment"
        return str(toml) if key in from_file else "default"

    token = _SOURCES.set((toml,))
    try:
        return _build(lambda: Settings(**given), origin)
    finally:
        _SOURCES.reset(token)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _build(make: Callable[[], Settings], origin: Callable[[str], str]) -> Settings:
    """`make()`, with each validation error said as `ORIGIN: setting 'NAME' …`."""
    try:
        return make()
    except ValidationError as exc:
        raise ConfigError("; ".join(_explain(e, origin) for e in exc.errors())) from None


def _explain(error: Any, origin: Callable[[str], str]) -> str:
    loc = [str(part) for part in error.get("loc", ())]
    if not loc:  # a rule across fields
        return f"{origin('chunk_overlap')}: {error['msg'].removeprefix('Value error, ')}"
    key = loc[0]
    where = origin(key)
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown setting {key!r}"
    if error["type"] == "literal_error":
        choices = ", ".join(get_args(Settings.model_fields[key].annotation))
        return f"{where}: setting {key!r} must be one of {choices}, not {error['input']!r}"
    detail = error["msg"].removeprefix("Value error, ")
    return f"{where}: setting {key!r} has a bad value {error['input']!r}: {detail}"
