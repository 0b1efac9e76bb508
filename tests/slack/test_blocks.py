"""Block Kit builders: pure, validated by slack_sdk.models, the SLA in the reader's words."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot import blocks, views
from bot.blocks import due_in_words, ticket_message
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.domain.sla import due_at
from intake.store.models import Ticket
from tests.peers.slack import validate_blocks, validate_view

TUESDAY_0800 = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)  # 09:00 in Berlin


def make_ticket(policy: Policy, *, severity: str = "S1", submitted: dt.datetime = TUESDAY_0800,
                **kw: Any) -> Ticket:
    t = Ticket(id=42, token="SB-000042", channel="email", state="open", subject="Checkout is down",
               body="Since 07:40 no order goes through.", requested_severity=severity, effective_severity=severity,
               severity_reason=None, organization="acme", project="shop-eu", product=None, component=None,
               max_severity=None, sender_email="alice@acme.example", sender_name="Alice Anders",
               sender_trusted=True, priority_eligible=True, gate_state="down", gate_reason="portal down",
               submitted_at=submitted, due_at=due_at(Severity.parse(severity), submitted, policy),
               initial_response_at=None, waiver=None, waiver_ref=None, assignee=None, missing_fields=None,
               closed_at=None)
    for k, v in kw.items():
        setattr(t, k, v)
    return t


def test_s1_due_within_the_hour_reads_due_in_minutes(policy: Policy) -> None:
    t = make_ticket(policy, severity="S1")
    assert due_in_words(t, policy=policy, now=TUESDAY_0800 + dt.timedelta(minutes=18)) == "due in 42 min"


def test_s3_submitted_friday_evening_reads_as_a_weekday_and_berlin_time(policy: Policy) -> None:
    friday_2000_berlin = dt.datetime(2026, 3, 13, 19, 0, tzinfo=dt.UTC)
    t = make_ticket(policy, severity="S3", submitted=friday_2000_berlin)
    words = due_in_words(t, policy=policy, now=friday_2000_berlin)
    # 4 h of Friday are counted, the remaining 8 h on Monday: due Monday 08:00 Berlin = 07:00 UTC,
    # as a Slack date token (each reader's own zone) with a UTC fallback.
    monday_0800_berlin = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)
    assert words == (f"due <!date^{int(monday_0800_berlin.timestamp())}^{{date_short_pretty}} {{time}}"
                     "|Mon 16 Mar 2026, 07:00 UTC>")


def test_breached_target_reads_overdue_by(policy: Policy) -> None:
    t = make_ticket(policy, severity="S1")
    words = due_in_words(t, policy=policy, now=TUESDAY_0800 + dt.timedelta(minutes=125))
    assert words.startswith("overdue by 1 h 5 min")


def test_initial_response_and_waiver_stop_the_clock_in_words(policy: Policy) -> None:
    t = make_ticket(policy, initial_response_at=TUESDAY_0800 + dt.timedelta(minutes=20))
    stopped = TUESDAY_0800 + dt.timedelta(minutes=20)
    assert due_in_words(t, policy=policy, now=TUESDAY_0800) == (
        f"clock stopped: initial response <!date^{int(stopped.timestamp())}^{{date_short_pretty}} {{time}}"
        f"|{stopped:%a %d %b %Y, %H:%M} UTC>")
    w = make_ticket(policy, waiver="status_page_incident", waiver_ref="p31zjtct2jer")
    assert due_in_words(w, policy=policy, now=TUESDAY_0800) == "target waived: status-page incident p31zjtct2jer"
    x = make_ticket(policy, waiver="status_page_incident", waiver_ref="<!channel> & co")
    assert due_in_words(x, policy=policy, now=TUESDAY_0800).endswith("&lt;!channel&gt; &amp; co")


def test_every_time_on_the_card_is_a_slack_date_token(policy: Policy) -> None:
    """Card, nags and notes use one format: Slack renders it in each reader's zone; no fixed zone names."""
    t = make_ticket(policy, severity="S3")
    rendered = ticket_message(t, policy=policy, now=TUESDAY_0800)
    flat = str(rendered.blocks)
    assert "submitted <!date^" in flat and "due <!date^" in flat
    for zone in ("Europe/Berlin", "CET", "CEST"):
        assert zone not in flat and zone not in rendered.text


def test_ticket_message_shows_every_triage_field_and_passes_block_kit_validation(policy: Policy) -> None:
    t = make_ticket(policy, severity="S2", requested_severity="S1", assignee="U0AGENT001")
    rendered = ticket_message(t, policy=policy, now=TUESDAY_0800)
    assert validate_blocks(rendered.blocks) == []
    flat = str(rendered.blocks)
    for expected in ("S2 Incident", "requested S1 Critical Incident", "acme", "shop-eu", "Alice Anders",
                     "alice@acme.example", "Website gate", "down", "Redaction", "due in 3 h", "<@U0AGENT001>"):
        assert expected in flat, expected
    assert "SB-000042" in rendered.text
    ids = [e["action_id"] for e in rendered.blocks[-1]["elements"]]
    assert ids == [blocks.A_SEVERITY, blocks.A_FIELDS, blocks.A_CLAIM, blocks.A_REPLY, blocks.A_REQUEST_INFO,
                   blocks.A_MORE]


def test_customer_text_cannot_ping_the_channel_or_forge_links(policy: Policy) -> None:
    t = make_ticket(policy, subject="<!channel> urgent", body="see <https://evil.example|your bank> & more")
    rendered = ticket_message(t, policy=policy, now=TUESDAY_0800)
    mrkdwn_texts = [rendered.text] + [
        part["text"] for b in rendered.blocks for part in ([b.get("text")] + b.get("fields", []) + b.get("elements", []))
        if isinstance(part, dict) and part.get("type") == "mrkdwn"]
    flat = " ".join(mrkdwn_texts)
    assert "<!channel>" not in flat and "<https://evil" not in flat
    assert "&lt;!channel&gt;" in flat and "&amp; more" in flat


def test_closed_ticket_message_has_no_actions(policy: Policy) -> None:
    t = make_ticket(policy, state="closed")
    rendered = ticket_message(t, policy=policy, now=TUESDAY_0800)
    assert all(b["type"] != "actions" for b in rendered.blocks)


def test_very_long_subjects_and_bodies_stay_within_slack_limits(policy: Policy) -> None:
    t = make_ticket(policy, subject="x" * 5000, body="word " * 5000, severity_reason="r" * 4000)
    assert validate_blocks(ticket_message(t, policy=policy, now=TUESDAY_0800).blocks) == []


def test_severity_modal_shows_definitions_and_offers_nothing_above_the_cap() -> None:
    view = views.severity_modal(ticket_id=7, token="SB-000007", current=Severity.S3, maximum=Severity.S3)
    assert validate_view(view) == []
    select = next(b for b in view["blocks"] if b.get("block_id") == "severity")["element"]
    assert [o["value"] for o in select["options"]] == ["S3", "S4"]
    text = str(view["blocks"])
    assert "Critical Incident" in text and "above this component's maximum" in text
    with pytest.raises(views.ViewInputError) as err:
        views.read_severity({"severity": {"value": {"type": "static_select", "selected_option": {"value": "S1"}}},
                             "reason": {"value": {"type": "plain_text_input", "value": "x"}}},
                            maximum=Severity.S3)
    assert "above" in err.value.errors["severity"]


def test_request_modal_suggests_the_severity_from_the_answers_within_the_cap(registry: Any) -> None:
    orgs = views.org_choices(registry)
    s1 = views.request_modal(orgs=orgs, answers=views.RequestAnswers(org="acme", production=True,
                                                                     business_stopped=True, workaround=False),
                             maximum=None, origin={"c": "C1"})
    assert validate_view(s1) == []
    sev_block = next(b for b in s1["blocks"] if b["block_id"].startswith("severity:"))
    assert sev_block["block_id"] == "severity:S1"
    assert sev_block["element"]["initial_option"]["value"] == "S1"
    capped = views.request_modal(orgs=orgs, answers=views.RequestAnswers(org="globex", production=True,
                                                                         business_stopped=True, workaround=False),
                                 maximum=Severity.S2, origin={"c": None})
    sev_block = next(b for b in capped["blocks"] if b["block_id"].startswith("severity:"))
    assert sev_block["element"]["initial_option"]["value"] == "S2"
    assert [o["value"] for o in sev_block["element"]["options"]] == ["S2", "S3", "S4"]
    # Once an organization is chosen, only its projects are offered.
    project_block = next(b for b in capped["blocks"] if b["block_id"].startswith("project:"))
    assert [o["value"] for o in project_block["element"]["options"]] == ["globex/storefront"]


def test_every_modal_passes_view_validation(registry: Any) -> None:
    orgs = views.org_choices(registry)
    built = [
        views.fields_modal(ticket_id=1, token="SB-000001", orgs=orgs, organization="acme", project="shop-eu"),
        views.fields_modal(ticket_id=1, token="SB-000001", orgs=[], organization=None, project=None),
        views.assign_modal(ticket_id=1, token="SB-000001", current="U1"),
        views.incident_modal(ticket_id=1, token="SB-000001",
                             incidents=[views.IncidentChoice("abc", "Checkout errors", "investigating")]),
        views.incident_modal(ticket_id=1, token="SB-000001", incidents=[], unavailable="HTTP 503"),
        views.reason_modal(views.V_CLOSE, ticket_id=1, token="SB-000001", title="Close", intro="x", submit="Close"),
        views.reply_modal(ticket_id=1, token="SB-000001", kind="out_of_scope", to="a@b.example", initial="hi"),
        views.reply_preview(ticket_id=1, kind="reply", to="a@b.example", subject="Re: [SB-000001] x",
                            text="ü" * 3000, first_response=True),
        views.request_modal(orgs=[], answers=views.RequestAnswers(), maximum=None, origin={}),
    ]
    for view in built:
        assert validate_view(view) == [], view["callback_id"]


def test_reply_preview_carries_the_exact_text_to_send() -> None:
    text = "Hello Alice,\n\nwe are on it — <b>not html</b> & co.\n" * 20
    view = views.reply_preview(ticket_id=3, kind="reply", to="alice@acme.example", subject="Re: x", text=text,
                               first_response=False)
    assert views.unpack_text(views.metadata(view)["x"]) == text


def test_slack_markup_becomes_plain_text_for_an_email_draft() -> None:
    text = "Hi <@U123>, see <https://docs.example/a|the guide> &amp; <https://x.example> <!here> <#C1|support>"
    assert blocks.slack_to_plain(text) == "Hi @U123, see the guide (https://docs.example/a) & https://x.example " \
                                          "@here #support"


def test_a_typed_incident_url_is_accepted_and_spaces_are_not() -> None:
    typed = views.read_incident({"ref": {"value": {"type": "plain_text_input",
                                                   "value": "https://status.vendor.example/incidents/abc"}}})
    assert typed.ref == typed.url == "https://status.vendor.example/incidents/abc"
    with pytest.raises(views.ViewInputError):
        views.read_incident({"ref": {"value": {"type": "plain_text_input", "value": "two words"}}})
    with pytest.raises(views.ViewInputError):
        views.read_incident({})
