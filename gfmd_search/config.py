"""One configuration object drives every component.

Values are resolved in this order, later ones winning: the defaults below, a TOML
file (``gfmd-search.toml`` in the working directory, or the path in
``GFMD_SEARCH_CONFIG``, or ``--config``), environment variables
``GFMD_SEARCH_<FIELD>`` (for example ``GFMD_SEARCH_INDEX_DIR``), then explicit
overrides (command-line flags).
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "all-MiniLM-L6-v2"
CONFIG_FILE = "gfmd-search.toml"
ENV_PREFIX = "GFMD_SEARCH_"


class ConfigError(ValueError):
    """A configuration value is missing, unknown or of the wrong type."""


@dataclass(frozen=True)
class Settings:
    """Every tunable of gfmd-search, with defaults chosen on data (see README)."""

    index_dir: Path = Path("index")
    corpus_root: Path = Path("corpus")
    # embedding
    model: str = DEFAULT_MODEL
    device: str | None = None
    batch_size: int = 64
    # chunking
    chunk_tokens: int = 200
    chunk_overlap: int = 32
    context_header: bool = True
    max_pages: int = 1000
    # lexical and search: chosen on SciFact train queries (eval/results/tuning/scifact-train/tuning.md),
    # checked on Cranfield by cross-validation; candidates=1000 also makes search rank exactly as
    # `gfmd-search eval` measures it.
    bm25_k1: float = 0.9
    bm25_b: float = 0.5
    stemmer: str | None = "porter"
    stopwords: str | None = "en"
    language: str = "en"  # documents whose language the detector is unsure of are taken to be in this one
    # search
    mode: str = "hybrid"
    fusion: str = "zscore"
    rrf_k: int = 60
    dense_weight: float = 0.7
    candidates: int = 1000
    doc_aggregation: str = "max"
    # facets: counts are over the documents of the first `facet_passages` passages a query ranks
    facet_passages: int = 100
    # records files: field mappings by file name, for files without a .mapping.toml (README, Records)
    record_mappings: dict[str, dict[str, Any]] = field(default_factory=dict)
    collapse_duplicates: bool = True  # show a passage repeated in several documents once, the others in also_in
    # partners: the voting model of partners.py. The best point of a grid on the tune split of the
    # IOM evaluation records (eval/results/partners/tune/tuning.md): MAP 0.610 there, against 0.488
    # for the first guesses (50 passages, c=10, prior 1, no association normalisation, stated roles
    # 1.5). `none` weighs a mention with no stated role.
    partner_passages: int = 100
    partner_evidence: int = 3
    partner_relevance: str = "rank"
    partner_rank_c: float = 2.0
    partner_assoc_norm: float = 1.0
    partner_prior: float = 0.5
    role_weights: dict[str, float] = field(
        default_factory=lambda: {
            "chair": 10.0,
            "co-chair": 10.0,
            "host": 10.0,
            "donor": 10.0,
            "implementing partner": 10.0,
            "team member": 10.0,
            "none": 1.0,
        }
    )
    # api
    api_token: str | None = None
    max_k: int = 100
    max_query_chars: int = 2000

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given non-None values replaced and coerced."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **_coerce_all(given, "override"))


MODES = ("dense", "bm25", "hybrid")
FUSIONS = ("rrf", "convex", "zscore")
PARTNER_RELEVANCE = ("rank", "score")


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Resolve settings from defaults, config file, environment and overrides."""
    values: dict[str, Any] = {}
    path = config_file or os.environ.get(ENV_PREFIX + "CONFIG")
    if path is None and Path(CONFIG_FILE).is_file():
        path = CONFIG_FILE
    if path is not None:
        values.update(_coerce_all(_read_toml(Path(path)), str(path)))
    env = {
        f.name: os.environ[ENV_PREFIX + f.name.upper()]
        for f in fields(Settings)
        if ENV_PREFIX + f.name.upper() in os.environ
    }
    values.update(_coerce_all(env, "environment"))
    settings = Settings(**values).with_overrides(**overrides)
    _validate(settings)
    return settings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


_TYPES = {f.name: f for f in fields(Settings)}


def _coerce_all(values: dict[str, Any], origin: str) -> dict[str, Any]:
    return {key: _coerce(key, value, origin) for key, value in values.items()}


def _coerce(key: str, value: Any, origin: str) -> Any:
    if key not in _TYPES:
        raise ConfigError(f"{origin}: unknown setting {key!r}")
    kind = str(_TYPES[key].type)
    try:
        if isinstance(value, str) and value.lower() in ("", "none", "null") and "None" in kind:
            return None
        if kind.startswith("Path"):
            return Path(value)
        if kind.startswith("bool"):
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
        if kind.startswith("int"):
            return int(value)
        if kind.startswith("float"):
            return float(value)
        if kind.startswith("dict[str, dict"):
            parsed = json.loads(value) if isinstance(value, str) else dict(value)
            return {str(k): dict(v) for k, v in parsed.items()}
        if kind.startswith("dict"):
            parsed = json.loads(value) if isinstance(value, str) else dict(value)
            return {str(k): float(v) for k, v in parsed.items()}
        return value if value is None else str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{origin}: setting {key!r} has a bad value {value!r}: {exc}") from None


def _validate(s: Settings) -> None:
    if s.mode not in MODES:
        raise ConfigError(f"setting 'mode' must be one of {', '.join(MODES)}, not {s.mode!r}")
    if s.fusion not in FUSIONS:
        raise ConfigError(f"setting 'fusion' must be one of {', '.join(FUSIONS)}, not {s.fusion!r}")
    if s.chunk_overlap >= s.chunk_tokens:
        raise ConfigError("setting 'chunk_overlap' must be smaller than 'chunk_tokens'")
    if not 0.0 <= s.dense_weight <= 1.0:
        raise ConfigError("setting 'dense_weight' must lie between 0 and 1")
    if s.partner_relevance not in PARTNER_RELEVANCE:
        raise ConfigError(f"setting 'partner_relevance' must be one of {', '.join(PARTNER_RELEVANCE)}")
    if s.partner_passages < 1 or s.partner_evidence < 0 or s.partner_rank_c < 0 or s.partner_prior < 0:
        raise ConfigError("settings partner_passages must be >= 1, partner_evidence/rank_c/prior >= 0")
