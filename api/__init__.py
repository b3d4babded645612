"""HTTP API and web page of gfmd-search (installed as `gfmd_search_api`)."""
