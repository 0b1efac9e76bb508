"""SLA metrics: open tickets by severity and SLA state, breaches, time to initial response.

Plain query functions returning dicts (the web pages and ``supportbot nag metrics`` use them) and a
Prometheus collector over the same functions (the web process exposes ``/metrics``). Every function
takes ``now``: the numbers are a pure function of the table and the instant.

SLA states of a ticket (support terms: the target applies to the *initial response*):

* ``running``   - clock running, due in the future;
* ``breached``  - clock running, due passed, no initial response yet;
* ``met``       - initial response at or before the due time;
* ``late``      - initial response after the due time;
* ``waived``    - status-page incident linked or redaction rejection: no target applies;
* ``no_target`` - no due time (should not happen for open tickets; counted so it is visible).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, sessionmaker

from intake.domain.severity import Severity
from intake.domain.ticket import ACTIVE_VALUES, TicketState
from intake.store.models import OutboxItem, Ticket

SLA_STATES = ("running", "breached", "met", "late", "waived", "no_target")
# Breaches count closed tickets too (a target missed stays missed); deflected/rejected ones had none.
COUNTED_STATES = (*ACTIVE_VALUES, TicketState.CLOSED.value)
# Time-to-initial-response histogram buckets (seconds): around the four targets.
TTIR_BUCKETS = (15 * 60, 30 * 60, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600, 48 * 3600,
                96 * 3600, 7 * 24 * 3600)


def _sla_state(now: dt.datetime):  # type: ignore[no-untyped-def]
    return case(
        (Ticket.waiver.is_not(None), "waived"),
        (and_(Ticket.initial_response_at.is_not(None), Ticket.due_at.is_not(None),
              Ticket.initial_response_at <= Ticket.due_at), "met"),
        (and_(Ticket.initial_response_at.is_not(None), Ticket.due_at.is_not(None)), "late"),
        (Ticket.due_at.is_(None), "no_target"),
        (Ticket.due_at > now, "running"),
        else_="breached",
    )


def _empty() -> dict[str, dict[str, int]]:
    return {sev.name: dict.fromkeys(SLA_STATES, 0) for sev in Severity}


def open_tickets(session: Session, *, now: dt.datetime) -> dict[str, dict[str, int]]:
    """Active (not closed/deflected/rejected) tickets by effective severity and SLA state."""
    state = _sla_state(now).label("sla_state")
    stmt = (select(Ticket.effective_severity, state, func.count())
            .where(Ticket.state.in_(ACTIVE_VALUES))
            .group_by(Ticket.effective_severity, state))
    out = _empty()
    for sev, sla_state, n in session.execute(stmt):
        out.setdefault(sev, dict.fromkeys(SLA_STATES, 0))[sla_state] = int(n)
    return out


def breaches(session: Session, *, now: dt.datetime, since: dt.datetime | None = None) -> dict[str, dict[str, int]]:
    """Missed targets by severity: ``open`` (breached, still waiting) and ``late`` (responded after
    the due time), for tickets submitted since ``since`` (all when ``None``); waived ones never count."""
    state = _sla_state(now).label("sla_state")
    stmt = (select(Ticket.effective_severity, state, func.count())
            .where(Ticket.state.in_(COUNTED_STATES))
            .group_by(Ticket.effective_severity, state))
    if since is not None:
        stmt = stmt.where(Ticket.submitted_at >= since)
    out: dict[str, dict[str, int]] = {sev.name: {"open": 0, "late": 0, "total": 0} for sev in Severity}
    for sev, sla_state, n in session.execute(stmt):
        bucket = out.setdefault(sev, {"open": 0, "late": 0, "total": 0})
        if sla_state == "breached":
            bucket["open"] += int(n)
        elif sla_state == "late":
            bucket["late"] += int(n)
        else:
            continue
        bucket["total"] += int(n)
    return out


def _ttir_rows(session: Session, since: dt.datetime | None,
               until: dt.datetime | None) -> Iterator[tuple[str, dt.datetime, dt.datetime, dt.datetime | None]]:
    stmt = (select(Ticket.effective_severity, Ticket.submitted_at, Ticket.initial_response_at, Ticket.due_at)
            .where(Ticket.initial_response_at.is_not(None), Ticket.waiver.is_(None)))
    if since is not None:
        stmt = stmt.where(Ticket.initial_response_at >= since)
    if until is not None:
        stmt = stmt.where(Ticket.initial_response_at < until)
    yield from session.execute(stmt.execution_options(yield_per=2000))  # type: ignore[misc]


def time_to_initial_response(session: Session, *, since: dt.datetime | None = None,
                             until: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    """Per severity: count, mean/median/p90/max seconds from submission to initial response (real
    time), and how many met the target. Responses in ``[since, until)``; waived tickets excluded."""
    samples: dict[str, list[float]] = {sev.name: [] for sev in Severity}
    met: dict[str, int] = dict.fromkeys(samples, 0)
    for sev, submitted, responded, due in _ttir_rows(session, since, until):
        samples.setdefault(sev, []).append((responded - submitted).total_seconds())
        if due is not None and responded <= due:
            met[sev] = met.get(sev, 0) + 1
    out: dict[str, dict[str, Any]] = {}
    for sev, values in samples.items():
        values.sort()
        out[sev] = {
            "count": len(values),
            "met": met.get(sev, 0),
            "mean_seconds": statistics.fmean(values) if values else None,
            "median_seconds": statistics.median(values) if values else None,
            "p90_seconds": _quantile(values, 0.9),
            "max_seconds": values[-1] if values else None,
        }
    return out


def _quantile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    index = max(0, min(len(sorted_values) - 1, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[index]


def nag_backlog(session: Session, *, now: dt.datetime,
                grace: dt.timedelta = dt.timedelta(minutes=5)) -> dict[str, float | int]:
    """Reminders that should have gone out more than ``grace`` ago: a live clock keeps this at 0
    (it sweeps every ~30 s and moves every due row forward), so a backlog means no clock is running.
    ``oldest_late_seconds`` is how late the oldest one is (0 without a backlog)."""
    cutoff = now - grace
    count, oldest = session.execute(
        select(func.count(), func.min(Ticket.next_nag_at))
        .where(Ticket.state.in_(ACTIVE_VALUES), Ticket.next_nag_at <= cutoff,
               Ticket.initial_response_at.is_(None), Ticket.waiver.is_(None))).one()
    if oldest is not None and oldest.tzinfo is None:  # SQLite's MIN() comes back as a naive value
        oldest = oldest.replace(tzinfo=dt.UTC)
    elif isinstance(oldest, str):
        oldest = dt.datetime.fromisoformat(oldest).replace(tzinfo=dt.UTC)
    late = (now - oldest).total_seconds() if count and oldest is not None else 0.0
    return {"count": int(count), "oldest_late_seconds": late}


def nags_sent(session: Session, *, since: dt.datetime | None = None) -> int:
    """Reminders enqueued (outbox rows with a ``nag:`` key)."""
    stmt = select(func.count()).select_from(OutboxItem).where(OutboxItem.dedupe_key.like("nag:%"))
    if since is not None:
        stmt = stmt.where(OutboxItem.created_at >= since)
    return int(session.scalar(stmt) or 0)


def snapshot(session: Session, *, now: dt.datetime, window: dt.timedelta = dt.timedelta(days=30)) -> dict[str, Any]:
    """Everything above in one dict (JSON-ready apart from nothing: numbers and strings only)."""
    since = now - window
    return {
        "at": now.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "open": open_tickets(session, now=now),
        "breaches": breaches(session, now=now, since=since),
        "time_to_initial_response": time_to_initial_response(session, since=since, until=now),
        "nags_sent": nags_sent(session, since=since),
        "nag_backlog": nag_backlog(session, now=now),
        "window_days": window.days,
    }


# -- Prometheus ------------------------------------------------------------------------------------------

class SLACollector:
    """A ``prometheus_client`` collector: queries the database at each scrape.

    Register with ``registry.register(SLACollector(factory))``; ``clock`` is injectable for tests.
    """

    def __init__(self, factory: sessionmaker[Session], *, clock: Callable[[], dt.datetime] | None = None,
                 window: dt.timedelta = dt.timedelta(days=30)) -> None:
        self.factory = factory
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.window = window

    def describe(self) -> list[Any]:
        return []  # metrics are produced at scrape time; no describe-time database access

    def collect(self) -> Iterator[Any]:
        now = self.clock()
        since = now - self.window
        with self.factory() as session:
            open_ = open_tickets(session, now=now)
            breached = breaches(session, now=now, since=since)
            rows = list(_ttir_rows(session, since, now))
            nags = nags_sent(session, since=since)
            backlog = nag_backlog(session, now=now)
        g = GaugeMetricFamily("supportbot_open_tickets", "Active tickets by effective severity and SLA state",
                              labels=["severity", "sla_state"])
        for sev, states in sorted(open_.items()):
            for state, n in states.items():
                g.add_metric([sev, state], n)
        yield g
        b = GaugeMetricFamily("supportbot_sla_breaches",
                              f"Missed initial-response targets, tickets submitted in the last {self.window.days} days",
                              labels=["severity", "kind"])
        for sev, kinds in sorted(breached.items()):
            b.add_metric([sev, "open"], kinds["open"])
            b.add_metric([sev, "late"], kinds["late"])
        yield b
        h = HistogramMetricFamily("supportbot_time_to_initial_response_seconds",
                                  f"Submission to initial response, responses in the last {self.window.days} days",
                                  labels=["severity"])
        by_sev: dict[str, list[float]] = {sev.name: [] for sev in Severity}
        for sev, submitted, responded, _due in rows:
            by_sev.setdefault(sev, []).append((responded - submitted).total_seconds())
        for sev, values in sorted(by_sev.items()):
            buckets = [(str(float(edge)), float(sum(1 for v in values if v <= edge))) for edge in TTIR_BUCKETS]
            buckets.append(("+Inf", float(len(values))))
            h.add_metric([sev], buckets=buckets, sum_value=float(sum(values)))
        yield h
        n = GaugeMetricFamily("supportbot_nags_sent", f"Nag reminders enqueued in the last {self.window.days} days")
        n.add_metric([], nags)
        yield n
        late = GaugeMetricFamily("supportbot_nag_backlog",
                                 "Reminders overdue by more than 5 minutes (a live clock keeps this at 0)")
        late.add_metric([], backlog["count"])
        yield late
        oldest = GaugeMetricFamily("supportbot_nag_backlog_oldest_seconds",
                                   "How late the oldest overdue reminder is (0 without a backlog)")
        oldest.add_metric([], backlog["oldest_late_seconds"])
        yield oldest
