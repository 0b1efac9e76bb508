"""``supportbot slack ...``: the manifest, Socket Mode for development, a connection check."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Any

import click

from intake.commands import config_check, install_stop_handlers, settings_of
from intake.settings import CONFIG_DIR, Settings

log = logging.getLogger(__name__)

MANIFEST = CONFIG_DIR / "slack-manifest.yml"
PLACEHOLDER = "https://supportbot.example.com"


def render_manifest(text: str, *, url: str | None, socket_mode: bool) -> str:
    """The manifest with the public base URL filled in (or Socket Mode switched on)."""
    if url is not None:
        if not re.fullmatch(r"https://[^\s/]+(/[^\s]*)?", url):
            raise ValueError(f"--url must be an https:// base URL, got {url!r}")
        text = text.replace(PLACEHOLDER, url.rstrip("/"))
    if socket_mode:
        text = text.replace("socket_mode_enabled: false", "socket_mode_enabled: true")
    return text


def register(group: click.Group) -> None:
    @group.group("slack")
    def slack() -> None:
        """The Slack app: manifest, Socket Mode (development), connection check."""

    @slack.command("manifest")
    @click.option("--url", default=None, help="Public base URL of the web process (https://...).")
    @click.option("--socket-mode", is_flag=True, help="Enable Socket Mode (development, no public URL).")
    @click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=MANIFEST,
                  show_default=True)
    def manifest(url: str | None, socket_mode: bool, path: Path) -> None:
        """Print the app manifest to paste into "Create New App -> From an app manifest"."""
        try:
            click.echo(render_manifest(path.read_text(encoding="utf-8"), url=url, socket_mode=socket_mode), nl=False)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None

    @slack.command("socket")
    @click.pass_context
    def socket(ctx: click.Context) -> None:
        """Run the Bolt app over Socket Mode (development): needs SLACK_APP_TOKEN (xapp-...)."""
        settings = settings_of(ctx)
        stop = threading.Event()
        install_stop_handlers(stop)
        try:
            run_socket_mode(settings, stop=stop, on_connected=lambda: click.echo(
                "Socket Mode connected; Ctrl-C stops.", err=True))
        except SocketModeError as exc:
            raise click.ClickException(str(exc)) from None

    @slack.command("check")
    @click.pass_context
    def check(ctx: click.Context) -> None:
        """Call auth.test with the bot token and show where ticket messages go."""
        settings = settings_of(ctx)
        problems = slack_settings_problems(settings)
        if problems:
            raise click.ClickException("; ".join(problems))
        # The Slack client and the Bolt app load only for the commands that talk to Slack.
        from slack_sdk.errors import SlackApiError

        from bot.notifier import make_client

        assert settings.slack_bot_token is not None
        client = make_client(settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url,
                             timeout=settings.http_timeout)
        try:
            who = client.auth_test()
        except SlackApiError as exc:
            raise click.ClickException(f"auth.test failed: {exc.response.get('error')}") from None
        except OSError as exc:
            raise click.ClickException(f"Slack unreachable at {settings.slack_api_url}: {exc}") from None
        click.echo(f"ok: bot {who.get('user')} ({who.get('user_id')}) in team {who.get('team')}; "
                   f"ticket messages go to {settings.slack_triage_channel}")

    @config_check("slack")
    def _check_slack(settings: Settings) -> str:
        problems = slack_settings_problems(settings, required=False)
        if problems:
            raise ValueError("; ".join(problems))
        if settings.slack_bot_token is None:
            return "not configured (ticket messages stay queued in the outbox)"
        return f"triage channel {settings.slack_triage_channel}, API {settings.slack_api_url}"


def slack_settings_problems(settings: Settings, *, required: bool = True) -> list[str]:
    """What is wrong with the Slack settings (empty when Slack is fully configured, or entirely off
    and not ``required``)."""
    token, secret, channel = settings.slack_bot_token, settings.slack_signing_secret, settings.slack_triage_channel
    if not required and token is None and secret is None and not channel:
        return []
    problems = []
    if token is None:
        problems.append("SLACK_BOT_TOKEN is not set")
    elif not token.get_secret_value().startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN is not a bot token (xoxb-...)")
    if secret is None:
        problems.append("SLACK_SIGNING_SECRET is not set (requests from Slack can't be verified)")
    if not channel:
        problems.append("SUPPORTBOT_SLACK_TRIAGE_CHANNEL is not set (where ticket messages go)")
    return problems


class SocketModeError(RuntimeError):
    """Socket Mode cannot start: names the setting and the reason."""


def run_socket_mode(settings: Settings, *, stop: threading.Event, factory: Any = None,
                    on_connected: Any = None) -> None:
    """Serve the Bolt app over a Socket Mode WebSocket until ``stop`` is set (development: no public
    URL needed; the worker still delivers ticket messages through the outbox)."""
    if settings.slack_app_token is None:
        raise SocketModeError("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token "
                              "(xapp-..., scope connections:write)")
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import SlackConfigError, build_app, warm_authorization

    engine = None
    if factory is None:
        from intake.store.db import make_engine, session_factory

        engine = make_engine(settings.effective_database_url)
        factory = session_factory(engine)
    try:
        try:
            app = build_app(settings, factory=factory)
        except SlackConfigError as exc:
            raise SocketModeError(str(exc)) from None
        warm_authorization(app)  # auth.test once now, not inside the first envelope's ack
        handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
        handler.connect()  # type: ignore[no-untyped-call]
        if on_connected is not None:
            on_connected()
        try:
            stop.wait()
        finally:
            handler.close()  # type: ignore[no-untyped-call]
            app.listener_runner.listener_executor.shutdown(wait=True)
    finally:
        if engine is not None:
            engine.dispose()
