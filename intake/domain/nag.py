"""The nag schedule: when to remind the team of a request still waiting for its initial response.

Support terms: initial response within 60 min (S1), 180 min (S2), 12 h (S3) and 48 h (S4), the last
two counted in support hours. Reminders keep engineers from missing those targets:

* before the breach, at fractions of the target (default 50 %, 75 %, 90 %); for S3/S4 these are
  fractions of *support* time, so a weekend or a Bavarian holiday moves them along with the due time;
* at the breach;
* then repeating: S1 every 15 min, S2 every 30 min, S3/S4 each support-day morning (09:00 local);
* S3/S4 reminders only on their support days and only in the local daytime window
  (``morning``..``evening``, default 09:00-18:00): whole local days count towards the target, but
  nobody is woken at 3 a.m. for an S4. A reminder that would fall outside waits for the next morning;
  several that would fall in one night collapse into one.

Each reminder names people by stage (escalation chain): ``reminder`` mentions the assignee (the
on-call user group while nobody claimed the ticket), ``breach`` adds the on-call group, ``overdue``
adds the lead. Slack ids come from the policy's ``[nag]`` table.

The ``[nag]`` table is parsed by :mod:`intake.domain.nag_policy`, the reminder's text written by
:mod:`intake.domain.nag_message`. The next time is always computed from ``(previous nag, now)``, like APScheduler's triggers: after
downtime the sweep sends one catch-up reminder and continues with the first point after ``now``,
never a flood of the missed ones. Pure: time is a parameter, no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from intake.domain.calendar import UTC, aware_utc
from intake.domain.nag_policy import Stage
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.domain.sla import MAX_SCAN_DAYS, NoSupportDaysError, support_time_between

# -- the schedule -------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NagPoint:
    """A scheduled reminder before the delivery window is applied."""

    at: dt.datetime
    label: str  # "50%", "breach", "repeat"


def _after_support_time(severity: Severity, start: dt.datetime, amount: dt.timedelta,
                        policy: Policy) -> dt.datetime:
    """The instant when ``amount`` of the severity's support time has passed since ``start``."""
    if policy.rules[severity].hours == "24/7":
        return start + amount
    cal = policy.calendar
    left = amount
    day = cal.local_date(start)
    for _ in range(MAX_SCAN_DAYS):
        if cal.is_support_day(day):
            w_start, w_end = cal.day_bounds(day)
            begin = max(start, w_start)
            if begin < w_end:
                if left <= w_end - begin:
                    return begin + left
                left -= w_end - begin
        day += dt.timedelta(days=1)
    raise NoSupportDaysError(f"no support day within {MAX_SCAN_DAYS} days of {start.isoformat()}")


def threshold_points(severity: Severity, submitted: dt.datetime, due: dt.datetime,
                     policy: Policy) -> list[NagPoint]:
    """The pre-breach points and the breach itself (fractions of the support time to ``due``)."""
    submitted, due = aware_utc(submitted, "submitted"), aware_utc(due, "due")
    sched = policy.nag.schedule(severity)
    total = support_time_between(severity, submitted, due, policy)
    points: list[NagPoint] = []
    if total > dt.timedelta(0):
        for fraction in sched.thresholds:
            at = _after_support_time(severity, submitted, total * fraction, policy)
            if at < due:
                points.append(NagPoint(at, f"{fraction:.0%}"))
    points.append(NagPoint(due, "breach"))
    return points


def _morning_of(day: dt.date, at: dt.time, policy: Policy) -> dt.datetime:
    local = dt.datetime.combine(day, at, tzinfo=policy.calendar.tz)
    return local.astimezone(UTC)


def _is_nag_day(severity: Severity, day: dt.date, policy: Policy) -> bool:
    return policy.rules[severity].hours == "24/7" or policy.calendar.is_support_day(day)


def _next_morning(severity: Severity, after: dt.datetime, policy: Policy, *, strictly: bool) -> dt.datetime:
    """The first support-day morning at or (``strictly``) after ``after``."""
    np_ = policy.nag
    day = policy.calendar.local_date(after)
    for _ in range(MAX_SCAN_DAYS):
        if _is_nag_day(severity, day, policy):
            morning = _morning_of(day, np_.morning, policy)
            if morning > after or (morning == after and not strictly):
                return morning
        day += dt.timedelta(days=1)
    raise NoSupportDaysError(f"no support day within {MAX_SCAN_DAYS} days of {after.isoformat()}")


def deliverable(severity: Severity, instant: dt.datetime, policy: Policy) -> dt.datetime:
    """``instant`` if a reminder may go out then, else the next moment one may.

    S3/S4 (``daytime_only``): on a support day between morning and evening local time; S1/S2: always.
    """
    instant = aware_utc(instant, "instant")
    np_ = policy.nag
    if not np_.schedule(severity).daytime_only:
        return instant
    local = policy.calendar.local(instant)
    day = local.date()
    if _is_nag_day(severity, day, policy):
        start = _morning_of(day, np_.morning, policy)
        end = _morning_of(day, np_.evening, policy)
        if start <= instant < end:
            return instant
        if instant < start:
            return start
    return _next_morning(severity, instant, policy, strictly=True)


def _next_repeat(severity: Severity, due: dt.datetime, after: dt.datetime, policy: Policy) -> dt.datetime:
    """The first post-breach repeat strictly after ``after`` (and after ``due``)."""
    sched = policy.nag.schedule(severity)
    ref = max(after, due)
    if sched.repeat is None:
        return _next_morning(severity, ref, policy, strictly=True)
    # APScheduler's IntervalTrigger: due + k * interval, the first one strictly after the reference.
    k = (ref - due) // sched.repeat + 1
    return due + sched.repeat * k


def next_nag_at(*, severity: Severity, submitted: dt.datetime, due: dt.datetime | None, nag_count: int,
                last_nag_at: dt.datetime | None, now: dt.datetime, policy: Policy) -> dt.datetime | None:
    """When the next reminder is due: never before ``now``, always inside the severity's nag hours.

    ``last_nag_at`` is the previous reminder (``None`` before the first); the candidate is the first
    schedule point after it. A candidate already in the past (downtime, a severity raised mid-way)
    becomes ``now``: one catch-up reminder, then the schedule continues after it. ``nag_count`` is
    part of the contract (the outbox key uses it) and does not move the schedule. ``None`` when
    there is no due time (no target applies).
    """
    del nag_count  # the schedule depends on time only; see the docstring
    if due is None:
        return None
    submitted, due, now = aware_utc(submitted, "submitted"), aware_utc(due, "due"), aware_utc(now, "now")
    last = aware_utc(last_nag_at, "last_nag_at") if last_nag_at is not None else None
    candidate: dt.datetime | None = None
    for point in threshold_points(severity, submitted, due, policy):
        if last is None or point.at > last:
            candidate = point.at
            break
    if candidate is None:
        assert last is not None  # the breach point is always in the list
        candidate = _next_repeat(severity, due, last, policy)
    return deliverable(severity, max(candidate, now), policy)


def stage_for(*, due: dt.datetime, now: dt.datetime, last_nag_at: dt.datetime | None) -> Stage:
    """``reminder`` before the breach, ``breach`` for the first reminder at/after it, then ``overdue``."""
    if now < due:
        return "reminder"
    if last_nag_at is None or last_nag_at < due:
        return "breach"
    return "overdue"


# -- preview ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PlannedNag:
    at: dt.datetime
    stage: Stage
    left: dt.timedelta  # support time left (negative: late by, in real time)


def preview(severity: Severity, submitted: dt.datetime, due: dt.datetime, policy: Policy, *,
            count: int = 10, until: dt.datetime | None = None) -> list[PlannedNag]:
    """The reminders a ticket gets if nobody responds: what the sweep would send, in order."""
    out: list[PlannedNag] = []
    last: dt.datetime | None = None
    now = aware_utc(submitted, "submitted")
    while len(out) < count:
        at = next_nag_at(severity=severity, submitted=submitted, due=due, nag_count=len(out),
                         last_nag_at=last, now=now, policy=policy)
        if at is None or (until is not None and at > until):
            break
        stage = stage_for(due=due, now=at, last_nag_at=last)
        left = support_time_between(severity, at, due, policy) if at < due else -(at - due)
        out.append(PlannedNag(at, stage, left))
        last = now = at
    return out
