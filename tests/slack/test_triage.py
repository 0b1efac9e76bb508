"""Triage in Slack: signed block actions and view submissions over HTTP, effects via the services,
Slack calls to the fake Web API, ticket messages updated in place through the outbox."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import blocks, views
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.outbox import Dispatcher
from intake.settings import load_settings
from intake.store.models import OutboxItem, Ticket, TicketEvent
from tests.peers.slack import FakeSlack
from tests.slack.conftest import (
    AGENT,
    Clock,
    SlackSender,
    block_action,
    drain,
    new_ticket,
    opened_view,
    response_json,
    select_value,
    text_value,
    view_submission,
    wait_until,
)


def _ticket(factory: sessionmaker[Session], tid: int) -> Ticket:
    with factory() as s:
        t = s.get(Ticket, tid)
        assert t is not None
        return t


def _posted(factory: sessionmaker[Session], policy: Policy, clock: Clock, dispatcher: Dispatcher,
            **kw: Any) -> tuple[int, str]:
    tid = new_ticket(factory, policy, clock, **kw)
    drain(dispatcher, clock)
    return tid, str(_ticket(factory, tid).slack_ts)


def _last_update_blocks(slack_api: FakeSlack) -> str:
    blocks_ = slack_api.calls_to("chat.update")[-1].params["blocks"]
    return str(json.loads(blocks_) if isinstance(blocks_, str) else blocks_)


def test_claim_button_assigns_the_clicker_and_updates_the_message(
        slack: SlackSender, slack_api: FakeSlack, factory: sessionmaker[Session], policy: Policy, clock: Clock,
        dispatcher: Dispatcher) -> None:
    tid, ts = _posted(factory, policy, clock, dispatcher)
    resp = slack.interaction(block_action(blocks.A_CLAIM, value=str(tid), message_ts=ts))
    assert resp.status_code == 200
    wait_until(lambda: _ticket(factory, tid).assignee == AGENT)
    drain(dispatcher, clock)
    assert f"<@{AGENT}>" in _last_update_blocks(slack_api)


def test_set_severity_in_a_modal_with_reason(slack: SlackSender, slack_api: FakeSlack,
                                             factory: sessionmaker[Session], policy: Policy, clock: Clock,
                                             dispatcher: Dispatcher) -> None:
    tid, ts = _posted(factory, policy, clock, dispatcher)
    slack.interaction(block_action(blocks.A_SEVERITY, value=str(tid), message_ts=ts))
    view = opened_view(slack_api)
    assert view["callback_id"] == views.V_SEVERITY and "Critical Incident" in str(view["blocks"])
    # A submission without a reason is refused in the modal; nothing changes.
    resp = slack.interaction(view_submission(view, {"severity": {"value": select_value("S1")},
                                                    "reason": {"value": text_value("")}}))
    assert response_json(resp) == {"response_action": "errors", "errors": {"reason": "Say why (the customer may ask)."}}
    assert _ticket(factory, tid).effective_severity == "S2"
    resp = slack.interaction(view_submission(view, {"severity": {"value": select_value("S1")},
                                                    "reason": {"value": text_value("No orders since 07:40")}}))
    assert resp.status_code == 200 and response_json(resp) == {}
    wait_until(lambda: _ticket(factory, tid).effective_severity == "S1")
    assert _ticket(factory, tid).severity_reason == "No orders since 07:40"
    drain(dispatcher, clock)
    assert "S1 Critical Incident" in _last_update_blocks(slack_api)


def test_severity_above_the_components_cap_is_refused(slack: SlackSender, slack_api: FakeSlack,
                                                      factory: sessionmaker[Session], policy: Policy, clock: Clock,
                                                      dispatcher: Dispatcher) -> None:
    tid, ts = _posted(factory, policy, clock, dispatcher, product="Backend UI", requested_severity=Severity.S3)
    slack.interaction(block_action(blocks.A_SEVERITY, value=str(tid), message_ts=ts))
    view = opened_view(slack_api)
    select = next(b for b in view["blocks"] if b.get("block_id") == "severity")["element"]
    assert [o["value"] for o in select["options"]] == ["S3", "S4"]
    # A crafted submission of S1 is refused as well.
    resp = slack.interaction(view_submission(view, {"severity": {"value": select_value("S1")},
                                                    "reason": {"value": text_value("customer insists")}}))
    assert response_json(resp)["response_action"] == "errors"
    assert _ticket(factory, tid).effective_severity == "S3"


def test_organization_and_project_from_the_registry_set_the_contract_cap(
        slack: SlackSender, slack_api: FakeSlack, factory: sessionmaker[Session], policy: Policy, clock: Clock,
        dispatcher: Dispatcher) -> None:
    tid, ts = _posted(factory, policy, clock, dispatcher, organization=None, project=None,
                      requested_severity=Severity.S1)
    slack.interaction(block_action(blocks.A_FIELDS, value=str(tid), message_ts=ts))
    view = opened_view(slack_api)
    org_block = next(b for b in view["blocks"] if b.get("block_id") == "org")
    assert org_block["dispatch_action"] and "initial_option" not in org_block["element"]
    wrong = slack.interaction(view_submission(view, {"org": {views.A_FIELDS_ORG: select_value("globex")},
                                                     "project:all": {"value": select_value("acme/shop-eu")}}))
    assert response_json(wrong)["errors"] == {"project:all": "This project belongs to another organization."}
    # Choosing the organization narrows the projects to its own (views.update).
    pick = block_action(views.A_FIELDS_ORG, selected="globex", action_type="static_select")
    pick["container"] = {"type": "view", "view_id": "V0FIELDS01"}
    pick["view"] = {**view, "id": "V0FIELDS01", "hash": "1.b", "state": {"values": {}}}
    slack.interaction(pick)
    updated = slack_api.wait_for("views.update")[0].params["view"]
    updated = json.loads(updated) if isinstance(updated, str) else updated
    project_block = next(b for b in updated["blocks"] if b.get("block_id", "").startswith("project:"))
    assert project_block["block_id"] == "project:globex"
    assert [o["value"] for o in project_block["element"]["options"]] == ["globex/storefront"]
    ok = slack.interaction(view_submission(updated, {"org": {views.A_FIELDS_ORG: select_value("globex")},
                                                     "project:globex": {"value": select_value("globex/storefront")}}))
    assert ok.status_code == 200 and response_json(ok) == {}
    wait_until(lambda: _ticket(factory, tid).organization == "globex")
    t = _ticket(factory, tid)
    # Globex's contract caps at S2 (customers.example.toml): the S1 request is lowered.
    assert (t.organization, t.project, t.max_severity, t.effective_severity) == ("globex", "storefront", "S2", "S2")


def test_link_status_page_incident_waives_the_target(
        slack: SlackSender, slack_api: FakeSlack, factory: sessionmaker[Session], policy: Policy, clock: Clock,
        dispatcher: Dispatcher, settings: Any, web_client: Any, registry: Any, statuspage: Any,
        _slack_endpoint_server: Any, request: pytest.FixtureRequest) -> None:
    from bot.app import build_app
    from tests.slack.conftest import settle

    statuspage.set_scenario("major-outage-critical")
    # The same app, wired to read unresolved incidents from the (real HTTP) status-page peer.
    _slack_endpoint_server[1].app = build_app(
        load_settings(**{**settings.model_dump(), "statuspage_url": statuspage.base_url, "http_timeout": 3.0}),
        factory=factory, client=web_client, policy=policy, registry=registry, clock=clock,
        redactor=lambda: None)
    request.addfinalizer(lambda: settle(_slack_endpoint_server[1].app))
    tid, ts = _posted(factory, policy, clock, dispatcher)
    slack.interaction(block_action(blocks.A_MORE, selected=f"{blocks.MORE_INCIDENT}:{tid}", message_ts=ts,
                                   action_type="overflow"))
    assert "Loading" in json.dumps(opened_view(slack_api))  # opened at once (the trigger expires in 3 s)
    view = opened_view(slack_api, method="views.update")  # then filled from the status page
    options = next(b for b in view["blocks"] if b.get("block_id") == "incident")["element"]["options"]
    assert options, "the unresolved incidents of the status page are offered"
    chosen = options[0]
    resp = slack.interaction(view_submission(view, {"incident": {"value": {
        "type": "static_select", "selected_option": chosen}}, "ref": {"value": text_value("")}}))
    assert response_json(resp) == {}
    wait_until(lambda: _ticket(factory, tid).waiver is not None)
    t = _ticket(factory, tid)
    incident_id, _, link = chosen["value"].removeprefix("id:").partition("|")
    assert t.waiver == "status_page_incident" and t.waiver_ref == incident_id
    assert t.next_nag_at is None
    drain(dispatcher, clock)
    notes = [c for c in slack_api.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]
    note = next(c.params["text"] for c in notes if "response target is waived" in c.params["text"])
    assert chosen["text"]["text"] in note and (not link or link in note)
    assert "target waived" in _last_update_blocks(slack_api)


def test_downgrade_and_close_from_the_overflow_menu(slack: SlackSender, slack_api: FakeSlack,
                                                    factory: sessionmaker[Session], policy: Policy, clock: Clock,
                                                    dispatcher: Dispatcher) -> None:
    tid, ts = _posted(factory, policy, clock, dispatcher)
    slack.interaction(block_action(blocks.A_MORE, selected=f"{blocks.MORE_DOWNGRADE}:{tid}", message_ts=ts,
                                   action_type="overflow"))
    view = opened_view(slack_api)
    slack.interaction(view_submission(view, {"reason": {"value": text_value("no reply to two requests")}}))
    wait_until(lambda: _ticket(factory, tid).effective_severity == "S3")
    slack.interaction(block_action(blocks.A_MORE, selected=f"{blocks.MORE_CLOSE}:{tid}", message_ts=ts,
                                   action_type="overflow"))
    view = slack_api.wait_for("views.open", 2)[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == views.V_CLOSE
    slack.interaction(view_submission(view, {"reason": {"value": text_value("")}}))
    wait_until(lambda: _ticket(factory, tid).state == "closed")
    # Closed: the overflow now explains instead of opening a modal that can't work.
    slack.interaction(block_action(blocks.A_MORE, selected=f"{blocks.MORE_CLOSE}:{tid}", message_ts=ts,
                                   action_type="overflow"))
    info = slack_api.wait_for("views.open", 3)[-1].params["view"]
    assert "is closed" in str(info)
    drain(dispatcher, clock)
    assert "actions" not in [b["type"] for b in json.loads(json.dumps(_last_blocks(slack_api)))]


def test_assign_to_someone_else(slack: SlackSender, slack_api: FakeSlack, factory: sessionmaker[Session],
                                policy: Policy, clock: Clock, dispatcher: Dispatcher) -> None:
    tid, ts = _posted(factory, policy, clock, dispatcher)
    slack.interaction(block_action(blocks.A_MORE, selected=f"{blocks.MORE_ASSIGN}:{tid}", message_ts=ts,
                                   action_type="overflow"))
    view = opened_view(slack_api)
    slack.interaction(view_submission(view, {"assignee": {"value": {"type": "users_select",
                                                                    "selected_user": "U0BOB00001"}}}))
    wait_until(lambda: _ticket(factory, tid).assignee == "U0BOB00001")
    with factory() as s:
        ev = s.scalars(select(TicketEvent).where(TicketEvent.kind == "assigned")).one()
        assert ev.actor == AGENT


@pytest.mark.parametrize("kind,action", [("request_info", blocks.A_REQUEST_INFO), ("out_of_scope", None)])
def test_request_information_and_out_of_scope_email_the_customer_after_a_preview(
        kind: str, action: str | None, slack: SlackSender, slack_api: FakeSlack, factory: sessionmaker[Session],
        policy: Policy, clock: Clock, dispatcher: Dispatcher, smtp_sink: Any) -> None:
    tid, ts = _posted(factory, policy, clock, dispatcher)
    if action:
        slack.interaction(block_action(action, value=str(tid), message_ts=ts))
    else:
        slack.interaction(block_action(blocks.A_MORE, selected=f"{blocks.MORE_OUT_OF_SCOPE}:{tid}", message_ts=ts,
                                       action_type="overflow"))
    compose = opened_view(slack_api)
    text = "Which order numbers fail? Please send the exact time." if kind == "request_info" else None
    if text is None:
        text = next(b for b in compose["blocks"] if b.get("block_id") == "text")["element"]["initial_value"]
        assert "Expert Services" in text
    preview = response_json(slack.interaction(view_submission(compose, {"text": {"value": text_value(text)}},
                                                              view_id="V0REPLY001")))
    assert preview["response_action"] == "update"
    assert "alice@acme.example" in str(preview["view"]["blocks"])
    assert not smtp_sink.messages and _ticket(factory, tid).initial_response_at is None  # preview sends nothing
    done = slack.interaction(view_submission(preview["view"], {}, view_id="V0REPLY001"))
    assert response_json(done) == {"response_action": "clear"}
    drain(dispatcher, clock)
    mails = smtp_sink.wait_for(1)
    assert len(mails) == 1 and " ".join(mails[0].text.split()) == " ".join(text.split())
    t = _ticket(factory, tid)
    assert t.initial_response_at is not None
    assert t.state == ("awaiting_customer" if kind == "request_info" else "closed")


def test_a_double_submitted_preview_sends_one_email(slack: SlackSender, slack_api: FakeSlack,
                                                    factory: sessionmaker[Session], policy: Policy, clock: Clock,
                                                    dispatcher: Dispatcher) -> None:
    tid, ts = _posted(factory, policy, clock, dispatcher)
    slack.interaction(block_action(blocks.A_REPLY, value=str(tid), message_ts=ts))
    compose = opened_view(slack_api)
    preview = response_json(slack.interaction(view_submission(compose, {"text": {"value": text_value("On it.")}},
                                                              view_id="V0REPLY002")))
    for _ in range(2):
        slack.interaction(view_submission(preview["view"], {}, view_id="V0REPLY002"))
    with factory() as s:
        assert len(s.scalars(select(OutboxItem).where(OutboxItem.kind == "email")).all()) == 1


def test_reply_to_a_ticket_without_email_address_is_explained(slack: SlackSender, slack_api: FakeSlack,
                                                              factory: sessionmaker[Session], policy: Policy,
                                                              clock: Clock, dispatcher: Dispatcher) -> None:
    tid, ts = _posted(factory, policy, clock, dispatcher, sender_email=None, channel="slack")
    slack.interaction(block_action(blocks.A_REPLY, value=str(tid), message_ts=ts))
    assert "no customer email address" in str(opened_view(slack_api))


def test_a_button_naming_no_ticket_gets_an_explanation(slack: SlackSender, slack_api: FakeSlack) -> None:
    slack.interaction(block_action(blocks.A_SEVERITY, value="not-a-number"))
    assert "does not name a ticket" in str(opened_view(slack_api))


# -- helpers -------------------------------------------------------------------------------------------------

def _last_blocks(slack_api: FakeSlack) -> list[dict[str, Any]]:
    raw = slack_api.calls_to("chat.update")[-1].params["blocks"]
    return json.loads(raw) if isinstance(raw, str) else raw


def test_reply_shortcut_outside_a_ticket_thread_is_explained(slack: SlackSender, slack_api: FakeSlack) -> None:
    from bot.app import SHORTCUT_REPLY

    payload = {"type": "message_action", "callback_id": SHORTCUT_REPLY, "trigger_id": "1.2.3",
               "message_ts": "1767220000.000100", "response_url": "https://hooks.slack.com/app/x",
               "message": {"type": "message", "user": AGENT, "ts": "1767220000.000100", "text": "lunch?"},
               "team": {"id": "T0SUPPORT1", "domain": "example-support"},
               "channel": {"id": "C0RANDOM01", "name": "random"},
               "user": {"id": AGENT, "name": "agent"}, "token": "x", "action_ts": "1.1"}
    assert slack.interaction(payload).status_code == 200
    assert "Not a ticket thread" in str(opened_view(slack_api))


def test_a_slow_status_page_never_delays_the_incident_modal(
        slack: SlackSender, slack_api: FakeSlack, factory: sessionmaker[Session], policy: Policy, clock: Clock,
        dispatcher: Dispatcher, settings: Any, web_client: Any, registry: Any, statuspage: Any,
        _slack_endpoint_server: Any, request: pytest.FixtureRequest) -> None:
    import time

    from bot.app import build_app
    from tests.slack.conftest import settle

    statuspage.set_error("slow")  # answers after 3 s; the client gives up after 1 s
    _slack_endpoint_server[1].app = build_app(
        load_settings(**{**settings.model_dump(), "statuspage_url": statuspage.base_url, "http_timeout": 1.0}),
        factory=factory, client=web_client, policy=policy, registry=registry, clock=clock, redactor=lambda: None)
    request.addfinalizer(lambda: settle(_slack_endpoint_server[1].app))
    tid, ts = _posted(factory, policy, clock, dispatcher)
    start = time.monotonic()
    slack.interaction(block_action(blocks.A_MORE, selected=f"{blocks.MORE_INCIDENT}:{tid}", message_ts=ts,
                                   action_type="overflow"))
    slack_api.wait_for("views.open")
    assert time.monotonic() - start < 1.0
    updated = opened_view(slack_api, method="views.update")
    assert "Status page not readable" in json.dumps(updated)
    assert any(b.get("block_id") == "ref" for b in updated["blocks"])  # free text still possible
