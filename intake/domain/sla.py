"""The SLA clock: when the initial response to a request is due, and why.

Support terms: the clock starts when the request is submitted; the target is counted only during the
support hours of the request's severity. "24/7" targets are real elapsed time (so a DST change
changes nothing); "24/5" targets are counted inside whole local support days (Mon-Fri, neither
public holiday nor closure), each day's window taken from local midnight to local midnight.
A due time that lands exactly on the end of a window stays at that instant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from intake.domain.calendar import UTC, SkippedDay, SupportCalendar, aware_utc
from intake.domain.durations import duration_words
from intake.domain.policy import Policy
from intake.domain.severity import Severity

ONE_DAY = dt.timedelta(days=1)
# Guard against a calendar without any support day in reach (e.g. closures covering years).
MAX_SCAN_DAYS = 3 * 366


class NoSupportDaysError(ValueError):
    """The calendar has no support day within the scan horizon."""


def due_at(severity: Severity, submitted: dt.datetime, policy: Policy) -> dt.datetime:
    """The instant (UTC) the initial response is due for a request submitted at ``submitted``."""
    submitted = aware_utc(submitted, "submitted")
    rule = policy.rules[severity]
    if rule.hours == "24/7":
        return submitted + rule.target
    return _due_in_support_days(policy.calendar, submitted, rule.target)


def _due_in_support_days(cal: SupportCalendar, start: dt.datetime, target: dt.timedelta) -> dt.datetime:
    remaining = target
    day = cal.local_date(start)
    for _ in range(MAX_SCAN_DAYS):
        if cal.is_support_day(day):
            w_start, w_end = cal.day_bounds(day)
            begin = start if start > w_start else w_start
            available = w_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        day += ONE_DAY
    raise NoSupportDaysError(f"no support day within {MAX_SCAN_DAYS} days of {start.isoformat()}")


def support_time_between(severity: Severity, start: dt.datetime, end: dt.datetime,
                         policy: Policy) -> dt.timedelta:
    """How much of the severity's support time lies between two instants (0 when end <= start)."""
    start, end = aware_utc(start, "start"), aware_utc(end, "end")
    if end <= start:
        return dt.timedelta(0)
    rule = policy.rules[severity]
    if rule.hours == "24/7":
        return end - start
    cal = policy.calendar
    total = dt.timedelta(0)
    day = cal.local_date(start)
    last = cal.local_date(end)
    while day <= last:
        if cal.is_support_day(day):
            w_start, w_end = cal.day_bounds(day)
            lo, hi = max(w_start, start), min(w_end, end)
            if hi > lo:
                total += hi - lo
        day += ONE_DAY
    return total


def remaining(severity: Severity, submitted: dt.datetime, now: dt.datetime, policy: Policy) -> dt.timedelta:
    """Support time left until the target (negative after a breach, counted in real time)."""
    due = due_at(severity, submitted, policy)
    now = aware_utc(now, "now")
    if now >= due:
        return -(now - due)
    return support_time_between(severity, now, due, policy)


def in_support_hours(severity: Severity, instant: dt.datetime, policy: Policy) -> bool:
    rule = policy.rules[severity]
    if rule.hours == "24/7":
        return True
    return policy.calendar.is_support_day(policy.calendar.local_date(aware_utc(instant, "instant")))


def next_support_instant(severity: Severity, instant: dt.datetime, policy: Policy) -> dt.datetime:
    """``instant`` if it is inside the severity's support hours, else the start of the next window."""
    instant = aware_utc(instant, "instant")
    if in_support_hours(severity, instant, policy):
        return instant
    cal = policy.calendar
    day = cal.local_date(instant)
    for _ in range(MAX_SCAN_DAYS):
        day += ONE_DAY
        if cal.is_support_day(day):
            return cal.day_bounds(day)[0]
    raise NoSupportDaysError(f"no support day within {MAX_SCAN_DAYS} days of {instant.isoformat()}")


@dataclass(frozen=True, slots=True)
class Window:
    day: dt.date
    start: dt.datetime  # UTC
    end: dt.datetime  # UTC
    counted: dt.timedelta


@dataclass(frozen=True)
class Explanation:
    severity: Severity
    rule_name: str
    hours: str
    target: dt.timedelta
    submitted: dt.datetime
    due: dt.datetime
    timezone: str
    windows: tuple[Window, ...] = ()
    skipped: tuple[SkippedDay, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        """The explanation in words, local times in the calendar's time zone."""
        tz = ZoneInfo(self.timezone)

        def local(instant: dt.datetime) -> str:
            return instant.astimezone(tz).strftime("%a %Y-%m-%d %H:%M %Z")

        out = [
            f"{self.severity.name} {self.rule_name}: target {duration_words(self.target, short=True)} counted {self.hours}"
            + (" (real elapsed time)" if self.hours == "24/7" else f" in support days ({self.timezone})"),
            f"submitted {local(self.submitted)} ({format_utc(self.submitted)})",
        ]
        rows: list[tuple[dt.date, str]] = [
            (w.day, f"  counted {duration_words(w.counted, short=True):>10} on {w.day:%a %Y-%m-%d}: {local(w.start)} -> {local(w.end)}")
            for w in self.windows
        ]
        rows += [(s.day, f"  skipped {s.day:%a %Y-%m-%d}: {s.reason}") for s in self.skipped]
        out.extend(text for _, text in sorted(rows, key=lambda r: r[0]))
        out.append(f"due {local(self.due)} ({format_utc(self.due)})")
        return out


def explain(severity: Severity, submitted: dt.datetime, policy: Policy) -> Explanation:
    """Why the due time is what it is: the windows counted and the days skipped."""
    submitted = aware_utc(submitted, "submitted")
    rule = policy.rules[severity]
    due = due_at(severity, submitted, policy)
    cal = policy.calendar
    windows: list[Window] = []
    skipped: list[SkippedDay] = []
    if rule.hours == "24/7":
        windows.append(Window(cal.local_date(submitted), submitted, due, due - submitted))
    else:
        day = cal.local_date(submitted)
        last = cal.local_date(due)
        while day <= last:
            reason = cal.skip_reason(day)
            if reason:
                skipped.append(SkippedDay(day, reason))
            else:
                w_start, w_end = cal.day_bounds(day)
                lo, hi = max(w_start, submitted), min(w_end, due)
                if hi > lo or (hi == lo == due):
                    windows.append(Window(day, lo, hi, hi - lo))
            day += ONE_DAY
    return Explanation(severity, rule.name, rule.hours, rule.target, submitted, due, cal.timezone,
                       tuple(w for w in windows if w.counted > dt.timedelta(0)), tuple(skipped))


def format_utc(instant: dt.datetime) -> str:
    """ISO-8601 in UTC with a ``Z`` suffix (the CLI contract)."""
    text = instant.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")
