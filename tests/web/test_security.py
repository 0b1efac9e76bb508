"""No route gives redaction data without the compliance role; exports hold no raw values (canary)."""

from __future__ import annotations

import re

from sqlalchemy import select
from starlette.routing import Mount, Route

from intake.store.models import AuditEntry, RedactionLogEntry
from intake.web.api import BEARER
from intake.web.app import COMPLIANCE, METRICS, PUBLIC, SLACK
from tests.web.conftest import csrf_of, sign_in


def _concrete(path: str, entry_id: int) -> str:
    return re.sub(r"\{[^}]+\}", str(entry_id), path)


def _secrets_of_the_log(factory) -> list[str]:
    """What counts as redaction data: fingerprints, hashes, message references, organizations."""
    with factory() as s:
        rows = s.scalars(select(RedactionLogEntry)).all()
    out: list[str] = []
    for e in rows:
        out += [e.entry_hash, e.message_ref or "", e.sender_org or ""]
        out += [f["fingerprint"] for f in e.findings]
    return [v for v in out if v]


def _requests(app, entry_id):
    for route in app.routes:
        if isinstance(route, Mount):
            continue
        assert isinstance(route, Route)
        for method in sorted(route.methods - {"HEAD"}):
            yield route, method, _concrete(route.path, entry_id)


def test_every_route_declares_an_access_rule(app):
    for route in app.routes:
        access = getattr(route, "access", None)
        assert access in (PUBLIC, METRICS, SLACK, BEARER, "anonymous") or isinstance(access, tuple), route.path
    assert {r.path for r in app.routes if getattr(r, "access", None) == COMPLIANCE} >= {
        "/compliance/redactions", "/compliance/redactions/{entry_id:int}", "/compliance/redactions/export.csv",
        "/compliance/redactions/export.jsonl", "/compliance/chain", "/compliance/audit"}


def test_no_route_returns_redaction_data_to_an_anonymous_visitor(app, client, entries, factory):
    secrets = _secrets_of_the_log(factory)
    for route, method, path in _requests(app, entries[0]):
        resp = client.request(method, path, data={} if method == "POST" else None)
        body = resp.text
        for value in secrets:
            assert value not in body, f"{method} {path} leaks {value!r}"
        if isinstance(route.access, tuple):  # type: ignore[attr-defined]
            expected = 403 if method == "POST" else 303  # a POST without our CSRF cookie stops there
            assert resp.status_code == expected, (method, path, resp.status_code)


def test_an_operator_gets_403_on_every_compliance_route_and_sees_no_redaction_data(app, client, entries, factory):
    secrets = _secrets_of_the_log(factory)
    sign_in(client, "otto")
    token = csrf_of(client.get("/operator").text)
    checked = 0
    for route, method, path in _requests(app, entries[0]):
        if path == "/signout":
            continue
        resp = client.request(method, path, data={"csrf_token": token, "verdict": "false_positive"}
                              if method == "POST" else None)
        for value in secrets:
            assert value not in resp.text, f"{method} {path} leaks {value!r} to an operator"
        if route.access == COMPLIANCE:  # type: ignore[attr-defined]
            assert resp.status_code == 403, (method, path, resp.status_code)
            checked += 1
    assert checked >= 7
    with factory() as s:
        assert s.scalar(select(RedactionLogEntry.verdict).where(RedactionLogEntry.id == entries[0])) is None
        denied = s.scalars(select(AuditEntry.target).where(AuditEntry.action == "denied",
                                                           AuditEntry.username == "otto")).all()
    assert "/compliance/redactions/export.csv" in denied


def test_no_page_or_export_ever_holds_a_raw_value(app, client, entries, canary):
    sign_in(client, "clara")
    bodies = []
    for path in ["/compliance/redactions", "/compliance/audit", "/compliance/chain", "/operator",
                 "/compliance/redactions/export.csv", "/compliance/redactions/export.jsonl",
                 *(f"/compliance/redactions/{i}" for i in entries)]:
        resp = client.get(path)
        assert resp.status_code == 200, path
        bodies.append(resp.text)
    everything = "\n".join(bodies)
    assert "AWS_ACCESS_KEY" in everything  # the pages did render the entries
    for value in canary.values:
        assert value not in everything
        # nor a recognisable piece of it
        assert value[:10] not in everything


def test_security_headers_forbid_framing_sniffing_and_caching(client):
    resp = client.get("/signin")
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    cookie = resp.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("samesite", "SameSite")


def test_a_csrf_token_from_another_visitor_does_not_work(app, client, entries):
    from starlette.testclient import TestClient

    with TestClient(app, follow_redirects=False) as other:
        foreign = csrf_of(other.get("/signin").text)
    sign_in(client, "clara")
    resp = client.post(f"/compliance/redactions/{entries[0]}/verdict",
                       data={"csrf_token": foreign, "verdict": "confirmed"})
    assert resp.status_code == 403


def test_the_slack_endpoint_is_mounted_and_refuses_unsigned_requests(web_settings, factory, accounts):
    import hashlib
    import hmac
    import time
    import urllib.parse

    from pydantic import SecretStr
    from slack_sdk import WebClient
    from starlette.applications import Starlette
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from bot.app import build_app
    from bot.http import starlette_endpoint
    from intake.domain.policy import Policy
    from intake.web.app import create_app

    secret = "mount-test-signing-secret"
    settings = web_settings.model_copy(update={"slack_signing_secret": SecretStr(secret),
                                               "slack_bot_token": SecretStr("xoxb-mount-test")})
    bolt = build_app(settings, factory=factory, client=WebClient(token="xoxb-mount-test", base_url="http://127.0.0.1:9/"),
                     policy=Policy.default(), redactor=lambda: None)
    endpoint = starlette_endpoint(bolt)
    slack = Starlette(routes=[Route("/events", endpoint, methods=["POST"])])
    app = create_app(settings, factory=factory, policy=Policy.default(), health_checks={}, slack_app=slack)
    assert any(getattr(r, "access", None) == SLACK for r in app.routes)
    body = urllib.parse.urlencode({"payload": '{"type": "block_actions", "actions": []}'}).encode()
    with TestClient(app) as c:
        unsigned = c.post("/slack/events", content=body,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert unsigned.status_code == 401
        ts = str(int(time.time()))
        sig = "v0=" + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
        forged = c.post("/slack/events", content=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig[:-4] + "0000"})
        assert forged.status_code == 401
        signed = c.post("/slack/events", content=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig})
        assert signed.status_code != 401


def test_the_csrf_token_changes_at_sign_in(client, entries):
    before = csrf_of(client.get("/signin").text)
    sign_in(client, "clara")
    after = csrf_of(client.get("/compliance/redactions").text)
    assert after != before
    resp = client.post(f"/compliance/redactions/{entries[0]}/verdict", data={"csrf_token": before,
                                                                             "verdict": "confirmed"})
    assert resp.status_code == 403
    ok = client.post(f"/compliance/redactions/{entries[0]}/verdict", data={"csrf_token": after,
                                                                           "verdict": "confirmed"})
    assert ok.status_code == 303
