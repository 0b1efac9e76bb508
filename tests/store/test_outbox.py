"""The outbox: idempotent enqueue, exactly-once claims, per-ticket order, retries and parking."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from intake.outbox import DeliveryError, Dispatcher, RetryPolicy, enqueue, record_phase, requeue
from intake.store.models import OutboxItem

T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


class Recorder:
    """A recording transport (a fake of our own port) that can fail on demand."""

    def __init__(self, fail: dict[str, list[DeliveryError]] | None = None) -> None:
        self.sent: list[str] = []
        self.fail = fail or {}
        self.lock = threading.Lock()

    def deliver(self, item: OutboxItem) -> dict[str, Any]:
        errors = self.fail.get(item.dedupe_key)
        if errors:
            raise errors.pop(0)
        with self.lock:
            self.sent.append(item.dedupe_key)
        return {"ok": True}


def _add(factory: sessionmaker[Session], key: str, ordering: str | None = None) -> None:
    with factory() as s, s.begin():
        enqueue(s, kind="email", payload={"k": key}, dedupe_key=key, now=T0, ordering_key=ordering)


def test_enqueue_is_idempotent_per_key(factory: sessionmaker[Session]) -> None:
    _add(factory, "a")
    _add(factory, "a")
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(OutboxItem)) == 1


def test_two_dispatchers_deliver_each_item_exactly_once(factory: sessionmaker[Session]) -> None:
    for i in range(60):
        _add(factory, f"m{i}", ordering=f"ticket:{i % 7}")
    transport = Recorder()
    dispatchers = [Dispatcher(factory, {"email": transport}, worker_id=f"w{n}") for n in range(2)]

    def work(d: Dispatcher) -> None:
        for _ in range(40):
            d.dispatch_once(now=T0 + dt.timedelta(seconds=1), limit=10)

    threads = [threading.Thread(target=work, args=(d,)) for d in dispatchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(transport.sent) == sorted(f"m{i}" for i in range(60))
    # Order per ticket is kept.
    for k in range(7):
        keys = [x for x in transport.sent if int(x[1:]) % 7 == k]
        assert keys == sorted(keys, key=lambda x: int(x[1:]))


def test_a_transient_failure_is_retried_later_and_blocks_the_ticket_until_then(
        factory: sessionmaker[Session]) -> None:
    _add(factory, "first", ordering="ticket:1")
    _add(factory, "second", ordering="ticket:1")
    _add(factory, "other", ordering="ticket:2")
    transport = Recorder({"first": [DeliveryError("429 ratelimited", transient=True, retry_after=30)]})
    d = Dispatcher(factory, {"email": transport}, worker_id="w")
    report = d.dispatch_once(now=T0)
    assert report.retried == 1 and transport.sent == ["other"]
    d.dispatch_once(now=T0 + dt.timedelta(seconds=10))
    assert transport.sent == ["other"]  # Retry-After honoured; "second" waits behind "first"
    d.dispatch_once(now=T0 + dt.timedelta(seconds=31))
    d.dispatch_once(now=T0 + dt.timedelta(seconds=32))
    assert transport.sent == ["other", "first", "second"]


def test_a_permanent_failure_is_parked_with_its_reason_and_can_be_requeued(
        factory: sessionmaker[Session]) -> None:
    _add(factory, "bad")
    transport = Recorder({"bad": [DeliveryError("550 no such user", transient=False)]})
    d = Dispatcher(factory, {"email": transport}, worker_id="w")
    assert d.dispatch_once(now=T0).parked == 1
    with factory() as s:
        item = s.scalar(select(OutboxItem))
        assert item is not None and item.state == "parked" and item.last_error == "550 no such user"
    with factory() as s, s.begin():
        assert requeue(s, item.id, now=T0)
    d.dispatch_once(now=T0)
    assert transport.sent == ["bad"]


def test_transient_failures_are_bounded(factory: sessionmaker[Session]) -> None:
    _add(factory, "flaky")
    transport = Recorder({"flaky": [DeliveryError("timeout", transient=True) for _ in range(10)]})
    d = Dispatcher(factory, {"email": transport}, worker_id="w", retry=RetryPolicy(base=1, max_attempts=3))
    now = T0
    for _ in range(5):
        d.dispatch_once(now=now)
        now += dt.timedelta(hours=1)
    with factory() as s:
        item = s.scalar(select(OutboxItem))
        assert item is not None and item.state == "parked" and item.attempts == 3


def test_a_stale_claim_is_retried_or_parked_by_kind(factory: sessionmaker[Session]) -> None:
    _add(factory, "mail")
    d = Dispatcher(factory, {"email": Recorder()}, worker_id="dead", stale_policy={"email": "park"},
                   retry=RetryPolicy(claim_ttl=60))
    with factory() as s:
        item_id = s.scalar(select(OutboxItem.id))
    assert d.claim(item_id, now=T0)  # the dispatcher "dies" after claiming, before sending anything
    assert d.recover_stale(now=T0 + dt.timedelta(seconds=30)) == 0
    assert d.recover_stale(now=T0 + dt.timedelta(seconds=61)) == 1
    with factory() as s:
        assert s.get(OutboxItem, item_id).state == "pending"  # type: ignore[union-attr]  # safe to resend
    # the same, but the transport had noted the point of no return (SMTP DATA)
    assert d.claim(item_id, now=T0 + dt.timedelta(seconds=62))
    record_phase(factory, item_id, "data")
    assert d.recover_stale(now=T0 + dt.timedelta(seconds=200)) == 1
    with factory() as s:
        item = s.get(OutboxItem, item_id)
        assert item is not None and item.state == "parked" and "delivery unknown" in (item.last_error or "")
