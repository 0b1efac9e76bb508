"""Shared helpers of the clock tests: open tickets through the real services, read the nags back."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from intake import services
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.settings import CONFIG_DIR
from intake.store.models import OutboxItem, Ticket

BERLIN = ZoneInfo("Europe/Berlin")
POLICY = Policy.load(CONFIG_DIR / "policy.toml")


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def open_ticket(factory: sessionmaker[Session], severity: Severity, *, now: dt.datetime,
                submitted: dt.datetime | None = None, email: str | None = "customer@example.com") -> int:
    with factory() as session, session.begin():
        row = services.open_ticket(session, policy=POLICY, now=now, channel="web", subject="Shop down",
                                   body="Checkout fails", requested_severity=severity, sender_email=email,
                                   submitted_at=submitted)
        return row.id


def nags(factory: sessionmaker[Session], ticket_id: int | None = None) -> list[OutboxItem]:
    with factory() as session:
        stmt = select(OutboxItem).where(OutboxItem.dedupe_key.like("nag:%")).order_by(OutboxItem.id)
        if ticket_id is not None:
            stmt = stmt.where(OutboxItem.ticket_id == ticket_id)
        return list(session.scalars(stmt))


def ticket(factory: sessionmaker[Session], ticket_id: int) -> Ticket:
    with factory() as session:
        row = session.get(Ticket, ticket_id)
        assert row is not None
        return row
