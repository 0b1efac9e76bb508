"""The bot as the web process serves it: ``intake.web.app.create_app`` with ``bot.app.build_asgi``
mounted at ``/slack``, wired from settings alone (client, policy, registry, redactor), over real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from bot import blocks, views
from bot.app import build_asgi
from intake.domain.policy import Policy
from intake.outbox import Dispatcher
from intake.settings import load_settings
from tests.peers.slack import FakeSlack
from tests.slack.conftest import Clock, SlackSender, block_action, drain, new_ticket, opened_view, sample


@pytest.fixture
def web_url(settings: Any, factory: sessionmaker[Session]) -> Iterator[str]:
    from intake.web.app import create_app

    slack_app = build_asgi(settings, factory=factory)
    assert slack_app is not None
    web = create_app(settings, factory=factory, slack_app=slack_app, health_checks={})
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(web, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=5)


def test_web_process_serves_signed_slack_requests_and_refuses_unsigned_ones(
        web_url: str, slack_api: FakeSlack, factory: sessionmaker[Session], policy: Policy, clock: Clock,
        dispatcher: Dispatcher) -> None:
    sender = SlackSender(web_url + "/slack/events")
    challenge = sample("events/url_verification.json")
    assert sender.event(challenge).status_code == 200
    assert sender.event(challenge, sign=False).status_code == 401
    tid = new_ticket(factory, policy, clock)
    drain(dispatcher, clock)
    resp = sender.interaction(block_action(blocks.A_SEVERITY, value=str(tid)))
    assert resp.status_code == 200
    assert opened_view(slack_api)["callback_id"] == views.V_SEVERITY
    # The interactivity alias answers too.
    alias = SlackSender(web_url + "/slack/interactions")
    assert alias.interaction(block_action(blocks.A_SEVERITY, value=str(tid))).status_code == 200
    slack_api.wait_for("views.open", 2)


def test_build_asgi_is_off_without_slack_settings_and_refuses_half_a_configuration(
        factory: sessionmaker[Session]) -> None:
    from bot.app import SlackConfigError

    assert build_asgi(load_settings(), factory=factory) is None
    with pytest.raises(SlackConfigError, match="SLACK_SIGNING_SECRET"):
        build_asgi(load_settings(slack_bot_token="xoxb-1"), factory=factory)


def test_requests_through_the_web_process_use_the_configured_redaction(
        web_url: str, slack_api: FakeSlack, factory: sessionmaker[Session]) -> None:
    from sqlalchemy import func, select

    from intake.store.models import RedactionLogEntry, Ticket
    from tests.slack.test_requests import _answers, _command, _submission, _wait_for_ephemeral_or_dm

    sender = SlackSender(web_url + "/slack/events")
    assert sender.command(_command()).status_code == 200
    view = opened_view(slack_api)
    sender.interaction(_submission(view, _answers(
        view=view, description="Please call our shopper Maria Gonzalez at +34 612 345 678 about order 1182.")))
    told = _wait_for_ephemeral_or_dm(slack_api)
    assert "not accepted" in told and "Maria" not in told
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0
        assert s.scalar(select(func.count()).select_from(RedactionLogEntry)) == 1
