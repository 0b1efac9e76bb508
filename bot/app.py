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

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot import actions, blocks, views
from bot.actions import ActionError, BotDeps
from intake.domain.severity import Severity
from intake.policy_file import load_policy

log = logging.getLogger(__name__)

SHORTCUT_REQUEST = "sb_new_request"  # global shortcut
SHORTCUT_REPLY = "sb_reply_to_customer"  # message shortcut on a thread message
COMMAND = "/support"


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
        from bot.notifier import make_client

        client = make_client(settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url,
                             timeout=settings.http_timeout)
    if policy is None:

        policy = load_policy(settings.policy_path)
    if registry is None and getattr(settings, "customers_path", None) and settings.customers_path.exists():
        from intake.registry import load_registry

        registry = load_registry(settings.customers_path)
    if redactor is None:
        redactor = _redactor_from(settings)
    if incidents is None and getattr(settings, "statuspage_url", None):
        incidents = _incidents_from(settings)
    if hmac_key is None:
        settings.hmac_key()  # refuse to start with an empty or short key, not at the first request
    deps = BotDeps(factory=factory, policy=policy, registry=registry, support_address=settings.support_address,
                   redactor=redactor, hmac_key=hmac_key or settings.hmac_key, incidents=incidents,
                   clock=clock or (lambda: dt.datetime.now(dt.UTC)))
    from intake.logs import bolt_logger

    # Bolt's own loggers would log the body of a request that fails the signature check (at INFO):
    # the logger we pass is copied to all of them and cuts every message before a body.
    app = App(client=client, signing_secret=settings.slack_signing_secret.get_secret_value(),
              token_verification_enabled=False, process_before_response=False,
              ignoring_self_events_enabled=True, logger=bolt_logger())
    register_listeners(app, deps)
    return app


def build_asgi(settings: Any, *, factory: sessionmaker[Session]) -> Any:
    """The ASGI app the web process mounts at ``/slack`` (built by ``intake.wiring.slack_app``):
    ``/slack/events`` answers the Events API, interactivity, shortcuts and slash commands (one Request
    URL for all, as in the manifest); ``/slack/interactions`` is an alias. None when Slack is not
    configured at all; a half configuration fails loudly."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    from bot.http import starlette_endpoint

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
    from slack_bolt.middleware.authorization.single_team_authorization import SingleTeamAuthorization

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
        import httpx

        from intake.portal import PortalMonitor

        with httpx.Client(timeout=settings.http_timeout) as http:
            return PortalMonitor.from_settings(settings, http_client=http).unresolved_incidents()
    return fetch


# -- helpers -------------------------------------------------------------------------------------------------

def _ticket_id(value: Any) -> int:
    try:
        tid = int(str(value).rsplit(":", 1)[-1])
    except (TypeError, ValueError):
        raise ActionError("This button does not name a ticket.") from None
    if tid <= 0:
        raise ActionError("This button does not name a ticket.")
    return tid


def _user(body: dict[str, Any]) -> str:
    user = body.get("user") or {}
    return str(user.get("id") or body.get("user_id") or "unknown")


def _user_name(body: dict[str, Any]) -> str | None:
    user = body.get("user") or {}
    return user.get("name") or user.get("username") or body.get("user_name")


def _tell(client: WebClient, body: dict[str, Any], text: str, *, channel: str | None = None) -> None:
    """An answer only the acting user sees: ephemeral where there is a channel, else a DM from the app."""
    user = _user(body)
    channel = channel or (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    try:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            client.chat_postMessage(channel=user, text=text)
    except SlackApiError as exc:
        log.warning("could not tell %s: %s", user, exc.response.get("error"))


def _open(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _info_view(title: str, text: str) -> dict[str, Any]:
    return {"type": "modal", "title": blocks.plain(title, 24), "close": blocks.plain("Close", 24),
            "blocks": [{"type": "section", "text": blocks.mrkdwn(text)}]}


# -- listeners --------------------------------------------------------------------------------------------

def register_listeners(app: App, deps: BotDeps) -> None:  # noqa: C901 - a flat list of small listeners
    # Ticket message buttons ------------------------------------------------------------------------------
    @app.action(blocks.A_CLAIM)
    def on_claim(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            actions.claim(deps, _ticket_id(action.get("value")), user=_user(body))
        except ActionError as exc:
            _tell(client, body, str(exc))

    def open_for(kind: str) -> Callable[..., None]:
        def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
            ack()
            try:
                view = _modal_for(deps, kind, _ticket_id(action.get("value") or
                                                           (action.get("selected_option") or {}).get("value")))
            except ActionError as exc:
                view = _info_view("Not possible", str(exc))
            _open(client, body, view)
        return listener

    app.action(blocks.A_SEVERITY)(open_for("severity"))
    app.action(blocks.A_FIELDS)(open_for("fields"))
    app.action(blocks.A_REPLY)(open_for("reply"))
    app.action(blocks.A_REQUEST_INFO)(open_for("request_info"))

    @app.action(blocks.A_MORE)
    def on_more(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        value = str((action.get("selected_option") or {}).get("value") or "")
        kind, _, raw_id = value.partition(":")
        try:
            view = _modal_for(deps, kind, _ticket_id(raw_id))
        except ActionError as exc:
            view = _info_view("Not possible", str(exc))
        opened = client.views_open(trigger_id=body["trigger_id"], view=view)
        if view.get("callback_id") == views.V_INCIDENT and deps.incidents is not None:
            _fill_incidents(deps, client, opened["view"], _ticket_id(raw_id))

    # Modal submissions ---------------------------------------------------------------------------------------
    def submission(callback_id: str, prepare: Callable[[dict[str, Any], Any, str], Callable[[], Any]]) -> None:
        """A triage modal: validate the input against a read-only snapshot of the ticket (errors stay in
        the modal), ack, then run the transaction; a refusal that only the transaction can see (a race
        with another engineer) is told to the user ephemerally in the ticket's channel."""
        @app.view(callback_id)
        def listener(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
            meta = views.metadata(view)
            try:
                ticket = actions.load_ticket(deps, _ticket_id(meta.get("t")))
                if ticket.state == "closed":
                    raise ActionError(f"{ticket.token} is closed.")
                work = prepare(view["state"]["values"], ticket, _user(body))
            except views.ViewInputError as exc:
                ack(response_action="errors", errors=exc.errors)
                return
            except ActionError as exc:
                ack(response_action="errors", errors={_first_input(view): str(exc)})
                return
            ack()
            try:
                work()
            except ActionError as exc:
                _tell(client, body, f"{ticket.token}: not done: {exc}", channel=ticket.slack_channel)

    def _set_severity(values: dict[str, Any], ticket: Any, user: str) -> Callable[[], Any]:
        severity, reason = views.read_severity(values, maximum=actions.cap_of(ticket))
        return lambda: actions.set_severity(deps, ticket.id, severity, reason=reason, user=user)

    def _set_fields(values: dict[str, Any], ticket: Any, user: str) -> Callable[[], Any]:
        fields = views.read_fields(values, deps.registry)
        return lambda: actions.set_fields(deps, ticket.id, fields, user=user)

    def _assign(values: dict[str, Any], ticket: Any, user: str) -> Callable[[], Any]:
        assignee = views.read_assignee(values)
        return lambda: actions.assign(deps, ticket.id, assignee=assignee, user=user)

    def _incident(values: dict[str, Any], ticket: Any, user: str) -> Callable[[], Any]:
        incident = views.read_incident(values)
        return lambda: actions.link_incident(deps, ticket.id, incident=incident, user=user)

    def _downgrade(values: dict[str, Any], ticket: Any, user: str) -> Callable[[], Any]:
        reason = views.read_reason(values) or ""
        if ticket.effective_severity not in ("S1", "S2"):
            raise ActionError(f"Only S1/S2 requests are downgraded; {ticket.token} is {ticket.effective_severity}.")
        return lambda: actions.downgrade(deps, ticket.id, reason=reason, user=user)

    def _close(values: dict[str, Any], ticket: Any, user: str) -> Callable[[], Any]:
        reason = views.read_reason(values, required=False)
        return lambda: actions.close(deps, ticket.id, reason=reason, user=user)

    submission(views.V_SEVERITY, _set_severity)
    submission(views.V_FIELDS, _set_fields)
    submission(views.V_ASSIGN, _assign)
    submission(views.V_INCIDENT, _incident)
    submission(views.V_DOWNGRADE, _downgrade)
    submission(views.V_CLOSE, _close)

    @app.view(views.V_REPLY)
    def on_reply_compose(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = views.metadata(view)
        try:
            tid, kind = _ticket_id(meta.get("t")), str(meta.get("k") or "reply")
            if kind not in views.REPLY_KINDS:
                raise ActionError("Unknown reply kind.")
            text = views.read_reply(view["state"]["values"])
            preview = actions.preview_reply(deps, tid)
            ack(response_action="update", view=views.reply_preview(
                ticket_id=tid, kind=kind, to=preview.to, subject=preview.subject, text=text,
                first_response=preview.first_response))
        except views.ViewInputError as exc:
            ack(response_action="errors", errors=exc.errors)
        except ActionError as exc:
            ack(response_action="errors", errors={"text": str(exc)})

    @app.view(views.V_REPLY_PREVIEW)
    def on_reply_send(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        meta = views.metadata(view)
        try:
            tid, kind = _ticket_id(meta.get("t")), str(meta.get("k") or "reply")
            if kind not in views.REPLY_KINDS:
                raise ActionError("Unknown reply kind.")
            text = views.unpack_text(str(meta.get("x") or ""))
        except (ActionError, ValueError) as exc:
            ack(response_action="update", view=_info_view("Not sent", f"Nothing was sent: {exc}"))
            return
        try:
            # The view id is stable across the compose -> preview update: a double submit sends once.
            actions.send_reply(deps, tid, kind=kind, text=text, user=_user(body),
                               dedupe=f"email:slack:{view.get('id') or view.get('hash')}")
        except ActionError as exc:
            ack(response_action="update", view=_info_view("Not sent", f"Nothing was sent: {exc}"))
            return
        ack(response_action="clear")

    # Message shortcut: "Reply to customer" on a thread message ----------------------------------------------
    @app.shortcut(SHORTCUT_REPLY)
    def on_reply_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id")
        ticket = actions.ticket_for_thread(deps, channel, message.get("thread_ts") or message.get("ts"))
        if ticket is None:
            view = _info_view("Not a ticket thread",
                              "Use *Reply to customer* on a message in a ticket's thread.")
        else:
            view = _reply_view(ticket, "reply", initial=blocks.slack_to_plain(message.get("text")))
        _open(client, body, view)

    # Requests from Slack: global shortcut and slash command ------------------------------------------------------
    def open_request(client: WebClient, trigger_id: str, origin: dict[str, Any]) -> None:
        client.views_open(trigger_id=trigger_id, view=views.request_modal(
            orgs=views.org_choices(deps.registry), answers=views.RequestAnswers(), maximum=None, origin=origin))

    @app.shortcut(SHORTCUT_REQUEST)
    def on_request_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_request(client, body["trigger_id"], {"c": None})

    @app.command(COMMAND)
    def on_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_request(client, body["trigger_id"], {"c": body.get("channel_id")})

    def on_request_answer(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        answers = views.read_request_answers(view.get("state", {}).get("values", {}))
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=views.request_modal(
                orgs=views.org_choices(deps.registry), answers=answers,
                maximum=actions.request_cap(deps, answers.org), origin=views.metadata(view)))
        except SlackApiError as exc:
            # hash_conflict: the user changed another answer meanwhile; that change updates the view.
            log.info("request modal not updated: %s", exc.response.get("error"))

    @app.action(views.A_FIELDS_ORG)
    def on_fields_org(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        chosen = (action.get("selected_option") or {}).get("value")
        try:
            tid = _ticket_id(views.metadata(view).get("t"))
            ticket = actions.load_ticket(deps, tid)
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=views.fields_modal(
                ticket_id=tid, token=ticket.token, orgs=views.org_choices(deps.registry), organization=chosen,
                project=None))
        except ActionError as exc:
            log.info("fields modal not updated: %s", exc)
        except SlackApiError as exc:
            log.info("fields modal not updated: %s", exc.response.get("error"))

    app.action(views.A_REQ_ORG)(on_request_answer)
    app.action(views.A_REQ_ANSWER)(on_request_answer)

    @app.view(views.V_REQUEST)
    def on_request_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        try:
            request = views.read_request(values)
        except views.ViewInputError as exc:
            ack(response_action="errors", errors=_map_request_errors(exc.errors, values))
            return
        errors = actions.check_request(deps, request)
        if errors:
            ack(response_action="errors", errors=_map_request_errors(errors, values))
            return
        ack()  # the modal closes now; redaction (slow) runs after the ack
        origin = views.metadata(view)
        try:
            outcome = actions.submit_request(deps, request, user=_user(body), user_name=_user_name(body))
        except Exception:
            log.exception("request from Slack failed")
            _tell(client, body, "Your request could not be stored; nothing was kept. Please try again.",
                  channel=origin.get("c"))
            return
        if outcome.rejected_types:
            kinds = ", ".join(f"{k} ×{v}" for k, v in sorted(outcome.rejected_types.items()))
            _tell(client, body, (
                f":no_entry: Your request was not accepted: it contains personal data of third parties or "
                f"secrets ({kinds}). Nothing was kept. Please send it again in anonymized form (support "
                "terms: response targets do not apply to such requests)."), channel=origin.get("c"))
        else:
            _tell(client, body, f":white_check_mark: Request {outcome.token} received; the support team "
                                "sees it in the triage channel.", channel=origin.get("c"))

    # Events ----------------------------------------------------------------------------------------------------
    @app.event("app_mention")
    def on_mention(event: dict[str, Any], client: WebClient, request: Any) -> None:
        # Slack redelivers an event it thinks we missed (X-Slack-Retry-Num); the first one answered.
        if request.headers.get("x-slack-retry-num"):
            return
        # Not a ticket message: a short help text in the mention's thread.
        client.chat_postMessage(
            channel=event["channel"], thread_ts=event.get("thread_ts") or event.get("ts"),
            text=f"Open a request with {COMMAND} or the *New support request* shortcut. In a ticket thread, "
                 "messages stay internal; use *Reply to customer* to email the customer.")


def _fill_incidents(deps: BotDeps, client: WebClient, opened: dict[str, Any], ticket_id: int) -> None:
    """Read the status page (it may be slow or down) and update the open incident modal."""
    assert deps.incidents is not None
    ticket = actions.load_ticket(deps, ticket_id)
    found: list[Any] = []
    problem = None
    try:
        found = list(deps.incidents())
    except Exception as exc:  # the status page is optional here: say why and allow free text
        problem = str(exc)[:200] or type(exc).__name__
    choices = [views.IncidentChoice(i.id, i.name, i.status, getattr(i, "shortlink", None)) for i in found]
    if not choices and problem is None:
        problem = "no unresolved incidents"
    try:
        client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=views.incident_modal(
            ticket_id=ticket.id, token=ticket.token, incidents=choices, unavailable=problem))
    except SlackApiError as exc:  # closed meanwhile, or the engineer already typed and submitted
        log.info("incident modal not updated: %s", exc.response.get("error"))


def _first_input(view: dict[str, Any]) -> str:
    for block in view.get("blocks") or []:
        if block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return "reason"


def _map_request_errors(errors: dict[str, str], values: dict[str, Any]) -> dict[str, str]:
    """Errors keyed by the real block ids (severity/project blocks carry a suffix)."""
    out = {}
    for key, message in errors.items():
        if key == "severity":
            key = views.severity_block_id(values)
        elif key == "project":
            key = views.project_block_id(values)
        out[key] = message
    return out


def _reply_view(ticket: Any, kind: str, *, initial: str | None = None) -> dict[str, Any]:
    if kind == "out_of_scope":
        initial = initial or actions.EXPERT_SERVICES_REPLY
    note = None
    if kind == "request_info":
        note = "Asking for specific missing information counts as the initial response and sets the ticket " \
               "to *awaiting customer*."
    elif kind == "out_of_scope":
        note = "Sending this also closes the ticket."
    return views.reply_modal(ticket_id=ticket.id, token=ticket.token, kind=kind, to=ticket.sender_email,
                             initial=initial, note=note)


def _modal_for(deps: BotDeps, kind: str, ticket_id: int) -> dict[str, Any]:
    ticket = actions.load_ticket(deps, ticket_id)
    if ticket.state == "closed":
        raise ActionError(f"{ticket.token} is closed.")
    if kind == "severity":
        return views.severity_modal(ticket_id=ticket.id, token=ticket.token,
                                    current=Severity.parse(ticket.effective_severity),
                                    maximum=actions.cap_of(ticket))
    if kind == "fields":
        org = deps.registry.find_org(ticket.organization) if deps.registry is not None else None
        project = deps.registry.find_project(org, ticket.project) if org is not None else None
        return views.fields_modal(ticket_id=ticket.id, token=ticket.token, orgs=views.org_choices(deps.registry),
                                  organization=org.id if org else ticket.organization,
                                  project=project.id if project else ticket.project)
    if kind in ("reply", "request_info", "out_of_scope"):
        if not ticket.sender_email:
            raise ActionError(f"{ticket.token} has no customer email address to reply to.")
        return _reply_view(ticket, kind)
    if kind == views.V_ASSIGN or kind == blocks.MORE_ASSIGN:
        return views.assign_modal(ticket_id=ticket.id, token=ticket.token, current=ticket.assignee)
    if kind == blocks.MORE_INCIDENT:
        # The trigger id expires 3 s after the click: open at once, list the incidents by views.update.
        if deps.incidents is None:
            return views.incident_modal(ticket_id=ticket.id, token=ticket.token, incidents=[],
                                        unavailable="no status page configured")
        return views.incident_modal(ticket_id=ticket.id, token=ticket.token, incidents=[], loading=True)
    if kind == blocks.MORE_DOWNGRADE:
        if ticket.effective_severity not in ("S1", "S2"):
            raise ActionError(f"Only S1/S2 requests are downgraded; {ticket.token} is {ticket.effective_severity}.")
        return views.reason_modal(views.V_DOWNGRADE, ticket_id=ticket.id, token=ticket.token, title="Downgrade",
                                  intro=f"Downgrade *{ticket.token}* from {ticket.effective_severity} by one level "
                                        "(support terms: the customer must engage fully on S1/S2; without "
                                        "the information needed the vendor may downgrade).", submit="Downgrade")
    if kind == blocks.MORE_CLOSE:
        return views.reason_modal(views.V_CLOSE, ticket_id=ticket.id, token=ticket.token, title="Close ticket",
                                  intro=f"Close *{ticket.token}*.", submit="Close", required=False)
    raise ActionError(f"Unknown action {kind!r}.")
