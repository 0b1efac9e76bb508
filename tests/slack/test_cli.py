"""``supportbot slack ...`` and the manifest: minimal scopes, ids that match the app's listeners."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from bot.app import COMMAND, SHORTCUT_REPLY, SHORTCUT_REQUEST
from bot.cli import MANIFEST
from intake.cli import main
from intake.settings import ROOT, get_settings
from tests.peers.slack import CHANNEL, SIGNING_SECRET, TOKEN, FakeSlack

MINIMAL_SCOPES = ["chat:write", "commands", "app_mentions:read", "channels:history"]  # history: crash recovery only


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _run(args: list[str], env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def test_manifest_has_minimal_scopes_and_the_apps_callback_ids(fresh_settings: None) -> None:
    result = _run(["slack", "manifest", "--url", "https://support.vendor.example"])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(result.output)
    assert manifest["oauth_config"]["scopes"]["bot"] == MINIMAL_SCOPES
    shortcuts = {s["callback_id"]: s["type"] for s in manifest["features"]["shortcuts"]}
    assert shortcuts == {SHORTCUT_REQUEST: "global", SHORTCUT_REPLY: "message"}
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND]
    url = "https://support.vendor.example/slack/events"
    assert manifest["settings"]["event_subscriptions"]["request_url"] == url
    assert manifest["settings"]["interactivity"]["request_url"] == url
    assert manifest["features"]["slash_commands"][0]["url"] == url
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_mention"]


def test_manifest_for_socket_mode_and_a_bad_url(fresh_settings: None) -> None:
    manifest = yaml.safe_load(_run(["slack", "manifest", "--socket-mode"]).output)
    assert manifest["settings"]["socket_mode_enabled"] is True
    bad = CliRunner().invoke(main, ["slack", "manifest", "--url", "http://insecure.example"])
    assert bad.exit_code == 2 and "https://" in bad.output


def test_docs_list_the_same_scopes_as_the_manifest() -> None:
    docs = (ROOT / "docs" / "slack.md").read_text()
    manifest = yaml.safe_load(MANIFEST.read_text())
    for scope in manifest["oauth_config"]["scopes"]["bot"]:
        assert f"`{scope}`" in docs


def test_slack_check_calls_auth_test(fresh_settings: None, slack_api: FakeSlack) -> None:
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SUPPORTBOT_SLACK_TRIAGE_CHANNEL": CHANNEL, "SUPPORTBOT_SLACK_API_URL": slack_api.base_url}
    result = _run(["slack", "check"], env=env)
    assert result.exit_code == 0, result.output
    assert "U0BOTINTK1" in result.output and CHANNEL in result.output
    assert [c.method for c in slack_api.calls] == ["auth.test"]


def test_slack_check_names_what_is_missing(fresh_settings: None) -> None:
    result = CliRunner().invoke(main, ["slack", "check"], env={"SLACK_BOT_TOKEN": TOKEN})
    assert result.exit_code == 1
    assert "SLACK_SIGNING_SECRET" in result.output and "SUPPORTBOT_SLACK_TRIAGE_CHANNEL" in result.output


def test_socket_mode_without_an_app_token_fails_loudly(fresh_settings: None) -> None:
    result = CliRunner().invoke(main, ["slack", "socket"], env={"SLACK_BOT_TOKEN": TOKEN})
    assert result.exit_code == 1 and "SLACK_APP_TOKEN" in result.output


def test_supportbot_check_reports_the_slack_settings(fresh_settings: None) -> None:
    off = CliRunner().invoke(main, ["check"])
    assert "ok   slack: not configured" in off.output
    get_settings.cache_clear()
    half = CliRunner().invoke(main, ["check"], env={"SLACK_BOT_TOKEN": "xoxp-user-token"})
    assert half.exit_code == 1
    assert "FAIL slack:" in half.output and "not a bot token" in half.output
