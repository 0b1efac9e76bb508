"""PortalMonitor against the real local Statuspage + health endpoint (tests/peers/statuspage.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from intake.portal import (
    GateConfig,
    GateReading,
    PortalMonitor,
    StatusPageError,
    latest_reading,
    record_reading,
)
from intake.settings import load_settings

T0 = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
TIMEOUT = 0.5


@pytest.fixture
def client():
    with httpx.Client(trust_env=False) as c:  # loopback only: no proxies from the environment
        yield c


def monitor(client, statuspage, **kw):
    kw.setdefault("timeout", TIMEOUT)
    kw.setdefault("config", GateConfig(down_after=3, up_after=2))
    return PortalMonitor(http_client=client, status_url=kw.pop("status_url", statuspage.base_url),
                         component=kw.pop("component", "Support Portal"),
                         health_url=kw.pop("health_url", statuspage.health_url), **kw)


def refreshes(mon, n, start=T0):
    return [mon.refresh(start + timedelta(minutes=i)) for i in range(n)]


def test_operational_page_and_healthy_site_is_up(client, statuspage):
    reading = monitor(client, statuspage).refresh(T0)
    assert (reading.state, reading.effective) == ("up", "up")
    assert reading.at == T0
    assert statuspage.count("/api/v2/summary.json") == 1
    assert statuspage.count("/healthz") == 1


@pytest.mark.parametrize("scenario", ["partial-outage-major", "major-outage-critical"])
def test_outage_scenarios_are_down_at_the_first_refresh(client, statuspage, scenario):
    statuspage.set_scenario(scenario)
    reading = monitor(client, statuspage).refresh(T0)
    assert (reading.state, reading.effective) == ("down", "down")
    assert "outage" in reading.reason


def test_components_json_url_works_as_well_as_the_page_url(client, statuspage):
    statuspage.set_scenario("major-outage-critical")
    mon = monitor(client, statuspage, status_url=statuspage.base_url + "/api/v2/components.json")
    assert mon.refresh(T0).state == "down"
    assert statuspage.count("/api/v2/components.json") == 1


def test_maintenance_is_down_by_default_and_up_when_configured(client, statuspage):
    statuspage.set_scenario("maintenance")
    assert monitor(client, statuspage).refresh(T0).state == "down"
    mon = monitor(client, statuspage, config=GateConfig(maintenance_means="up"))
    assert mon.refresh(T0).state == "up"


def test_edge_cases_page_with_an_impact_none_incident_is_up(client, statuspage):
    statuspage.set_scenario("edge-cases")
    assert monitor(client, statuspage).refresh(T0).state == "up"


@pytest.mark.parametrize(
    ("mode", "needle"),
    [
        ("html-503", "HTTP 503"),
        ("html-200", "HTML instead of JSON"),
        ("http-500", "HTTP 500"),
        ("truncated", "invalid JSON"),
        ("unknown-status", "brand_new_state"),
        ("slow", "no answer within"),
        ("drip", "no answer within"),
        ("reset", "status page:"),
    ],
)
def test_every_status_page_failure_is_unknown_with_its_reason(client, statuspage, mode, needle):
    statuspage.set_error(mode, delay=2.0)
    mon = monitor(client, statuspage, health_url=None)
    started = time.monotonic()
    reading = mon.refresh(T0)
    elapsed = time.monotonic() - started
    assert reading.state == "unknown"
    assert needle in reading.reason
    assert reading.effective == "down"  # unknown_means defaults to down
    assert elapsed < TIMEOUT + 1.0  # the explicit timeout bounds even a drip-feeding server


def test_unknown_resolves_to_up_when_configured(client, statuspage):
    statuspage.set_error("html-503")
    mon = monitor(client, statuspage, health_url=None, config=GateConfig(unknown_means="up"))
    assert (mon.refresh(T0).state, mon.refresh(T0).effective) == ("unknown", "up")


def test_broken_status_page_with_a_healthy_site_is_up(client, statuspage):
    statuspage.set_error("truncated")
    reading = monitor(client, statuspage).refresh(T0)
    assert reading.state == "up"
    assert "health probe healthy" in reading.reason


def test_probe_redirect_counts_as_healthy(client, statuspage):
    statuspage.set_health(302)
    assert monitor(client, statuspage, status_url=None).refresh(T0).state == "up"


def test_probe_failing_three_times_takes_the_gate_down(client, statuspage):
    statuspage.set_health(503)
    readings = refreshes(monitor(client, statuspage), 3)
    assert [r.state for r in readings] == ["up", "up", "down"]
    assert "HTTP 503" in readings[-1].reason


def test_probe_timeouts_count_as_failures(client, statuspage):
    statuspage.set_health_delay(TIMEOUT * 3)
    mon = monitor(client, statuspage, config=GateConfig(down_after=2, up_after=2))
    readings = refreshes(mon, 2)
    assert [r.state for r in readings] == ["up", "down"]
    assert "no answer within" in readings[-1].reason


def test_flapping_site_goes_down_once_and_reopens_only_after_two_healthy_probes(client, statuspage):
    statuspage.set_health_sequence([200, 503, 503, 503, 200, 503, 200, 503, 200, 200, 200])
    states = [r.state for r in refreshes(monitor(client, statuspage), 11)]
    assert states == ["up", "up", "up", "down", "down", "down", "down", "down", "down", "up", "up"]


def test_outage_then_recovery_follows_the_status_page_and_the_probes(client, statuspage):
    mon = monitor(client, statuspage)
    assert mon.refresh(T0).state == "up"
    statuspage.set_scenario("major-outage-critical")
    assert mon.refresh(T0 + timedelta(minutes=1)).state == "down"
    statuspage.set_scenario("operational")
    assert mon.refresh(T0 + timedelta(minutes=2)).state == "down"  # 1 healthy probe since
    reading = mon.refresh(T0 + timedelta(minutes=3))
    assert reading.state == "up"


def test_unresolved_incidents_come_from_the_live_page(client, statuspage):
    statuspage.set_scenario("major-outage-critical")
    incidents = monitor(client, statuspage).unresolved_incidents()
    assert incidents and all(i.status not in ("resolved", "postmortem") for i in incidents)
    assert any("k1portal0001" in i.component_ids for i in incidents)
    assert statuspage.count("/api/v2/incidents/unresolved.json") == 1


def test_unresolved_incidents_raise_a_clear_error_when_the_page_is_down(client, statuspage):
    statuspage.set_error("html-503")
    with pytest.raises(StatusPageError, match="HTTP 503"):
        monitor(client, statuspage).unresolved_incidents()


def test_monitor_is_wired_from_settings_and_resumes_a_persisted_down(client, statuspage):
    settings = load_settings(statuspage_url=statuspage.base_url, health_url=statuspage.health_url,
                             portal_up_after=2, http_timeout=TIMEOUT)
    resume = GateReading("down", "down", "probe failed 3 times", T0)
    mon = PortalMonitor.from_settings(settings, http_client=client, resume=resume)
    assert [r.state for r in refreshes(mon, 2)] == ["down", "up"]


def test_a_monitor_needs_at_least_one_source(client):
    with pytest.raises(ValueError):
        PortalMonitor(http_client=client, status_url=None, component="x", health_url=None)


def test_readings_are_persisted_and_the_latest_comes_back(session):
    assert latest_reading(session) is None
    record_reading(session, GateReading("up", "up", "status page: operational", T0))
    record_reading(session, GateReading("unknown", "down", "status page: HTTP 503", T0 + timedelta(minutes=1)))
    session.commit()
    latest = latest_reading(session)
    assert latest == GateReading("unknown", "down", "status page: HTTP 503", T0 + timedelta(minutes=1))
