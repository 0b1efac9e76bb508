"""Reading the policy file, with the closures of an iCalendar file (``[calendar] closures_ical``).

The domain parses the TOML itself; the iCalendar format is read here with the ``icalendar``
library and handed to it, so ``intake/domain`` needs nothing beyond the standard library and
``holidays``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar

from intake.domain.calendar import ONE_DAY, Closure
from intake.domain.policy import Policy


def load_policy(path: str | Path) -> Policy:
    """The policy file at ``path``; :class:`~intake.domain.policy.PolicyError` names file, key and reason."""
    return Policy.load(path, ical=parse_ical_closures)


def parse_ical_closures(data: bytes) -> list[Closure]:
    """Company closures from an iCalendar file: each VEVENT with all-day DTSTART/DTEND becomes a closure.

    iCalendar's DTEND of an all-day event is exclusive (RFC 5545 3.6.1); closures are inclusive.
    """
    cal = icalendar.Calendar.from_ical(data)
    out: list[Closure] = []
    for event in cal.walk("VEVENT"):
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND", None)
        name = str(event.get("SUMMARY", "Company closure"))
        start_day = start.date() if isinstance(start, dt.datetime) else start
        if end is None:
            end_day = start_day
        else:
            end_day = end.date() if isinstance(end, dt.datetime) else end
            if not isinstance(end, dt.datetime):
                end_day = end_day - ONE_DAY
            end_day = max(end_day, start_day)
        out.append(Closure(start_day, end_day, name))
    return out
