"""The Bolt app: thin listeners (validate, call one function in :mod:`bot.actions`, reply).

HTTP mode runs inside the ``web`` process (request signatures verified by Bolt: unsigned, tampered or
stale requests get 401); :mod:`bot.http` adapts it to ASGI/WSGI at ``/slack/events``. Socket Mode
(``supportbot slack socket``) is for development. Every listener acks first; Slack calls (opening
modals, ephemeral answers), database transactions and slow work (redaction) run after the ack — Bolt
answers the HTTP request as soon as ``ack()`` is called and finishes the listener in its thread pool
(``process_before_response=False``). Triage modals validate against a read-only snapshot before the
ack, so bad input shows in the modal. The one exception is "Send email" in the reply preview: the
customer email is queued before the ack, so the engineer sees "sent" only when it is.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

import httpx
from slack_bolt import App
from slack_bolt.middleware.authorization.single_team_authorization import SingleTeamAuthorization
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.routing import Route

from bot.actions import BotDeps
from bot.http import starlette_endpoint
from bot.listeners import COMMAND, SHORTCUT_REPLY, SHORTCUT_REQUEST, register_listeners
from bot.notifier import make_client
from bot.workspace import workspace_guard
from intake.logs import bolt_logger
from intake.policy_file import load_policy
from intake.portal import PortalMonitor
from intake.registry import load_registry
from intake.store.db import read_session_factory

log = logging.getLogger(__name__)



class SlackConfigError(ValueError):
    """The Slack app cannot start: names the setting and the reason."""


def build_app(settings: Any, *, factory: sessionmaker[Session], client: WebClient | None = None,
              policy: Any = None, registry: Any = None, redactor: Callable[[], Any] | None = None,
              incidents: Callable[[], list[Any]] | None = None, clock: Callable[[], dt.datetime] | None = None,
              hmac_key: Callable[[], bytes] | None = None) -> App:
    """The Bolt app wired from settings; every dependency may be passed in (tests swap the lowest layer)."""
    if settings.slack_signing_secret is None:
        raise SlackConfigError("SLACK_SIGNING_SECRET is not set: Slack requests cannot be verified")
    if client is None:
        if settings.slack_bot_token is None:
            raise SlackConfigError("SLACK_BOT_TOKEN is not set")
        client = make_client(settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url,
                             timeout=settings.http_timeout)
    if policy is None:

        policy = load_policy(settings.policy_path)
    if registry is None and getattr(settings, "customers_path", None) and settings.customers_path.exists():
        registry = load_registry(settings.customers_path)
    if redactor is None:
        redactor = _redactor_from(settings)
    if incidents is None and getattr(settings, "statuspage_url", None):
        incidents = _incidents_from(settings)
    if hmac_key is None:
        settings.hmac_key()  # refuse to start with an empty or short key, not at the first request
    deps = BotDeps(factory=factory, policy=policy, registry=registry, support_address=settings.support_address,
                   redactor=redactor, hmac_key=hmac_key or settings.hmac_key, incidents=incidents,
                   clock=clock or (lambda: dt.datetime.now(dt.UTC)), reads=read_session_factory(factory))
    # Bolt's own loggers would log the body of a request that fails the signature check (at INFO):
    # the logger we pass is copied to all of them and cuts every message before a body.
    app = App(client=client, signing_secret=settings.slack_signing_secret.get_secret_value(),
              token_verification_enabled=False, process_before_response=False,
              ignoring_self_events_enabled=True, logger=bolt_logger())
    # Before every listener: people of another organization in a Slack Connect channel don't triage.
    app.middleware(workspace_guard(team_id=getattr(settings, "slack_team_id", None),
                                   enterprise_id=getattr(settings, "slack_enterprise_id", None)))
    register_listeners(app, deps)
    return app


def build_asgi(settings: Any, *, factory: sessionmaker[Session]) -> Any:
    """The ASGI app the web process mounts at ``/slack`` (built by ``intake.wiring.slack_app``):
    ``/slack/events`` answers the Events API, interactivity, shortcuts and slash commands (one Request
    URL for all, as in the manifest); ``/slack/interactions`` is an alias. None when Slack is not
    configured at all; a half configuration fails loudly."""
    configured = [settings.slack_bot_token is not None, settings.slack_signing_secret is not None]
    if not any(configured):
        log.info("Slack not configured (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET): /slack/events is off")
        return None
    app = build_app(settings, factory=factory)
    # The spaCy model takes seconds to load, and Bolt's first request would wait for auth.test:
    # warm both now (in the background: the web pages must not depend on Slack being reachable).
    threading.Thread(target=_warm_redactor, args=(settings,), name="redactor-warmup", daemon=True).start()
    threading.Thread(target=warm_authorization, args=(app,), name="slack-auth-warmup", daemon=True).start()
    endpoint = starlette_endpoint(app)
    return Starlette(routes=[Route("/events", endpoint, methods=["POST"]),
                             Route("/interactions", endpoint, methods=["POST"])])


def warm_authorization(app: App) -> bool:
    """Call auth.test once and hand the result to Bolt's single-team authorization, which otherwise
    calls it inside the first request, before that request's ack. False when Slack didn't answer
    (the first request then tries again)."""
    try:
        result = app.client.auth_test()
    except (SlackApiError, OSError) as exc:
        log.warning("Slack auth.test failed at start-up: %s", getattr(exc, "response", exc))
        return False
    for middleware in app._middleware_list:  # Bolt keeps the instance here; no public setter
        if isinstance(middleware, SingleTeamAuthorization) and middleware.auth_test_result is None:
            middleware.auth_test_result = result
    return True


def _warm_redactor(settings: Any) -> None:
    try:
        _redactor_from(settings)()
    except Exception:  # reported again (and loudly) on first use
        log.exception("redaction engine failed to load")


def _redactor_from(settings: Any) -> Callable[[], Any]:
    """The process-wide redactor for these settings, built on first use (the spaCy model is large)."""
    def get() -> Any:
        from redaction.engine import get_redactor

        model = settings.redaction_model_override
        return get_redactor(settings.redaction_config, model=model)
    return get


def _incidents_from(settings: Any) -> Callable[[], list[Any]]:
    def fetch() -> list[Any]:
        with httpx.Client(timeout=settings.http_timeout) as http:
            return PortalMonitor.from_settings(settings, http_client=http).unresolved_incidents()
    return fetch


__all__ = ["COMMAND", "SHORTCUT_REPLY", "SHORTCUT_REQUEST", "SlackConfigError", "build_app", "build_asgi"]
