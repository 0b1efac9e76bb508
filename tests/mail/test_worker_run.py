"""The worker process's loop: threads for IMAP (IDLE) and the outbox, the stop flag, the gate."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select

from intake.portal import GateReading, record_reading
from intake.store.models import PortalObservation
from intake.worker import build_worker
from tests.mail.flow_helpers import inbound, mail, make_settings

pytestmark = [pytest.mark.dovecot, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def test_the_running_worker_answers_mail_as_it_arrives_and_stops_on_the_flag(db_url, factory, dovecot, smtp_sink,
                                                                             statuspage):
    statuspage.set_scenario("major-outage-critical")
    settings = make_settings(db_url=db_url, imap=dovecot, smtp=smtp_sink, statuspage=statuspage,
                             imap_idle_seconds=30, portal_refresh_seconds=30)
    worker = build_worker(settings, factory=factory)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        time.sleep(0.5)  # the poller is in IDLE by now
        dovecot.append(mail())
        [ack] = smtp_sink.wait_for(1, timeout=15)
        assert "[SB-" in ack.header("Subject")
    finally:
        stopped = time.monotonic()
        stop.set()
        thread.join(20)
    assert not thread.is_alive() and time.monotonic() - stopped < 5
    assert [r.outcome for r in inbound(factory)] == ["ticket"]
    with factory() as s:
        sources = set(s.scalars(select(PortalObservation.source)))
    assert sources == {"worker"}  # no clock process: the worker kept the gate fresh itself


def test_a_fresh_reading_of_the_clock_is_used_instead_of_probing_again(db_url, factory, dovecot, smtp_sink,
                                                                       statuspage):
    statuspage.set_scenario("major-outage-critical")  # what the worker would see if it asked
    settings = make_settings(db_url=db_url, imap=dovecot, smtp=smtp_sink, statuspage=statuspage,
                             portal_refresh_seconds=60)
    with factory() as s, s.begin():
        record_reading(s, GateReading("up", "up", "clock: Support Portal is operational", dt.datetime.now(dt.UTC),
                                      "clock"))
    worker = build_worker(settings, factory=factory)
    try:
        dovecot.append(mail())
        worker.poller.poll_once()
    finally:
        worker.poller.close()
    [row] = inbound(factory)
    assert row.outcome == "deflected" and "clock" in row.gate_reason
    assert statuspage.count("/api/v2/summary.json") == 0
