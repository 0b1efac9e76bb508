"""The read API for machines (``/api/v1``): tickets for operator tokens, the redaction log for compliance
tokens, and the OpenAPI document that describes both (``intake.web.api_schema``, the one source).

Each request: bearer token first (none, unknown or revoked: 401 with ``WWW-Authenticate: Bearer``,
RFC 6750; a token of another role: 403 and an audit row ``denied``), then the query parameters (any
problem: 400 with an RFC 9457 problem body naming each parameter), then one read in one short DB
session. The web pages' session cookies and CSRF play no part here: a bearer token is not an ambient
credential a browser would send on its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from prometheus_client import Counter
from pydantic import BaseModel
from sqlalchemy import Select, String, and_, cast, or_, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, Router
from starlette.types import Receive, Scope, Send

from intake.domain.policy import Policy
from intake.store.models import AuditEntry, RedactionLogEntry, Ticket, TicketEvent
from intake.store.redaction_log import entry_record
from intake.web import api_schema as spec
from intake.web import api_tokens
from intake.web.operator import sla_state

log = logging.getLogger(__name__)
access_log = logging.getLogger("intake.web.access")

BEARER = "bearer"  # the access rule of the mount (``tests/web/test_security.py`` lists every rule)
REALM = 'Bearer realm="supportbot"'
API_REQUESTS = Counter("supportbot_api_requests_total", "Read API requests by operation and status",
                       ["operation", "status"])
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"}


class NotFound(LookupError):
    """No such ticket (404). Its own class: a KeyError from a bug must stay a 500, not become a 404."""


@dataclass
class Call:
    """What a handler gets: the session, ``now``, the token's name, parsed parameters and path values."""

    session: Session
    now: dt.datetime
    client: str  # "api:<token name>", as the audit trail names it
    params: dict[str, Any]
    path: dict[str, str]


def problem(status: int, detail: str, *, errors: list[spec.ParamError] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body = spec.Problem(type="about:blank", title=HTTPStatus(status).phrase, status=status, detail=detail,
                        errors=[spec.ParameterProblem(parameter=e.parameter, detail=e.detail) for e in errors or []])
    return JSONResponse(body.model_dump(mode="json"), status_code=status, media_type="application/problem+json",
                        headers=headers)


def _ok(model: BaseModel) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json"))


# -- tickets ------------------------------------------------------------------------------------------------------

def _sla(t: Ticket, *, policy: Policy, now: dt.datetime) -> spec.Sla:
    state, delta = sla_state(t, policy=policy, now=now)
    seconds = int(delta.total_seconds()) if delta is not None else None
    return spec.Sla(state=state, due_at=t.due_at, initial_response_at=t.initial_response_at,
                    remaining_seconds=seconds if state in ("on_track", "at_risk") else None,
                    overdue_seconds=seconds if state == "breached" else None,
                    waiver=t.waiver, waiver_ref=t.waiver_ref)


def _summary_fields(t: Ticket, *, policy: Policy, now: dt.datetime) -> dict[str, Any]:
    return {"token": t.token, "channel": t.channel, "state": t.state, "severity": t.effective_severity,
            "requested_severity": t.requested_severity, "organization": t.organization, "project": t.project,
            "product": t.product, "component": t.component, "subject": t.subject, "assignee": t.assignee,
            "submitted_at": t.submitted_at, "due_at": t.due_at, "initial_response_at": t.initial_response_at,
            "closed_at": t.closed_at, "updated_at": t.updated_at,
            "sla_state": sla_state(t, policy=policy, now=now)[0]}


def ticket_query(params: dict[str, Any]) -> Select[tuple[Ticket]]:
    """The filtered ticket list, oldest submission first, then by id (a total, stable order)."""
    q = select(Ticket)
    if params["state"]:
        q = q.where(Ticket.state.in_(params["state"]))
    if params["severity"]:
        q = q.where(Ticket.effective_severity.in_(params["severity"]))
    if params["channel"]:
        q = q.where(Ticket.channel.in_(params["channel"]))
    if params["organization"] is not None:
        q = q.where(Ticket.organization == params["organization"])
    if params["submitted_since"] is not None:
        q = q.where(Ticket.submitted_at >= params["submitted_since"])
    if params["submitted_until"] is not None:
        q = q.where(Ticket.submitted_at < params["submitted_until"])
    if params["cursor"] is not None:
        after_at, after_id = _ticket_position(params["cursor"])
        q = q.where(or_(Ticket.submitted_at > after_at, and_(Ticket.submitted_at == after_at, Ticket.id > after_id)))
    return q.order_by(Ticket.submitted_at, Ticket.id)


def _ticket_position(keys: tuple[str, ...]) -> tuple[dt.datetime, int]:
    # A cursor comes back from the client: anything but the (aware UTC instant, id) we wrote is refused
    # here, before it reaches the database (an offset at year 1 would overflow on the way to UTC).
    try:
        at = dt.datetime.fromisoformat(keys[0])
        ident = int(keys[1]) if re.fullmatch("[0-9]{1,19}", keys[1]) else -1
        if at.tzinfo is None or at.utcoffset() != dt.timedelta(0) or not 0 <= ident < 2**63:
            raise ValueError(keys)
    except (ValueError, OverflowError):
        raise spec.ParamError("cursor", "not a cursor of this list (use next_cursor as it was given)") from None
    return at, ident


def list_tickets(call: Call, *, policy: Policy) -> Response:
    limit = call.params["limit"]
    rows = list(call.session.scalars(ticket_query(call.params).limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    cursor = (spec.TICKET_CURSOR.encode(last.submitted_at.astimezone(dt.UTC).isoformat(), str(last.id))
              if more and last is not None else None)
    items = [spec.TicketSummary(**_summary_fields(t, policy=policy, now=call.now)) for t in rows]
    return _ok(spec.TicketPage(items=items, next_cursor=cursor))


def get_ticket(call: Call, *, policy: Policy) -> Response:
    token = call.path["token"]
    t = call.session.scalar(select(Ticket).where(Ticket.token == token)) if len(token) <= 32 else None
    if t is None:
        raise NotFound(token)
    events = call.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id)
                                  .order_by(TicketEvent.at, TicketEvent.id)).all()
    call.session.add(AuditEntry(at=call.now, username=call.client, action="api_view_ticket",
                                target=f"ticket:{t.token}"))
    detail = spec.TicketDetail(
        **_summary_fields(t, policy=policy, now=call.now),
        body=t.body, severity_reason=t.severity_reason, max_severity=t.max_severity, answers=t.answers,
        missing_fields=t.missing_fields, gate_state=t.gate_state,
        sender=spec.Sender(email=t.sender_email, name=t.sender_name, verified=bool(t.sender_trusted),
                           priority_eligible=bool(t.priority_eligible)),
        sla=_sla(t, policy=policy, now=call.now),
        events=[spec.TicketEventOut(id=e.id, at=e.at, kind=e.kind, actor=e.actor, data=e.data) for e in events],
    )
    return _ok(detail)


# -- redaction log --------------------------------------------------------------------------------------------------

def redaction_query(params: dict[str, Any]) -> Select[tuple[RedactionLogEntry]]:
    """The filtered log in chain order (id ascending: append-only, so a cursor never skips an entry)."""
    e = RedactionLogEntry
    q = select(e)
    if params["since"] is not None:
        q = q.where(e.created_at >= params["since"])
    if params["until"] is not None:
        q = q.where(e.created_at < params["until"])
    if params["channel"]:
        q = q.where(e.channel.in_(params["channel"]))
    if params["organization"] is not None:
        q = q.where(e.sender_org == params["organization"])
    if params["type"] is not None:
        # entity_types is a JSON list of names: the quoted name in its text form is an exact match on
        # SQLite and PostgreSQL alike (EMAIL does not match EMAIL_ADDRESS); '_' must not be a wildcard.
        q = q.where(cast(e.entity_types, String).contains(f'"{params["type"]}"', autoescape=True))
    if params["cursor"] is not None:
        try:
            after = int(params["cursor"][0]) if re.fullmatch("[0-9]{1,19}", params["cursor"][0]) else -1
            if not 0 <= after < 2**63:
                raise ValueError(after)
        except ValueError:
            raise spec.ParamError("cursor", "not a cursor of this list (use next_cursor as it was given)") from None
        q = q.where(e.id > after)
    return q.order_by(e.id)


def list_redactions(call: Call) -> Response:
    limit = call.params["limit"]
    rows = list(call.session.scalars(redaction_query(call.params).limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = spec.REDACTION_CURSOR.encode(str(rows[-1].id)) if more and rows else None
    # The same whitelist as the pages and exports (``entry_record``), checked again by the model.
    page = spec.RedactionPage(items=[spec.RedactionEntry(**entry_record(r)) for r in rows], next_cursor=cursor)
    filters = {k: (list(v) if isinstance(v, tuple) else v.isoformat() if isinstance(v, dt.datetime) else v)
               for k, v in call.params.items() if v is not None and k not in ("limit", "cursor")}
    call.session.add(AuditEntry(at=call.now, username=call.client, action="api_list_redactions",
                                data={"filters": filters, "shown": [r.id for r in rows]}))
    return _ok(page)


# -- the wrapper and the mount -----------------------------------------------------------------------------------

Handler = Callable[[Call], Response]


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _serve(factory: sessionmaker[Session], clock: Callable[[], dt.datetime], op: spec.Operation,
           handler: Handler, request: Request) -> Response:
    now = clock()
    with factory() as session:
        client = "api:anonymous"
        if op.roles:
            presented = _bearer(request)
            if presented is None:
                return problem(401, "This API needs a bearer token: Authorization: Bearer <token>.",
                               headers={"WWW-Authenticate": REALM})
            token = api_tokens.authenticate(session, presented, now=now)
            if token is None:
                session.commit()
                return problem(401, "The token is unknown or revoked.",
                               headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'})
            client = f"api:{token.name}"
            if token.role not in op.roles:
                session.add(AuditEntry(at=now, username=client, action="denied", target=request.url.path))
                session.commit()
                return problem(403, f"A {token.role} token cannot read this; it needs the "
                                    f"{' or '.join(op.roles)} role.",
                               headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope"'})
        try:
            params = spec.parse_params(op.params, request.query_params.multi_items()) if op.params else {}
            response = handler(Call(session, now, client, params, dict(request.path_params)))
        except spec.ParamErrors as exc:
            session.rollback()
            return problem(400, "Some query parameters are not valid.", errors=exc.errors)
        except spec.ParamError as exc:
            session.rollback()
            return problem(400, "Some query parameters are not valid.", errors=[exc])
        except NotFound:
            session.rollback()
            return problem(404, "No such ticket.")
        session.commit()
        return response


def _endpoint(factory: sessionmaker[Session], clock: Callable[[], dt.datetime], op: spec.Operation,
              handler: Handler) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        started = time.monotonic()
        response = await run_in_threadpool(_serve, factory, clock, op, handler, request)
        for key, value in _HEADERS.items():
            response.headers.setdefault(key, value)
        elapsed = time.monotonic() - started
        API_REQUESTS.labels(op.operation_id, str(response.status_code)).inc()
        # The route template, never the query string (filters name organizations).
        access_log.info("%s %s %d %.1fms", request.method, spec.PREFIX + op.path, response.status_code,
                        elapsed * 1000, extra={"event": "api_request"})
        return response

    endpoint.__name__ = op.operation_id
    return endpoint


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    response = problem(404, "No such API resource.")
    response.headers.update(_HEADERS)
    await response(scope, receive, send)


def mount(*, factory: sessionmaker[Session], policy: Policy, clock: Callable[[], dt.datetime]) -> Mount:
    """The ``/api/v1`` mount of the web app."""
    document = spec.openapi()
    handlers: dict[str, Handler] = {
        "listTickets": lambda call: list_tickets(call, policy=policy),
        "getTicket": lambda call: get_ticket(call, policy=policy),
        "listRedactions": list_redactions,
        "getOpenApi": lambda call: JSONResponse(document),
    }
    routes = [Route(op.path, _endpoint(factory, clock, op, handlers[op.operation_id]), methods=["GET"],
                    name=op.operation_id) for op in spec.OPERATIONS]
    api = Mount(spec.PREFIX, app=Router(routes=routes, default=_not_found), name="api")
    # Every path under the prefix is ours, even one with an encoded newline (Starlette's pattern uses
    # '.', which stops at one): unknown paths get our 404 problem, not the app's plain-text page.
    api.path_regex = re.compile(api.path_regex.pattern, re.DOTALL)
    api.access = BEARER  # type: ignore[attr-defined]
    return api
