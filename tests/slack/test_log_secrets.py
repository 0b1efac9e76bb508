"""Nothing a user typed reaches the log: not through Bolt's logging of refused requests, not URL-encoded.

A stale (replayed) ``/support`` submission is refused 401 by Bolt's signature check, which logs the
request at INFO; the body held an email address and a URL-encoded password."""

from __future__ import annotations

import io
import json
import logging
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from intake.logs import scrub, setup_logging
from tests.slack.conftest import SlackSender

ADDRESS = "erika.mustermann@example.org"
PASSWORD = "Hunter2&Sommer=2026!"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """The production logging set-up (``supportbot web`` at INFO), writing into a buffer."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    setup_logging("INFO", "text")
    out = io.StringIO()
    root.handlers[0].setStream(out)  # type: ignore[attr-defined]
    yield out
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def _stale_submission(secret_text: str) -> dict[str, Any]:
    return {"type": "view_submission", "team": {"id": "T0SUPPORT1", "domain": "example-support"},
            "user": {"id": "U0CARLA001", "username": "carla", "team_id": "T0SUPPORT1"},
            "view": {"id": "V0REQ00001", "callback_id": "sb_request", "state": {"values": {
                "description": {"description": {"type": "plain_text_input", "value": secret_text}}}}}}


def test_a_stale_support_submission_never_puts_what_was_typed_into_the_log(
        log_output: io.StringIO, slack: SlackSender) -> None:
    text = f"Please reset the account of {ADDRESS}, password {PASSWORD}"
    resp = slack.interaction(_stale_submission(text), timestamp=int(time.time()) - 10 * 60)
    assert resp.status_code == 401
    logged = log_output.getvalue()
    assert "refused" in logged, logged  # the refusal itself is logged
    for needle in (ADDRESS, PASSWORD, urllib.parse.quote(ADDRESS), urllib.parse.quote(PASSWORD),
                   urllib.parse.quote_plus(PASSWORD), "erika", "Hunter2", "Sommer"):
        assert needle not in logged, f"{needle!r} reached the log:\n{logged}"


def test_an_unsigned_slash_command_is_refused_without_logging_its_text(
        log_output: io.StringIO, slack: SlackSender) -> None:
    form = {"command": "/support", "team_id": "T0SUPPORT1", "user_id": "U0CARLA001",
            "text": f"mail {ADDRESS} pw={PASSWORD}", "trigger_id": "1.2.3"}
    assert slack.command(form, sign=False).status_code == 401
    logged = log_output.getvalue()
    assert "erika" not in logged and "Hunter2" not in logged, logged


@pytest.mark.parametrize("line", [
    "body: payload=" + urllib.parse.quote(json.dumps({"text": f"{ADDRESS} password={PASSWORD}"})),
    "text=contact+" + urllib.parse.quote_plus(ADDRESS) + "&password=" + urllib.parse.quote_plus(PASSWORD),
    f'{{"password": "{PASSWORD}", "mail": "{ADDRESS}"}}',
])
def test_scrubbing_happens_after_url_decoding(line: str) -> None:
    out = scrub(line)
    assert "erika" not in out and "Hunter2" not in out and "[scrubbed]" in out, out


@pytest.mark.parametrize("line", ["web listening on http://127.0.0.1:8000", "POST /signin 303 12.5ms",
                                  "outbox item 7 done after 2 attempts (100% of budget)"])
def test_ordinary_log_lines_pass_unchanged(line: str) -> None:
    assert scrub(line) == line


def test_bolt_loggers_cut_their_messages_before_the_body() -> None:
    from slack_bolt import App
    from slack_bolt.middleware.request_verification import RequestVerification
    from slack_sdk import WebClient

    from intake.logs import bolt_logger

    app = App(signing_secret="s" * 32, token_verification_enabled=False, client=WebClient(token="xoxb-t"),
              logger=bolt_logger())
    verification = next(m for m in app._middleware_list if isinstance(m, RequestVerification))
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    verification.logger.addHandler(handler)
    level = verification.logger.level
    verification.logger.setLevel(logging.INFO)  # as if an operator turned Bolt's logging up
    try:
        body = "payload=" + urllib.parse.quote(json.dumps({"text": f"{ADDRESS} {PASSWORD}"}))
        verification._debug_log_error("v0=abc", "1700000000", body)
    finally:
        verification.logger.removeHandler(handler)
        verification.logger.setLevel(level)
    logged = out.getvalue()
    assert logged.startswith("Invalid request signature detected") and "not logged" in logged, logged
    assert "erika" not in logged and "payload" not in logged
