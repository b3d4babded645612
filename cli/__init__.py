"""The `gfmd-search` command line (installed as `gfmd_search_cli`)."""
