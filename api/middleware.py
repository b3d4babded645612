"""Middleware of the app (pure ASGI: no per-request overhead of BaseHTTPMiddleware)."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Largest accepted request body, in bytes (a partners request is a few KiB at most).
MAX_BODY_BYTES = 64 * 1024

#: The page loads nothing from elsewhere: scripts, styles and data all come from this app.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

class BodySizeLimit:
    """Refuses request bodies over `max_bytes` with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await _send_error(send, 400, "the Content-Length header is not a number")
                return
            if int(length) > self.max_bytes:
                await _send_error(send, 413, self._too_large())
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise StarletteHTTPException(413, self._too_large())
            return message

        await self.app(scope, limited, send)

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_bytes:,} bytes"


class SecurityHeaders:
    """Headers every answer carries; the page also gets a strict Content-Security-Policy."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if b"content-security-policy" not in present:
                    ctype = dict(headers).get(b"content-type", b"")
                    if ctype.startswith(b"text/html"):
                        extra.append((b"content-security-policy", PAGE_CSP.encode()))
                        extra.append((b"x-frame-options", b"DENY"))
                headers.extend((k, v) for k, v in extra if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


async def _send_error(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })
    await send({"type": "http.response.body", "body": body})

