"""The clock process: its thin jobs against a real database and the loopback status page, and
``run_forever`` starting, nagging and stopping on its flag."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from intake import clock
from intake.domain.severity import Severity
from intake.settings import load_settings
from intake.store.db import make_engine, session_factory, upgrade
from intake.store.models import OutboxItem, PortalObservation

from .helpers import POLICY, local, nags, open_ticket

T0 = local("2026-11-30 10:00")


def jobs(factory: sessionmaker[Session], at: dt.datetime, **settings: Any) -> clock.ClockJobs:
    return clock.ClockJobs(factory=factory, policy=POLICY, settings=load_settings(**settings), clock=lambda: at)


def test_digest_is_posted_once_per_local_day_by_any_number_of_clocks(factory: sessionmaker[Session]) -> None:
    open_ticket(factory, Severity.S1, now=T0 - dt.timedelta(hours=3))
    open_ticket(factory, Severity.S4, now=T0)
    morning = local("2026-12-01 09:00")
    assert jobs(factory, morning).digest() is True
    assert jobs(factory, morning + dt.timedelta(seconds=5)).digest() is False  # the second clock
    with factory() as session:
        [item] = session.scalars(select(OutboxItem).where(OutboxItem.dedupe_key.like("digest:%")))
    assert item.dedupe_key == "digest:2026-12-01" and item.payload["op"] == "channel_message"
    text = item.payload["text"]
    assert "2 request(s) waiting" in text and "S1 1 (1 breached)" in text
    assert "overdue by 1 day 1 hour" in text and "1 day 1 hour left" in text and "Shop down" not in text


def test_digest_job_skips_days_without_support(factory: sessionmaker[Session]) -> None:
    saturday = local("2026-12-05 09:00")
    assert clock._support_days_only(jobs(factory, saturday))() is None
    with factory() as session:
        assert session.scalar(select(OutboxItem).where(OutboxItem.dedupe_key.like("digest:%"))) is None


def test_sweep_job_uses_the_clock(factory: sessionmaker[Session]) -> None:
    tid = open_ticket(factory, Severity.S2, now=T0)
    assert jobs(factory, T0 + dt.timedelta(minutes=90)).sweep_nags().nagged_ids == [tid]


def test_portal_refresh_records_a_reading_from_the_status_page(factory: sessionmaker[Session], statuspage) -> None:
    statuspage.set_scenario("major-outage-critical")
    settings = load_settings(statuspage_url=statuspage.base_url, health_url=statuspage.health_url,
                             http_timeout=2.0, portal_down_after=1)
    with httpx.Client(timeout=2.0) as client:
        j = clock.build_jobs(settings, factory=factory, policy=POLICY, http_client=client, clock=lambda: T0)
        reading = j.refresh_portal()
    assert reading is not None and ("/api/v2/summary.json" in {p for _, p in statuspage.requests})
    with factory() as session:
        [row] = session.scalars(select(PortalObservation))
    assert row.state == reading.state and row.reason == reading.reason


def test_purge_runs_retention_with_the_clocks_now(factory: sessionmaker[Session],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[dt.datetime, Any]] = []

    def purge(session: Session, *, now: dt.datetime, settings: Any) -> dict[str, int]:
        calls.append((now, settings))
        return {"tickets": 0}

    monkeypatch.setattr(clock, "purge", purge)
    assert jobs(factory, T0).purge() == {"tickets": 0}
    assert calls and calls[0][0] == T0


def test_scheduler_has_the_thin_jobs(factory: sessionmaker[Session]) -> None:
    scheduler = clock.build_scheduler(jobs(factory, T0))
    assert {j.id for j in scheduler.get_jobs()} == {"sweep_nags", "purge", "digest"}
    digest = next(j for j in scheduler.get_jobs() if j.id == "digest")
    assert "hour='9'" in str(digest.trigger) and "minute='0'" in str(digest.trigger)


def test_run_forever_nags_and_stops_on_the_flag(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/clock.db"
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    now = dt.datetime.now(dt.UTC)
    tid = open_ticket(factory, Severity.S1, now=now - dt.timedelta(minutes=31))
    settings = load_settings(database_url=url, data_dir=tmp_path, nag_sweep_seconds=0.2, digest_enabled=False)
    stop = threading.Event()
    thread = threading.Thread(target=clock.run_forever, args=(settings,), kwargs={"stop": stop})
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not nags(factory, tid):
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()
    assert [n.dedupe_key for n in nags(factory, tid)] == [f"nag:{tid}:0"]
    engine.dispose()


def test_purge_runs_the_real_retention_rules(factory: sessionmaker[Session]) -> None:
    result = jobs(factory, T0).purge()
    assert result is not None  # intake.retention.purge's report, committed by the job


def test_scheduler_refreshes_the_portal_when_one_is_configured(factory: sessionmaker[Session], statuspage) -> None:
    settings = load_settings(statuspage_url=statuspage.base_url, portal_refresh_seconds=45)
    with httpx.Client(timeout=2.0) as client:
        j = clock.build_jobs(settings, factory=factory, policy=POLICY, http_client=client, clock=lambda: T0)
        scheduler = clock.build_scheduler(j)
    job = next(job for job in scheduler.get_jobs() if job.id == "refresh_portal")
    assert job.trigger.interval == dt.timedelta(seconds=45)
