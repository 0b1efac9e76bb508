"""Requests from Slack: the slash command and the global shortcut open a modal whose severity follows
the answers (within the caps); the text passes the real redaction engine; a rejection is explained
only to the requester, by type, and nothing but the redaction log entry is kept."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import views
from bot.app import COMMAND, SHORTCUT_REQUEST
from intake.outbox import Dispatcher
from intake.store.models import OutboxItem, RedactionLogEntry, Ticket
from tests.peers.slack import CHANNEL, FakeSlack
from tests.slack.conftest import (
    Clock,
    SlackSender,
    drain,
    opened_view,
    response_json,
    sample,
    select_value,
    text_value,
)

REQUESTER = "U0CUSTMR01"


def _command() -> dict[str, str]:
    form = {k: str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in sample("interactivity/java-SlashCommandPayload.json").items()}
    form.update({"token": "deprecated", "api_app_id": "A0INTAKE01", "team_id": "T0SUPPORT1",
                 "team_domain": "example-support", "enterprise_id": "", "enterprise_name": "",
                 "channel_id": CHANNEL, "channel_name": "support", "user_id": REQUESTER, "user_name": "carla",
                 "command": COMMAND, "text": "", "response_url": "https://hooks.slack.com/commands/T0SUPPORT1/1/x",
                 "trigger_id": f"{time.time():.0f}.3333.cmd"})
    return form


def _shortcut() -> dict[str, Any]:
    return {"type": "shortcut", "token": "deprecated", "action_ts": f"{time.time():.6f}",
            "team": {"id": "T0SUPPORT1", "domain": "example-support"},
            "user": {"id": REQUESTER, "username": "carla", "team_id": "T0SUPPORT1"},
            "is_enterprise_install": False, "enterprise": None, "callback_id": SHORTCUT_REQUEST,
            "trigger_id": f"{time.time():.0f}.4444.sc"}


def _answers(org: str = "acme", project: str | None = "acme/shop-eu", production: str = "yes",
             stopped: str = "yes", workaround: str = "no", severity: str = "S1", summary: str = "Checkout down",
             description: str = "Since 07:40 no order goes through; HTTP 500 on /checkout.",
             view: dict[str, Any] | None = None) -> dict[str, Any]:
    sev_block = next((b["block_id"] for b in (view or {}).get("blocks", []) if b["block_id"].startswith("severity")),
                     "severity:S4")
    project_block = next((b["block_id"] for b in (view or {}).get("blocks", [])
                          if b["block_id"].startswith("project")), "project:all")
    return {
        "org": {views.A_REQ_ORG: select_value(org)},
        project_block: {"value": select_value(project)},
        views.A_REQ_PRODUCTION: {views.A_REQ_ANSWER: select_value(production, "radio_buttons")},
        views.A_REQ_STOPPED: {views.A_REQ_ANSWER: select_value(stopped, "radio_buttons")},
        views.A_REQ_WORKAROUND: {views.A_REQ_ANSWER: select_value(workaround, "radio_buttons")},
        sev_block: {"value": select_value(severity)},
        "summary": {"value": text_value(summary)},
        "description": {"value": text_value(description)},
    }


def _submission(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {"type": "view_submission", "team": {"id": "T0SUPPORT1", "domain": "example-support"},
            "user": {"id": REQUESTER, "username": "carla", "name": "carla", "team_id": "T0SUPPORT1"},
            "api_app_id": "A0INTAKE01", "token": "deprecated", "trigger_id": "1.2.3",
            "view": {**view, "id": "V0REQ00001", "hash": "1.a", "state": {"values": values}},
            "response_urls": [], "is_enterprise_install": False}


def _wait_for_ephemeral_or_dm(slack_api: FakeSlack) -> str:
    deadline = time.monotonic() + 30  # the first redaction may load the model
    while time.monotonic() < deadline:
        for call in slack_api.calls:
            if call.method == "chat.postEphemeral" or (call.method == "chat.postMessage"
                                                       and call.params.get("channel") == REQUESTER):
                return str(call.params["text"])
        time.sleep(0.05)
    raise AssertionError(f"no answer to the requester: {[c.method for c in slack_api.calls]}")


def test_slash_command_opens_the_request_modal(slack: SlackSender, slack_api: FakeSlack) -> None:
    resp = slack.command(_command())
    assert resp.status_code == 200
    view = opened_view(slack_api)
    assert view["callback_id"] == views.V_REQUEST
    assert views.metadata(view) == {"c": CHANNEL}
    labels = json.dumps(view["blocks"])
    for question in ("production system", "core business stopped", "acceptable workaround", "Summary"):
        assert question in labels


def test_changing_an_answer_updates_the_suggested_severity(slack: SlackSender, slack_api: FakeSlack) -> None:
    slack.command(_command())
    view = opened_view(slack_api)
    payload = {"type": "block_actions", "user": {"id": REQUESTER, "username": "carla", "team_id": "T0SUPPORT1"},
               "api_app_id": "A0INTAKE01", "token": "deprecated", "trigger_id": "5.5.5",
               "team": {"id": "T0SUPPORT1", "domain": "example-support"},
               "container": {"type": "view", "view_id": "V0REQ00001"},
               "view": {**view, "id": "V0REQ00001", "hash": "1.a",
                        "state": {"values": _answers(org="globex", project=None, view=view)}},
               "actions": [{"type": "radio_buttons", "action_id": views.A_REQ_ANSWER,
                            "block_id": views.A_REQ_WORKAROUND, "action_ts": "1.1",
                            "selected_option": {"text": {"type": "plain_text", "text": "No"}, "value": "no"}}]}
    assert slack.interaction(payload).status_code == 200
    update = slack_api.wait_for("views.update")[0]
    assert update.params["view_id"] == "V0REQ00001" and update.params["hash"] == "1.a"
    new = update.params["view"]
    new = json.loads(new) if isinstance(new, str) else new
    severity = next(b for b in new["blocks"] if b["block_id"].startswith("severity:"))
    # Production down, no workaround: S1 by the support terms, but Globex's contract caps at S2.
    assert severity["block_id"] == "severity:S2"
    assert [o["value"] for o in severity["element"]["options"]] == ["S2", "S3", "S4"]


def test_clean_request_becomes_a_ticket_and_the_requester_is_told(
        slack: SlackSender, slack_api: FakeSlack, factory: sessionmaker[Session], clock: Clock,
        dispatcher: Dispatcher) -> None:
    slack.command(_command())
    view = opened_view(slack_api)
    resp = slack.interaction(_submission(view, _answers(view=view)))
    assert resp.status_code == 200 and response_json(resp) == {}
    told = _wait_for_ephemeral_or_dm(slack_api)
    assert "SB-" in told and "received" in told
    with factory() as s:
        t = s.scalars(select(Ticket)).one()
        assert (t.channel, t.organization, t.project, t.effective_severity) == ("slack", "acme", "shop-eu", "S1")
        assert t.priority_eligible and t.due_at is not None
        assert t.answers and t.answers["business_stopped"] is True
    drain(dispatcher, clock)
    assert any(t.token in c.params["text"] for c in slack_api.calls_to("chat.postMessage"))


def test_request_with_third_party_data_is_rejected_and_nothing_is_kept(
        slack: SlackSender, slack_api: FakeSlack, factory: sessionmaker[Session]) -> None:
    secret_bits = ("hunter2xyz", "John Miller", "+49 171 5551234")
    description = ("Checkout fails for one shopper. My password is hunter2xyz and John Miller from Munich "
                   "called about it, his phone +49 171 5551234.")
    slack.command(_command())
    view = opened_view(slack_api)
    resp = slack.interaction(_submission(view, _answers(view=view, description=description)))
    assert resp.status_code == 200
    told = _wait_for_ephemeral_or_dm(slack_api)
    assert "not accepted" in told and "Nothing was kept" in told
    assert "PERSON" in told and "PHONE_NUMBER" in told
    everything_sent = json.dumps([c.params for c in slack_api.calls])
    for bit in secret_bits:
        assert bit not in everything_sent
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxItem)) == 0
        entry = s.scalars(select(RedactionLogEntry)).one()
        assert entry.channel == "slack" and entry.entity_types
        assert not any(bit in json.dumps(entry.findings) for bit in secret_bits)


def test_global_shortcut_answers_by_direct_message(slack: SlackSender, slack_api: FakeSlack,
                                                   factory: sessionmaker[Session]) -> None:
    assert slack.interaction(_shortcut()).status_code == 200
    view = opened_view(slack_api)
    assert views.metadata(view) == {"c": None}
    slack.interaction(_submission(view, _answers(view=view, severity="S3", workaround="yes")))
    told = _wait_for_ephemeral_or_dm(slack_api)
    assert "received" in told
    dm = [c for c in slack_api.calls_to("chat.postMessage") if c.params.get("channel") == REQUESTER]
    assert dm, "without a channel the requester gets a direct message"


def test_incomplete_or_over_cap_requests_stay_in_the_modal(slack: SlackSender, slack_api: FakeSlack,
                                                           factory: sessionmaker[Session]) -> None:
    slack.command(_command())
    view = opened_view(slack_api)
    missing = response_json(slack.interaction(_submission(view, _answers(view=view, summary="", workaround=""))))
    assert missing["response_action"] == "errors"
    assert set(missing["errors"]) == {"summary", views.A_REQ_WORKAROUND}
    over_cap = response_json(slack.interaction(_submission(
        view, _answers(view=view, org="globex", project="globex/storefront", severity="S1"))))
    assert over_cap["response_action"] == "errors"
    assert list(over_cap["errors"].values()) == ["At most S2 for this organization."]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0

