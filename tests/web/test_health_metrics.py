"""/healthz against real peers on loopback (and unreachable ones), /metrics in the Prometheus format."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from intake.domain.policy import Policy
from intake.web import health
from intake.web.app import create_app
from tests.web.conftest import served, sign_in


class _SlackApiTest(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slack_api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlackApiTest)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/"
    server.shutdown()
    server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _silent_server():
    """A TCP port that accepts and never speaks: the probe must give up after its timeout."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    return sock


def test_healthz_reports_db_imap_and_slack_and_fails_when_one_is_unreachable(web_settings, factory, slack_api):
    settings = web_settings.model_copy(update={
        "imap_host": "127.0.0.1", "imap_port": _free_port(), "imap_ssl": False,
        "slack_bot_token": SecretStr("xoxb-test"), "slack_api_url": slack_api, "healthz_timeout": 1.0,
        "metrics_token": SecretStr("scrape-token-123")})
    app = create_app(settings, factory=factory, policy=Policy.default())
    with TestClient(app) as c:
        resp = c.get("/healthz", headers={"Authorization": "Bearer scrape-token-123"})
    body = resp.json()
    assert resp.status_code == 503 and body["ok"] is False
    assert body["checks"]["db"]["ok"] and body["checks"]["slack"]["ok"]
    assert not body["checks"]["imap"]["ok"] and "Connection" in body["checks"]["imap"]["detail"]
    assert "xoxb" not in resp.text


def test_healthz_imap_probe_reads_a_real_greeting(web_settings, factory, dovecot):  # type: ignore[no-untyped-def]
    settings = web_settings.model_copy(update={"imap_host": dovecot.host, "imap_port": dovecot.port,
                                               "imap_ssl": False})
    ok, results = health.run_checks(health.default_checks(settings, factory), timeout=3)
    assert ok, results
    assert results["imap"]["detail"].endswith("greeting ok")


def test_a_silent_peer_fails_the_probe_within_its_timeout(web_settings, factory):
    sock = _silent_server()
    try:
        settings = web_settings.model_copy(update={"imap_host": "127.0.0.1", "imap_port": sock.getsockname()[1],
                                                   "imap_ssl": False, "healthz_timeout": 0.5})
        started = time.monotonic()
        ok, results = health.run_checks(health.default_checks(settings, factory), timeout=1.0)
        assert not ok and not results["imap"]["ok"]
        assert time.monotonic() - started < 3.0  # bounded by the probe timeouts, not the 30 s default
    finally:
        sock.close()


def test_metrics_expose_web_and_sla_figures_in_prometheus_format(web_settings, factory, clock, accounts):
    settings = web_settings.model_copy(update={"metrics_public": True})
    client = TestClient(create_app(settings, factory=factory, clock=clock, policy=Policy.default(),
                                   health_checks={}), base_url="https://testserver", follow_redirects=False)
    sign_in(client, "otto")
    client.get("/operator")
    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    assert 'supportbot_web_requests_total{method="GET",route="/operator",status="200"}' in resp.text
    assert 'supportbot_web_signins_total{outcome="ok"}' in resp.text
    assert "supportbot_open_tickets{" in resp.text


def test_metrics_need_the_bearer_token_when_one_is_configured(web_settings, factory):
    settings = web_settings.model_copy(update={"metrics_token": SecretStr("scrape-token-123")})
    app = create_app(settings, factory=factory, policy=Policy.default(), health_checks={})
    with TestClient(app) as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer scrape-token-123"}).status_code == 200


def test_metrics_are_refused_without_a_token_unless_the_operator_opts_out(web_settings, factory):
    with served(create_app(web_settings, factory=factory, policy=Policy.default(), health_checks={})) as url:
        resp = httpx.get(url + "/metrics")
        assert resp.status_code == 403 and "SUPPORTBOT_METRICS_TOKEN" in resp.text
        assert "supportbot_web_requests_total" not in resp.text
    public = web_settings.model_copy(update={"metrics_public": True})
    with served(create_app(public, factory=factory, policy=Policy.default(), health_checks={})) as url:
        assert httpx.get(url + "/metrics").status_code == 200


class _CountingChecks:
    """A database check that fails with the kind of text a driver puts in its errors."""

    def __init__(self) -> None:
        self.calls = 0

    def db(self) -> dict[str, object]:
        self.calls += 1
        return health._timed(self._connect)

    @staticmethod
    def _connect() -> str:
        raise ConnectionError('connection to server at "db.internal" (10.0.0.7), port 5432 failed: '
                              'FATAL: password authentication failed for user "supportbot"')


def test_anonymous_healthz_says_ok_or_fail_only_and_reuses_its_result(web_settings, factory, clock):
    checks = _CountingChecks()
    settings = web_settings.model_copy(update={"metrics_token": SecretStr("scrape-token-123"),
                                               "healthz_cache_seconds": 5.0})
    app = create_app(settings, factory=factory, clock=clock, policy=Policy.default(),
                     health_checks={"db": checks.db})
    with served(app) as url, httpx.Client(base_url=url) as http:
        for _ in range(20):
            resp = http.get("/healthz")
            assert resp.status_code == 503
            assert resp.json() == {"ok": False, "checks": {"db": "fail"}}
            for leak in ("db.internal", "10.0.0.7", "5432", "supportbot", "password", "ConnectionError"):
                assert leak not in resp.text
        assert checks.calls == 1  # twenty probes, one round of checks
        clock.advance(seconds=6)
        http.get("/healthz")
        assert checks.calls == 2
        detailed = http.get("/healthz", headers={"Authorization": "Bearer scrape-token-123"}).json()
        assert "db.internal" in detailed["checks"]["db"]["detail"]  # the operator's scraper sees why
        assert checks.calls == 2
