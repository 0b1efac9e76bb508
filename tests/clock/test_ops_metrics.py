"""Operations metrics (outbox, leases, portal gate, redaction rejections, next due) on SQLite and
PostgreSQL: the query functions and the Prometheus collector that the alert rules read."""

from __future__ import annotations

import datetime as dt

from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from intake import metrics_ops
from intake.domain.severity import Severity
from intake.store import redaction_log
from intake.store.models import Lease, OutboxItem, PortalObservation
from redaction.types import Finding

from .helpers import local, open_ticket

T0 = local("2026-11-30 10:00")
KEY = b"k" * 32


def _gate(session: Session, at: dt.datetime, effective: str) -> None:
    session.add(PortalObservation(at=at, state=effective, effective=effective, reason="test", source="test"))


def test_outbox_gauges_count_by_state_and_kind_and_age_the_oldest_pending(factory: sessionmaker[Session]) -> None:
    open_ticket(factory, Severity.S2, now=T0)
    open_ticket(factory, Severity.S3, now=T0 + dt.timedelta(minutes=30))
    with factory() as session, session.begin():
        first = session.scalars(select(OutboxItem).order_by(OutboxItem.id)).first()
        assert first is not None
        first.state = "parked"
        first.last_error = "delivery unknown"
    now = T0 + dt.timedelta(hours=1)
    with factory() as session:
        items = metrics_ops.outbox_items(session)
        oldest = metrics_ops.outbox_oldest_pending(session, now=now)
        total = session.scalar(select(OutboxItem.id).order_by(OutboxItem.id.desc()))
    assert items[("parked", first.kind)] == 1
    assert sum(items.values()) == total
    pending_kinds = {kind for (state, kind) in items if state == "pending"}
    assert pending_kinds and all(oldest[k] > 0 for k in pending_kinds)
    assert max(oldest.values()) <= 3600


def test_gate_flips_lease_expiry_rejections_and_next_due(factory: sessionmaker[Session]) -> None:
    now = T0 + dt.timedelta(hours=2)
    with factory() as session, session.begin():
        _gate(session, now - dt.timedelta(hours=3), "up")  # before the window: the starting state
        for minutes, eff in ((50, "down"), (40, "up"), (30, "down"), (20, "down"), (10, "up")):
            _gate(session, now - dt.timedelta(minutes=minutes), eff)
        session.add(Lease(name="imap:INBOX", holder="w1", expires_at=now - dt.timedelta(seconds=30)))
        redaction_log.append(session, key=KEY, now=now - dt.timedelta(minutes=5), channel="email",
                             message_ref="<a@x>", sender_org=None, text="call Anna at +49 171 2345678",
                             findings=[Finding("PERSON", 5, 9, 0.9, "person"),
                                       Finding("PHONE_NUMBER", 13, 28, 0.9, "phone")])
        redaction_log.append(session, key=KEY, now=now - dt.timedelta(hours=5), channel="email",
                             message_ref="<old@x>", sender_org=None, text="token sk_live_x",
                             findings=[Finding("STRIPE_KEY", 6, 15, 0.9, "stripe", "secret")])
    s1 = open_ticket(factory, Severity.S1, now=now - dt.timedelta(minutes=20))
    with factory() as session:
        gate = metrics_ops.portal_gate(session, now=now)
        leases = metrics_ops.lease_expiry(session, now=now)
        rejections = metrics_ops.redaction_rejections(session, now=now)
        due = metrics_ops.next_due(session, now=now)
    assert gate == {"down": 0.0, "age_seconds": 600.0, "flips": 4.0}  # up>down>up>down(=)>up
    assert leases == {"imap:INBOX": -30.0}
    assert rejections == {"PERSON": 1, "PHONE_NUMBER": 1}  # the 5-hour-old one is outside the hour
    assert s1 and due == {"S1": 40 * 60.0}  # S1: 60 min target, submitted 20 min ago


def test_collector_exports_every_family_the_alerts_use(factory: sessionmaker[Session]) -> None:
    now = T0 + dt.timedelta(hours=1)
    open_ticket(factory, Severity.S1, now=T0)
    with factory() as session, session.begin():
        _gate(session, T0, "down")
        session.add(Lease(name="imap:INBOX", holder="w1", expires_at=now + dt.timedelta(seconds=90)))
    registry = CollectorRegistry()
    registry.register(metrics_ops.OpsCollector(factory, clock=lambda: now))
    text = generate_latest(registry).decode()
    assert 'supportbot_outbox_items{kind="slack",state="pending"}' in text
    assert 'supportbot_outbox_items{kind="email",state="parked"} 0.0' in text
    assert "supportbot_outbox_oldest_pending_seconds{" in text
    assert 'supportbot_lease_expires_in_seconds{lease="imap:INBOX"} 90.0' in text
    assert "supportbot_portal_gate_down 1.0" in text
    assert "supportbot_portal_gate_flips 0.0" in text
    assert 'supportbot_sla_next_due_seconds{severity="S1"} 0.0' in text
