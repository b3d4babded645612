"""The web page at `/`, the API reference page at `/api`, and their static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parents[1] / "static"

router = APIRouter(include_in_schema=False)


def _html(name: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})


@router.get("/")
def page() -> FileResponse:
    return _html("index.html")


@router.get("/api")
def api_page() -> FileResponse:
    return _html("api.html")


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


def static_files() -> StaticFiles:
    """The page's scripts, styles and images, mounted at `/static`."""
    return StaticFiles(directory=STATIC)
