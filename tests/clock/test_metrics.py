"""SLA metrics: plain query functions and the Prometheus collector, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy.orm import Session, sessionmaker

from intake import metrics, services
from intake.domain.severity import Severity
from intake.domain.ticket import Waiver
from intake.nagging import sweep_nags

from .helpers import POLICY, local, open_ticket

T0 = local("2026-11-30 10:00")


def _fixture(factory: sessionmaker[Session]) -> dict[str, int]:
    ids = {
        "s1_running": open_ticket(factory, Severity.S1, now=T0 + dt.timedelta(hours=2)),
        "s1_breached": open_ticket(factory, Severity.S1, now=T0),
        "s1_met": open_ticket(factory, Severity.S1, now=T0),
        "s2_late": open_ticket(factory, Severity.S2, now=T0),
        "s2_waived": open_ticket(factory, Severity.S2, now=T0),
        "s3_running": open_ticket(factory, Severity.S3, now=T0),
        "s4_closed": open_ticket(factory, Severity.S4, now=T0),
    }
    with factory() as session, session.begin():
        services.send_reply(session, ids["s1_met"], text="On it", now=T0 + dt.timedelta(minutes=20), actor="U0A")
        services.send_reply(session, ids["s2_late"], text="Sorry", now=T0 + dt.timedelta(hours=4), actor="U0A")
        services.waive(session, ids["s2_waived"], waiver=Waiver.STATUS_PAGE, ref="inc", now=T0, actor="U0A")
        services.close(session, ids["s4_closed"], now=T0, actor="U0A")
    return ids


def test_open_tickets_by_severity_and_sla_state(factory: sessionmaker[Session]) -> None:
    _fixture(factory)
    now = T0 + dt.timedelta(hours=2, minutes=10)
    with factory() as session:
        data = metrics.open_tickets(session, now=now)
    assert data["S1"] == {"running": 1, "breached": 1, "met": 1, "late": 0, "waived": 0, "no_target": 0}
    assert data["S2"]["late"] == 1 and data["S2"]["waived"] == 1
    assert data["S3"]["running"] == 1
    assert sum(data["S4"].values()) == 0  # closed tickets are not open


def test_breaches_and_time_to_initial_response(factory: sessionmaker[Session]) -> None:
    _fixture(factory)
    now = T0 + dt.timedelta(hours=5)
    with factory() as session:
        b = metrics.breaches(session, now=now)
        ttir = metrics.time_to_initial_response(session)
    assert b["S1"] == {"open": 2, "late": 0, "total": 2}  # both waiting S1s are past due at 15:00
    assert b["S2"] == {"open": 0, "late": 1, "total": 1}  # the waived one never counts
    assert ttir["S1"]["count"] == 1 and ttir["S1"]["median_seconds"] == 20 * 60 and ttir["S1"]["met"] == 1
    assert ttir["S2"]["count"] == 1 and ttir["S2"]["max_seconds"] == 4 * 3600 and ttir["S2"]["met"] == 0
    assert ttir["S3"]["count"] == 0 and ttir["S3"]["median_seconds"] is None


def test_prometheus_collector_exposes_the_same_numbers(factory: sessionmaker[Session]) -> None:
    _fixture(factory)
    now = T0 + dt.timedelta(hours=5)
    sweep_nags(factory, policy=POLICY, now=now)
    registry = CollectorRegistry()
    registry.register(metrics.SLACollector(factory, clock=lambda: now))
    text = generate_latest(registry).decode()
    assert 'supportbot_open_tickets{severity="S1",sla_state="breached"} 2.0' in text
    assert 'supportbot_sla_breaches{kind="late",severity="S2"} 1.0' in text
    assert 'supportbot_time_to_initial_response_seconds_bucket{le="1800.0",severity="S1"} 1.0' in text
    assert 'supportbot_time_to_initial_response_seconds_count{severity="S2"} 1.0' in text
    assert "supportbot_nag_backlog 0.0" in text  # the sweep just ran
    assert "supportbot_nags_sent 2.0" in text  # the two waiting S1s; the S3 is first due at 16:00


def test_nag_backlog_shows_a_clock_that_is_not_running(factory: sessionmaker[Session]) -> None:
    open_ticket(factory, Severity.S1, now=T0)  # first reminder due at 10:30
    with factory() as session:
        assert metrics.nag_backlog(session, now=T0 + dt.timedelta(minutes=34)) == {
            "count": 0, "oldest_late_seconds": 0.0}  # within the grace period
        assert metrics.nag_backlog(session, now=T0 + dt.timedelta(minutes=50)) == {
            "count": 1, "oldest_late_seconds": 20 * 60.0}
    sweep_nags(factory, policy=POLICY, now=T0 + dt.timedelta(minutes=50))  # a clock catches up
    with factory() as session:
        assert metrics.nag_backlog(session, now=T0 + dt.timedelta(minutes=51))["count"] == 0
