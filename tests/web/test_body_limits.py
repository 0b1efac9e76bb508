"""Request bodies are refused past a small limit while they stream in, before anything parses them.

Over real HTTP (uvicorn on loopback) with a raw socket, so the test sees exactly when the 413 arrives:
a chunked upload far over the limit must be answered after about the limit, not after the whole body
(the old code buffered a 300 MiB upload to ``/slack/events`` and parsed a 300 MiB sign-in form).
Peak memory is a benchmark figure (``bench/bench_body_limit.py``), not a timed test.
"""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.routing import Route

from bot.http import starlette_endpoint
from intake.domain.policy import Policy
from intake.web.app import create_app
from intake.web.limits import FORM_MAX_BODY, SLACK_MAX_BODY
from tests.web.conftest import served

PLANNED = 64 * 1024 * 1024  # what the client would send if nobody stopped it
CHUNK = 64 * 1024


@pytest.fixture
def base_url(web_settings, factory, clock, accounts) -> Iterator[str]:  # type: ignore[no-untyped-def]
    bolt = App(signing_secret="s" * 32, token_verification_enabled=False, client=WebClient(token="xoxb-test"))
    slack = Starlette(routes=[Route("/events", starlette_endpoint(bolt), methods=["POST"])])
    app = create_app(web_settings, factory=factory, clock=clock, policy=Policy.default(), health_checks={},
                     slack_app=slack)
    with served(app) as url:
        yield url


def _read_response(sock: socket.socket, timeout: float = 10.0) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            piece = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not piece:
            break
        data += piece
    return data


def chunked_upload(url: str, path: str, content_type: str) -> tuple[bytes, int, bool]:
    """Stream a chunked body of up to ``PLANNED`` bytes; stop as soon as a response arrives.

    Returns ``(response head, bytes sent before it arrived, whether the server then closed)``."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
    head = (f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: {content_type}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    sock.sendall(head)
    filler = b"username=" + b"a" * (CHUNK - 9) if "form" in content_type else b"{" + b" " * (CHUNK - 1)
    frame = f"{len(filler):x}\r\n".encode() + filler + b"\r\n"
    sent = 0
    response = b""
    try:
        while sent < PLANNED:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(frame)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(filler)
        else:
            sock.close()
            return b"", sent, False  # the whole body went in without an answer: it was being buffered
        response = _read_response(sock)
        closed = False
        sock.settimeout(5)
        try:
            for _ in range(2000):  # keep sending: the server must drop the connection, not keep reading
                sock.sendall(frame)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            closed = True
        return response, sent, closed
    finally:
        sock.close()


def test_chunked_upload_to_slack_events_is_refused_after_about_the_limit(base_url: str) -> None:
    response, sent, closed = chunked_upload(base_url, "/slack/events", "application/json")
    assert response.startswith(b"HTTP/1.1 413"), (response[:200], sent)
    # Loopback socket buffers hold a few MiB in flight; 64 MiB would have gone in if it were buffered.
    assert sent < SLACK_MAX_BODY + 12 * 1024 * 1024, sent
    assert closed, "the server kept reading the rest of the upload"


def test_chunked_sign_in_form_is_refused_before_any_parsing(base_url: str) -> None:
    response, sent, closed = chunked_upload(base_url, "/signin", "application/x-www-form-urlencoded")
    assert response.startswith(b"HTTP/1.1 413"), (response[:200], sent)
    assert sent < FORM_MAX_BODY + 12 * 1024 * 1024, sent
    assert closed


@pytest.mark.parametrize("path", ["/signin", "/slack/events", "/signout"])
def test_a_declared_length_over_the_limit_is_refused_without_reading_the_body(base_url: str, path: str) -> None:
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                      "Content-Type: application/x-www-form-urlencoded\r\n"
                      f"Content-Length: {300 * 1024 * 1024}\r\n\r\n").encode())
        assert _read_response(sock, timeout=5).startswith(b"HTTP/1.1 413")


def test_small_bodies_still_reach_the_app(base_url: str) -> None:
    import httpx

    with httpx.Client(base_url=base_url) as http:
        # Unsigned Slack request of normal size: Bolt's signature check answers, not the limit.
        assert http.post("/slack/events", content=b'{"type": "url_verification"}',
                         headers={"Content-Type": "application/json"}).status_code == 401
        # A sign-in form without the CSRF token: the CSRF check answers (the body was handed on).
        assert http.post("/signin", data={"username": "clara", "password": "x"}).status_code == 403
