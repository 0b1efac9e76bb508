"""What the Slack listeners do, as plain functions: one transaction each, through ``intake.services``.

Listeners in :mod:`bot.app` validate a payload, call exactly one function here and reply (house style
rule 5). Nothing here calls Slack: ticket messages change through the outbox (the services enqueue
``update_ticket`` / ``thread_message`` items), customer emails too.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot import views
from bot.blocks import escape
from intake import services
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.domain.ticket import TransitionError, Waiver
from intake.pipeline import IntakeConfig, IntakeDeps, Rejected, Rules, SlackRequest, ingest, severity_cap
from intake.registry import Registry
from intake.reply_mail import reply_subject
from intake.store.db import transaction
from intake.store.models import Ticket

log = logging.getLogger(__name__)

# Support terms, "Out of scope": answered with a pointer to paid Expert Services.
EXPERT_SERVICES_REPLY = (
    "Thank you for your request. Solution implementation and code analysis, consulting and solution "
    "architecture, and third-party App Store solutions are outside the scope of support. Our Expert "
    "Services team can help with implementation, code analysis and architecture as a paid engagement; for "
    "App Store solutions, please contact their provider.\n\nWe are closing this request. Reply if we have "
    "misunderstood it."
)


class ActionError(Exception):
    """An action the ticket's state does not allow, explained in words for the Slack user."""


class Redactor(Protocol):
    def check(self, text: str, sender: Any = None) -> Any: ...


@dataclass
class BotDeps:
    """What the listeners need; built once per process by :func:`bot.app.build_app`."""

    factory: sessionmaker[Session]
    policy: Policy
    registry: Any = None  # intake.registry.Registry | None
    support_address: str = "support@vendor.example"
    redactor: Callable[[], Redactor] | None = None
    hmac_key: Callable[[], bytes] | None = None
    incidents: Callable[[], list[Any]] | None = None
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    rules: Rules = field(default_factory=Rules)  # the intake pipeline's (caps): as for email
    # Sessions for reads (a modal's snapshot before the ack): on SQLite they never wait for the
    # write lock (intake.store.db.read_session_factory). None: reads use ``factory``.
    reads: sessionmaker[Session] | None = None

    def read_session(self) -> Session:
        return (self.reads or self.factory)()

    def now(self) -> dt.datetime:
        return self.clock()


T = TypeVar("T")


def _run(deps: BotDeps, fn: Callable[[Session], T]) -> T:
    try:
        with transaction(deps.factory) as session:
            return fn(session)
    except services.TicketNotFound as exc:
        raise ActionError("This ticket no longer exists.") from exc
    except TransitionError as exc:
        raise ActionError(str(exc).capitalize() + ".") from exc


def load_ticket(deps: BotDeps, ticket_id: int) -> Ticket:
    """A detached snapshot of the ticket (for building modals)."""
    with deps.read_session() as session:
        row = session.get(Ticket, ticket_id)
        if row is None:
            raise ActionError("This ticket no longer exists.")
        session.expunge(row)
        return row


def ticket_for_thread(deps: BotDeps, channel: str | None, ts: str | None) -> Ticket | None:
    if not ts:
        return None
    with deps.read_session() as session:
        row = services.ticket_by_slack_ts(session, channel, ts)
        if row is not None:
            session.expunge(row)
        return row


def cap_of(ticket: Ticket) -> Severity | None:
    return Severity.parse(ticket.max_severity) if ticket.max_severity else None


def claim(deps: BotDeps, ticket_id: int, *, user: str) -> None:
    _run(deps, lambda s: services.assign(s, ticket_id, assignee=user, now=deps.now(), actor=user))


def assign(deps: BotDeps, ticket_id: int, *, assignee: str, user: str) -> None:
    _run(deps, lambda s: services.assign(s, ticket_id, assignee=assignee, now=deps.now(), actor=user))


def set_severity(deps: BotDeps, ticket_id: int, severity: Severity, *, reason: str, user: str) -> Ticket:
    def fn(s: Session) -> Ticket:
        row = services.get_ticket(s, ticket_id)
        cap = cap_of(row)
        if cap is not None and severity.is_higher_than(cap):
            # Caps enforced: the modal does not offer it, and a crafted payload is refused too.
            raise ActionError(f"{severity.name} is above this component's maximum ({cap.name}).")
        return services.set_severity(s, ticket_id, severity, policy=deps.policy, now=deps.now(), actor=user,
                                     reason=reason)
    return _run(deps, fn)


def set_fields(deps: BotDeps, ticket_id: int, fields: views.Fields, *, user: str) -> Ticket:
    contract_cap = None
    if deps.registry is not None and deps.registry.find_org(fields.organization) is not None:
        contract_cap = deps.registry.max_severity(fields.organization, fields.product, fields.component)
    return _run(deps, lambda s: services.set_fields(
        s, ticket_id, now=deps.now(), actor=user, policy=deps.policy, organization=fields.organization,
        project=fields.project, product=fields.product, component=fields.component, max_severity=contract_cap))


def link_incident(deps: BotDeps, ticket_id: int, *, incident: views.LinkedIncident, user: str) -> Ticket:
    """Support terms: a problem already communicated on the public status page waives the target."""
    shown = escape(incident.name or incident.ref)
    if incident.url:
        shown = f"<{escape(incident.url)}|{shown}>"

    def fn(s: Session) -> Ticket:
        now = deps.now()
        row = services.waive(s, ticket_id, waiver=Waiver.STATUS_PAGE, ref=incident.ref[:200], now=now, actor=user)
        services.post_thread_note(
            s, ticket_id, now=now, dedupe_key=f"slack:incident:{ticket_id}:{row.version}",
            text=f":large_blue_circle: <@{user}> linked status-page incident {shown}: the problem is "
                 "communicated publicly, so the response target is waived (support terms).")
        return row
    return _run(deps, fn)


def downgrade(deps: BotDeps, ticket_id: int, *, reason: str, user: str) -> Ticket:
    return _run(deps, lambda s: services.downgrade(s, ticket_id, policy=deps.policy, now=deps.now(), actor=user,
                                                   reason=reason))


def close(deps: BotDeps, ticket_id: int, *, reason: str | None, user: str) -> Ticket:
    return _run(deps, lambda s: services.close(s, ticket_id, now=deps.now(), actor=user, reason=reason))


@dataclass(frozen=True)
class ReplyPreview:
    to: str
    subject: str
    first_response: bool


def preview_reply(deps: BotDeps, ticket_id: int) -> ReplyPreview:
    row = load_ticket(deps, ticket_id)
    if not row.sender_email:
        raise ActionError(f"{row.token} has no customer email address to reply to.")
    if row.state == "closed":
        raise ActionError(f"{row.token} is closed.")
    return ReplyPreview(row.sender_email, reply_subject(row), row.initial_response_at is None)


def send_reply(deps: BotDeps, ticket_id: int, *, kind: str, text: str, user: str, dedupe: str) -> None:
    """The explicit customer reply (after the preview): threaded email through the outbox; the first
    human reply records the initial response (services.send_reply). Out of scope also closes."""
    def fn(s: Session) -> None:
        now = deps.now()
        try:
            services.send_reply(s, ticket_id, text=text, now=now, actor=user,
                                asks_for_information=kind == "request_info", kind=kind,
                                from_address=deps.support_address, policy=deps.policy, dedupe=dedupe)
        except ValueError as exc:  # no address to reply to
            if isinstance(exc, TransitionError):
                raise
            raise ActionError(str(exc)) from exc
        if kind == "out_of_scope":
            services.close(s, ticket_id, now=now, actor=user, reason="out of scope: Expert Services")
    _run(deps, fn)


# -- requests from Slack ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestOutcome:
    token: str | None = None
    rejected_types: dict[str, int] | None = None


def _registry(deps: BotDeps) -> Registry:
    return deps.registry if deps.registry is not None else Registry(organizations=())


def intake_deps(deps: BotDeps) -> IntakeDeps:
    """The intake pipeline's dependencies for Slack requests (the redactor is built on first use)."""
    if deps.redactor is None:
        raise RuntimeError("no redactor configured")
    return IntakeDeps(IntakeConfig(support_address=deps.support_address), _registry(deps), deps.policy,
                      deps.redactor(), hmac_key=deps.hmac_key() if deps.hmac_key else b"", rules=deps.rules)


def request_cap(deps: BotDeps, org: str | None) -> Severity | None:
    """The most a request of ``org`` may ask for: the pipeline's cap rule, as a ticket gets it."""
    if not org:
        return None
    return severity_cap(deps.rules, _registry(deps), deps.policy, org)


def check_request(deps: BotDeps, request: views.Request) -> dict[str, str]:
    """Field errors a request modal must show before it can close (registry and caps)."""
    errors: dict[str, str] = {}
    registry = deps.registry
    if registry is not None and registry.organizations:
        org = registry.find_org(request.answers.org)
        if org is None:
            errors["org"] = "Not an organization in the customer registry."
        elif request.answers.project and registry.find_project(org, request.answers.project) is None:
            errors["project"] = f"{org.name} has no such project."
    cap = request_cap(deps, request.answers.org)
    if cap is not None and request.severity.is_higher_than(cap):
        errors["severity"] = f"At most {cap.name} for this organization."
    return errors


def submit_request(deps: BotDeps, request: views.Request, *, user: str, user_name: str | None) -> RequestOutcome:
    """A request from Slack through the intake pipeline (the same ``decide``/``apply`` as email):
    a rejection keeps nothing but the redaction log entry (types, offsets, HMAC fingerprints), a
    clean one becomes a ticket with its SLA clock."""
    a = request.answers
    message = SlackRequest(user=user, user_name=user_name, organization=a.org, project=a.project,
                           severity=request.severity, summary=request.summary, description=request.description,
                           answers={"production": a.production, "business_stopped": a.business_stopped,
                                    "workaround": a.workaround}, received_at=deps.now())
    result = ingest(message, deps.factory, intake_deps(deps), now=message.received_at)
    if isinstance(result.decision, Rejected):
        types = result.decision.finding_types
        log.info("slack request from %s rejected by redaction: %s", user, sorted(types))
        return RequestOutcome(rejected_types=types)
    return RequestOutcome(token=result.token)
