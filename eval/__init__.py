"""Evaluation runners of gfmd-search (installed as `gfmd_search_eval`)."""
