"""The dependencies routes declare: the engine, its settings, the live index view, the admin token.

Everything goes through `gfmd_search.app.Engine`: the routers never build their own
searcher, so the API ranks exactly as the CLI and the evaluation do. The dependencies are
`async`: FastAPI runs a plain `def` dependency in its thread pool, a hop per dependency and
request; only building the view of a new index version goes there.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from gfmd_search.app import Engine
from gfmd_search.config import Settings

from .errors import ApiError
from .views import IndexView, Views


async def get_engine(request: Request) -> Engine:
    """The one Engine the app holds."""
    return request.app.state.engine


async def get_views(request: Request) -> Views:
    """The app's cache of per-version facts."""
    return request.app.state.views


EngineDep = Annotated[Engine, Depends(get_engine)]
ViewsDep = Annotated[Views, Depends(get_views)]


async def get_settings(engine: EngineDep) -> Settings:
    """The engine's settings."""
    return engine.settings


async def get_view(views: ViewsDep, engine: EngineDep) -> IndexView:
    """The facts of the live index version (raises StoreError → 503 when there is no index)."""
    return views.cached(engine) or await run_in_threadpool(views.get, engine)


SettingsDep = Annotated[Settings, Depends(get_settings)]
ViewDep = Annotated[IndexView, Depends(get_view)]

bearer = HTTPBearer(
    auto_error=False,
    description="The server's `api_token` (setting `api_token`, environment `GFMD_SEARCH_API_TOKEN`).",
)


async def require_token(
    settings: SettingsDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """Admin endpoints: off (404) without a configured token; then 401 without it, 403 when wrong."""
    token = settings.api_token
    if not token:
        raise ApiError(
            404,
            "admin endpoints are disabled: this server is read-only. Configure `api_token` "
            "(for example GFMD_SEARCH_API_TOKEN=…) to enable ingest and reload.",
        )
    if credentials is None or not credentials.credentials:
        raise ApiError(
            401, "this endpoint needs the API token: send `Authorization: Bearer <token>`",
            {"WWW-Authenticate": "Bearer"},
        )
    if not hmac.compare_digest(credentials.credentials.encode(), token.encode()):
        raise ApiError(403, "the API token is not valid", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
