"""The sandbox console's edges: cross-site posts refused (CSRF), redirects stay on the console."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from sandbox.demo import SameOriginPosts, local_path


def _app() -> SameOriginPosts:
    async def ok(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("ok")

    inner = Starlette(routes=[Route("/status/toggle", ok, methods=["POST", "GET"]),
                              Route("/api/chat.postMessage", ok, methods=["POST"])])
    return SameOriginPosts(inner, exempt=("/api/",))


@pytest.mark.parametrize(("headers", "status"), [
    ({"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, 403),
    ({"Sec-Fetch-Site": "same-site"}, 403),
    ({"Origin": "http://evil.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}, 200),
    ({"Sec-Fetch-Site": "none"}, 200),  # typed into the address bar / a bookmark
    ({}, 200),  # not a browser: no other site can drive it
])
def test_state_changing_requests_must_come_from_the_console(headers, status):
    with TestClient(_app()) as client:
        assert client.post("/status/toggle", headers=headers).status_code == status
        assert client.get("/status/toggle", headers=headers).status_code == 200  # reads are not guarded


def test_the_slack_api_stand_in_is_exempt():
    with TestClient(_app()) as client:
        assert client.post("/api/chat.postMessage", headers={"Origin": "http://elsewhere"}).status_code == 200


@pytest.mark.parametrize(("back", "expected"), [
    ("/", "/"), ("/slack", "/slack"), ("/mail?x=1", "/mail?x=1"), (None, "/"), ("", "/"),
    ("https://evil.example/", "/"), ("//evil.example/", "/"), ("/\\evil.example", "/"), ("javascript:alert(1)", "/"),
    ("/ok\r\nSet-Cookie: x=1", "/"),
])
def test_redirect_targets_stay_on_the_console(back, expected):
    assert local_path(back) == expected
