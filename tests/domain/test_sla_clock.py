"""The SLA clock against the shipped policy (Europe/Berlin, DE-BY, closure 2026-12-24..31)."""

from __future__ import annotations

import datetime as dt

import pytest

from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.domain.sla import (
    due_at,
    explain,
    format_utc,
    next_support_instant,
    remaining,
    support_time_between,
)
from tests.paths import ROOT

POLICY = Policy.load(ROOT / "config" / "policy.toml")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


CASES = [
    # (name, severity, submitted, expected due in UTC)
    ("year-end closure, Christmas and New Year skipped", "S3", "2026-12-23T22:00:00+01:00", "2027-01-04T09:00:00Z"),
    ("S1 counts real time across the spring DST gap", "S1", "2026-03-29T01:30:00+01:00", "2026-03-29T01:30:00Z"),
    ("S2 counts real time across the autumn DST repeat", "S2", "2026-10-25T02:30:00+02:00", "2026-10-25T03:30:00Z"),
    ("S1 on a public holiday runs around the clock", "S1", "2026-12-25T10:00:00+01:00", "2026-12-25T10:00:00Z"),
    ("S2 on a Saturday night runs around the clock", "S2", "2026-11-28T23:30:00+01:00", "2026-11-29T01:30:00Z"),
    ("S3 submitted Friday evening is due Monday morning", "S3", "2026-11-27T20:00:00+01:00", "2026-11-30T07:00:00Z"),
    ("S3 submitted on a Saturday starts Monday", "S3", "2026-11-28T10:00:00+01:00", "2026-11-30T11:00:00Z"),
    ("S3 submitted on a Sunday starts Monday", "S3", "2026-11-29T23:59:00+01:00", "2026-11-30T11:00:00Z"),
    ("S4 counts two support days", "S4", "2026-11-30T09:00:00+01:00", "2026-12-02T08:00:00Z"),
    ("S3 landing exactly on the end of Friday stays there", "S3", "2026-11-27T12:00:00+01:00", "2026-11-27T23:00:00Z"),
    ("S4 landing exactly at midnight before Epiphany stays there", "S4", "2026-12-28T10:00:00+01:00",
     "2027-01-05T23:00:00Z"),
    ("S3 skips Epiphany (Bavaria)", "S3", "2027-01-05T20:00:00+01:00", "2027-01-07T07:00:00Z"),
    ("S3 skips Corpus Christi (Bavaria)", "S3", "2027-05-26T18:00:00+02:00", "2027-05-28T04:00:00Z"),
    ("S3 skips Good Friday and Easter Monday", "S3", "2027-03-25T20:00:00+01:00", "2027-03-30T06:00:00Z"),
    ("S4 across the spring DST weekend", "S4", "2026-03-27T12:00:00+01:00", "2026-03-31T10:00:00Z"),
    ("S4 across the autumn DST weekend", "S4", "2026-10-23T12:00:00+02:00", "2026-10-27T11:00:00Z"),
    ("S3 given in a US offset", "S3", "2026-11-27T08:00:00-05:00", "2026-11-30T01:00:00Z"),
    ("S3 given in UTC with Z", "S3", "2026-11-27T13:00:00Z", "2026-11-30T01:00:00Z"),
    ("S3 submitted at local midnight of a support day", "S3", "2026-12-01T00:00:00+01:00", "2026-12-01T11:00:00Z"),
    ("S3 submitted at the last second of a support day", "S3", "2026-12-01T23:59:59+01:00",
     "2026-12-02T10:59:59Z"),
    ("S4 submitted on May Day (holiday, Friday)", "S4", "2026-05-01T09:00:00+02:00", "2026-05-05T22:00:00Z"),
]


@pytest.mark.parametrize(("name", "severity", "submitted", "expected"), CASES, ids=[c[0] for c in CASES])
def test_due_at_with_the_shipped_policy(name: str, severity: str, submitted: str, expected: str) -> None:
    assert format_utc(due_at(Severity.parse(severity), at(submitted), POLICY)) == expected


def test_naive_submission_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone offset"):
        due_at(Severity.S3, dt.datetime(2026, 12, 1, 9, 0), POLICY)


def test_explain_lists_counted_windows_and_skipped_days() -> None:
    ex = explain(Severity.S3, at("2026-12-23T22:00:00+01:00"), POLICY)
    assert [w.day.isoformat() for w in ex.windows] == ["2026-12-23", "2027-01-04"]
    assert sum((w.counted for w in ex.windows), dt.timedelta()) == dt.timedelta(hours=12)
    reasons = {s.day.isoformat(): s.reason for s in ex.skipped}
    assert reasons["2026-12-24"].startswith("closure: Year-end")
    assert reasons["2027-01-01"].startswith("holiday")
    assert reasons["2027-01-02"] == "weekend"
    text = "\n".join(ex.lines())
    assert "2027-01-04T09:00:00Z" in text and "skipped Fri 2027-01-01" in text


def test_severity_change_recomputes_from_submission() -> None:
    submitted = at("2026-11-30T09:00:00+01:00")
    assert due_at(Severity.S2, submitted, POLICY) == at("2026-11-30T11:00:00Z")
    assert due_at(Severity.S4, submitted, POLICY) == at("2026-12-02T08:00:00Z")


def test_support_time_between_and_remaining_agree_with_due() -> None:
    submitted = at("2026-11-27T20:00:00+01:00")
    due = due_at(Severity.S3, submitted, POLICY)
    assert support_time_between(Severity.S3, submitted, due, POLICY) == dt.timedelta(hours=12)
    saturday = at("2026-11-28T12:00:00+01:00")
    assert remaining(Severity.S3, submitted, saturday, POLICY) == dt.timedelta(hours=8)
    assert remaining(Severity.S3, submitted, due + dt.timedelta(minutes=5), POLICY) == -dt.timedelta(minutes=5)


def test_next_support_instant_skips_weekend_for_s4_but_not_s1() -> None:
    saturday = at("2026-11-28T03:00:00+01:00")
    assert next_support_instant(Severity.S4, saturday, POLICY) == at("2026-11-29T23:00:00Z")
    assert next_support_instant(Severity.S1, saturday, POLICY) == saturday


def test_all_week_calendar_counts_a_23_hour_dst_day_in_real_time() -> None:
    policy = Policy.loads('[calendar]\ntimezone = "Europe/Berlin"\nholidays = {}\n'
                          'workdays = ["mon","tue","wed","thu","fri","sat","sun"]\n'
                          '[severity.S3]\nhours = "24/5"\ntarget = "24h"\n')
    # Sunday 2026-03-29 has 23 real hours in Berlin: 24 h of support time end at 01:00 CEST Monday.
    assert due_at(Severity.S3, at("2026-03-29T00:00:00+01:00"), policy) == at("2026-03-29T23:00:00Z")
