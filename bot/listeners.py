"""The Bolt app's listeners: module-level functions, each a thin adapter (ack, call one function in
:mod:`bot.actions`, answer), registered in one place by :func:`register_listeners` (the layout of
bolt-python's ``examples/``). Their dependencies come from the request's context (``context["deps"]``,
put there by a middleware), so a listener is a plain function of the Slack payload.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import actions, blocks, views
from bot.actions import ActionError, BotDeps
from intake.domain.severity import Severity

log = logging.getLogger(__name__)

SHORTCUT_REQUEST = "sb_new_request"  # global shortcut
SHORTCUT_REPLY = "sb_reply_to_customer"  # message shortcut on a thread message
COMMAND = "/support"


def register_listeners(app: App, deps: BotDeps) -> None:
    """Every listener of the app, in one place."""
    @app.middleware
    def provide_deps(context: BoltContext, next: Callable[[], None]) -> None:  # Bolt passes arguments by name
        context["deps"] = deps
        next()

    # Ticket message buttons
    app.action(blocks.A_CLAIM)(on_claim)
    for action_id in MODAL_OF_BUTTON:
        app.action(action_id)(on_modal_button)
    app.action(blocks.A_MORE)(on_more)
    # Triage modals, the reply compose/preview pair
    for callback_id in TRIAGE_SUBMISSIONS:
        app.view(callback_id)(on_triage_submission)
    app.view(views.V_REPLY)(on_reply_compose)
    app.view(views.V_REPLY_PREVIEW)(on_reply_send)
    app.action(views.A_FIELDS_ORG)(on_fields_org)
    # "Reply to customer" on a thread message
    app.shortcut(SHORTCUT_REPLY)(on_reply_shortcut)
    # Requests from Slack: global shortcut, slash command, the request modal
    app.shortcut(SHORTCUT_REQUEST)(on_request_shortcut)
    app.command(COMMAND)(on_command)
    app.action(views.A_REQ_ORG)(on_request_answer)
    app.action(views.A_REQ_ANSWER)(on_request_answer)
    app.view(views.V_REQUEST)(on_request_submit)
    # Events
    app.event("app_mention")(on_mention)


def _deps(context: BoltContext) -> BotDeps:
    deps: BotDeps = context["deps"]
    return deps


# -- ticket message buttons ---------------------------------------------------------------------------------

def on_claim(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    try:
        actions.claim(_deps(context), _ticket_id(action.get("value")), user=_user(body))
    except ActionError as exc:
        _tell(client, body, str(exc))


# The buttons that open a modal, and which one.
MODAL_OF_BUTTON = {blocks.A_SEVERITY: "severity", blocks.A_FIELDS: "fields", blocks.A_REPLY: "reply",
                   blocks.A_REQUEST_INFO: "request_info"}


def on_modal_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                    context: BoltContext) -> None:
    ack()
    kind = MODAL_OF_BUTTON[action["action_id"]]
    try:
        view = _modal_for(_deps(context), kind, _ticket_id(action.get("value") or
                                                            (action.get("selected_option") or {}).get("value")))
    except ActionError as exc:
        view = _info_view("Not possible", str(exc))
    _open(client, body, view)


def on_more(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps = _deps(context)
    value = str((action.get("selected_option") or {}).get("value") or "")
    kind, _, raw_id = value.partition(":")
    try:
        view = _modal_for(deps, kind, _ticket_id(raw_id))
    except ActionError as exc:
        view = _info_view("Not possible", str(exc))
    opened = client.views_open(trigger_id=body["trigger_id"], view=view)
    if view.get("callback_id") == views.V_INCIDENT and deps.incidents is not None:
        _fill_incidents(deps, client, opened["view"], _ticket_id(raw_id))


# -- triage modals ------------------------------------------------------------------------------------------

Prepare = Callable[[BotDeps, dict[str, Any], Any, str], Callable[[], Any]]


def _set_severity(deps: BotDeps, values: dict[str, Any], ticket: Any, user: str) -> Callable[[], Any]:
    severity, reason = views.read_severity(values, maximum=actions.cap_of(ticket))
    return lambda: actions.set_severity(deps, ticket.id, severity, reason=reason, user=user)


def _set_fields(deps: BotDeps, values: dict[str, Any], ticket: Any, user: str) -> Callable[[], Any]:
    fields = views.read_fields(values, deps.registry)
    return lambda: actions.set_fields(deps, ticket.id, fields, user=user)


def _assign(deps: BotDeps, values: dict[str, Any], ticket: Any, user: str) -> Callable[[], Any]:
    assignee = views.read_assignee(values)
    return lambda: actions.assign(deps, ticket.id, assignee=assignee, user=user)


def _incident(deps: BotDeps, values: dict[str, Any], ticket: Any, user: str) -> Callable[[], Any]:
    incident = views.read_incident(values)
    return lambda: actions.link_incident(deps, ticket.id, incident=incident, user=user)


def _downgrade(deps: BotDeps, values: dict[str, Any], ticket: Any, user: str) -> Callable[[], Any]:
    reason = views.read_reason(values) or ""
    if ticket.effective_severity not in ("S1", "S2"):
        raise ActionError(f"Only S1/S2 requests are downgraded; {ticket.token} is {ticket.effective_severity}.")
    return lambda: actions.downgrade(deps, ticket.id, reason=reason, user=user)


def _close(deps: BotDeps, values: dict[str, Any], ticket: Any, user: str) -> Callable[[], Any]:
    reason = views.read_reason(values, required=False)
    return lambda: actions.close(deps, ticket.id, reason=reason, user=user)


# callback_id -> reads the modal's input and returns the work to run after the ack
TRIAGE_SUBMISSIONS: dict[str, Prepare] = {
    views.V_SEVERITY: _set_severity, views.V_FIELDS: _set_fields, views.V_ASSIGN: _assign,
    views.V_INCIDENT: _incident, views.V_DOWNGRADE: _downgrade, views.V_CLOSE: _close,
}


def on_triage_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
                         context: BoltContext) -> None:
    """A triage modal: validate the input against a read-only snapshot of the ticket (errors stay in
    the modal), ack, then run the transaction; a refusal that only the transaction can see (a race
    with another engineer) is told to the user ephemerally in the ticket's channel."""
    deps = _deps(context)
    prepare = TRIAGE_SUBMISSIONS[view["callback_id"]]
    meta = views.metadata(view)
    try:
        ticket = actions.load_ticket(deps, _ticket_id(meta.get("t")))
        if ticket.state == "closed":
            raise ActionError(f"{ticket.token} is closed.")
        work = prepare(deps, view["state"]["values"], ticket, _user(body))
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


# -- the reply to the customer: compose, then preview and send ------------------------------------------

def on_reply_compose(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    deps = _deps(context)
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


def on_reply_send(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    deps = _deps(context)
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


# -- message shortcut: "reply to customer" on a thread message -------------------------------------------

def on_reply_shortcut(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps = _deps(context)
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id")
    ticket = actions.ticket_for_thread(deps, channel, message.get("thread_ts") or message.get("ts"))
    if ticket is None:
        view = _info_view("Not a ticket thread",
                          "Use *Reply to customer* on a message in a ticket's thread.")
    else:
        view = _reply_view(ticket, "reply", initial=blocks.slack_to_plain(message.get("text")))
    _open(client, body, view)


# -- requests from Slack: global shortcut, slash command, the request modal ----------------------------------------------

def _open_request(deps: BotDeps, client: WebClient, trigger_id: str, origin: dict[str, Any]) -> None:
    client.views_open(trigger_id=trigger_id, view=views.request_modal(
        orgs=views.org_choices(deps.registry), answers=views.RequestAnswers(), maximum=None, origin=origin))


def on_request_shortcut(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _open_request(_deps(context), client, body["trigger_id"], {"c": None})


def on_command(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _open_request(_deps(context), client, body["trigger_id"], {"c": body.get("channel_id")})


def on_request_answer(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps = _deps(context)
    view = body.get("view") or {}
    answers = views.read_request_answers(view.get("state", {}).get("values", {}))
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=views.request_modal(
            orgs=views.org_choices(deps.registry), answers=answers,
            maximum=actions.request_cap(deps, answers.org), origin=views.metadata(view)))
    except SlackApiError as exc:
        # hash_conflict: the user changed another answer meanwhile; that change updates the view.
        log.info("request modal not updated: %s", exc.response.get("error"))


def on_fields_org(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps = _deps(context)
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


def on_request_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    deps = _deps(context)
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


# -- events ----------------------------------------------------------------------------------------------

def on_mention(event: dict[str, Any], client: WebClient, request: Any) -> None:
    # Slack redelivers an event it thinks we missed (X-Slack-Retry-Num); the first one answered.
    if request.headers.get("x-slack-retry-num"):
        return
    # Not a ticket message: a short help text in the mention's thread.
    client.chat_postMessage(
        channel=event["channel"], thread_ts=event.get("thread_ts") or event.get("ts"),
        text=f"Open a request with {COMMAND} or the *New support request* shortcut. In a ticket thread, "
             "messages stay internal; use *Reply to customer* to email the customer.")


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
