"""Constraints and types behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from intake.store.models import InboundMessage

T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def test_the_same_imap_message_cannot_be_recorded_twice(factory: sessionmaker[Session]) -> None:
    with factory() as s, s.begin():
        s.add(InboundMessage(mailbox="INBOX", uidvalidity=1795925706, uid=7, message_id="<a@x>", received_at=T0))
    with pytest.raises(IntegrityError), factory() as s, s.begin():
        s.add(InboundMessage(mailbox="INBOX", uidvalidity=1795925706, uid=7, message_id="<b@x>", received_at=T0))
    # A new UIDVALIDITY is a new message space.
    with factory() as s, s.begin():
        s.add(InboundMessage(mailbox="INBOX", uidvalidity=1795925707, uid=7, message_id="<c@x>", received_at=T0))


def test_a_message_id_is_recorded_once(factory: sessionmaker[Session]) -> None:
    with factory() as s, s.begin():
        s.add(InboundMessage(mailbox="INBOX", uidvalidity=1, uid=1, message_id="<same@x>", received_at=T0))
    with pytest.raises(IntegrityError), factory() as s, s.begin():
        s.add(InboundMessage(mailbox="INBOX", uidvalidity=1, uid=2, message_id="<same@x>", received_at=T0))


def test_datetimes_come_back_aware_in_utc(factory: sessionmaker[Session]) -> None:
    berlin = dt.timezone(dt.timedelta(hours=1))
    with factory() as s, s.begin():
        s.add(InboundMessage(mailbox="INBOX", uidvalidity=1, uid=3, received_at=T0.astimezone(berlin)))
    with factory() as s:
        row = s.query(InboundMessage).one()
        assert row.received_at == T0 and row.received_at.utcoffset() == dt.timedelta(0)


def test_naive_datetimes_are_refused(factory: sessionmaker[Session]) -> None:
    with pytest.raises(Exception, match="naive"), factory() as s, s.begin():
        s.add(InboundMessage(mailbox="INBOX", uidvalidity=1, uid=4, received_at=dt.datetime(2026, 1, 1)))
