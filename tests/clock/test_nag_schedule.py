"""The nag schedule, time as a parameter: each severity across weekends, Bavarian holidays, the
year-end closure and both DST changes; waivers/no target; severity changes; restart catch-up."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from intake.domain import nag
from intake.domain.durations import duration_words
from intake.domain.nag_message import Mention, mentions_for, nag_message
from intake.domain.nag_policy import Stage
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.domain.sla import due_at
from intake.settings import CONFIG_DIR

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.load(CONFIG_DIR / "policy.toml")


def local(text: str) -> dt.datetime:
    """``"2026-01-02 20:00"`` in Europe/Berlin."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def fmt(instant: dt.datetime) -> str:
    return instant.astimezone(BERLIN).strftime("%a %Y-%m-%d %H:%M %Z")


def plan(policy: Policy, sev: Severity, submitted: dt.datetime, count: int) -> list[tuple[str, str]]:
    due = due_at(sev, submitted, policy)
    return [(fmt(p.at), p.stage) for p in nag.preview(sev, submitted, due, policy, count=count)]


SCHEDULES = [
    pytest.param(Severity.S1, "2026-11-28 22:00", [
        ("Sat 2026-11-28 22:30 CET", "reminder"), ("Sat 2026-11-28 22:45 CET", "reminder"),
        ("Sat 2026-11-28 22:54 CET", "reminder"), ("Sat 2026-11-28 23:00 CET", "breach"),
        ("Sat 2026-11-28 23:15 CET", "overdue"), ("Sat 2026-11-28 23:30 CET", "overdue"),
    ], id="s1_saturday_night_is_around_the_clock_every_15_min_after_breach"),
    pytest.param(Severity.S1, "2026-03-29 01:30", [
        # Spring forward: 02:00 CET -> 03:00 CEST. 60 real minutes after 01:30 CET is 03:30 CEST.
        ("Sun 2026-03-29 03:00 CEST", "reminder"), ("Sun 2026-03-29 03:15 CEST", "reminder"),
        ("Sun 2026-03-29 03:24 CEST", "reminder"), ("Sun 2026-03-29 03:30 CEST", "breach"),
        ("Sun 2026-03-29 03:45 CEST", "overdue"),
    ], id="s1_across_spring_dst_counts_real_minutes"),
    pytest.param(Severity.S2, "2026-10-25 01:30", [
        # Fall back: 03:00 CEST -> 02:00 CET. 180 real minutes after 01:30 CEST is 03:30 CET.
        ("Sun 2026-10-25 02:00 CET", "reminder"), ("Sun 2026-10-25 02:45 CET", "reminder"),
        ("Sun 2026-10-25 03:12 CET", "reminder"), ("Sun 2026-10-25 03:30 CET", "breach"),
        ("Sun 2026-10-25 04:00 CET", "overdue"), ("Sun 2026-10-25 04:30 CET", "overdue"),
    ], id="s2_across_autumn_dst_every_30_min_after_breach"),
    pytest.param(Severity.S2, "2026-12-25 10:00", [
        ("Fri 2026-12-25 11:30 CET", "reminder"), ("Fri 2026-12-25 12:15 CET", "reminder"),
        ("Fri 2026-12-25 12:42 CET", "reminder"), ("Fri 2026-12-25 13:00 CET", "breach"),
        ("Fri 2026-12-25 13:30 CET", "overdue"),
    ], id="s2_on_christmas_inside_the_closure_still_runs"),
    pytest.param(Severity.S3, "2026-01-02 20:00", [
        # Fri 4 h + Mon 8 h of support time: due Mon 08:00. The 50/75/90 % points (Mon 02:00,
        # 05:00, 06:48) and the breach fall before the morning: one reminder at 09:00, then each
        # support morning; Tue 6 Jan (Epiphany, a Bavarian holiday) is skipped.
        ("Mon 2026-01-05 09:00 CET", "breach"), ("Wed 2026-01-07 09:00 CET", "overdue"),
        ("Thu 2026-01-08 09:00 CET", "overdue"), ("Fri 2026-01-09 09:00 CET", "overdue"),
        ("Mon 2026-01-12 09:00 CET", "overdue"),
    ], id="s3_friday_evening_waits_for_monday_morning_and_skips_epiphany"),
    pytest.param(Severity.S3, "2026-11-30 08:00", [
        ("Mon 2026-11-30 14:00 CET", "reminder"), ("Mon 2026-11-30 17:00 CET", "reminder"),
        # the 90 % point (18:48) is after the evening: merged into the next morning's reminder,
        # which is after the breach (20:00).
        ("Tue 2026-12-01 09:00 CET", "breach"), ("Wed 2026-12-02 09:00 CET", "overdue"),
    ], id="s3_monday_in_support_hours"),
    pytest.param(Severity.S4, "2026-12-22 15:00", [
        # Tue 9 h + Wed 24 h; closure 24-31 Dec, 1 Jan holiday, weekend; Mon 4 Jan 15 h: due 15:00.
        ("Wed 2026-12-23 15:00 CET", "reminder"), ("Mon 2027-01-04 09:00 CET", "reminder"),
        ("Mon 2027-01-04 10:12 CET", "reminder"), ("Mon 2027-01-04 15:00 CET", "breach"),
        # Wed 6 Jan 2027 is Epiphany.
        ("Tue 2027-01-05 09:00 CET", "overdue"), ("Thu 2027-01-07 09:00 CET", "overdue"),
    ], id="s4_over_the_year_end_closure_and_new_year"),
    pytest.param(Severity.S4, "2026-03-26 10:00", [
        # Thu 14 h + Fri 24 h + Mon 10 h = 48 h: due Mon 30 Mar 10:00 CEST (DST on Sunday 29th).
        # The 75 % point (Fri 22:00) and the 90 % point (Mon 05:12) wait for Monday 09:00 CEST.
        ("Fri 2026-03-27 10:00 CET", "reminder"),
        ("Mon 2026-03-30 09:00 CEST", "reminder"), ("Mon 2026-03-30 10:00 CEST", "breach"),
        ("Tue 2026-03-31 09:00 CEST", "overdue"),
    ], id="s4_morning_reminders_stay_at_nine_local_across_dst"),
]


@pytest.mark.parametrize(("sev", "submitted", "expected"), SCHEDULES)
def test_schedule_per_severity(policy: Policy, sev: Severity, submitted: str,
                               expected: list[tuple[str, str]]) -> None:
    assert plan(policy, sev, local(submitted), len(expected)) == expected


def test_s4_nine_oclock_is_eight_utc_before_dst_and_seven_after(policy: Policy) -> None:
    due = due_at(Severity.S4, local("2026-03-24 12:00"), policy)  # due Thu 26 Mar 12:00 CET
    overdue = [p.at for p in nag.preview(Severity.S4, local("2026-03-24 12:00"), due, policy, count=8)
               if p.stage == "overdue"]
    assert [(a.astimezone(UTC).strftime("%a %H:%M")) for a in overdue[:3]] == [
        "Fri 08:00", "Mon 07:00", "Tue 07:00"]


@pytest.mark.parametrize("sev", [Severity.S3, Severity.S4])
def test_nothing_at_3am_for_s3_or_s4_whenever_submitted(policy: Policy, sev: Severity) -> None:
    """A year of submissions every 11 h 7 min: every reminder is on a support day, 09:00-18:00 local."""
    start = local("2026-01-01 00:00")
    cal = policy.calendar
    checked = 0
    submitted = start
    while submitted < start + dt.timedelta(days=366):
        due = due_at(sev, submitted, policy)
        for p in nag.preview(sev, submitted, due, policy, count=6):
            at = p.at.astimezone(BERLIN)
            assert cal.is_support_day(at.date()), (fmt(submitted), fmt(p.at))
            assert dt.time(9) <= at.time() < dt.time(18), (fmt(submitted), fmt(p.at))
            checked += 1
        submitted += dt.timedelta(hours=11, minutes=7)
    assert checked > 3000


def test_s1_reminders_are_not_held_back_at_night(policy: Policy) -> None:
    at = [p.at for p in nag.preview(Severity.S1, local("2026-11-29 03:00"),
                                    local("2026-11-29 04:00"), policy, count=4)]
    assert fmt(at[0]) == "Sun 2026-11-29 03:30 CET"


def test_no_target_means_no_nags(policy: Policy) -> None:
    assert nag.next_nag_at(severity=Severity.S1, submitted=local("2026-11-30 10:00"), due=None, nag_count=0,
                           last_nag_at=None, now=local("2026-11-30 10:00"), policy=policy) is None


def test_restart_after_downtime_sends_one_catch_up_then_continues_after_now(policy: Policy) -> None:
    submitted = local("2026-11-30 10:00")
    due = due_at(Severity.S1, submitted, policy)  # 11:00
    last = local("2026-11-30 10:30")  # the 50 % reminder went out, then the clock was down for hours
    now = local("2026-11-30 15:07")

    def nxt(last_nag: dt.datetime | None, at: dt.datetime) -> dt.datetime | None:
        return nag.next_nag_at(severity=Severity.S1, submitted=submitted, due=due, nag_count=1,
                               last_nag_at=last_nag, now=at, policy=policy)

    assert nxt(last, now) == now  # one catch-up now, not the 20 missed ones
    after = nxt(now, now)
    assert after is not None and fmt(after) == "Mon 2026-11-30 15:15 CET"  # due + k * 15 min, k minimal


def test_catch_up_for_an_s4_at_3am_waits_for_the_morning(policy: Policy) -> None:
    submitted = local("2026-11-23 10:00")
    due = due_at(Severity.S4, submitted, policy)
    now = local("2026-12-01 03:00")  # clock back after days of downtime, in the middle of the night
    at = nag.next_nag_at(severity=Severity.S4, submitted=submitted, due=due, nag_count=3,
                         last_nag_at=local("2026-11-26 09:00"), now=now, policy=policy)
    assert at is not None and fmt(at) == "Tue 2026-12-01 09:00 CET"


def test_severity_raised_mid_way_nags_now_then_follows_the_s1_schedule(policy: Policy) -> None:
    submitted = local("2026-11-30 10:00")
    now = local("2026-11-30 10:40")  # raised from S3 to S1 after 40 minutes: S1 is due at 11:00
    due = due_at(Severity.S1, submitted, policy)
    first = nag.next_nag_at(severity=Severity.S1, submitted=submitted, due=due, nag_count=0,
                            last_nag_at=None, now=now, policy=policy)
    assert first == now  # the 50 % point (10:30) passed already: remind at once
    second = nag.next_nag_at(severity=Severity.S1, submitted=submitted, due=due, nag_count=1,
                             last_nag_at=now, now=now, policy=policy)
    assert second is not None and fmt(second) == "Mon 2026-11-30 10:45 CET"


def test_severity_lowered_mid_way_moves_the_next_nag_out(policy: Policy) -> None:
    submitted = local("2026-11-30 10:00")
    now = local("2026-11-30 10:31")  # S1 -> S3 after the 50 % S1 reminder at 10:30
    due = due_at(Severity.S3, submitted, policy)  # 22:00
    nxt = nag.next_nag_at(severity=Severity.S3, submitted=submitted, due=due, nag_count=1,
                          last_nag_at=local("2026-11-30 10:30"), now=now, policy=policy)
    assert nxt is not None and fmt(nxt) == "Mon 2026-11-30 16:00 CET"  # 50 % of 12 h


def test_naive_instants_are_refused(policy: Policy) -> None:
    with pytest.raises(ValueError, match="time zone"):
        nag.next_nag_at(severity=Severity.S1, submitted=dt.datetime(2026, 11, 30, 10), due=local("2026-11-30 11:00"),
                        nag_count=0, last_nag_at=None, now=local("2026-11-30 10:00"), policy=policy)


# -- the message ------------------------------------------------------------------------------------------

def test_reminder_says_time_left_in_words_and_local_time(policy: Policy) -> None:
    text = nag_message(token="SB-000042", severity=Severity.S1, due=local("2026-03-29 03:30"),
                           now=local("2026-03-29 01:45"), policy=policy, stage="reminder")
    # 01:45 CET -> 03:30 CEST is 45 real minutes (the 02:00-03:00 hour does not exist).
    assert "45 minutes left" in text
    due = local("2026-03-29 03:30")  # 01:30 UTC; Slack shows it in each reader's zone
    assert f"due <!date^{int(due.timestamp())}^{{date_short_pretty}} {{time}}|Sun 29 Mar 2026, 01:30 UTC>" in text
    assert "CEST" not in text and "Europe/Berlin" not in text  # 24/7: no support-hours zone to explain
    assert "Nobody has claimed it yet." in text


def test_s3_reminder_counts_support_time_over_the_weekend(policy: Policy) -> None:
    text = nag_message(token="SB-000007", severity=Severity.S3, due=local("2026-11-30 08:00"),
                           now=local("2026-11-27 21:00"), policy=policy, stage="reminder",
                           assignee="U0ALICE")
    assert "11 hours of support time left" in text  # Fri 3 h + Mon 8 h, not the 59 h on the wall
    assert text.count("Europe/Berlin") == 1  # the support days' zone, named once
    assert "Nobody has claimed" not in text


def test_breach_message_says_how_late(policy: Policy) -> None:
    mentions = [Mention("oncall", "S0ONCALL")]
    text = nag_message(token="SB-000001", severity=Severity.S2, due=local("2026-11-30 12:00"),
                           now=local("2026-11-30 13:05"), policy=policy, stage="breach", mentions=mentions)
    assert "missed 1 hour 5 minutes ago" in text
    assert text.endswith("<!subteam^S0ONCALL>")


@pytest.mark.parametrize(("delta", "words"), [
    (dt.timedelta(seconds=20), "less than a minute"),
    (dt.timedelta(minutes=1), "1 minute"),
    (dt.timedelta(hours=1, minutes=5), "1 hour 5 minutes"),
    (dt.timedelta(hours=2), "2 hours"),
    (dt.timedelta(days=2, hours=3, minutes=10), "2 days 3 hours"),
    (-dt.timedelta(minutes=90), "1 hour 30 minutes"),
])
def test_duration_words(delta: dt.timedelta, words: str) -> None:
    assert duration_words(delta) == words


# -- escalation ---------------------------------------------------------------------------------------------

ESCALATING = Policy.loads("""
[nag]
oncall_group = "S0ONCALL"
lead = "U0LEAD"
""", source="escalating.toml")


@pytest.mark.parametrize(("stage", "assignee", "expected"), [
    ("reminder", "U0ALICE", ["U0ALICE"]),
    ("reminder", None, ["S0ONCALL"]),  # unclaimed: the on-call group stands in
    ("breach", "U0ALICE", ["U0ALICE", "S0ONCALL"]),
    ("breach", None, ["S0ONCALL"]),
    ("overdue", "U0ALICE", ["U0ALICE", "S0ONCALL", "U0LEAD"]),
])
def test_escalation_chain(stage: Stage, assignee: str | None, expected: list[str]) -> None:
    assert [m.slack_id for m in mentions_for(stage, assignee=assignee, policy=ESCALATING)] == expected


def test_mention_markup() -> None:
    assert Mention("lead", "U0LEAD").markup == "<@U0LEAD>"
    assert Mention("oncall", "S0ONCALL").markup == "<!subteam^S0ONCALL>"


def test_stage_is_breach_once_then_overdue() -> None:
    due = local("2026-11-30 12:00")
    assert nag.stage_for(due=due, now=due - dt.timedelta(minutes=1), last_nag_at=None) == "reminder"
    assert nag.stage_for(due=due, now=due, last_nag_at=due - dt.timedelta(minutes=6)) == "breach"
    assert nag.stage_for(due=due, now=due + dt.timedelta(minutes=15), last_nag_at=due) == "overdue"
