"""Slack Connect: requests from another workspace or enterprise than ours are refused (real signed
requests over HTTP to the Bolt app; our workspace comes from the setting or from auth.test)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import blocks
from bot.app import build_app
from bot.workspace import actor_ids
from intake.domain.policy import Policy
from intake.outbox import Dispatcher
from intake.store.models import Ticket
from tests.peers.slack import FakeSlack
from tests.slack.conftest import AGENT, Clock, SlackSender, block_action, drain, new_ticket, sample, settle

OTHER_TEAM = "T0PARTNER9"


def _assignee(factory: sessionmaker[Session], tid: int) -> str | None:
    with factory() as s:
        ticket = s.get(Ticket, tid)
        assert ticket is not None
        return ticket.assignee


def _from(payload: dict[str, Any], team: str, enterprise: str | None = None) -> dict[str, Any]:
    payload["user"]["team_id"] = team
    payload["team"] = {"id": team, "domain": "partner"}
    if enterprise is not None:
        payload["enterprise"] = {"id": enterprise, "name": "Partner Corp"}
        payload["user"]["enterprise_id"] = enterprise
    return payload


def _posted(factory: sessionmaker[Session], policy: Policy, clock: Clock, dispatcher: Dispatcher) -> int:
    tid = new_ticket(factory, policy, clock)
    drain(dispatcher, clock)
    return tid


def test_a_button_pressed_by_someone_of_another_workspace_is_refused(
        slack: SlackSender, slack_api: FakeSlack, factory: sessionmaker[Session], policy: Policy, clock: Clock,
        dispatcher: Dispatcher) -> None:
    tid = _posted(factory, policy, clock, dispatcher)
    resp = slack.interaction(_from(block_action(blocks.A_CLAIM, value=str(tid), user="U0PARTNER1"), OTHER_TEAM))
    assert resp.status_code == 403
    time.sleep(0.3)
    assert _assignee(factory, tid) is None
    # The same button pressed by one of ours works.
    assert slack.interaction(block_action(blocks.A_CLAIM, value=str(tid))).status_code == 200
    deadline = time.monotonic() + 10
    while _assignee(factory, tid) != AGENT:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_slash_command_and_a_mention_from_another_workspace_do_nothing(
        slack: SlackSender, slack_api: FakeSlack) -> None:
    form = {k: str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in sample("interactivity/java-SlashCommandPayload.json").items()}
    form.update({"team_id": OTHER_TEAM, "user_id": "U0PARTNER1", "command": "/support",
                 "trigger_id": "1.2.partner", "channel_id": "C0SHARED01"})
    assert slack.command(form).status_code == 403
    mention = sample("events/app_mention.json")
    mention["event"]["user_team"] = OTHER_TEAM
    mention["event"]["source_team"] = OTHER_TEAM
    assert slack.event(mention).status_code == 200  # acknowledged (no retries) and ignored
    time.sleep(0.5)
    assert [c.method for c in slack_api.calls if c.method in ("views.open", "chat.postMessage")] == []


@pytest.fixture
def grid_slack(settings: Any, factory: sessionmaker[Session], web_client: Any, policy: Policy, registry: Any,
               clock: Clock, real_redactor: Any, _slack_endpoint_server: Any) -> Iterator[SlackSender]:
    grid = settings.model_copy(update={"slack_team_id": "T0SUPPORT1", "slack_enterprise_id": "E0OURORG1"})
    app = build_app(grid, factory=factory, client=web_client, policy=policy, registry=registry, clock=clock,
                    redactor=lambda: real_redactor, incidents=None)
    url, current = _slack_endpoint_server
    current.app = app
    yield SlackSender(url)
    current.app = None
    settle(app)


def test_with_configured_ids_another_enterprise_or_team_is_refused(
        grid_slack: SlackSender, factory: sessionmaker[Session], policy: Policy, clock: Clock,
        dispatcher: Dispatcher) -> None:
    tid = _posted(factory, policy, clock, dispatcher)
    other_org = _from(block_action(blocks.A_CLAIM, value=str(tid)), "T0SUPPORT1", enterprise="E0PARTNER")
    assert grid_slack.interaction(other_org).status_code == 403
    other_team = _from(block_action(blocks.A_CLAIM, value=str(tid)), OTHER_TEAM, enterprise="E0OURORG1")
    assert grid_slack.interaction(other_team).status_code == 403
    ours = _from(block_action(blocks.A_CLAIM, value=str(tid)), "T0SUPPORT1", enterprise="E0OURORG1")
    assert grid_slack.interaction(ours).status_code == 200


def test_actor_ids_ignore_empty_ids_and_read_every_place_slack_puts_them() -> None:
    assert actor_ids(sample("interactivity/java-MessageShortcutPayload.json")) == (set(), set())
    teams, enterprises = actor_ids({"team_id": "T1", "enterprise_id": "", "user": {"team_id": "T2"},
                                    "event": {"user_team": "T3", "source_team": "T4"},
                                    "enterprise": {"id": "E1"}})
    assert teams == {"T1", "T2", "T3", "T4"} and enterprises == {"E1"}
