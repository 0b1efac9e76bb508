"""What operators watch: open tickets by severity and SLA state, and the four charts.

All functions take ``now`` and a session; none writes. Time to initial response is measured in the
severity's *support time* (``sla.support_time_between``), the same clock the target is counted on,
so an S3 answered Monday morning after a Friday-evening submission is not drawn as a 60-hour wait.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.domain.sla import remaining, support_time_between
from intake.domain.ticket import ACTIVE_VALUES
from intake.store.models import PortalObservation, RedactionLogEntry, Ticket
from intake.web import charts

SLA_STATES = ("breached", "at_risk", "on_track", "responded", "waived")
AT_RISK_SHARE = 0.25  # less than a quarter of the target left


@dataclass(frozen=True)
class OpenTicket:
    id: int
    token: str
    severity: str
    state: str
    sla_state: str
    organization: str | None
    project: str | None
    subject: str | None
    submitted_at: dt.datetime
    due_at: dt.datetime | None
    remaining: str
    assignee: str | None


def sla_state(t: Ticket, *, policy: Policy, now: dt.datetime) -> tuple[str, dt.timedelta | None]:
    """``(state, support time left)`` of a ticket's initial-response target."""
    if t.initial_response_at is not None:
        return "responded", None
    if t.waiver:
        return "waived", None
    if t.due_at is None:
        return "waived", None
    if t.due_at <= now:
        return "breached", now - t.due_at
    sev = Severity.parse(t.effective_severity)
    left = remaining(sev, t.submitted_at, now, policy)
    if left <= policy.rule(sev).target * AT_RISK_SHARE:
        return "at_risk", left
    return "on_track", left


def _short(delta: dt.timedelta | None, *, past: bool = False) -> str:
    if delta is None:
        return ""
    minutes = int(delta.total_seconds() // 60)
    text = f"{minutes // 60}h {minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"
    return f"{text} over" if past else f"{text} left"


def open_tickets(session: Session, *, policy: Policy, now: dt.datetime) -> list[OpenTicket]:
    rows = session.scalars(select(Ticket).where(Ticket.state.in_(ACTIVE_VALUES))
                           .order_by(Ticket.effective_severity, Ticket.due_at)).all()
    out = []
    for t in rows:
        state, left = sla_state(t, policy=policy, now=now)
        out.append(OpenTicket(t.id, t.token, t.effective_severity, t.state, state, t.organization, t.project,
                              (t.subject or "")[:120] or None, t.submitted_at, t.due_at,
                              _short(left, past=state == "breached"), t.assignee))
    order = {s: i for i, s in enumerate(SLA_STATES)}
    out.sort(key=lambda o: (o.severity, order[o.sla_state], o.due_at or now))
    return out


def matrix(tickets: list[OpenTicket]) -> dict[str, dict[str, int]]:
    """Counts by severity × SLA state (every cell present)."""
    counts: dict[str, dict[str, int]] = {s.name: dict.fromkeys(SLA_STATES, 0) for s in Severity}
    for t in tickets:
        counts.setdefault(t.severity, dict.fromkeys(SLA_STATES, 0))[t.sla_state] += 1
    return counts


def week_start(instant: dt.datetime) -> dt.date:
    day = instant.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


def _weeks(now: dt.datetime, count: int) -> list[dt.date]:
    last = week_start(now)
    return [last - dt.timedelta(weeks=count - 1 - i) for i in range(count)]


def response_times(session: Session, *, policy: Policy, now: dt.datetime, days: int = 90) -> list[charts.Bar]:
    """Median time to initial response (support time, minutes/hours) per severity, against the target."""
    since = now - dt.timedelta(days=days)
    rows = session.execute(select(Ticket.effective_severity, Ticket.submitted_at, Ticket.initial_response_at)
                           .where(Ticket.initial_response_at.is_not(None), Ticket.submitted_at >= since)).all()
    per: dict[str, list[float]] = defaultdict(list)
    for sev_text, submitted, responded in rows:
        sev = Severity.parse(sev_text)
        per[sev.name].append(support_time_between(sev, submitted, responded, policy).total_seconds() / 3600)
    bars = []
    for sev in Severity:
        values = per.get(sev.name)
        if not values:
            continue
        target_h = policy.rule(sev).target.total_seconds() / 3600
        p90 = statistics.quantiles(values, n=10)[-1] if len(values) >= 2 else values[0]
        bars.append(charts.Bar(f"{sev.name} median", statistics.median(values), target_h,
                               note=f"n={len(values)}, p90 {p90:.1f} h"))
    return bars


def breaches_per_week(session: Session, *, now: dt.datetime, weeks: int = 12) -> tuple[list[str], dict[str, list[float]]]:
    """Targets missed per week of their due time, by severity (waived tickets excluded)."""
    labels = _weeks(now, weeks)
    rows = session.execute(select(Ticket.effective_severity, Ticket.due_at, Ticket.initial_response_at)
                           .where(Ticket.due_at.is_not(None), Ticket.waiver.is_(None),
                                  Ticket.due_at >= dt.datetime.combine(labels[0], dt.time(), tzinfo=dt.UTC),
                                  Ticket.due_at <= now)).all()
    series: dict[str, list[float]] = {s.name: [0.0] * weeks for s in Severity}
    index = {w: i for i, w in enumerate(labels)}
    for sev, due, responded in rows:
        if responded is None or responded > due:
            i = index.get(week_start(due))
            if i is not None and sev in series:
                series[sev][i] += 1
    return [w.strftime("%d %b") for w in labels], series


def rejections_per_week(session: Session, *, now: dt.datetime, weeks: int = 12) -> tuple[list[str], dict[str, list[float]]]:
    """Redaction rejections per week, split by detected entity type (counts only, no entry data)."""
    labels = _weeks(now, weeks)
    since = dt.datetime.combine(labels[0], dt.time(), tzinfo=dt.UTC)
    index = {w: i for i, w in enumerate(labels)}
    counts: dict[str, list[float]] = {}
    for created, types in session.execute(select(RedactionLogEntry.created_at, RedactionLogEntry.entity_types)
                                          .where(RedactionLogEntry.created_at >= since)).all():
        i = index.get(week_start(created))
        if i is None:
            continue
        for t in set(types or []):
            counts.setdefault(str(t), [0.0] * weeks)[i] += 1
    ranked = sorted(counts, key=lambda k: -sum(counts[k]))
    if len(ranked) > 7:  # keep the legend readable: the top seven, the rest as "other"
        other = [sum(counts[k][i] for k in ranked[7:]) for i in range(weeks)]
        counts = {k: counts[k] for k in ranked[:7]} | {"other": other}
    return [w.strftime("%d %b") for w in labels], counts


def gate_history(session: Session, *, now: dt.datetime, days: int = 7) -> tuple[list[charts.Span], Counter[str]]:
    """Spans of the portal gate's effective state over the window (the observation before it included)."""
    since = now - dt.timedelta(days=days)
    before = session.scalars(select(PortalObservation).where(PortalObservation.at < since)
                             .order_by(PortalObservation.at.desc()).limit(1)).first()
    rows = list(session.scalars(select(PortalObservation).where(PortalObservation.at >= since, PortalObservation.at <= now)
                                .order_by(PortalObservation.at)).all())
    if before is not None:
        rows.insert(0, before)
    window = (now - since).total_seconds()
    spans: list[charts.Span] = []
    time_in: Counter[str] = Counter()
    for i, obs in enumerate(rows):
        start = max(obs.at, since)
        end = rows[i + 1].at if i + 1 < len(rows) else now
        if end <= start:
            continue
        state = obs.effective if obs.state != "unknown" else "unknown"
        label = f"{start:%a %d %b %H:%M} UTC: {obs.effective} ({obs.reason[:120]})"
        if spans and spans[-1].state == state:
            prev = spans[-1]
            spans[-1] = charts.Span(prev.start, (end - since).total_seconds() / window, state, prev.label)
        else:
            spans.append(charts.Span((start - since).total_seconds() / window, (end - since).total_seconds() / window,
                                     state, label))
        time_in[state] += int((end - start).total_seconds())
    return spans, time_in


def dashboard(session: Session, *, policy: Policy, now: dt.datetime) -> dict[str, Any]:
    tickets = open_tickets(session, policy=policy, now=now)
    b_labels, b_series = breaches_per_week(session, now=now)
    r_labels, r_series = rejections_per_week(session, now=now)
    spans, time_in = gate_history(session, now=now)
    return {
        "tickets": tickets,
        "matrix": matrix(tickets),
        "sla_states": SLA_STATES,
        "charts": {
            "response": charts.hbars(response_times(session, policy=policy, now=now), unit="h",
                                     title="Time to initial response (support hours, median) vs target"),
            "breaches": charts.columns(b_labels, b_series, title="Targets missed per week, by severity"),
            "rejections": charts.columns(r_labels, r_series, title="Redaction rejections per week, by type"),
            "gate": charts.timeline(spans, title="Portal gate, last 7 days",
                                    start_label=f"{now - dt.timedelta(days=7):%d %b %H:%M}",
                                    end_label=f"{now:%d %b %H:%M} UTC"),
        },
        "gate_time": dict(time_in),
    }
