"""Modals (Block Kit views) for triage and for requests from Slack: pure builders and state readers.

Each modal carries what it acts on in ``private_metadata`` (JSON, at most 3000 characters, Slack's
limit). ``read_*`` functions turn a ``view_submission`` payload's ``view.state.values`` into plain
values and return field errors in the shape of ``response_action: errors``; they never call Slack.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks import escape, mrkdwn, plain, severity_definitions, severity_label, truncate
from intake.domain.severity import DEFINITIONS, Severity, suggest_severity

V_SEVERITY = "sb_severity"
V_FIELDS = "sb_fields"
V_ASSIGN = "sb_assign"
V_INCIDENT = "sb_incident"
V_DOWNGRADE = "sb_downgrade"
V_CLOSE = "sb_close"
V_REPLY = "sb_reply"  # compose: reply / request information / out of scope
V_REPLY_PREVIEW = "sb_reply_preview"
V_REQUEST = "sb_request"  # a new request from Slack (shortcut / slash command)

# Request modal: these inputs dispatch block_actions so the suggested severity follows the answers.
A_REQ_ORG = "req_org"
A_FIELDS_ORG = "fields_org"
A_REQ_ANSWER = "req_answer"
A_REQ_PRODUCTION, A_REQ_STOPPED, A_REQ_WORKAROUND = "production", "business_stopped", "workaround"

REPLY_MAX = 3000  # plain_text_input max_length (Slack's ceiling)
METADATA_MAX = 3000
SELECT_MAX = 100  # options per select / option groups per select


class ViewInputError(ValueError):
    """Field errors for ``response_action: errors`` (block_id -> message)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _modal(callback_id: str, title: str, blocks: list[dict[str, Any]], *, submit: str | None,
           metadata: dict[str, Any] | None = None, close: str = "Cancel") -> dict[str, Any]:
    view: dict[str, Any] = {"type": "modal", "callback_id": callback_id, "title": plain(title, 24),
                            "close": plain(close, 24), "blocks": blocks}
    if submit:
        view["submit"] = plain(submit, 24)
    if metadata is not None:
        text = json.dumps(metadata, separators=(",", ":"))
        if len(text) > METADATA_MAX:
            raise ValueError(f"private_metadata of {callback_id} is {len(text)} characters (max {METADATA_MAX})")
        view["private_metadata"] = text
    return view


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The JSON in a view's private_metadata ({} when empty or not ours)."""
    raw = view.get("private_metadata") or ""
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _value(values: dict[str, Any], block_id: str, action_id: str) -> Any:
    """A submitted value: text, selected option value, selected user, or None."""
    for bid, actions in values.items():
        if bid != block_id and not bid.startswith(block_id + ":"):
            continue
        element = actions.get(action_id) or {}
        kind = element.get("type")
        if kind in ("static_select", "external_select", "radio_buttons"):
            opt = element.get("selected_option")
            return opt.get("value") if opt else None
        if kind == "users_select":
            return element.get("selected_user")
        return element.get("value")
    return None


def _option(text: str, value: str, description: str | None = None) -> dict[str, Any]:
    opt: dict[str, Any] = {"text": plain(text, 75), "value": value}
    if description:
        opt["description"] = plain(description, 75)
    return opt


def _severity_options(maximum: Severity | None) -> list[dict[str, Any]]:
    return [_option(severity_label(s), s.name, truncate(DEFINITIONS[s].meaning, 75))
            for s in Severity if maximum is None or not s.is_higher_than(maximum)]


def _text_input(block_id: str, label: str, *, action_id: str = "value", multiline: bool = False,
                optional: bool = False, initial: str | None = None, max_length: int | None = None,
                placeholder: str | None = None, hint: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": action_id, "multiline": multiline}
    if initial:
        element["initial_value"] = initial[: max_length or REPLY_MAX]
    if max_length:
        element["max_length"] = max_length
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "label": plain(label, 2000),
                             "element": element, "optional": optional}
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


# -- severity -----------------------------------------------------------------------------------------------

def severity_modal(*, ticket_id: int, token: str, current: Severity, maximum: Severity | None) -> dict[str, Any]:
    """Set the effective severity: the S1-S4 definitions shown, levels above the cap not offered."""
    options = _severity_options(maximum)
    initial = next((o for o in options if o["value"] == current.name), None)
    select: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": options,
                              "placeholder": plain("Choose a severity")}
    if initial:
        select["initial_option"] = initial
    cap_note = (f"Maximum for this product/component: *{maximum.name}*; higher levels are not offered."
                if maximum else "No maximum severity applies to this product/component.")
    blocks = [
        {"type": "section", "text": mrkdwn(f"*{token}* is *{severity_label(current)}*. {cap_note}")},
        *severity_definitions(maximum),
        {"type": "input", "block_id": "severity", "label": plain("Effective severity"), "element": select},
        _text_input("reason", "Reason (kept in the ticket's history)", multiline=True, max_length=500),
    ]
    return _modal(V_SEVERITY, "Set severity", blocks, submit="Set severity", metadata={"t": ticket_id})


def read_severity(values: dict[str, Any], *, maximum: Severity | None) -> tuple[Severity, str]:
    raw, reason = _value(values, "severity", "value"), (_value(values, "reason", "value") or "").strip()
    errors = {}
    try:
        sev = Severity.parse(raw or "")
    except ValueError:
        errors["severity"] = "Choose a severity."
        sev = Severity.S4
    if maximum is not None and sev.is_higher_than(maximum):
        errors["severity"] = f"{sev.name} is above this component's maximum ({maximum.name})."
    if not reason:
        errors["reason"] = "Say why (the customer may ask)."
    if errors:
        raise ViewInputError(errors)
    return sev, reason


# -- organization and project ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class OrgChoice:
    """What the modals need of a registry organization."""

    id: str
    name: str
    projects: tuple[tuple[str, str], ...]  # (id, name)
    max_severity: Severity | None = None


def org_choices(registry: Any) -> list[OrgChoice]:
    """The registry's organizations as modal choices (``intake.registry.Registry`` or None)."""
    if registry is None:
        return []
    return [OrgChoice(o.id, o.name, tuple((p.id, p.name) for p in o.projects), o.max_severity)
            for o in registry.organizations]


def _org_select(orgs: Sequence[OrgChoice], initial: str | None, *, action_id: str = "value",
                dispatch: bool = False) -> dict[str, Any]:
    options = [_option(o.name, o.id, o.id) for o in orgs[:SELECT_MAX]]
    select: dict[str, Any] = {"type": "static_select", "action_id": action_id, "options": options,
                              "placeholder": plain("Organization")}
    chosen = next((o for o in options if initial and o["value"].casefold() == initial.casefold()), None)
    if chosen:
        select["initial_option"] = chosen
    return select


def _project_select(orgs: Sequence[OrgChoice], org_id: str | None, initial: str | None) -> dict[str, Any] | None:
    shown = [o for o in orgs if org_id is None or o.id.casefold() == org_id.casefold()]
    groups: list[dict[str, Any]] = [{"label": plain(o.name, 75), "options": [_option(name, f"{o.id}/{pid}", pid)
                                                        for pid, name in o.projects[:SELECT_MAX]]}
              for o in shown[:SELECT_MAX] if o.projects]
    if not groups:
        return None
    select: dict[str, Any] = {"type": "static_select", "action_id": "value", "placeholder": plain("Project")}
    if len(groups) == 1:
        select["options"] = groups[0]["options"]
    else:
        select["option_groups"] = groups
    for group in groups:
        for opt in group["options"]:
            if initial and opt["value"].split("/", 1)[1].casefold() == initial.casefold():
                select["initial_option"] = opt
    return select


def fields_modal(*, ticket_id: int, token: str, orgs: Sequence[OrgChoice], organization: str | None,
                 project: str | None) -> dict[str, Any]:
    """Organization and project from the customer registry (support terms: identified precisely)."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": mrkdwn(f"Identify the affected organization and project of *{token}*. "
                                           "The contract's maximum severity follows from them.")}]
    if orgs:
        # Choosing an organization dispatches a block action: the modal is updated to offer only its
        # projects (the project block id carries the organization, so Slack resets the choice).
        known = organization if any(o.id.casefold() == (organization or "").casefold() for o in orgs) else None
        blocks.append({"type": "input", "block_id": "org", "label": plain("Organization"),
                       "element": _org_select(orgs, known, action_id=A_FIELDS_ORG), "dispatch_action": True})
        projects = _project_select(orgs, known, project)
        if projects:
            blocks.append({"type": "input", "block_id": f"project:{known or 'all'}", "label": plain("Project"),
                           "element": projects, "optional": True})
    else:
        blocks.append(_text_input("org", "Organization", initial=organization, max_length=200))
        blocks.append(_text_input("project", "Project", initial=project, max_length=200, optional=True))
    blocks.append(_text_input("product", "Product (optional)", optional=True, max_length=200))
    blocks.append(_text_input("component", "Component (optional)", optional=True, max_length=200))
    return _modal(V_FIELDS, "Organization & project", blocks, submit="Save", metadata={"t": ticket_id})


@dataclass(frozen=True)
class Fields:
    organization: str
    project: str | None
    product: str | None
    component: str | None


def read_fields(values: dict[str, Any], registry: Any) -> Fields:
    org_raw = (_value(values, "org", A_FIELDS_ORG) or _value(values, "org", "value") or "").strip()
    project_raw = (_value(values, "project", "value") or "").strip()
    errors: dict[str, str] = {}
    org_id, project_id = org_raw, project_raw or None
    if project_raw and "/" in project_raw and registry is not None and registry.organizations:
        project_org, project_id = project_raw.split("/", 1)
        if org_raw and project_org.casefold() != org_raw.casefold():
            errors["project"] = "This project belongs to another organization."
    if not org_raw:
        errors["org"] = "Choose the organization."
    elif registry is not None and registry.organizations:
        org = registry.find_org(org_raw)
        if org is None:
            errors["org"] = "Not an organization in the customer registry."
        else:
            org_id = org.id
            if project_id and "project" not in errors and registry.find_project(org, project_id) is None:
                errors["project"] = f"{org.name} has no such project."
    if errors:
        raise ViewInputError({project_block_id(values) if k == "project" else k: v for k, v in errors.items()})
    product = (_value(values, "product", "value") or "").strip() or None
    component = (_value(values, "component", "value") or "").strip() or None
    return Fields(org_id, project_id, product, component)


# -- assign, incident, downgrade, close ------------------------------------------------------------------------

def assign_modal(*, ticket_id: int, token: str, current: str | None) -> dict[str, Any]:
    select: dict[str, Any] = {"type": "users_select", "action_id": "value", "placeholder": plain("Engineer")}
    if current:
        select["initial_user"] = current
    blocks = [{"type": "input", "block_id": "assignee", "label": plain(f"Assign {token} to"), "element": select}]
    return _modal(V_ASSIGN, "Assign", blocks, submit="Assign", metadata={"t": ticket_id})


def read_assignee(values: dict[str, Any]) -> str:
    user = _value(values, "assignee", "value")
    if not user:
        raise ViewInputError({"assignee": "Choose someone."})
    return str(user)


@dataclass(frozen=True)
class IncidentChoice:
    id: str
    name: str
    status: str
    shortlink: str | None = None


def incident_modal(*, ticket_id: int, token: str, incidents: Sequence[IncidentChoice],
                   unavailable: str | None = None, loading: bool = False) -> dict[str, Any]:
    """Link a status-page incident: its public communication waives the response target (support terms)."""
    blocks: list[dict[str, Any]] = [{"type": "section", "text": mrkdwn(
        f"When *{token}*'s problem and its status are already on the public status page, the response "
        "target does not have to be met. Pick the incident, or give its id or URL.")}]
    if incidents:
        # The value carries the id and the public short link (150 characters at most, Slack's limit);
        # the option text (the incident's name) comes back in the submitted state.
        options = [_option(i.name or i.id, f"id:{i.id}|{i.shortlink or ''}"[:150], f"{i.status} · {i.id}")
                   for i in incidents[:SELECT_MAX]]
        blocks.append({"type": "input", "block_id": "incident", "optional": True,
                       "label": plain("Unresolved incidents"),
                       "element": {"type": "static_select", "action_id": "value", "options": options,
                                   "placeholder": plain("Incident")}})
    elif loading:
        blocks.append({"type": "context", "elements": [mrkdwn("_Loading the status page's unresolved incidents…_")]})
    elif unavailable:
        blocks.append({"type": "context", "elements": [mrkdwn(f"_Status page not readable: {escape(unavailable)}_")]})
    blocks.append(_text_input("ref", "…or incident id / URL", optional=True, max_length=200))
    return _modal(V_INCIDENT, "Status-page incident", blocks, submit="Link & waive", metadata={"t": ticket_id})


@dataclass(frozen=True)
class LinkedIncident:
    ref: str  # what the waiver records: the incident id, or the id/URL typed
    name: str | None = None
    url: str | None = None


def read_incident(values: dict[str, Any]) -> LinkedIncident:
    chosen = (values.get("incident") or {}).get("value") or {}
    option = chosen.get("selected_option") or None
    typed = (_value(values, "ref", "value") or "").strip()
    if option and str(option.get("value", "")).startswith("id:"):
        ident, _, url = str(option["value"])[3:].partition("|")
        name = ((option.get("text") or {}).get("text") or "").strip() or None
        return LinkedIncident(ident, name, url or None)
    if typed:
        if any(c.isspace() for c in typed):
            raise ViewInputError({"ref": "An incident id or URL has no spaces."})
        return LinkedIncident(typed, None, typed if typed.startswith(("http://", "https://")) else None)
    raise ViewInputError({"ref": "Pick an incident or give its id/URL."})


def reason_modal(callback_id: str, *, ticket_id: int, token: str, title: str, intro: str, submit: str,
                 required: bool = True) -> dict[str, Any]:
    blocks = [{"type": "section", "text": mrkdwn(intro)},
              _text_input("reason", "Reason", multiline=True, optional=not required, max_length=500)]
    return _modal(callback_id, title, blocks, submit=submit, metadata={"t": ticket_id})


def read_reason(values: dict[str, Any], *, required: bool = True) -> str | None:
    reason = (_value(values, "reason", "value") or "").strip()
    if required and not reason:
        raise ViewInputError({"reason": "Say why."})
    return reason or None


# -- replies to the customer ------------------------------------------------------------------------------------

REPLY_KINDS = {
    "reply": ("Reply to customer", "Your reply"),
    "request_info": ("Request information", "What do you need from the customer?"),
    "out_of_scope": ("Out of scope", "Reply (Expert Services)"),
}


def reply_modal(*, ticket_id: int, token: str, kind: str, to: str | None, initial: str | None = None,
                note: str | None = None) -> dict[str, Any]:
    """Compose a customer email. Submitting shows a preview; only the preview's Send emails."""
    title, label = REPLY_KINDS[kind]
    intro = (f"This emails the customer of *{token}* ({escape(to) if to else 'no address'}). "
             "Thread messages stay internal; only this sends. You will see a preview first.")
    blocks: list[dict[str, Any]] = [{"type": "section", "text": mrkdwn(intro)}]
    if note:
        blocks.append({"type": "context", "elements": [mrkdwn(note)]})
    blocks.append(_text_input("text", label, multiline=True, initial=initial, max_length=REPLY_MAX))
    return _modal(V_REPLY, title, blocks, submit="Preview", metadata={"t": ticket_id, "k": kind})


def read_reply(values: dict[str, Any]) -> str:
    text = (_value(values, "text", "value") or "").strip()
    if not text:
        raise ViewInputError({"text": "Write the message."})
    if len(text) > REPLY_MAX:
        raise ViewInputError({"text": f"At most {REPLY_MAX} characters."})
    return text


def pack_text(text: str) -> str:
    """Draft text for private_metadata: zlib + base64 (a 3000-character reply JSON-escaped may not fit)."""
    return base64.urlsafe_b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def unpack_text(packed: str) -> str:
    return zlib.decompress(base64.urlsafe_b64decode(packed.encode("ascii"))).decode("utf-8")


def reply_preview(*, ticket_id: int, kind: str, to: str, subject: str, text: str,
                  first_response: bool) -> dict[str, Any]:
    """The email exactly as the customer will get it; Send is the only path to the customer."""
    title, _ = REPLY_KINDS[kind]
    packed = pack_text(text)
    meta = {"t": ticket_id, "k": kind, "x": packed}
    if len(json.dumps(meta)) > METADATA_MAX:
        raise ViewInputError({"text": "Too long to preview; shorten it."})
    body_blocks = [{"type": "section", "text": mrkdwn(chunk)}
                   for chunk in _chunks(escape(text), 2900)]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": mrkdwn(f"*To:* {escape(to)}\n*Subject:* {escape(subject)}")},
        {"type": "divider"},
        *body_blocks,
        {"type": "divider"},
        {"type": "context", "elements": [mrkdwn(
            "Sending records the *initial response* and stops the SLA clock." if first_response else
            "The initial response was already recorded; this is a further reply.")]},
    ]
    return _modal(V_REPLY_PREVIEW, title, blocks, submit="Send email", metadata=meta, close="Back")


def _chunks(text: str, size: int) -> Iterable[str]:
    for i in range(0, len(text), size):
        yield text[i:i + size]


# -- requests from Slack ------------------------------------------------------------------------------------------

YES_NO = [("yes", "Yes"), ("no", "No")]


def _radio(block_id: str, label: str, action_id: str, initial: bool | None, hint: str) -> dict[str, Any]:
    options = [_option(text, value) for value, text in YES_NO]
    element: dict[str, Any] = {"type": "radio_buttons", "action_id": action_id, "options": options}
    if initial is not None:
        element["initial_option"] = options[0] if initial else options[1]
    return {"type": "input", "block_id": block_id, "label": plain(label), "element": element,
            "dispatch_action": True, "hint": plain(hint, 2000)}


@dataclass(frozen=True)
class RequestAnswers:
    org: str | None = None
    project: str | None = None
    production: bool | None = None
    business_stopped: bool | None = None
    workaround: bool | None = None


def request_suggestion(answers: RequestAnswers) -> Severity:
    return suggest_severity(production=answers.production, business_stopped=answers.business_stopped,
                            workaround=answers.workaround)


def request_modal(*, orgs: Sequence[OrgChoice], answers: RequestAnswers, maximum: Severity | None,
                  origin: dict[str, Any]) -> dict[str, Any]:
    """A new request from Slack. The severity select follows the answers (support terms' definitions),
    offering only levels within the organization's cap; its block id carries the suggestion so a
    ``views.update`` after a changed answer resets it to the new suggestion."""
    suggested = request_suggestion(answers).capped(maximum)
    blocks: list[dict[str, Any]] = []
    if orgs:
        org_block: dict[str, Any] = {"type": "input", "block_id": "org", "label": plain("Organization"),
                                     "element": _org_select(orgs, answers.org, action_id=A_REQ_ORG),
                                     "dispatch_action": True}
        blocks.append(org_block)
        projects = _project_select(orgs, answers.org, answers.project)
        if projects:
            blocks.append({"type": "input", "block_id": f"project:{answers.org or 'all'}",
                           "label": plain("Project"), "element": projects, "optional": True,
                           "hint": plain("Priority handling needs the exact organization and project.", 2000)})
    else:
        blocks.append(_text_input("org", "Organization", max_length=200))
        blocks.append(_text_input("project", "Project", max_length=200, optional=True))
    blocks += [
        _radio(A_REQ_PRODUCTION, "Is a production system affected?", A_REQ_ANSWER, answers.production,
               "S1 and S2 are for production systems."),
        _radio(A_REQ_STOPPED, "Is a core business stopped (e.g. the shop takes no orders)?", A_REQ_ANSWER,
               answers.business_stopped, "S1: stopped or extremely seriously interrupted."),
        _radio(A_REQ_WORKAROUND, "Is there an acceptable workaround?", A_REQ_ANSWER, answers.workaround,
               "With an acceptable workaround a request is S3 at most."),
    ]
    options = _severity_options(maximum)
    initial = next(o for o in options if o["value"] == suggested.name)
    blocks.append({"type": "input", "block_id": f"severity:{suggested.name}", "label": plain("Severity"),
                   "element": {"type": "static_select", "action_id": "value", "options": options,
                               "initial_option": initial},
                   "hint": plain(f"Suggested from your answers: {severity_label(suggested)}. You may change it"
                                 + (f" (at most {maximum.name} for this organization)." if maximum else "."),
                                 2000)})
    blocks += [
        _text_input("summary", "Summary", max_length=150),
        _text_input("description", "Description", multiline=True, max_length=REPLY_MAX,
                    hint="No personal data of third parties and no secrets (passwords, API keys): such "
                         "requests are deleted and must be resent anonymized."),
    ]
    return _modal(V_REQUEST, "New support request", blocks, submit="Submit", metadata=origin)


def _yes_no(raw: Any) -> bool | None:
    return True if raw == "yes" else False if raw == "no" else None


def read_request_answers(values: dict[str, Any]) -> RequestAnswers:
    org = _value(values, "org", A_REQ_ORG) or _value(values, "org", "value")
    project = _value(values, "project", "value")
    if project and "/" in project:
        project = project.split("/", 1)[1]
    return RequestAnswers(
        org=(org or "").strip() or None,
        project=(project or "").strip() or None,
        production=_yes_no(_value(values, A_REQ_PRODUCTION, A_REQ_ANSWER)),
        business_stopped=_yes_no(_value(values, A_REQ_STOPPED, A_REQ_ANSWER)),
        workaround=_yes_no(_value(values, A_REQ_WORKAROUND, A_REQ_ANSWER)),
    )


@dataclass(frozen=True)
class Request:
    answers: RequestAnswers
    severity: Severity
    summary: str
    description: str


def read_request(values: dict[str, Any]) -> Request:
    answers = read_request_answers(values)
    errors: dict[str, str] = {}
    sev_raw = next((v for k, v in ((bid, _value(values, bid, "value")) for bid in values)
                    if k.startswith("severity")), None)
    severity = Severity.S4
    try:
        severity = Severity.parse(sev_raw or "")
    except ValueError:
        errors[next((b for b in values if b.startswith("severity")), "severity")] = "Choose a severity."
    summary = (_value(values, "summary", "value") or "").strip()
    description = (_value(values, "description", "value") or "").strip()
    if not answers.org:
        errors["org"] = "Choose the organization."
    for block, answer in ((A_REQ_PRODUCTION, answers.production), (A_REQ_STOPPED, answers.business_stopped),
                          (A_REQ_WORKAROUND, answers.workaround)):
        if answer is None:
            errors[block] = "Answer yes or no."
    if not summary:
        errors["summary"] = "Give a short summary."
    if not description:
        errors["description"] = "Describe the problem."
    if errors:
        raise ViewInputError(errors)
    return Request(answers, severity, summary, description)


def severity_block_id(values: dict[str, Any]) -> str:
    return next((b for b in values if b.startswith("severity")), "severity")


def project_block_id(values: dict[str, Any]) -> str:
    return next((b for b in values if b.startswith("project")), "project")
