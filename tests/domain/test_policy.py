"""Loading config/policy.toml: minimal files load, bad files fail with file, key and reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from intake.domain.policy import Policy, PolicyError, parse_duration
from intake.domain.severity import Severity
from intake.policy_file import load_policy
from tests.paths import ROOT

MINIMAL = """
[calendar]
timezone = "Europe/Berlin"
holidays = { country = "DE", subdivision = "BY" }
closures = [{ start = 2026-12-24, end = 2026-12-31, name = "Year-end" }]  # inclusive local dates

[severity.S1]
name = "Critical Incident"
hours = "24/7"
target = "60m"
"""


def test_the_shipped_policy_loads() -> None:
    policy = Policy.load(ROOT / "config" / "policy.toml")
    assert policy.calendar.timezone == "Europe/Berlin"
    assert policy.rule(Severity.S3).target == dt.timedelta(hours=12)
    assert policy.max_severity("Backend UI") == Severity.S3
    assert policy.max_severity("storefront", "search") == Severity.S2
    assert policy.max_severity("Storefront", "Cart") == Severity.S1
    assert policy.max_severity("Unknown product") is None


def test_a_file_with_only_calendar_and_severity_tables_loads_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL)
    policy = Policy.load(path)
    assert policy.rule(Severity.S1).target == dt.timedelta(minutes=60)
    # Unspecified severities keep the support terms' targets.
    assert policy.rule(Severity.S4).hours == "24/5"
    assert policy.rule(Severity.S4).target == dt.timedelta(hours=48)
    assert policy.caps == {}


@pytest.mark.parametrize(("text", "key", "reason"), [
    ("[calendar]\ntimezone = \"Mars/Olympus\"\n", "calendar.timezone", "unknown time zone"),
    ("[calendar]\nholidays = { country = \"XX\" }\n", "calendar.holidays.country", "unknown country"),
    ("[calendar]\nholidays = { country = \"DE\", subdivision = \"ZZ\" }\n", "calendar.holidays.subdivision",
     "not a subdivision"),
    ("[calendar]\nclosures = [{ start = 2026-12-31, end = 2026-12-24 }]\n", "calendar.closures[0]", "before it starts"),
    ("[calendar]\nclosures = [{ start = \"soon\" }]\n", "calendar.closures[0].start", "TOML local date"),
    ("[severity.S5]\ntarget = \"1h\"\n", "severity.S5", "unknown severity"),
    ("[severity.S1]\nhours = \"9-5\"\n", "severity.S1.hours", "24/7"),
    ("[severity.S1]\ntarget = \"an hour\"\n", "severity.S1.target", "not a duration"),
    ("[severity.S1]\ntarget = \"60m\"\ntargett = \"1h\"\n", "severity.S1", "unknown key"),
    ("[caps]\n\"Checkout\" = \"urgent\"\n", "caps.Checkout", "not a severity"),
    ("[calendar\n", "-", "not valid TOML"),
])
def test_bad_policies_fail_loudly_naming_file_key_and_reason(tmp_path: Path, text: str, key: str,
                                                             reason: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as info:
        Policy.load(path)
    assert info.value.key == key
    assert reason in info.value.reason
    assert str(path) in str(info.value)


def test_missing_file_fails_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read file"):
        Policy.load(tmp_path / "nope.toml")


@pytest.mark.parametrize(("text", "seconds"), [("60m", 3600), ("180m", 10800), ("12h", 43200), ("2d", 172800),
                                               ("1h30m", 5400), ("90s", 90), ("45min", 2700)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_closures_can_come_from_an_icalendar_file(tmp_path: Path) -> None:
    (tmp_path / "closures.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Team offsite\r\n"
        "DTSTART;VALUE=DATE:20261118\r\nDTEND;VALUE=DATE:20261120\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    (tmp_path / "policy.toml").write_text('[calendar]\nclosures_ical = "closures.ics"\n')
    policy = load_policy(tmp_path / "policy.toml")
    cal = policy.calendar
    # DTEND is exclusive in iCalendar: the 18th and 19th are closed, the 20th is not.
    assert cal.skip_reason(dt.date(2026, 11, 18)) == "closure: Team offsite"
    assert cal.skip_reason(dt.date(2026, 11, 19)) == "closure: Team offsite"
    assert cal.is_support_day(dt.date(2026, 11, 20))


def test_the_domain_reads_no_icalendar_itself(tmp_path: Path) -> None:
    (tmp_path / "policy.toml").write_text('[calendar]\nclosures_ical = "closures.ics"\n')
    with pytest.raises(PolicyError, match="calendar.closures_ical.*intake.policy_file.load_policy"):
        Policy.load(tmp_path / "policy.toml")
