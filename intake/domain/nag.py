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

The next time is always computed from ``(previous nag, now)``, like APScheduler's triggers: after
downtime the sweep sends one catch-up reminder and continues with the first point after ``now``,
never a flood of the missed ones. Pure: time is a parameter, no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from intake.domain.calendar import UTC
from intake.domain.policy import Policy, PolicyError, parse_duration, register_validator
from intake.domain.severity import Severity
from intake.domain.sla import MAX_SCAN_DAYS, NoSupportDaysError, support_time_between

Stage = Literal["reminder", "breach", "overdue"]
STAGES: tuple[Stage, ...] = ("reminder", "breach", "overdue")
Role = Literal["assignee", "oncall", "lead"]
ROLES: tuple[Role, ...] = ("assignee", "oncall", "lead")
DAILY = "daily"

# Slack ids: users start with U or W, user groups (subteams) with S (Slack API docs, "Formatting text:
# mentioning users / user groups").
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class SeveritySchedule:
    """The nag schedule of one severity."""

    severity: Severity
    thresholds: tuple[float, ...]  # fractions of the target, strictly increasing, in (0, 1)
    repeat: dt.timedelta | None  # after the breach; None means "each support-day morning"
    daytime_only: bool  # only morning..evening local on support days

    @property
    def repeat_text(self) -> str:
        return DAILY if self.repeat is None else _short(self.repeat)


@dataclass(frozen=True, slots=True)
class NagPolicy:
    """The parsed ``[nag]`` table."""

    schedules: Mapping[Severity, SeveritySchedule]
    morning: dt.time
    evening: dt.time
    oncall_group: str | None
    lead: str | None
    escalation: Mapping[Stage, tuple[Role, ...]]

    def schedule(self, severity: Severity) -> SeveritySchedule:
        return self.schedules[severity]


# Documented defaults (docs/nagging.md): used for every key the policy file leaves out.
DEFAULT_THRESHOLDS: tuple[float, ...] = (0.5, 0.75, 0.9)
DEFAULT_REPEAT: Mapping[Severity, dt.timedelta | None] = {
    Severity.S1: dt.timedelta(minutes=15),
    Severity.S2: dt.timedelta(minutes=30),
    Severity.S3: None,
    Severity.S4: None,
}
DEFAULT_MORNING = dt.time(9, 0)
DEFAULT_EVENING = dt.time(18, 0)
DEFAULT_ESCALATION: Mapping[Stage, tuple[Role, ...]] = {
    "reminder": ("assignee",),
    "breach": ("assignee", "oncall"),
    "overdue": ("assignee", "oncall", "lead"),
}

_TOP_KEYS = {"morning", "evening", "oncall_group", "lead", "escalation", "thresholds",
             "S1", "S2", "S3", "S4"}
_SEV_KEYS = {"thresholds", "repeat", "daytime_only"}


# -- parsing and validation -------------------------------------------------------------------------------

def parse_nag_policy(policy: Policy) -> NagPolicy:
    """Parse and validate the policy's ``[nag]`` table; :class:`PolicyError` names file, key and reason."""
    source = policy.source
    table = policy.extra.get("nag", {})
    if not isinstance(table, Mapping):
        raise PolicyError(source, "nag", "must be a table")
    unknown = set(table) - _TOP_KEYS
    if unknown:
        raise PolicyError(source, "nag", f"unknown key(s): {', '.join(sorted(unknown))}")
    morning = _clock(table.get("morning"), DEFAULT_MORNING, source, "nag.morning")
    evening = _clock(table.get("evening"), DEFAULT_EVENING, source, "nag.evening")
    if evening <= morning:
        raise PolicyError(source, "nag.evening",
                          f"must be later than nag.morning ({morning:%H:%M}), got {evening:%H:%M}")
    oncall = _slack_id(table.get("oncall_group"), _GROUP_ID, source, "nag.oncall_group",
                       "a Slack user-group id like 'S0123ABCD'")
    lead = _slack_id(table.get("lead"), _USER_ID, source, "nag.lead", "a Slack user id like 'U0123ABCD'")
    escalation = _escalation(table.get("escalation", {}), source)
    base_thresholds = _thresholds(table.get("thresholds"), DEFAULT_THRESHOLDS, source, "nag.thresholds")
    schedules: dict[Severity, SeveritySchedule] = {}
    for sev in Severity:
        sub = table.get(sev.name, {})
        key = f"nag.{sev.name}"
        if not isinstance(sub, Mapping):
            raise PolicyError(source, key, "must be a table")
        unknown = set(sub) - _SEV_KEYS
        if unknown:
            raise PolicyError(source, key, f"unknown key(s): {', '.join(sorted(unknown))}")
        thresholds = _thresholds(sub.get("thresholds"), base_thresholds, source, f"{key}.thresholds")
        repeat = _repeat(sub.get("repeat"), DEFAULT_REPEAT[sev], source, f"{key}.repeat")
        # S3/S4 (24/5) stay quiet at night unless the policy says otherwise.
        daytime = sub.get("daytime_only", policy.rules[sev].hours == "24/5")
        if not isinstance(daytime, bool):
            raise PolicyError(source, f"{key}.daytime_only", f"must be true or false, got {daytime!r}")
        schedules[sev] = SeveritySchedule(sev, thresholds, repeat, daytime)
    return NagPolicy(schedules=schedules, morning=morning, evening=evening, oncall_group=oncall,
                     lead=lead, escalation=escalation)


def _clock(value: Any, default: dt.time, source: str, key: str) -> dt.time:
    if value is None:
        return default
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None)
    match = _CLOCK.match(str(value)) if isinstance(value, str) else None
    if match is None:
        raise PolicyError(source, key, f"must be a local time 'HH:MM' (00:00-23:59), got {value!r}")
    return dt.time(int(match.group(1)), int(match.group(2)))


def _slack_id(value: Any, pattern: re.Pattern[str], source: str, key: str, what: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not pattern.match(value):
        raise PolicyError(source, key, f"must be {what}, got {value!r}")
    return value


def _thresholds(value: Any, default: tuple[float, ...], source: str, key: str) -> tuple[float, ...]:
    if value is None:
        return default
    if not isinstance(value, list):
        raise PolicyError(source, key, f"must be a list of fractions of the target like [0.5, 0.75, 0.9], got {value!r}")
    out: list[float] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise PolicyError(source, key, f"must hold numbers, got {item!r}")
        fraction = float(item)
        if not 0.0 < fraction < 1.0 or math.isnan(fraction):
            raise PolicyError(source, key, f"fractions must lie strictly between 0 and 1, got {item!r}")
        if out and fraction <= out[-1]:
            raise PolicyError(source, key, f"fractions must be strictly increasing, got {value!r}")
        out.append(fraction)
    return tuple(out)


def _repeat(value: Any, default: dt.timedelta | None, source: str, key: str) -> dt.timedelta | None:
    if value is None:
        return default
    if value == DAILY:
        return None
    try:
        interval = parse_duration(value)
    except ValueError as exc:
        raise PolicyError(source, key, f"must be 'daily' or a duration like '15m': {exc}") from None
    if interval < dt.timedelta(minutes=1):
        raise PolicyError(source, key, f"must be at least 1 minute (the sweep runs every ~30 s), got {value!r}")
    return interval


def _escalation(value: Any, source: str) -> dict[Stage, tuple[Role, ...]]:
    if not isinstance(value, Mapping):
        raise PolicyError(source, "nag.escalation", "must be a table like { breach = [\"assignee\", \"oncall\"] }")
    out: dict[Stage, tuple[Role, ...]] = dict(DEFAULT_ESCALATION)
    for stage, roles in value.items():
        key = f"nag.escalation.{stage}"
        if stage not in STAGES:
            raise PolicyError(source, key, f"unknown stage (expected one of {', '.join(STAGES)})")
        if not isinstance(roles, list) or any(r not in ROLES for r in roles):
            raise PolicyError(source, key, f"must be a list of {', '.join(ROLES)}, got {roles!r}")
        out[stage] = tuple(roles)
    return out


def _validate(policy: Policy) -> None:
    nag_policy(policy)


register_validator("nag", _validate)

# Parsed [nag] tables per Policy object (policies are immutable; the sweep asks once per ticket).
_CACHE: dict[int, tuple[weakref.ref[Policy], NagPolicy]] = {}
_CACHE_LOCK = threading.Lock()


def nag_policy(policy: Policy) -> NagPolicy:
    """The policy's parsed ``[nag]`` table (cached per policy object)."""
    key = id(policy)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0]() is policy:
            return hit[1]
    parsed = parse_nag_policy(policy)
    def forget(_ref: weakref.ref[Policy], k: int = key) -> None:
        _CACHE.pop(k, None)

    with _CACHE_LOCK:
        _CACHE[key] = (weakref.ref(policy, forget), parsed)
    return parsed


# -- the schedule -------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NagPoint:
    """A scheduled reminder before the delivery window is applied."""

    at: dt.datetime
    label: str  # "50%", "breach", "repeat"


def _aware(instant: dt.datetime, name: str) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must carry a time zone offset (got naive {instant.isoformat()})")
    return instant.astimezone(UTC)


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
    submitted, due = _aware(submitted, "submitted"), _aware(due, "due")
    sched = nag_policy(policy).schedule(severity)
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
    np_ = nag_policy(policy)
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
    instant = _aware(instant, "instant")
    np_ = nag_policy(policy)
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
    sched = nag_policy(policy).schedule(severity)
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
    submitted, due, now = _aware(submitted, "submitted"), _aware(due, "due"), _aware(now, "now")
    last = _aware(last_nag_at, "last_nag_at") if last_nag_at is not None else None
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


# -- mentions and the message --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Mention:
    role: Role
    slack_id: str

    @property
    def markup(self) -> str:
        """Slack's mention syntax: ``<@U123>`` for a user, ``<!subteam^S123>`` for a user group."""
        if _GROUP_ID.match(self.slack_id):
            return f"<!subteam^{self.slack_id}>"
        return f"<@{self.slack_id}>"


def mentions_for(stage: Stage, *, assignee: str | None, policy: Policy) -> list[Mention]:
    """Who is named at this stage of the escalation chain (assignee -> on-call group -> lead).

    While nobody claimed the ticket, the on-call group stands in for the assignee: a reminder that
    names nobody is one nobody reads.
    """
    np_ = nag_policy(policy)
    out: list[Mention] = []
    for role in np_.escalation[stage]:
        if role == "assignee":
            if assignee and _USER_ID.match(assignee):
                out.append(Mention("assignee", assignee))
            elif np_.oncall_group:
                out.append(Mention("oncall", np_.oncall_group))
        elif role == "oncall" and np_.oncall_group:
            out.append(Mention("oncall", np_.oncall_group))
        elif role == "lead" and np_.lead:
            out.append(Mention("lead", np_.lead))
    seen: set[str] = set()
    unique = []
    for m in out:
        if m.slack_id not in seen:
            seen.add(m.slack_id)
            unique.append(m)
    return unique


def duration_words(delta: dt.timedelta) -> str:
    """``1 hour 5 minutes``, ``2 days 3 hours``, ``less than a minute`` (absolute value)."""
    seconds = abs(int(delta.total_seconds()))
    if seconds < 60:
        return "less than a minute"
    minutes_total = seconds // 60
    days, rem = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rem, 60)

    def unit(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    parts: list[str] = []
    if days:
        parts.append(unit(days, "day"))
    if hours:
        parts.append(unit(hours, "hour"))
    if minutes and not days:
        parts.append(unit(minutes, "minute"))
    return " ".join(parts)


def local_words(instant: dt.datetime, policy: Policy) -> str:
    """``Mon 30 Nov 2026, 14:00 CET``: an instant in the support calendar's time zone."""
    return policy.calendar.local(instant).strftime("%a %d %b %Y, %H:%M %Z")


def nag_message(*, token: str, severity: Severity, due: dt.datetime, now: dt.datetime, policy: Policy,
                stage: Stage, mentions: Sequence[Mention] = (), assignee: str | None = None) -> str:
    """The reminder's Slack text: how much time is left (or how late it is), in words, in the
    support calendar's time zone, then the mentions. No customer content: tokens and times only."""
    due, now = _aware(due, "due"), _aware(now, "now")
    rule = policy.rules[severity]
    head = f"*{token}* ({severity.name} {rule.name})"
    if stage == "reminder":
        left = support_time_between(severity, now, due, policy)
        counted = " of support time" if rule.hours == "24/5" else ""
        text = (f":alarm_clock: {head}: no initial response yet. {duration_words(left)}{counted} left; "
                f"due {local_words(due, policy)}.")
    else:
        late = now - due
        label = ":rotating_light:" if stage == "breach" else ":bangbang:"
        text = (f"{label} {head}: initial-response target missed {duration_words(late)} ago "
                f"(due {local_words(due, policy)}). Please respond to the customer now.")
    if not assignee:
        text += " Nobody has claimed it yet."
    if mentions:
        text += " " + " ".join(m.markup for m in mentions)
    return text


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
    now = _aware(submitted, "submitted")
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


def _short(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"
