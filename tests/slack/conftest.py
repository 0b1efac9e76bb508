"""Slack scenario fixtures: the Bolt app served over real HTTP (uvicorn + the Starlette endpoint of
``bot.http``), signed requests built from the samples in tests/fixtures/slack, the fake Slack Web API
(tests/peers/slack.py), the outbox dispatcher with the Slack notifier and the SMTP transport."""

from __future__ import annotations

import copy
import datetime as dt
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

from bot.app import build_app
from bot.http import PATH, starlette_routes
from bot.notifier import SlackNotifier, on_slack_done
from intake.domain.policy import Policy
from intake.outbox import Dispatcher, RetryPolicy
from intake.registry import load_registry
from intake.settings import ROOT, load_settings
from tests.peers.slack import CHANNEL, SIGNING_SECRET, TOKEN, FakeSlack, validate_view

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"
AGENT = "U0AGENT001"


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


class Clock:
    """The domain clock (SLA, outbox): tests move it; Slack's signature clock stays real."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> dt.datetime:
        self.now += dt.timedelta(**kw)
        return self.now


@pytest.fixture
def clock() -> Clock:
    # A Tuesday morning in Berlin (support hours for every severity).
    return Clock(dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC))


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy.load(ROOT / "config" / "policy.toml")


@pytest.fixture(scope="session")
def registry() -> Any:
    return load_registry(ROOT / "config" / "customers.example.toml")


@pytest.fixture
def settings(slack_api: FakeSlack, tmp_path: Path, smtp_sink: Any) -> Any:
    return load_settings(
        slack_signing_secret=SIGNING_SECRET, slack_bot_token=TOKEN, slack_api_url=slack_api.base_url,
        slack_triage_channel=CHANNEL, support_address="support@vendor.example", data_dir=tmp_path,
        redaction_hmac_key="k" * 40, smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_starttls=False,
        smtp_timeout=5.0, statuspage_url=None)


@pytest.fixture
def web_client(slack_api: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack_api.base_url, timeout=5, retry_handlers=[])


@pytest.fixture(scope="session")
def real_redactor() -> Any:
    from redaction.engine import get_redactor

    return get_redactor()


@pytest.fixture
def bot_app(settings: Any, factory: sessionmaker[Session], web_client: WebClient, policy: Policy, registry: Any,
            clock: Clock, real_redactor: Any) -> Iterator[Any]:
    app = build_app(settings, factory=factory, client=web_client, policy=policy, registry=registry,
                    clock=clock, redactor=lambda: real_redactor, incidents=None)
    yield app
    settle(app)


def settle(app: Any) -> None:
    """Wait for the work the app's listeners do after their acks (before the database is emptied)."""
    app.listener_runner.listener_executor.shutdown(wait=True)


def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    """Poll: listeners finish their work after the ack."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
def notifier(web_client: WebClient, factory: sessionmaker[Session], policy: Policy, clock: Clock) -> SlackNotifier:
    return SlackNotifier(web_client, factory=factory, channel=CHANNEL, policy=policy, clock=clock)


@pytest.fixture
def dispatcher(factory: sessionmaker[Session], notifier: SlackNotifier, settings: Any) -> Dispatcher:
    from intake.mail.smtp import SmtpConfig, SmtpTransport

    email = SmtpTransport(SmtpConfig.from_settings(settings))
    return Dispatcher(factory, {"slack": notifier, "email": email}, worker_id="test",
                      retry=RetryPolicy(base=1.0, factor=2.0, maximum=60.0, max_attempts=6),
                      on_done={"slack": on_slack_done})


def drain(dispatcher: Dispatcher, clock: Clock, *, rounds: int = 20, step: float = 0.0) -> None:
    """Run the dispatcher until nothing is due (optionally moving the clock between rounds)."""
    for _ in range(rounds):
        report = dispatcher.dispatch_once(now=clock())
        if not (report.sent or report.retried or report.skipped):
            if step:
                clock.advance(seconds=step)
                continue
            return
        if step:
            clock.advance(seconds=step)


# -- the app over HTTP ----------------------------------------------------------------------------------------

class _Current:
    """The session's HTTP server dispatches to the current test's app."""

    app: Any = None

    def dispatch(self, request: Any) -> Any:
        return self.app.dispatch(request)


@pytest.fixture(scope="session")
def _slack_endpoint_server() -> Iterator[tuple[str, _Current]]:
    current = _Current()
    web = Starlette(routes=starlette_routes(current))  # type: ignore[arg-type]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(web, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}{PATH}", current
    server.should_exit = True
    thread.join(timeout=5)


class SlackSender:
    """Signs and POSTs what Slack would send (events JSON, interactivity form, slash command form)."""

    def __init__(self, url: str, secret: str = SIGNING_SECRET) -> None:
        self.url = url
        self.verifier = SignatureVerifier(secret)
        self.http = httpx.Client(timeout=10)

    def post(self, body: str, content_type: str, *, timestamp: int | None = None, sign: bool = True,
             signature: str | None = None) -> httpx.Response:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        headers = {"Content-Type": content_type}
        if sign:
            headers["X-Slack-Request-Timestamp"] = ts
            headers["X-Slack-Signature"] = signature or self.verifier.generate_signature(timestamp=ts, body=body)
        return self.http.post(self.url, content=body.encode(), headers=headers)

    def event(self, envelope: dict[str, Any], **kw: Any) -> httpx.Response:
        return self.post(json.dumps(envelope), "application/json", **kw)

    def interaction(self, payload: dict[str, Any], **kw: Any) -> httpx.Response:
        body = "payload=" + urllib.parse.quote(json.dumps(payload))
        resp = self.post(body, "application/x-www-form-urlencoded", **kw)
        # Views returned in an ack (response_action update/push) are outgoing payloads too.
        if resp.status_code == 200 and resp.content and resp.headers.get("content-type", "").startswith(
                "application/json"):
            answer = resp.json()
            if "view" in answer:
                assert validate_view(answer["view"]) == [], answer["view"]
            if answer.get("response_action") == "errors":
                assert isinstance(answer.get("errors"), dict) and answer["errors"]
        return resp

    def command(self, form: dict[str, str], **kw: Any) -> httpx.Response:
        return self.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded", **kw)


@pytest.fixture
def slack(bot_app: Any, _slack_endpoint_server: tuple[str, _Current]) -> Iterator[SlackSender]:
    url, current = _slack_endpoint_server
    current.app = bot_app
    sender = SlackSender(url)
    yield sender
    sender.http.close()
    current.app = None


# -- payload builders (from the samples) ------------------------------------------------------------------------

def _user(user: str) -> dict[str, Any]:
    return {"id": user, "username": f"{user.lower()}", "name": f"{user.lower()}", "team_id": "T0SUPPORT1"}


def block_action(action_id: str, *, value: str | None = None, selected: str | None = None, user: str = AGENT,
                 message_ts: str = "1767225605.000150", action_type: str = "button") -> dict[str, Any]:
    payload = sample("interactivity/block_actions_button.json")
    payload["user"] = _user(user)
    payload["container"]["message_ts"] = message_ts
    payload["message"]["ts"] = message_ts
    payload["trigger_id"] = f"{time.time():.0f}.1111.{action_id}"
    action: dict[str, Any] = {"action_id": action_id, "block_id": "ticket_actions", "type": action_type,
                              "action_ts": f"{time.time():.6f}"}
    if value is not None:
        action["value"] = value
        action["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
    if selected is not None:
        action["selected_option"] = {"text": {"type": "plain_text", "text": selected}, "value": selected}
    payload["actions"] = [action]
    return payload


def view_submission(view: dict[str, Any], values: dict[str, Any], *, user: str = AGENT,
                    view_id: str = "V0TICKET01") -> dict[str, Any]:
    """A view_submission for a view the app opened (as recorded by the fake), with these state values."""
    payload = sample("interactivity/view_submission.json")
    payload["user"] = _user(user)
    submitted = copy.deepcopy(payload["view"])
    for key in ("callback_id", "private_metadata", "title", "blocks", "submit", "close"):
        if key in view:
            submitted[key] = view[key]
    submitted["id"] = view_id
    submitted["state"] = {"values": values}
    payload["view"] = submitted
    return payload


def text_value(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def select_value(value: str | None, kind: str = "static_select") -> dict[str, Any]:
    return {"type": kind, "selected_option": None if value is None else
            {"text": {"type": "plain_text", "text": value}, "value": value}}


def opened_view(slack_api: FakeSlack, index: int = -1, method: str = "views.open") -> dict[str, Any]:
    calls = slack_api.wait_for(method)
    view = calls[index].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def response_json(resp: httpx.Response) -> dict[str, Any]:
    return resp.json() if resp.content else {}


def new_ticket(factory: sessionmaker[Session], policy: Policy, clock: Clock, **overrides: Any) -> int:
    """A ticket opened through the lead's service (it enqueues the Slack post); returns its id."""
    from intake import services
    from intake.domain.severity import Severity

    fields: dict[str, Any] = dict(
        channel="email", subject="Checkout fails with HTTP 500", body="Since 07:40 every checkout fails.",
        sender_email="alice@acme.example", sender_name="Alice Anders", organization="acme", project="shop-eu",
        requested_severity=Severity.S2, sender_trusted=True, priority_eligible=True, gate_state="down",
        gate_reason="status page: Support Portal is major_outage", root_message_id="<root-1@acme.example>")
    fields.update(overrides)
    with factory() as s, s.begin():
        row = services.open_ticket(s, policy=policy, now=clock(), **fields)
        return int(row.id)
