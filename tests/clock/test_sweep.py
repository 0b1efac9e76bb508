"""The sweep against SQLite and PostgreSQL: reminders through the outbox, once each; waivers, closes
and the initial response stop them; restart catch-up; severity changes reschedule."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from intake import services
from intake.domain.severity import Severity
from intake.domain.ticket import Waiver
from intake.nagging import SweepReport, nag_one, sweep_nags
from intake.store.models import Ticket

from .helpers import POLICY, local, nags, open_ticket, ticket

T0 = local("2026-11-30 10:00")  # a Monday


def sweep(factory: sessionmaker[Session], at: dt.datetime) -> SweepReport:
    return sweep_nags(factory, policy=POLICY, now=at)


def test_s1_ticket_is_nagged_at_half_time_once_into_its_thread(factory: sessionmaker[Session]) -> None:
    tid = open_ticket(factory, Severity.S1, now=T0)
    assert ticket(factory, tid).next_nag_at == T0 + dt.timedelta(minutes=30)
    assert sweep(factory, T0 + dt.timedelta(minutes=29)).nagged == 0
    report = sweep(factory, T0 + dt.timedelta(minutes=30))
    assert report.nagged == 1 and report.nagged_ids == [tid]
    assert sweep(factory, T0 + dt.timedelta(minutes=31)).nagged == 0  # not twice
    [item] = nags(factory, tid)
    assert item.kind == "slack" and item.dedupe_key == f"nag:{tid}:0"
    assert item.ordering_key == f"ticket:{tid}"  # waits for the ticket's own Slack post
    assert item.payload["op"] == "thread_message" and item.payload["ticket_id"] == tid
    assert item.payload["stage"] == "reminder"
    assert "30 minutes left" in item.payload["text"] and "SB-" in item.payload["text"]
    assert "Shop down" not in item.payload["text"] and "Checkout" not in item.payload["text"]
    row = ticket(factory, tid)
    assert row.nag_count == 1 and row.last_nag_at == T0 + dt.timedelta(minutes=30)
    assert row.next_nag_at == T0 + dt.timedelta(minutes=45)


def test_waived_closed_and_answered_tickets_are_not_nagged(factory: sessionmaker[Session]) -> None:
    waiting = open_ticket(factory, Severity.S2, now=T0)
    waived = open_ticket(factory, Severity.S2, now=T0)
    rejected = open_ticket(factory, Severity.S2, now=T0)
    closed = open_ticket(factory, Severity.S2, now=T0)
    answered = open_ticket(factory, Severity.S2, now=T0)
    later = T0 + dt.timedelta(minutes=20)
    with factory() as session, session.begin():
        services.waive(session, waived, waiver=Waiver.STATUS_PAGE, ref="incident-123", now=later, actor="U0ALICE")
        services.waive(session, rejected, waiver=Waiver.REDACTION, ref=None, now=later, actor=None)
        services.close(session, closed, now=later, actor="U0ALICE", reason="duplicate")
        services.send_reply(session, answered, text="We are on it.", now=later, actor="U0ALICE")
    for tid in (waived, rejected, closed, answered):
        assert ticket(factory, tid).next_nag_at is None
    total = 0
    for minutes in range(0, 600, 13):
        total += sweep(factory, T0 + dt.timedelta(minutes=minutes)).nagged
    assert {n.ticket_id for n in nags(factory)} == {waiting}
    assert total == len(nags(factory, waiting)) > 5


def test_a_ticket_left_due_after_a_waiver_is_cleared_not_nagged(factory: sessionmaker[Session]) -> None:
    """Self-healing: a transition that forgot ``next_nag_at`` never produces a nag."""
    tid = open_ticket(factory, Severity.S1, now=T0)
    with factory() as session, session.begin():  # no target any more, next_nag_at left behind
        session.execute(update(Ticket).where(Ticket.id == tid).values(due_at=None))
    report = sweep(factory, T0 + dt.timedelta(hours=1))
    assert report.stopped == 1 and report.nagged == 0
    assert ticket(factory, tid).next_nag_at is None and nags(factory) == []


def test_restart_after_downtime_sends_one_catch_up_nag_per_ticket(factory: sessionmaker[Session]) -> None:
    s1 = [open_ticket(factory, Severity.S1, now=T0) for _ in range(30)]
    s3 = [open_ticket(factory, Severity.S3, now=T0) for _ in range(10)]
    back = local("2026-11-30 19:07")  # the clock was down for nine hours
    first = sweep(factory, back)
    # One catch-up each for the S1s, none of the ~36 missed ones; the S3s (due 22:00) are past the
    # evening: they wait for the morning instead of pinging at 19:07.
    assert (first.nagged, first.deferred) == (30, 10)
    assert sweep(factory, back).nagged == 0
    for tid in s1:
        row = ticket(factory, tid)
        assert row.nag_count == 1
        assert row.next_nag_at == local("2026-11-30 19:15")  # the S1 repeat grid: due + k * 15 min
    for tid in s3:
        assert ticket(factory, tid).next_nag_at == local("2026-12-01 09:00")
    assert sweep(factory, local("2026-11-30 19:15")).nagged == 30
    morning = sweep(factory, local("2026-12-01 09:00"))
    assert set(morning.nagged_ids) >= set(s3)
    assert all(len(nags(factory, tid)) == 1 and nags(factory, tid)[0].payload["stage"] == "breach" for tid in s3)


def test_s4_due_at_3am_is_deferred_to_the_morning_without_a_nag(factory: sessionmaker[Session]) -> None:
    tid = open_ticket(factory, Severity.S4, now=local("2026-11-23 10:00"))
    night = local("2026-12-01 03:00")
    with factory() as session, session.begin():  # as if the clock had been down since the last nag
        session.execute(update(Ticket).where(Ticket.id == tid).values(next_nag_at=local("2026-11-26 09:00"),
                                                                     last_nag_at=local("2026-11-25 09:00")))
    report = sweep(factory, night)
    assert report.deferred == 1 and report.nagged == 0 and nags(factory) == []
    assert ticket(factory, tid).next_nag_at == local("2026-12-01 09:00")
    assert sweep(factory, local("2026-12-01 09:00")).nagged == 1
    [item] = nags(factory)
    assert item.payload["stage"] == "breach"


def test_severity_raised_mid_way_reschedules_to_now(factory: sessionmaker[Session]) -> None:
    tid = open_ticket(factory, Severity.S3, now=T0)
    assert ticket(factory, tid).next_nag_at == local("2026-11-30 16:00")  # 50 % of 12 h
    raised = T0 + dt.timedelta(minutes=40)
    with factory() as session, session.begin():
        services.set_severity(session, tid, Severity.S1, policy=POLICY, now=raised, actor="U0ALICE")
    assert ticket(factory, tid).next_nag_at == raised
    assert sweep(factory, raised).nagged == 1
    assert "20 minutes left" in nags(factory, tid)[0].payload["text"]
    assert ticket(factory, tid).next_nag_at == T0 + dt.timedelta(minutes=45)
    with factory() as session, session.begin():
        services.set_severity(session, tid, Severity.S3, policy=POLICY, now=raised + dt.timedelta(minutes=1),
                              actor="U0ALICE")
    assert ticket(factory, tid).next_nag_at == local("2026-11-30 16:00")


def test_a_stale_claim_is_lost_not_duplicated(factory: sessionmaker[Session]) -> None:
    tid = open_ticket(factory, Severity.S1, now=T0)
    due = T0 + dt.timedelta(minutes=30)
    assert sweep(factory, due).nagged == 1
    report = SweepReport()
    with factory() as session, session.begin():  # a second clock still holding the old next_nag_at
        nag_one(session, tid, due, policy=POLICY, now=due, report=report)
    assert report.lost == 1 and report.nagged == 0
    assert len(nags(factory, tid)) == 1


def test_one_broken_row_does_not_stop_the_others(factory: sessionmaker[Session]) -> None:
    good = [open_ticket(factory, Severity.S1, now=T0) for _ in range(3)]
    bad = open_ticket(factory, Severity.S1, now=T0)
    with factory() as session, session.begin():  # a row the code cannot understand
        session.execute(update(Ticket).where(Ticket.id == bad).values(effective_severity="S9"))
    report = sweep(factory, T0 + dt.timedelta(minutes=30))
    assert report.failed == 1 and sorted(report.nagged_ids) == good
    assert ticket(factory, bad).nag_count == 0 and nags(factory, bad) == []  # rolled back, retried later
    assert sweep(factory, T0 + dt.timedelta(minutes=31)).failed == 1


def test_a_sweep_stops_between_transactions_on_shutdown(factory: sessionmaker[Session]) -> None:
    ids = [open_ticket(factory, Severity.S1, now=T0) for _ in range(5)]
    stop = threading.Event()
    stop.set()  # SIGTERM arrived: no new transaction starts
    report = sweep_nags(factory, policy=POLICY, now=T0 + dt.timedelta(minutes=30), stop=stop)
    assert report.nagged == 0 and nags(factory) == []
    report = sweep_nags(factory, policy=POLICY, now=T0 + dt.timedelta(minutes=30), per_transaction=2)
    assert sorted(report.nagged_ids) == ids  # the next clock (or the restarted one) sends them
