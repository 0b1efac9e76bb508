"""Operator dashboard: open tickets by severity and SLA state, and the four charts."""

from __future__ import annotations

import datetime as dt

from intake import services
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.domain.ticket import Waiver
from intake.store.models import PortalObservation
from intake.web import charts, operator
from tests.web.conftest import sign_in

POLICY = Policy.default()


def _ticket(s, *, sev, submitted, org="Acme GmbH", email="ops@acme.example"):  # type: ignore[no-untyped-def]
    return services.open_ticket(s, policy=POLICY, now=submitted, channel="email", subject=f"{sev} problem",
                                body="body", requested_severity=sev, sender_email=email, organization=org,
                                project="shop")


def test_sla_state_of_open_tickets_uses_the_support_clock(factory, clock):
    now = clock.now  # Tuesday 09:00 UTC
    with factory.begin() as s:
        breached = _ticket(s, sev=Severity.S1, submitted=now - dt.timedelta(minutes=90))
        at_risk = _ticket(s, sev=Severity.S1, submitted=now - dt.timedelta(minutes=50))
        on_track = _ticket(s, sev=Severity.S2, submitted=now - dt.timedelta(minutes=10))
        waived = _ticket(s, sev=Severity.S2, submitted=now - dt.timedelta(hours=5))
        services.waive(s, waived.id, waiver=Waiver.STATUS_PAGE, ref="inc-1", now=now, actor="U1")
        answered = _ticket(s, sev=Severity.S3, submitted=now - dt.timedelta(hours=2))
        services.send_reply(s, answered.id, text="We are on it.", now=now - dt.timedelta(hours=1), actor="U1")
    with factory() as s:
        rows = {t.token: t for t in operator.open_tickets(s, policy=POLICY, now=now)}
    assert rows[breached.token].sla_state == "breached" and rows[breached.token].remaining == "30m over"
    assert rows[at_risk.token].sla_state == "at_risk" and rows[at_risk.token].remaining == "10m left"
    assert rows[on_track.token].sla_state == "on_track"
    assert rows[waived.token].sla_state == "waived"
    assert rows[answered.token].sla_state == "responded"
    counts = operator.matrix(list(rows.values()))
    assert counts["S1"]["breached"] == 1 and counts["S1"]["at_risk"] == 1 and counts["S2"]["on_track"] == 1


def test_time_to_initial_response_counts_only_support_hours(factory):
    # An S3 submitted Friday 20:00 Berlin, answered Monday 10:00 Berlin: 24/5 counts Friday's last
    # 4 hours and Monday's first 10: 14 support hours, not the 62 on the wall clock.
    friday = dt.datetime(2026, 11, 20, 19, 0, tzinfo=dt.UTC)
    monday = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    with factory.begin() as s:
        t = _ticket(s, sev=Severity.S3, submitted=friday)
        services.send_reply(s, t.id, text="Looking into it.", now=monday, actor="U1")
    with factory() as s:
        bars = operator.response_times(s, policy=POLICY, now=monday + dt.timedelta(days=1))
    assert len(bars) == 1
    assert bars[0].label == "S3 median" and bars[0].target == 12
    assert abs(bars[0].value - 14.0) < 0.01


def test_breaches_per_week_count_missed_targets_by_the_week_they_fell_due(factory, clock):
    now = clock.now
    with factory.begin() as s:
        late = _ticket(s, sev=Severity.S1, submitted=now - dt.timedelta(days=7, hours=3))
        services.send_reply(s, late.id, text="Sorry for the wait.", now=now - dt.timedelta(days=7), actor="U1")
        _ticket(s, sev=Severity.S2, submitted=now - dt.timedelta(hours=4))  # open, past due
        met = _ticket(s, sev=Severity.S1, submitted=now - dt.timedelta(hours=3))
        services.send_reply(s, met.id, text="On it.", now=now - dt.timedelta(hours=2, minutes=30), actor="U1")
    with factory() as s:
        labels, series = operator.breaches_per_week(s, now=now)
    assert len(labels) == 12
    assert series["S1"][-2] == 1 and series["S1"][-1] == 0
    assert series["S2"][-1] == 1
    assert sum(map(sum, series.values())) == 2


def test_rejections_per_week_by_type_are_counts_without_entry_data(factory, clock, entries):
    with factory() as s:
        labels, series = operator.rejections_per_week(s, now=clock.now)
    # entries: 10, 8 days ago (previous week(s)), 3, 2, 1 days ago.
    assert sum(series["AWS_ACCESS_KEY"]) == 2 and sum(series["IBAN_CODE"]) == 2
    assert sum(series["PASSWORD"]) == 3 and sum(series["EMAIL_ADDRESS"]) == 2


def test_gate_history_spans_the_window_with_the_state_before_it(factory, clock):
    now = clock.now
    with factory.begin() as s:
        s.add(PortalObservation(at=now - dt.timedelta(days=9), state="up", effective="up", reason="operational"))
        s.add(PortalObservation(at=now - dt.timedelta(days=2), state="down", effective="down", reason="major outage"))
        s.add(PortalObservation(at=now - dt.timedelta(days=1), state="up", effective="up", reason="operational"))
    with factory() as s:
        spans, time_in = operator.gate_history(s, now=now)
    assert [sp.state for sp in spans] == ["up", "down", "up"]
    assert spans[0].start == 0 and abs(spans[1].start - 5 / 7) < 1e-6 and spans[-1].end == 1
    assert time_in["down"] == 86400 and time_in["up"] == 6 * 86400


def test_operator_page_shows_tickets_and_all_four_charts(client, factory, clock, entries):
    with factory.begin() as s:
        _ticket(s, sev=Severity.S1, submitted=clock.now - dt.timedelta(minutes=90))
        s.add(PortalObservation(at=clock.now - dt.timedelta(days=1), state="down", effective="down", reason="x"))
    sign_in(client, "otto")
    page = client.get("/operator")
    assert page.status_code == 200
    assert "SB-000001" in page.text and "breached" in page.text
    assert page.text.count("<svg") == 4
    for title in ("Time to initial response", "Targets missed per week", "Redaction rejections per week",
                  "Portal gate"):
        assert title in page.text
    assert "AWS_ACCESS_KEY" in page.text  # rejection legend


def test_compliance_officers_may_see_the_operator_page_too(client):
    sign_in(client, "clara")
    assert client.get("/operator").status_code == 200


def test_hbars_turn_red_past_the_target_and_escape_labels():
    svg = charts.hbars([charts.Bar("<S1>", 2.0, 1.0), charts.Bar("S2", 1.0, 3.0)], unit="h", title="t")
    assert svg.count('fill="#b8424b"') == 1 and "&lt;S1&gt;" in svg and "<S1>" not in svg


def test_charts_without_data_say_so():
    assert "no data yet" in charts.columns(["a"], {"x": [0]}, title="t")
    assert "no data yet" in charts.hbars([], unit="h", title="t")
    assert "no data yet" in charts.timeline([], title="t", start_label="a", end_label="b")
