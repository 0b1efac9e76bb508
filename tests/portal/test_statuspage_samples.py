"""Reading the component state out of Statuspage v2 bodies: bytes in, observation out."""

from __future__ import annotations

import pytest

from intake.portal import StatusPageError, interpret_status, parse_unresolved_incidents
from sandbox.statuspage import SAMPLES_DIR, StatusPage

SAMPLES = SAMPLES_DIR  # the status page stand-in's recorded scenarios


def body(scenario: str, name: str = "summary.json") -> bytes:
    return (SAMPLES / scenario / "api" / "v2" / name).read_bytes()


@pytest.mark.parametrize("name", ["summary.json", "components.json"])
@pytest.mark.parametrize(
    ("scenario", "verdict", "status"),
    [
        ("operational", "up", "operational"),
        ("degraded-minor", "up", "degraded_performance"),
        ("partial-outage-major", "down", "partial_outage"),
        ("major-outage-critical", "down", "major_outage"),
        ("maintenance", "down", "under_maintenance"),
        ("edge-cases", "up", "operational"),
    ],
)
def test_support_portal_component_decides_the_verdict(scenario, verdict, status, name):
    obs = interpret_status(body(scenario, name), component="Support Portal")
    assert (obs.verdict, obs.status) == (verdict, status)
    assert status in obs.reason


def test_component_is_found_by_id_as_well_as_by_name():
    by_id = interpret_status(body("major-outage-critical"), component="k1portal0001")
    by_name = interpret_status(body("major-outage-critical"), component="  support PORTAL ")
    assert by_id.verdict == by_name.verdict == "down"


def test_maintenance_counts_as_up_when_configured_so():
    obs = interpret_status(body("maintenance"), component="Support Portal", maintenance_means="up")
    assert obs.verdict == "up"
    assert "under_maintenance" in obs.reason


def test_a_group_components_rolled_up_status_counts():
    obs = interpret_status(body("partial-outage-major", "components.json"), component="API")
    assert obs.verdict == "down"
    assert "(group)" in obs.reason
    healthy_child = interpret_status(body("partial-outage-major", "components.json"), component="API (US)")
    assert healthy_child.verdict == "up"


def test_only_show_if_degraded_component_now_degraded_is_still_up():
    obs = interpret_status(body("edge-cases"), component="Knowledge Base")
    assert obs.verdict == "up"


@pytest.mark.parametrize(
    ("file", "content_type", "needle"),
    [
        ("cdn_503.html", "text/html", "HTML"),
        ("cdn_503.html", "application/json", "HTML"),  # lying content type: the body decides
        ("truncated_status.json", "application/json", "invalid JSON"),
        ("unknown_indicator_status.json", "application/json", "no components"),
        ("unknown_component_status_components.json", "application/json", "brand_new_state"),
    ],
)
def test_each_error_sample_reads_as_unknown_with_a_reason(file, content_type, needle):
    obs = interpret_status((SAMPLES / "errors" / file).read_bytes(), component="Support Portal",
                           content_type=content_type)
    assert obs.verdict == "unknown"
    assert needle in obs.reason


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (b"", "invalid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[]", "no components"),
        (b'{"components": [{"id": "x", "name": "Support Portal"}]}', "no status"),
        (b'{"components": [{"id": "a", "name": "Other", "status": "major_outage"}]}', "not on the status page"),
        (b'{"components": [{"id": "a", "name": "Support Portal", "status": "operational"},'
         b' {"id": "b", "name": "support portal", "status": "major_outage"}]}', "ambiguous"),
    ],
)
def test_malformed_bodies_are_unknown_not_up(raw, needle):
    obs = interpret_status(raw, component="Support Portal")
    assert obs.verdict == "unknown"
    assert needle in obs.reason


def test_unresolved_incidents_list_ids_names_links_and_affected_components():
    incidents = parse_unresolved_incidents(body("partial-outage-major"))
    assert [(i.id, i.status, i.impact) for i in incidents] == [("i3partial001", "identified", "major")]
    inc = incidents[0]
    assert inc.shortlink == "https://stspg.io/i3partial"
    assert inc.name == "Ticket submission failing for some customers"
    assert set(inc.component_ids) == {"k1portal0001", "k1apieu00005"}


def test_history_with_a_resolved_incident_keeps_only_the_unresolved_one():
    all_incidents = body("partial-outage-major", "incidents.json")
    incidents = parse_unresolved_incidents(all_incidents)
    assert [i.id for i in incidents] == ["i3partial001"]


def test_edge_case_incident_with_impact_none_and_no_components_is_listed():
    incidents = parse_unresolved_incidents(body("edge-cases", "incidents/unresolved.json"))
    assert any(i.impact == "none" and i.component_ids == () for i in incidents)
    assert any(i.status == "monitoring" for i in incidents)


def test_operational_page_has_no_unresolved_incidents():
    assert parse_unresolved_incidents(body("operational")) == []


def test_incident_list_from_an_html_page_raises_a_clear_error():
    with pytest.raises(StatusPageError, match="HTML"):
        parse_unresolved_incidents((SAMPLES / "errors" / "cdn_503.html").read_bytes())


# -- the sandbox's generated page (one stand-in with the recorded scenarios: sandbox/statuspage.py) ----------------

@pytest.mark.parametrize("name", ["summary.json", "components.json"])
def test_the_sandbox_page_toggle_reads_as_up_and_down(name):
    page = StatusPage()
    assert page.scenario is None
    assert interpret_status(page.body(name), component="Support Portal").verdict == "up"
    page.up = False
    assert interpret_status(page.body(name), component="Support Portal").verdict == "down"


def test_the_sandbox_page_lists_its_incident_only_while_down():
    page = StatusPage()
    assert parse_unresolved_incidents(page.body("incidents/unresolved.json")) == []
    page.up = False
    assert [i.name for i in parse_unresolved_incidents(page.body("summary.json"))] == ["Support Portal unavailable"]


def test_a_scenario_serves_the_recorded_file_byte_for_byte():
    page = StatusPage()
    page.set_scenario("major-outage-critical")
    assert page.body("summary.json") == body("major-outage-critical")
    assert page.body("../operational/api/v2/summary.json") is None
    with pytest.raises(ValueError, match="unknown scenario"):
        page.set_scenario("nope")
