"""Properties of the SLA clock (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.domain.sla import due_at, support_time_between
from tests.paths import ROOT

POLICY = Policy.load(ROOT / "config" / "policy.toml")

instants = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2029, 12, 31),
                        timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-5)),
                                                   dt.timezone(dt.timedelta(hours=5, minutes=30))]))
severities = st.sampled_from(list(Severity))


@settings(max_examples=300, deadline=None)
@given(severities, instants)
def test_due_is_never_before_submission(sev: Severity, submitted: dt.datetime) -> None:
    assert due_at(sev, submitted, POLICY) >= submitted


@settings(max_examples=300, deadline=None)
@given(severities, instants, st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=20)))
def test_due_is_monotonic_in_submission_time(sev: Severity, submitted: dt.datetime, later: dt.timedelta) -> None:
    assert due_at(sev, submitted, POLICY) <= due_at(sev, submitted + later, POLICY)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([Severity.S1, Severity.S2]), instants)
def test_around_the_clock_due_equals_elapsed_target(sev: Severity, submitted: dt.datetime) -> None:
    assert due_at(sev, submitted, POLICY) - submitted == POLICY.rule(sev).target


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([Severity.S3, Severity.S4]), instants)
def test_support_time_until_due_equals_the_target(sev: Severity, submitted: dt.datetime) -> None:
    due = due_at(sev, submitted, POLICY)
    assert support_time_between(sev, submitted, due, POLICY) == POLICY.rule(sev).target
    # ... and the due instant is inside a support day (or exactly at the end of one).
    cal = POLICY.calendar
    assert cal.is_support_day(cal.local_date(due)) or cal.is_support_day(cal.local_date(due - dt.timedelta(seconds=1)))


@settings(max_examples=100, deadline=None)
@given(instants)
def test_s4_is_never_due_before_s3(submitted: dt.datetime) -> None:
    assert due_at(Severity.S3, submitted, POLICY) <= due_at(Severity.S4, submitted, POLICY)
