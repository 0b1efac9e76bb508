"""Request body limits, enforced in ASGI middleware before anything parses a body.

A declared ``Content-Length`` over the limit is answered 413 without reading a byte; a chunked (or
lying) body is counted while it streams in and answered 413 as soon as it passes the limit, so the
server never holds more than ``limit`` bytes of one request. The response carries
``Connection: close``: the server stops reading the rest and drops the connection.

The body read under the limit is handed on to the app unchanged (one ``http.request`` message), so
forms, Slack's signature check and everything else see exactly the bytes that arrived.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Slack's payloads are a few KB (a modal's state, an event); Slack caps messages at 40 KB of text.
SLACK_MAX_BODY = 1024 * 1024
#: Our own forms: sign-in, a verdict with a note of at most 2000 characters.
FORM_MAX_BODY = 64 * 1024


class BodyLimit:
    """``BodyLimit(app, limits=[("/slack/", 1 MiB)], default=64 KiB)``: the first matching path prefix wins."""

    def __init__(self, app: ASGIApp, *, limits: list[tuple[str, int]] | None = None,
                 default: int = FORM_MAX_BODY) -> None:
        self.app = app
        self.limits = limits if limits is not None else [("/slack/", SLACK_MAX_BODY)]
        self.default = default

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.limits:
            if path.startswith(prefix):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared == -1:
            await _reply(send, 400, b"bad Content-Length\n")
            return
        if declared is not None and declared > limit:
            await _reply(send, 413, b"request body too large\n")
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                # Stop here: the rest of the body is never read; the connection closes after the reply.
                await _reply(send, 413, b"request body too large\n")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as servers do

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    """The declared length, None when absent (chunked), -1 when unreadable."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return -1
            return length if length >= 0 else -1
    return None


async def _reply(send: Send, status: int, text: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(text)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": text})
