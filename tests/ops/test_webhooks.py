"""Ticket events out: a real HTTP receiver on loopback verifies the signature of every event type
(with its own dozen lines, as docs/webhooks.md shows a receiver), and an outage of the receiver
ends with every event delivered exactly once, through the real outbox dispatcher."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from intake import services, webhooks
from intake.domain.severity import Severity
from intake.domain.ticket import Waiver
from intake.outbox import Dispatcher, RetryPolicy
from intake.settings import SettingsError, load_settings
from intake.store import redaction_log
from intake.store.models import OutboxItem
from redaction.types import Finding
from tests.clock.helpers import POLICY

SECRET = b"whsec-0123456789abcdef0123456789abcdef"
T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
SOURCE = "https://support-bot.example/webhooks"


def receiver_verifies(secret: bytes, header: str, body: bytes, now: float) -> bool:
    """The receiver of docs/webhooks.md, independent of intake.webhooks."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp, signature = int(fields["t"]), fields["v1"]
    if abs(now - timestamp) > 300:
        return False
    expected = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class Receiver:
    """A ticketing system's webhook endpoint: fails while ``down`` (503 + Retry-After), 400 on demand."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.rejected_signatures = 0
        self.down = 0  # answer 503 to this many more requests
        self.requests = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests += 1
                if receiver.down > 0:
                    receiver.down -= 1
                    self.send_response(503)
                    self.send_header("Retry-After", "30")
                    self.end_headers()
                    return
                if not receiver_verifies(SECRET, self.headers.get("Supportbot-Signature", ""), body, time.time()):
                    receiver.rejected_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                assert self.headers["Content-Type"].startswith("application/cloudevents+json")
                receiver.events.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/supportbot"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def _lifecycle(factory: sessionmaker[Session]) -> None:
    """One ticket through every exported event type, plus a rejected request."""
    with factory() as session, session.begin():
        webhooks.relay(session, urls=[], source=SOURCE, now=T0)  # the first run sets the log position
    with factory() as session, session.begin():
        a = services.open_ticket(session, policy=POLICY, now=T0, channel="email", subject="Checkout down",
                                 body="500 on /checkout", requested_severity=Severity.S2,
                                 sender_email="ops@shop.example", sender_name="Ops")
        b = services.open_ticket(session, policy=POLICY, now=T0, channel="email", subject="Typo",
                                 body="on the imprint page", requested_severity=Severity.S4)
    with factory() as session, session.begin():
        services.set_severity(session, a.id, Severity.S1, policy=POLICY, now=T0 + dt.timedelta(minutes=1), actor="U1")
        services.send_reply(session, a.id, text="Looking", now=T0 + dt.timedelta(minutes=5), actor="U1")
        services.customer_follow_up(session, a.id, now=T0 + dt.timedelta(minutes=9), message_id="<f@shop>",
                                    text_for_thread="more details")
        services.waive(session, b.id, waiver=Waiver.STATUS_PAGE, ref="inc-1", now=T0 + dt.timedelta(minutes=2),
                       actor="U2")
        services.close(session, a.id, now=T0 + dt.timedelta(hours=1), actor="U1")
        redaction_log.append(session, key=b"k" * 32, now=T0 + dt.timedelta(minutes=3), channel="email",
                             message_ref="<r@shop>", sender_org="Shop", text="Anna Berg anna@berg.example",
                             findings=[Finding("PERSON", 0, 9, 0.9, "person"),
                                       Finding("EMAIL_ADDRESS", 10, 27, 1.0, "email")])


def _deliver_all(factory: sessionmaker[Session], transport: webhooks.WebhookTransport, *, start: dt.datetime,
                 rounds: int = 40) -> dt.datetime:
    dispatcher = Dispatcher(factory, {"webhook": transport}, worker_id="t", retry=RetryPolicy(max_attempts=12))
    now = start
    for _ in range(rounds):
        dispatcher.dispatch_once(now=now)
        with factory() as session:
            left = session.scalar(select(OutboxItem.id).where(OutboxItem.kind == "webhook",
                                                              OutboxItem.state.in_(("pending", "sending"))).limit(1))
        if left is None:
            break
        now += dt.timedelta(seconds=31)
    return now


def test_every_event_type_arrives_signed_once_in_order(factory: sessionmaker[Session], receiver: Receiver) -> None:
    _lifecycle(factory)
    with factory() as session, session.begin():
        taken = webhooks.relay(session, urls=[receiver.url], source=SOURCE, now=T0 + dt.timedelta(hours=2))
    with factory() as session, session.begin():  # a second relay finds nothing new
        assert webhooks.relay(session, urls=[receiver.url], source=SOURCE, now=T0 + dt.timedelta(hours=2)) == 0
    assert taken >= 8
    _deliver_all(factory, webhooks.WebhookTransport(SECRET), start=T0 + dt.timedelta(hours=2))
    types = [e["type"].rsplit(".", 1)[1] for e in receiver.events]
    assert receiver.rejected_signatures == 0
    assert {"opened", "severity_changed", "first_response", "waived", "closed", "follow_up",
            "redaction_rejected"} <= set(types)
    ids = [e["id"] for e in receiver.events]
    assert len(ids) == len(set(ids))
    for event in receiver.events:
        assert event["specversion"] == "1.0" and event["source"] == SOURCE and event["time"].endswith("Z")
    a_events = [e["type"].rsplit(".", 1)[1] for e in receiver.events if e.get("subject") == "SB-000001"]
    assert a_events.index("opened") < a_events.index("severity_changed") < a_events.index("closed")
    opened = next(e for e in receiver.events if e["type"].endswith(".opened") and e["subject"] == "SB-000001")
    assert opened["data"]["ticket"]["subject"] == "Checkout down" and opened["data"]["event"]["effective"] == "S2"
    rejected = next(e for e in receiver.events if e["type"].endswith("redaction_rejected"))
    assert rejected["data"]["types"] == {"PERSON": 1, "EMAIL_ADDRESS": 1}
    assert "Anna" not in json.dumps(rejected) and "berg" not in json.dumps(rejected)


def test_a_receiver_outage_ends_with_every_event_delivered_once(factory: sessionmaker[Session],
                                                                receiver: Receiver) -> None:
    _lifecycle(factory)
    with factory() as session, session.begin():
        taken = webhooks.relay(session, urls=[receiver.url], source=SOURCE, now=T0 + dt.timedelta(hours=2))
    receiver.down = 25  # the first 25 requests get 503 Retry-After: 30
    _deliver_all(factory, webhooks.WebhookTransport(SECRET), start=T0 + dt.timedelta(hours=2))
    with factory() as session:
        states = session.scalars(select(OutboxItem.state).where(OutboxItem.kind == "webhook")).all()
    assert states and set(states) == {"done"}
    ids = [e["id"] for e in receiver.events]
    assert len(ids) == len(states) and taken >= 8
    assert len(ids) == len(set(ids)) and receiver.requests == len(ids) + 25


def test_a_permanent_refusal_parks_and_a_wrong_secret_is_refused(factory: sessionmaker[Session],
                                                                  receiver: Receiver) -> None:
    _lifecycle(factory)
    with factory() as session, session.begin():
        webhooks.relay(session, urls=[receiver.url], source=SOURCE, now=T0 + dt.timedelta(hours=2))
    _deliver_all(factory, webhooks.WebhookTransport(b"another-secret-0123456789abcdef-xyz"),
                 start=T0 + dt.timedelta(hours=2))
    with factory() as session:
        items = session.scalars(select(OutboxItem).where(OutboxItem.kind == "webhook")).all()
    assert receiver.events == [] and receiver.rejected_signatures == len(items)
    assert {i.state for i in items} == {"parked"} and items[0].last_error == "webhook answered HTTP 401"


def test_verify_rejects_tampering_staleness_and_garbage() -> None:
    body = b'{"id":"1"}'
    header = webhooks.sign(SECRET, 1_700_000_000, body)
    webhooks.verify(SECRET, header, body, now=1_700_000_100)
    for bad_header, bad_body, now in ((header, b'{"id":"2"}', 1_700_000_100), (header, body, 1_700_000_400),
                                      ("t=x,v1=00", body, 1_700_000_000), (None, body, 1_700_000_000),
                                      ("v1=" + header.split("v1=")[1], body, 1_700_000_000)):
        with pytest.raises(webhooks.SignatureError):
            webhooks.verify(SECRET, bad_header, bad_body, now=now)
    assert receiver_verifies(SECRET, header, body, 1_700_000_100)


def test_settings_need_a_long_secret_and_http_urls(tmp_path) -> None:
    with pytest.raises((SettingsError, ValueError), match="at least 32 bytes"):
        load_settings(data_dir=tmp_path, webhook_urls="https://a.example/h", webhook_secret="short")
    with pytest.raises((SettingsError, ValueError), match="must start with https://"):
        load_settings(data_dir=tmp_path, webhook_urls="ftp://a.example/h", webhook_secret="x" * 32)
    s = load_settings(data_dir=tmp_path, webhook_urls="https://a.example/h, https://b.example/h",
                      webhook_secret="x" * 32)
    assert s.webhook_urls == ["https://a.example/h", "https://b.example/h"]


def test_the_worker_relays_and_delivers_what_happens_after_it_starts(factory: sessionmaker[Session],
                                                                     receiver: Receiver, tmp_path) -> None:
    from intake.worker import build_worker

    with factory() as session, session.begin():  # from before the webhooks were configured: not sent
        services.open_ticket(session, policy=POLICY, now=T0, channel="email", subject="old", body="old",
                             requested_severity=Severity.S3)
    with factory() as session, session.begin():  # a worker without webhooks relays to nobody
        webhooks.relay(session, urls=[], source=SOURCE, now=T0)
    settings = load_settings(data_dir=tmp_path, webhook_urls=receiver.url, webhook_secret=SECRET.decode(),
                             webhook_source=SOURCE)
    worker = build_worker(settings, factory=factory, worker_id="w-test")
    assert "webhook" in worker.dispatcher.transports
    worker.dispatch_interval = 0.05
    stop = threading.Event()
    thread = threading.Thread(target=worker.dispatch_loop, args=(stop,), daemon=True)
    thread.start()
    try:
        with factory() as session, session.begin():
            services.open_ticket(session, policy=POLICY, now=dt.datetime.now(dt.UTC), channel="email",
                                 subject="new", body="new", requested_severity=Severity.S2)
        deadline = time.monotonic() + 20
        while not receiver.events and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert [e["data"]["ticket"]["subject"] for e in receiver.events] == ["new"]
