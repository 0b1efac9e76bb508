"""The HTTP adapter for the Bolt app: an ASGI (Starlette) endpoint for ``/slack/events``.

Adapters only translate (house style: bolt-python's ``dispatch(request) -> response``). Bolt's own
Starlette adapter calls the synchronous ``App.dispatch`` on the event loop; this one runs it in the
thread pool, so one slow request never stalls the web process. Signature checks (HMAC over the raw
body, timestamp within 5 minutes) happen inside ``dispatch``: a failure is a 401.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.request.internals import parse_body
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

log = logging.getLogger(__name__)

PATH = "/slack/events"
MAX_BODY = 1024 * 1024  # Slack payloads are far smaller; refuse anything bigger before hashing it


def _request(body: bytes, headers: dict[str, str | Sequence[str]], query: str | None) -> BoltRequest:
    return BoltRequest(body=body.decode("utf-8", errors="replace"), headers=headers, query=query or "")


def malformed(body: bytes, content_type: str | None) -> str | None:
    """Why Bolt could not read this body (it would raise and answer 500), or None when it can.

    Parsed the way Bolt parses it (``parse_body``): JSON for ``application/json`` or a body starting
    with ``{``, else a form whose ``payload`` field, when present, is JSON. The result must be an object."""
    if not body:
        return "empty body"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    try:
        parsed = parse_body(text, ctype)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        return f"body is not valid JSON ({type(exc).__name__})"
    if not isinstance(parsed, dict):
        return "body is not a JSON object"
    return None


def _log_refusal(resp: BoltResponse, path: str) -> None:
    # Bolt's own line about a failed signature is cut before the body (``intake.logs.bolt_logger``)
    # and quiet below WARNING; this one says what happened and never what was sent.
    if resp.status == 401:
        log.info("Slack request to %s refused: missing, invalid or stale signature", path)


def starlette_endpoint(app: App) -> Callable[[Any], Any]:
    """``Route(PATH, starlette_endpoint(app), methods=["POST"])``."""
    async def endpoint(request: Request) -> Response:
        length = int(request.headers.get("content-length") or 0)
        if length > MAX_BODY:
            return Response("payload too large", status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response("payload too large", status_code=413)
        problem = malformed(body, request.headers.get("content-type"))
        if problem is not None:
            return Response(f"bad request: {problem}\n", status_code=400, media_type="text/plain")
        headers: dict[str, str | Sequence[str]] = {k.lower(): v for k, v in request.headers.items()}
        bolt_resp: BoltResponse = await run_in_threadpool(app.dispatch, _request(body, headers, request.url.query))
        _log_refusal(bolt_resp, request.url.path)
        return Response(content=bolt_resp.body, status_code=bolt_resp.status,
                        headers=bolt_resp.first_headers_without_set_cookie())

    return endpoint


def starlette_routes(app: App) -> list[Any]:
    """The routes the web engineer mounts into the web process's Starlette app."""
    return [Route(PATH, starlette_endpoint(app), methods=["POST"])]
