"""Only requests signed by Slack get in: unsigned, tampered or stale requests are answered 401."""

from __future__ import annotations

import io
import json
import time
from typing import Any

from slack_sdk.signature import SignatureVerifier

from bot.http import PATH, wsgi_app
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


def test_wsgi_adapter_verifies_signatures_too(bot_app: Any) -> None:
    application = wsgi_app(bot_app)
    body = json.dumps(sample("events/url_verification.json")).encode()

    def call(headers: dict[str, str]) -> str:
        status: list[str] = []
        environ = {"PATH_INFO": PATH, "REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(body)),
                   "CONTENT_TYPE": "application/json", "wsgi.input": io.BytesIO(body), "QUERY_STRING": "",
                   **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}}
        b"".join(application(environ, lambda s, h: status.append(s)))
        return status[0]

    ts = str(int(time.time()))
    good = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body.decode())
    assert call({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": good}).startswith("200")
    assert call({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + "0" * 64}).startswith("401")
    assert call({}).startswith("401")
