"""Support calendars: which local days are support days, and where their windows start and end.

Support terms, "Regional holiday periods": work-free public holidays at the vendor's presence
(default Germany, Bavaria, Europe/Berlin) plus company holiday periods announced ahead of time.
A "24/5" calendar counts Monday-Friday local days that are neither public holidays nor closures;
"24/7" counts every instant. Windows are whole local days, converted to UTC through the zone, so
a day with a DST change is 23 or 25 real hours long and elapsed time is counted honestly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import holidays as holidays_lib

UTC = dt.UTC
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Closure:
    """A company holiday period, inclusive local dates."""

    start: dt.date
    end: dt.date
    name: str = "Company closure"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"closure {self.name!r} ends ({self.end}) before it starts ({self.start})")

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class SkippedDay:
    day: dt.date
    reason: str  # "weekend", "holiday: Neujahr", "closure: Year-end"


@dataclass(slots=True)
class SupportCalendar:
    """The vendor's local calendar: time zone, public holidays and closures."""

    timezone: str = "Europe/Berlin"
    country: str | None = "DE"
    subdivision: str | None = "BY"
    closures: Sequence[Closure] = ()
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0
    _tz: ZoneInfo = field(init=False, repr=False)
    _holidays: holidays_lib.HolidayBase | None = field(init=False, repr=False)
    _closed_years: dict[int, dict[dt.date, str]] = field(init=False, repr=False)
    _bounds: dict[dt.date, tuple[dt.datetime, dt.datetime]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._tz = ZoneInfo(self.timezone)
        if self.country:
            self._holidays = holidays_lib.country_holidays(
                self.country, subdiv=self.subdivision, observed=False
            )
        else:
            self._holidays = None
        self._closed_years = {}
        self._bounds = {}

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    def _closed_dates(self, year: int) -> dict[dt.date, str]:
        """Non-workday dates of a year that are not weekends, with the reason; cached per year."""
        found = self._closed_years.get(year)
        if found is not None:
            return found
        found = {}
        if self._holidays is not None:
            self._holidays._populate(year)  # expand the year once; lookups below are dict reads
            for day, name in self._holidays.items():
                if day.year == year:
                    found[day] = f"holiday: {name}"
        for closure in self.closures:
            day = max(closure.start, dt.date(year, 1, 1))
            last = min(closure.end, dt.date(year, 12, 31))
            while day <= last:
                found.setdefault(day, f"closure: {closure.name}")
                day += ONE_DAY
        self._closed_years[year] = found
        return found

    def skip_reason(self, day: dt.date) -> str | None:
        """Why ``day`` is not a support day in a 24/5 calendar, or ``None`` when it is one."""
        if day.weekday() not in self.workdays:
            return "weekend"
        return self._closed_dates(day.year).get(day)

    def is_support_day(self, day: dt.date) -> bool:
        return day.weekday() in self.workdays and day not in self._closed_dates(day.year)

    def day_bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The UTC instants where local ``day`` starts and ends (DST-aware)."""
        bounds = self._bounds.get(day)
        if bounds is None:
            start = dt.datetime(day.year, day.month, day.day, tzinfo=self._tz).astimezone(UTC)
            nxt = day + ONE_DAY
            end = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=self._tz).astimezone(UTC)
            bounds = (start, end)
            if len(self._bounds) > 20000:
                self._bounds.clear()
            self._bounds[day] = bounds
        return bounds

    def local_date(self, instant: dt.datetime) -> dt.date:
        return instant.astimezone(self._tz).date()

    def local(self, instant: dt.datetime) -> dt.datetime:
        return instant.astimezone(self._tz)


def aware_utc(instant: dt.datetime, name: str) -> dt.datetime:
    """``instant`` in UTC; a naive datetime is refused (its zone would be a guess)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must carry a time zone offset (got naive {instant.isoformat()})")
    return instant.astimezone(UTC)


def closures_overlap(closures: Iterable[Closure]) -> bool:
    items = sorted(closures, key=lambda c: c.start)
    return any(b.start <= a.end for a, b in zip(items, items[1:], strict=False))
