"""Two clocks, each with its own engine (separate connections), sweep one database at the same
simulated instants, many times: every reminder is sent exactly once, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
from collections import Counter
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from intake.domain import nag
from intake.domain.severity import Severity
from intake.nagging import SweepReport, sweep_nags
from intake.store.db import make_engine, session_factory
from intake.store.models import OutboxItem, Ticket

from .helpers import POLICY, local, open_ticket

T0 = local("2026-11-30 10:00")
STEP = dt.timedelta(minutes=3)
STEPS = 100  # five hours of sweeps


def expected_nags(severity: Severity, opened: dt.datetime, times: list[dt.datetime]) -> int:
    """What one clock sweeping at ``times`` sends for a ticket: the schedule, evaluated the sweep's way."""
    from intake.domain.sla import due_at

    due = due_at(severity, opened, POLICY)
    nxt = nag.next_nag_at(severity=severity, submitted=opened, due=due, nag_count=0, last_nag_at=None,
                          now=opened, policy=POLICY)
    count = 0
    for now in times:
        if nxt is not None and nxt <= now:
            count += 1
            nxt = nag.next_nag_at(severity=severity, submitted=opened, due=due, nag_count=count,
                                  last_nag_at=now, now=now, policy=POLICY)
    return count


def _open_tickets(factory: sessionmaker[Session]) -> dict[int, tuple[Severity, dt.datetime]]:
    tickets: dict[int, tuple[Severity, dt.datetime]] = {}
    for i in range(24):
        severity = (Severity.S1, Severity.S2, Severity.S3)[i % 3]
        opened = T0 + dt.timedelta(minutes=7 * i)
        tickets[open_ticket(factory, severity, now=opened)] = (severity, opened)
    return tickets


def _check_exactly_once(factory: sessionmaker[Session], tickets: dict[int, tuple[Severity, dt.datetime]],
                        times: list[dt.datetime], sent: int) -> None:
    with factory() as session:
        keys = list(session.scalars(select(OutboxItem.dedupe_key).where(OutboxItem.dedupe_key.like("nag:%"))))
        counts = dict(session.execute(select(Ticket.id, Ticket.nag_count)).tuples().all())
        total_rows = session.scalar(select(func.count()).select_from(OutboxItem)
                                    .where(OutboxItem.dedupe_key.like("nag:%")))
    assert len(keys) == len(set(keys)) == total_rows
    per_ticket = Counter(int(k.split(":")[1]) for k in keys)
    assert sent == len(keys)  # no clock enqueued a nag that the other had already enqueued
    for tid, (severity, opened) in tickets.items():
        # ... and each ticket got exactly the reminders of its schedule: nag:<id>:0 .. n-1
        want = expected_nags(severity, opened, [t for t in times if t >= opened])
        assert per_ticket[tid] == counts[tid] == want, (tid, severity)
        assert sorted(k for k in keys if k.startswith(f"nag:{tid}:")) == sorted(
            f"nag:{tid}:{n}" for n in range(want))


def test_two_clocks_never_send_a_nag_twice(engine: Engine, factory: sessionmaker[Session]) -> None:
    tickets = _open_tickets(factory)
    times = [T0 + STEP * k for k in range(STEPS)]
    url = engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url), make_engine(url)]
    barrier = threading.Barrier(2, timeout=60)
    reports: list[list[SweepReport]] = [[], []]
    errors: list[BaseException] = []

    def clock(index: int) -> None:
        own = session_factory(engines[index])
        try:
            for now in times:
                barrier.wait()  # both clocks sweep the same instant at the same time
                reports[index].append(sweep_nags(own, policy=POLICY, now=now))
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=clock, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    for e in engines:
        e.dispose()
    assert not errors, errors
    assert all(r.failed == 0 for rs in reports for r in rs)
    sent = sum(r.nagged for rs in reports for r in rs)
    lost = sum(r.lost for rs in reports for r in rs)
    print(f"two clocks (threads): {sent} nags, {lost} claims lost to the other clock")
    _check_exactly_once(factory, tickets, times, sent)
    assert sent > 150


def _clock_process(url: str, times: list[dt.datetime], barrier: Any, results: Any) -> None:
    """One clock in its own process: its own interpreter, engine and connections."""
    engine = make_engine(url)
    own = session_factory(engine)
    nagged = lost = failed = 0
    try:
        for now in times:
            barrier.wait()
            report = sweep_nags(own, policy=POLICY, now=now)
            nagged, lost, failed = nagged + report.nagged, lost + report.lost, failed + report.failed
    finally:
        engine.dispose()
        results.put((nagged, lost, failed))


def test_two_clock_processes_never_send_a_nag_twice(engine: Engine, factory: sessionmaker[Session]) -> None:
    tickets = _open_tickets(factory)
    times = [T0 + STEP * k for k in range(60)]
    url = engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2, timeout=120)
    results = ctx.Queue()
    procs = [ctx.Process(target=_clock_process, args=(url, times, barrier, results)) for _ in range(2)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=240) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert [p.exitcode for p in procs] == [0, 0]
    assert all(failed == 0 for _, _, failed in outcomes)
    sent = sum(n for n, _, _ in outcomes)
    print(f"two clocks (processes): {sent} nags, {sum(lost for _, lost, _ in outcomes)} claims lost")
    _check_exactly_once(factory, tickets, times, sent)
    assert sent > 40
