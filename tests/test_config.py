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
    assert s.role_weights == {"chair": 3.0}
    assert load_settings(config, mode=None).mode == "bm25"
    assert Settings().mode == load_settings().mode == "hybrid"


@pytest.mark.parametrize(
    ("content", "message"),
    [("nonsense = 1", "unknown setting 'nonsense'"), ("rrf_k = 'many'", "'rrf_k' has a bad value"),
     ('mode = "fuzzy"', "'mode' must be one of"), ("mode = ", "not valid TOML")],
)
def test_bad_config_files_name_the_file_and_field(tmp_path: Path, content: str, message: str):
    config = tmp_path / "bad.toml"
    config.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings(config)


def test_bad_environment_value(monkeypatch):
    monkeypatch.setenv("GFMD_SEARCH_DENSE_WEIGHT", "2")
    with pytest.raises(ConfigError, match="dense_weight"):
        load_settings()
