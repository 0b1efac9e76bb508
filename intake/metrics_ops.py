"""Operations metrics: the outbox, the IMAP reader's lease, the portal gate, redaction rejections
and how soon the next initial-response target falls due.

Like :mod:`intake.metrics`, every figure is a pure function of the tables and ``now``, queried at
scrape time by :class:`OpsCollector`; ``deploy/prometheus/alerts.yml`` alerts on them and
``deploy/grafana/supportbot.json`` charts them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from intake.domain.ticket import ACTIVE_VALUES
from intake.store.models import Lease, OutboxItem, PortalObservation, RedactionLogEntry, Ticket

OUTBOX_STATES = ("pending", "sending", "parked", "done", "discarded")


def _aware(value: Any) -> dt.datetime | None:
    """SQLite's MIN()/MAX() come back naive (or as text): read them as UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def outbox_items(session: Session) -> dict[tuple[str, str], int]:
    """Outbox rows by (state, kind); ``done`` rows are counted too (a retention job trims them)."""
    rows = session.execute(select(OutboxItem.state, OutboxItem.kind, func.count())
                           .group_by(OutboxItem.state, OutboxItem.kind))
    return {(state, kind): int(n) for state, kind, n in rows}


def outbox_oldest_pending(session: Session, *, now: dt.datetime) -> dict[str, float]:
    """Per kind: seconds since the oldest pending (or in-flight) item was created; 0 when none."""
    rows = session.execute(select(OutboxItem.kind, func.min(OutboxItem.created_at))
                           .where(OutboxItem.state.in_(("pending", "sending")))
                           .group_by(OutboxItem.kind))
    out: dict[str, float] = {}
    for kind, oldest in rows:
        at = _aware(oldest)
        out[kind] = max(0.0, (now - at).total_seconds()) if at is not None else 0.0
    return out


def lease_expiry(session: Session, *, now: dt.datetime) -> dict[str, float]:
    """Per lease (e.g. ``imap:INBOX``): seconds until it expires; negative once its holder is gone."""
    return {name: (_aware(expires) - now).total_seconds()  # type: ignore[operator]
            for name, expires in session.execute(select(Lease.name, Lease.expires_at))}


def portal_gate(session: Session, *, now: dt.datetime,
                window: dt.timedelta = dt.timedelta(hours=1)) -> dict[str, float] | None:
    """The latest gate reading (down 1/0, its age) and how often the effective state flipped in
    ``window``; ``None`` before the first reading."""
    latest = session.execute(select(PortalObservation.effective, PortalObservation.at)
                             .order_by(PortalObservation.at.desc(), PortalObservation.id.desc())
                             .limit(1)).first()
    if latest is None:
        return None
    since = now - window
    before = session.scalar(select(PortalObservation.effective).where(PortalObservation.at < since)
                            .order_by(PortalObservation.at.desc(), PortalObservation.id.desc()).limit(1))
    flips, previous = 0, before
    for (effective,) in session.execute(select(PortalObservation.effective)
                                        .where(PortalObservation.at >= since)
                                        .order_by(PortalObservation.at, PortalObservation.id)):
        if previous is not None and effective != previous:
            flips += 1
        previous = effective
    at = _aware(latest.at)
    return {"down": 1.0 if latest.effective == "down" else 0.0,
            "age_seconds": max(0.0, (now - at).total_seconds()) if at else 0.0,
            "flips": float(flips)}


def redaction_rejections(session: Session, *, now: dt.datetime,
                         window: dt.timedelta = dt.timedelta(hours=1)) -> dict[str, int]:
    """Rejected requests in ``window`` by entity type (one request counts once per type it held)."""
    out: dict[str, int] = {}
    for (types,) in session.execute(select(RedactionLogEntry.entity_types)
                                    .where(RedactionLogEntry.created_at >= now - window)):
        for kind in set(types or ()):
            out[str(kind)] = out.get(str(kind), 0) + 1
    return out


def next_due(session: Session, *, now: dt.datetime) -> dict[str, float]:
    """Per severity: seconds until the earliest running initial-response target (negative when it
    has passed); severities without a running clock are absent."""
    rows = session.execute(select(Ticket.effective_severity, func.min(Ticket.due_at))
                           .where(Ticket.state.in_(ACTIVE_VALUES), Ticket.initial_response_at.is_(None),
                                  Ticket.waiver.is_(None), Ticket.due_at.is_not(None))
                           .group_by(Ticket.effective_severity))
    out: dict[str, float] = {}
    for sev, due in rows:
        at = _aware(due)
        if at is not None:
            out[sev] = (at - now).total_seconds()
    return out


class OpsCollector:
    """Prometheus collector over the functions above (registered by the web process)."""

    def __init__(self, factory: sessionmaker[Session], *, clock: Callable[[], dt.datetime] | None = None,
                 window: dt.timedelta = dt.timedelta(hours=1)) -> None:
        self.factory = factory
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.window = window

    def describe(self) -> list[Any]:
        return []  # produced at scrape time; no describe-time database access

    def collect(self) -> Iterator[Any]:
        now = self.clock()
        with self.factory() as session:
            items = outbox_items(session)
            oldest = outbox_oldest_pending(session, now=now)
            leases = lease_expiry(session, now=now)
            gate = portal_gate(session, now=now, window=self.window)
            rejections = redaction_rejections(session, now=now, window=self.window)
            due = next_due(session, now=now)
        g = GaugeMetricFamily("supportbot_outbox_items", "Outbox items by state and kind",
                              labels=["state", "kind"])
        kinds = sorted({kind for _state, kind in items} | {"email", "slack"})
        for state in OUTBOX_STATES:
            for kind in kinds:
                g.add_metric([state, kind], items.get((state, kind), 0))
        yield g
        o = GaugeMetricFamily("supportbot_outbox_oldest_pending_seconds",
                              "Age of the oldest pending or in-flight outbox item (0 when none)", labels=["kind"])
        for kind in kinds:
            o.add_metric([kind], oldest.get(kind, 0.0))
        yield o
        lease = GaugeMetricFamily("supportbot_lease_expires_in_seconds",
                                  "Seconds until a lease (e.g. the IMAP reader's) expires; negative: no holder",
                                  labels=["lease"])
        for name, seconds in sorted(leases.items()):
            lease.add_metric([name], seconds)
        yield lease
        if gate is not None:
            down = GaugeMetricFamily("supportbot_portal_gate_down",
                                     "1 while the support website counts as down (email opens tickets)")
            down.add_metric([], gate["down"])
            yield down
            age = GaugeMetricFamily("supportbot_portal_gate_reading_age_seconds", "Age of the latest gate reading")
            age.add_metric([], gate["age_seconds"])
            yield age
            flips = GaugeMetricFamily("supportbot_portal_gate_flips",
                                      f"Effective gate changes in the last {int(self.window.total_seconds())} s")
            flips.add_metric([], gate["flips"])
            yield flips
        r = GaugeMetricFamily("supportbot_redaction_rejections",
                              f"Requests rejected for redaction in the last {int(self.window.total_seconds())} s,"
                              " by entity type", labels=["type"])
        for kind, n in sorted(rejections.items()):
            r.add_metric([kind], n)
        yield r
        d = GaugeMetricFamily("supportbot_sla_next_due_seconds",
                              "Seconds until the earliest running initial-response target, by severity",
                              labels=["severity"])
        for sev, seconds in sorted(due.items()):
            d.add_metric([sev], seconds)
        yield d
