"""Bad input gets a 400 with a reason, never a 500: a table of hostile values for every route's parameters,
sent to the served app over HTTP by a signed-in compliance officer (and Slack's endpoint, signed)."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.routing import Route

from bot.http import starlette_endpoint
from intake.domain.policy import Policy
from intake.web.app import create_app
from tests.web.conftest import csrf_of, served, sign_in

SECRET = "fuzz-signing-secret-0123456789abcdef"

# (parameter, value, the reason the 400 must give)
FILTER_CASES = [
    ("page", "1e23", "page"),
    ("page", "100000000000000000000000", "page"),
    ("page", "-1", "page"),
    ("page", "NaN", "page"),
    ("until", "9999-12-31", "until"),
    ("since", "9999-12-31T23:59:59+00:00", None),  # valid: nothing that new, an empty page
    ("since", "0001-01-01T00:00:00+14:00", "since"),
    ("until", "2026-13-45", "until"),
    ("until", "2026-11-29T25:00", "until"),
    ("verdict", "maybe", "verdict"),
    ("organization", "Acme\x00GmbH", "organization"),
    ("type", "EMAIL\x00", "type"),
    ("channel", "\x00", "channel"),
    ("organization", "x" * 5000, "organization"),
    ("type", '"]) OR 1=1 --', None),
    ("since", "２０２６-１１-２９", "since"),
]


@pytest.fixture
def http(web_settings, factory, clock, accounts, entries) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    bolt = App(signing_secret=SECRET, token_verification_enabled=False, client=WebClient(token="xoxb-test"))
    slack = Starlette(routes=[Route("/events", starlette_endpoint(bolt), methods=["POST"])])
    settings = web_settings.model_copy(update={"web_cookie_secure": False})  # plain HTTP on loopback
    app = create_app(settings, factory=factory, clock=clock, policy=Policy.default(), health_checks={},
                     slack_app=slack)
    with served(app) as url, httpx.Client(base_url=url, follow_redirects=False) as client:
        sign_in(client, "clara")  # type: ignore[arg-type]
        yield client


@pytest.mark.parametrize("path", ["/compliance/redactions", "/compliance/redactions/export.csv",
                                  "/compliance/redactions/export.jsonl"])
def test_every_filter_of_the_list_and_the_exports_answers_400_with_a_reason(http: httpx.Client, path: str) -> None:
    for name, value, reason in FILTER_CASES:
        resp = http.get(path + "?" + urllib.parse.urlencode({name: value}))
        if reason is None:
            assert resp.status_code == 200, (name, value, resp.status_code, resp.text[:300])
        else:
            assert resp.status_code == 400, (name, value, resp.status_code, resp.text[:300])
            assert reason in resp.text, (name, value, resp.text[:300])


@pytest.mark.parametrize("entry_id", ["99999999999999999999999", "2147483648", "9223372036854775808", "0"])
def test_entry_ids_out_of_range_are_400_not_500(http: httpx.Client, entry_id: str) -> None:
    resp = http.get(f"/compliance/redactions/{entry_id}")
    assert resp.status_code == 400 and "entry id" in resp.text, resp.text[:300]
    page = http.get("/compliance/audit")
    resp = http.post(f"/compliance/redactions/{entry_id}/verdict",
                     data={"verdict": "confirmed", "csrf_token": csrf_of(page.text)})
    assert resp.status_code == 400 and "entry id" in resp.text


@pytest.mark.parametrize("form", [
    {"verdict": "confirmed", "note": "x" * 3000},
    {"verdict": "maybe"},
    {"verdict": "confirmed\x00"},
    {"verdict": "confirmed", "note": "fine\x00note"},
])
def test_bad_verdict_forms_are_400(http: httpx.Client, entries: list[int], form: dict[str, str]) -> None:
    page = http.get(f"/compliance/redactions/{entries[0]}")
    resp = http.post(f"/compliance/redactions/{entries[0]}/verdict", data={**form, "csrf_token": csrf_of(page.text)})
    assert resp.status_code == 400, resp.text[:300]


@pytest.mark.parametrize("params", [{"user": "clara\x00"}, {"user": "x" * 5000}])
def test_audit_filter_with_bad_user_is_400(http: httpx.Client, params: dict[str, str]) -> None:
    assert http.get("/compliance/audit", params=params).status_code == 400


@pytest.mark.parametrize("form", [{"username": "clara\x00", "password": "x"}, {"username": "x" * 5000, "password": "y"},
                                  {"username": "clara", "password": "p\x00"}])
def test_bad_sign_in_forms_are_400(web_settings, factory, clock, accounts, form: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    settings = web_settings.model_copy(update={"web_cookie_secure": False})
    app = create_app(settings, factory=factory, clock=clock, policy=Policy.default(), health_checks={})
    with served(app) as url, httpx.Client(base_url=url) as client:
        page = client.get("/signin")
        resp = client.post("/signin", data={**form, "csrf_token": csrf_of(page.text)})
        assert resp.status_code == 400, resp.text[:300]


def test_a_malformed_multipart_form_is_400(http: httpx.Client) -> None:
    resp = http.post("/signout", content=b"--x\r\nContent-Disposition: form-data\r\n\r\nbroken",
                     headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert resp.status_code in (400, 403), resp.text[:300]


def _signed(http: httpx.Client, body: bytes, content_type: str) -> httpx.Response:
    ts = str(int(time.time()))
    sig = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body.decode("utf-8", "replace"))
    return http.post("/slack/events", content=body, headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})


@pytest.mark.parametrize(("body", "content_type"), [
    (b'{"type": "event_callback", "event": ', "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'"just a string"', "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
    (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    (b"payload=" + urllib.parse.quote(json.dumps([1, 2])).encode(), "application/x-www-form-urlencoded"),
    (b"", "application/json"),
])
def test_malformed_slack_bodies_are_400_signed_or_not(http: httpx.Client, body: bytes, content_type: str) -> None:
    for resp in (_signed(http, body, content_type),
                 http.post("/slack/events", content=body, headers={"Content-Type": content_type})):
        assert resp.status_code in (400, 401), (body, resp.status_code, resp.text[:300])
    assert _signed(http, body, content_type).status_code == 400


@pytest.mark.parametrize("item_id", ["99999999999999999999999", "2147483648", "0"])
def test_outbox_item_ids_out_of_range_are_400_not_500(web_settings, factory, clock, accounts, item_id: str) -> None:  # type: ignore[no-untyped-def]
    settings = web_settings.model_copy(update={"web_cookie_secure": False})
    app = create_app(settings, factory=factory, clock=clock, policy=Policy.default(), health_checks={})
    with served(app) as url, httpx.Client(base_url=url, follow_redirects=False) as client:
        sign_in(client, "otto")  # type: ignore[arg-type]
        token = csrf_of(client.get("/operator").text)
        for action in ("retry", "discard"):
            resp = client.post(f"/operator/outbox/{item_id}/{action}", data={"csrf_token": token, "reason": "test"})
            assert resp.status_code == 400 and "outbox item id" in resp.text, resp.text[:300]
