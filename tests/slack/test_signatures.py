"""Only requests signed by Slack get in: unsigned, tampered or stale requests are answered 401."""

from __future__ import annotations

import json
import time
from typing import Any

from slack_sdk.signature import SignatureVerifier

from tests.peers.slack import SIGNING_SECRET, FakeSlack
from tests.slack.conftest import SlackSender, block_action, sample


def test_url_verification_returns_the_challenge(slack: SlackSender) -> None:
    envelope = sample("events/url_verification.json")
    resp = slack.event(envelope)
    assert resp.status_code == 200
    assert envelope["challenge"] in resp.text


def test_unsigned_request_is_401(slack: SlackSender, slack_api: FakeSlack) -> None:
    resp = slack.interaction(block_action("ticket_claim", value="1"), sign=False)
    assert resp.status_code == 401
    assert slack_api.calls == []


def test_tampered_body_is_401(slack: SlackSender) -> None:
    body = json.dumps(sample("events/url_verification.json"))
    ts = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
    tampered = body.replace("challenge", "Challenge", 1)
    resp = slack.post(tampered, "application/json", timestamp=int(ts), signature=signature)
    assert resp.status_code == 401


def test_request_signed_with_another_secret_is_401(slack: SlackSender) -> None:
    other = SlackSender(slack.url, secret="not-the-secret")
    assert other.event(sample("events/url_verification.json")).status_code == 401


def test_stale_timestamp_is_401_even_with_a_valid_signature(slack: SlackSender) -> None:
    resp = slack.event(sample("events/url_verification.json"), timestamp=int(time.time()) - 6 * 60)
    assert resp.status_code == 401


def test_app_mention_event_is_acked_and_answered_in_its_thread(slack: SlackSender, slack_api: FakeSlack) -> None:
    envelope = sample("events/app_mention.json")
    resp = slack.event(envelope)
    assert resp.status_code == 200
    reply = slack_api.wait_for("chat.postMessage")[0]
    assert reply.params["thread_ts"] == envelope["event"]["ts"]
    assert "/support" in reply.params["text"]


def test_the_ack_does_not_wait_for_slow_slack_calls(slack: SlackSender, slack_api: FakeSlack,
                                                   bot_app: Any) -> None:
    from bot.app import warm_authorization

    assert warm_authorization(bot_app)  # what build_asgi does at start-up (auth.test, once)
    slack_api.delay = 2.0  # from now on every Web API call takes 2 s
    start = time.monotonic()
    resp = slack.command({"token": "x", "team_id": "T0SUPPORT1", "channel_id": "C0SUPPORT1", "user_id": "U0CUSTMR01",
                          "user_name": "carla", "command": "/support", "text": "", "api_app_id": "A0INTAKE01",
                          "response_url": "https://hooks.slack.com/commands/1", "trigger_id": "1.2.3"})
    acked = time.monotonic() - start
    assert resp.status_code == 200 and acked < 1.0  # views.open runs after the ack
    slack_api.wait_for("views.open", timeout=10)
