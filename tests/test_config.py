"""Configuration: defaults, then file, then environment, then overrides; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from gfmd_search.config import ConfigError, Settings, load_settings


def test_precedence(tmp_path: Path, monkeypatch):
    config = tmp_path / "gfmd-search.toml"
    config.write_text('mode = "bm25"\nrrf_k = 10\nindex_dir = "from-file"\n[role_weights]\nchair = 3\n')
    monkeypatch.setenv("GFMD_SEARCH_RRF_K", "20")
    s = load_settings(config, index_dir=Path("from-flag"))
    assert s.mode == "bm25" and s.rrf_k == 20 and s.index_dir == Path("from-flag")
    assert s.role_weights["chair"] == 3.0 and s.role_weights["donor"] == 10.0  # merged over the defaults
    assert load_settings(config, mode=None).mode == "bm25"
    assert Settings().mode == load_settings().mode == "hybrid"


@pytest.mark.parametrize(
    ("content", "message"),
    [("nonsense = 1", "unknown setting 'nonsense'"), ("rrf_k = 'many'", "'rrf_k' has a bad value"),
     ('mode = "fuzzy"', "'mode' must be one of dense, bm25, hybrid"), ("mode = ", "not valid TOML"),
     ("chunk_overlap = 200", "'chunk_overlap' .200. must be smaller than 'chunk_tokens' .200."),
     ("candidates = 0", "'candidates' has a bad value 0"), ("[role_weights]\nboss = 2", "unknown role 'boss'")],
)
def test_bad_config_files_name_the_file_and_field(tmp_path: Path, content: str, message: str):
    config = tmp_path / "bad.toml"
    config.write_text(content)
    with pytest.raises(ConfigError, match=f"^{config}: .*{message}"):
        load_settings(config)


def test_bad_environment_value(monkeypatch):
    monkeypatch.setenv("GFMD_SEARCH_DENSE_WEIGHT", "2")
    with pytest.raises(ConfigError, match="^environment: setting 'dense_weight' has a bad value '2'"):
        load_settings()


def test_environment_values_are_parsed(monkeypatch):
    monkeypatch.setenv("GFMD_SEARCH_CONTEXT_HEADER", "no")
    monkeypatch.setenv("GFMD_SEARCH_STEMMER", "none")
    monkeypatch.setenv("GFMD_SEARCH_ROLE_WEIGHTS", '{"host": 2}')
    s = load_settings(chunk_tokens=120)
    assert (s.context_header, s.stemmer, s.chunk_tokens) == (False, None, 120)
    assert s.role_weights == {**Settings().role_weights, "host": 2.0}


def test_overrides_are_validated():
    with pytest.raises(ConfigError, match="^override: setting 'fusion' must be one of rrf, convex, zscore"):
        Settings().with_overrides(fusion="fuzzy")
    assert Settings().with_overrides(partner_prior="0.25", mode=None).partner_prior == 0.25


def test_registries_agree():
    from gfmd_search import aggregate, fusion
    from gfmd_search.config import AGGREGATIONS, FUSIONS

    assert set(fusion.METHODS) == set(FUSIONS) and set(aggregate.METHODS) == set(AGGREGATIONS)
