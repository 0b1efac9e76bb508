"""The ``[nag]`` table of the policy file: thresholds, repeats, the daytime window and who is named at
each stage of the escalation chain (docs/nagging.md). Parsed with the rest of the policy file, so a
bad schedule fails at load time with file and key rather than in a sweep at 3 a.m.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from intake.domain.durations import parse_duration, short_duration
from intake.domain.errors import PolicyError
from intake.domain.severity import Severity

Stage = Literal["reminder", "breach", "overdue"]
STAGES: tuple[Stage, ...] = ("reminder", "breach", "overdue")
Role = Literal["assignee", "oncall", "lead"]
ROLES: tuple[Role, ...] = ("assignee", "oncall", "lead")
DAILY = "daily"

# Slack ids: users start with U or W, user groups (subteams) with S (Slack API docs, "Formatting text:
# mentioning users / user groups").
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
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
        return DAILY if self.repeat is None else short_duration(self.repeat)


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

def parse_nag_table(table: Any, *, source: str, hours: Mapping[Severity, str]) -> NagPolicy:
    """Parse and validate the policy's ``[nag]`` table; :class:`PolicyError` names file, key and reason.

    ``hours`` are the severities' support hours (``24/7``, ``24/5``): S3/S4 reminders stay in the
    local daytime unless the table says otherwise.
    """
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
    oncall = _slack_id(table.get("oncall_group"), GROUP_ID, source, "nag.oncall_group",
                       "a Slack user-group id like 'S0123ABCD'")
    lead = _slack_id(table.get("lead"), USER_ID, source, "nag.lead", "a Slack user id like 'U0123ABCD'")
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
        daytime = sub.get("daytime_only", hours[sev] == "24/5")
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
