"""The read API's contract: response models, query parameters, operations, and the OpenAPI document.

One source for both sides: the handlers in ``intake.web.api`` parse their parameters with the
:class:`Param` objects declared here and build their bodies through the pydantic models declared here,
and :func:`openapi` writes the OpenAPI 3.1 document from the very same objects (pydantic emits JSON
Schema 2020-12, which is what OpenAPI 3.1 uses). A hand-written document would be a second copy that
drifts; a framework that generates it (FastAPI) would be a second web stack beside Starlette. The
schemathesis run in the tests then checks the served document against the real server.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from intake.domain.severity import Severity
from intake.domain.ticket import TicketState

PREFIX = "/api/v1"
TICKET_STATES = tuple(s.value for s in TicketState)
SEVERITIES = tuple(s.name for s in Severity)
TICKET_CHANNELS = ("email", "slack", "web")
SLA_STATES = ("breached", "at_risk", "on_track", "responded", "waived")
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
# Printable text only: a NUL cannot be stored by PostgreSQL, and no name we filter on has controls.
_PRINTABLE = r"^[^\u0000-\u001f\u007f]*$"


class ParamError(ValueError):
    """A query parameter that cannot be understood; ``parameter`` names it for the problem body."""

    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(f"{parameter}: {detail}")
        self.parameter = parameter
        self.detail = detail


# -- response bodies -----------------------------------------------------------------------------------------

class _Model(BaseModel):
    # Every field is always present (null when unknown) and nothing else: the schema says so too.
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


class ParameterProblem(_Model):
    parameter: str = Field(description="The query parameter (or `Authorization` header) at fault.")
    detail: str


class Problem(_Model):
    """An error as RFC 9457 problem details (`application/problem+json`)."""

    type: str = Field("about:blank", description="`about:blank`: the status code says it all.")
    title: str = Field(description="The HTTP status phrase.")
    status: int = Field(ge=400, le=599)
    detail: str
    errors: list[ParameterProblem] = Field(default_factory=list,
                                           description="One item per rejected parameter (400 only).")


class TicketSummary(_Model):
    """A ticket as listed: no body, no sender."""

    token: str = Field(description="The ticket's reference, e.g. `SB-000042`.")
    channel: str = Field(description="Where it came in: `email`, `slack` or `web`.")
    state: Literal[TICKET_STATES]  # type: ignore[valid-type]
    severity: Literal[SEVERITIES] = Field(description="The effective severity (after caps and changes).")  # type: ignore[valid-type]
    requested_severity: Literal[SEVERITIES] | None = None  # type: ignore[valid-type]
    organization: str | None = None
    project: str | None = None
    product: str | None = None
    component: str | None = None
    subject: str | None = Field(None, description="Null once retention purged a closed ticket's content.")
    assignee: str | None = None
    submitted_at: dt.datetime
    due_at: dt.datetime | None = Field(None, description="When the initial response is due (UTC).")
    initial_response_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    updated_at: dt.datetime
    sla_state: Literal[SLA_STATES] = Field(  # type: ignore[valid-type]
        description="`breached`: due and unanswered; `at_risk`: under a quarter of the target left "
                    "(support time); `on_track`; `responded`; `waived`: no target applies.")


class Sender(_Model):
    email: str | None = None
    name: str | None = None
    verified: bool = Field(description="The sender matched a known customer contact (trusted sender).")
    priority_eligible: bool = Field(description="The sender may file S1/S2 requests.")


class Sla(_Model):
    state: Literal[SLA_STATES]  # type: ignore[valid-type]
    due_at: dt.datetime | None = None
    initial_response_at: dt.datetime | None = None
    remaining_seconds: int | None = Field(None, description="Support time left until `due_at` (running targets).")
    overdue_seconds: int | None = Field(None, description="Time since `due_at` (breached targets).")
    waiver: str | None = Field(None, description="Why no target applies, e.g. `status_page_incident`.")
    waiver_ref: str | None = None


class TicketEventOut(_Model):
    id: int
    at: dt.datetime
    kind: str = Field(description="opened, severity_changed, initial_response, waived, customer_follow_up, "
                                  "closed, assigned, ...")
    actor: str | None = None
    data: dict[str, Any] | None = None


class TicketDetail(TicketSummary):
    """A ticket with its body, sender, SLA figures and events (oldest first)."""

    body: str | None = Field(None, description="Null once retention purged a closed ticket's content.")
    severity_reason: str | None = None
    max_severity: Literal[SEVERITIES] | None = Field(  # type: ignore[valid-type]
        None, description="The contract's cap for this organization.")
    answers: dict[str, Any] | None = Field(None, description="The customer's answers (production?, ...).")
    missing_fields: list[Any] | None = None
    gate_state: str | None = Field(None, description="The support website's state when the request came in.")
    sender: Sender
    sla: Sla
    events: list[TicketEventOut]


class TicketPage(_Model):
    items: list[TicketSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class Finding(_Model):
    """One detected span: where and what, never the value."""

    type: str
    start: int = Field(ge=0, description="Offset of the span in the rejected text (characters).")
    end: int = Field(ge=0)
    recognizer: str
    score: float
    fingerprint: str = Field(description="HMAC-SHA256 of the value under the server's key (hex).")


class RedactionEntry(_Model):
    """A redaction log entry: metadata only (the log never stores values)."""

    id: int
    created_at: dt.datetime
    channel: str
    sender_org: str | None = None
    entity_types: list[str]
    findings: list[Finding]
    message_ref: str | None = Field(None, description="Message-ID (email) or Slack reference of the request.")
    prev_hash: str
    entry_hash: str = Field(description="SHA-256 link of the tamper-evident chain.")
    verdict: Literal["confirmed", "false_positive"] | None = None
    verdict_note: str | None = None
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None


class RedactionPage(_Model):
    items: list[RedactionEntry]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


MODELS: tuple[type[BaseModel], ...] = (Problem, TicketPage, TicketDetail, RedactionPage)


# -- query parameters -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    """A query parameter: its schema (for the document) and its parser (for the handler), side by side."""

    name: str
    description: str

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def convert(self, values: list[str]) -> Any:
        raise NotImplementedError

    def parse(self, values: list[str]) -> Any:
        if len(values) > 1 and not isinstance(self, Choices):
            raise ParamError(self.name, "give it once")
        return self.convert(values)

    def spec(self) -> dict[str, Any]:
        out = {"name": self.name, "in": "query", "required": False, "description": self.description,
               "schema": self.schema()}
        if isinstance(self, Choices):
            out |= {"style": "form", "explode": True}
        return out


@dataclass(frozen=True)
class Choices(Param):
    """One or more of a fixed set of values (``?state=open&state=responded``): any of them matches."""

    values: tuple[str, ...] = ()

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string", "enum": list(self.values)}, "minItems": 1}

    def convert(self, values: list[str]) -> tuple[str, ...] | None:
        for v in values:
            if v not in self.values:
                raise ParamError(self.name, f"{v!r} is not one of {', '.join(self.values)}")
        return tuple(dict.fromkeys(values)) or None


@dataclass(frozen=True)
class Text(Param):
    max_length: int = 200
    pattern: str = _PRINTABLE

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1, "maxLength": self.max_length, "pattern": self.pattern}

    def convert(self, values: list[str]) -> str | None:
        if not values:
            return None
        value = values[0]
        if not value:
            raise ParamError(self.name, "must not be empty (leave the parameter out instead)")
        if len(value) > self.max_length:
            raise ParamError(self.name, f"longer than {self.max_length} characters")
        if not re.search(self.pattern, value):
            raise ParamError(self.name, "has characters that are not allowed")
        return value


# RFC 3339 date-time (the JSON Schema "date-time" format): a 'T', seconds and an offset are required.
_RFC3339 = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})", re.ASCII)


def parse_instant(text: str) -> dt.datetime:
    """An RFC 3339 date-time as an aware UTC datetime; ``ValueError`` otherwise."""
    m = _RFC3339.fullmatch(text)
    if m is None:
        raise ValueError("expected an RFC 3339 date-time such as 2026-12-01T00:00:00Z")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    if second == 60:  # a leap second (RFC 3339 5.7): the last representable instant of that minute
        second, micro = 59, 999999
    else:
        micro = int((m.group(7) or ".0")[1:7].ljust(6, "0"))
    zone = m.group(8)
    if zone in ("Z", "z"):
        tz = dt.UTC
    else:
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError("the UTC offset is out of range")
        tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    try:
        return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz).astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a valid instant ({exc})") from None


@dataclass(frozen=True)
class Instant(Param):
    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}

    def convert(self, values: list[str]) -> dt.datetime | None:
        if not values:
            return None
        try:
            return parse_instant(values[0])
        except ValueError as exc:
            raise ParamError(self.name, str(exc)) from None


@dataclass(frozen=True)
class Limit(Param):
    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}

    def convert(self, values: list[str]) -> int:
        if not values:
            return DEFAULT_LIMIT
        if not re.fullmatch(r"[0-9]{1,6}", values[0]):
            raise ParamError(self.name, f"must be a whole number from 1 to {MAX_LIMIT}")
        value = int(values[0])
        if not 1 <= value <= MAX_LIMIT:
            raise ParamError(self.name, f"must be from 1 to {MAX_LIMIT}")
        return value


@dataclass(frozen=True)
class Cursor(Param):
    """An opaque position (base64url): ``kind|key...``. Decoded strictly; another list's cursor is refused."""

    kind: str = ""
    fields: int = 1

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_-]+$"}

    def convert(self, values: list[str]) -> tuple[str, ...] | None:
        if not values:
            return None
        raw = values[0]
        bad = ParamError(self.name, "not a cursor of this list (use next_cursor as it was given)")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,200}", raw):
            raise bad
        try:
            text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise bad from None
        parts = text.split("|")
        if len(parts) != self.fields + 1 or parts[0] != self.kind:
            raise bad
        return tuple(parts[1:])

    def encode(self, *keys: str) -> str:
        return base64.urlsafe_b64encode("|".join((self.kind, *keys)).encode("ascii")).decode("ascii").rstrip("=")


LIMIT = Limit("limit", f"Items per page (1-{MAX_LIMIT}, default {DEFAULT_LIMIT}).")
TICKET_CURSOR = Cursor("cursor", "Where the previous page ended (its `next_cursor`).", kind="t", fields=2)
REDACTION_CURSOR = Cursor("cursor", "Where the previous page ended (its `next_cursor`).", kind="r", fields=1)

TICKET_PARAMS: tuple[Param, ...] = (
    Choices("state", "Ticket state; repeat for any of several.", TICKET_STATES),
    Choices("severity", "Effective severity; repeat for any of several.", SEVERITIES),
    Choices("channel", "Where the request came in; repeat for any of several.", TICKET_CHANNELS),
    Text("organization", "The customer organization (exact match)."),
    Instant("submitted_since", "Submitted at or after this instant (RFC 3339)."),
    Instant("submitted_until", "Submitted before this instant (RFC 3339)."),
    LIMIT,
    TICKET_CURSOR,
)
REDACTION_PARAMS: tuple[Param, ...] = (
    Instant("since", "Logged at or after this instant (RFC 3339)."),
    Instant("until", "Logged before this instant (RFC 3339)."),
    Text("type", "An entity type the entry holds (exact name, e.g. `EMAIL_ADDRESS`).", max_length=64,
         pattern="^[A-Za-z][A-Za-z0-9_]*$"),
    Choices("channel", "Where the rejected request came in; repeat for any of several.", ("email", "slack", "web")),
    Text("organization", "The sender's organization (exact match)."),
    LIMIT,
    REDACTION_CURSOR,
)


def parse_params(params: Sequence[Param], query: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Parse a query string's ``(name, value)`` pairs; every problem found is reported at once."""
    known = {p.name: p for p in params}
    values: dict[str, list[str]] = {}
    errors: list[ParamError] = []
    for name, value in query:
        if name not in known:
            errors.append(ParamError(name, f"unknown parameter (known: {', '.join(known)})"))
            continue
        values.setdefault(name, []).append(value)
    out: dict[str, Any] = {}
    for p in params:
        try:
            out[p.name] = p.parse(values.get(p.name, []))
        except ParamError as exc:
            errors.append(exc)
    if errors:
        raise ParamErrors(errors)
    return out


class ParamErrors(ValueError):
    def __init__(self, errors: list[ParamError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


# -- operations and the document -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Operation:
    path: str  # relative to PREFIX, Starlette syntax
    operation_id: str
    summary: str
    description: str
    roles: tuple[str, ...]  # empty: no token needed
    response: type[BaseModel] | None
    params: tuple[Param, ...] = ()
    path_params: tuple[dict[str, Any], ...] = ()
    not_found: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


TICKET_TOKEN = {"name": "token", "in": "path", "required": True, "description": "The ticket's reference.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 32, "pattern": "^[A-Za-z0-9-]+$"}}

OPERATIONS: tuple[Operation, ...] = (
    Operation("/tickets", "listTickets", "List tickets",
              "Oldest first by submission time (then id): a client syncing tickets follows `next_cursor` "
              "to the end and keeps the last cursor for its next run.",
              ("operator",), TicketPage, TICKET_PARAMS),
    Operation("/tickets/{token}", "getTicket", "One ticket with its events, SLA figures and sender",
              "Each read is recorded in the audit trail.", ("operator",), TicketDetail,
              path_params=(TICKET_TOKEN,), not_found=True),
    Operation("/redactions", "listRedactions", "List redaction log entries",
              "Metadata of rejected requests, in log (chain) order: types, offsets, recognizers, scores and "
              "HMAC fingerprints. Never a value: the log stores none. Each read is recorded in the audit trail.",
              ("compliance",), RedactionPage, REDACTION_PARAMS),
    Operation("/openapi.json", "getOpenApi", "This document", "The OpenAPI 3.1 description of this API.",
              (), None),
)


def _problem_response(description: str, *, challenge: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description,
                           "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    if challenge:
        out["headers"] = {"WWW-Authenticate": {"description": challenge, "schema": {"type": "string"},
                                               "required": True}}
    return out


def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``/api/v1`` (served at ``/api/v1/openapi.json``)."""
    _, top = models_json_schema([(m, "serialization") for m in MODELS], ref_template="#/components/schemas/{model}")
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        responses: dict[str, Any] = {}
        if op.response is not None:
            responses["200"] = {"description": "OK", "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{op.response.__name__}"}}}}
        else:
            responses["200"] = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
        if op.params:
            responses["400"] = _problem_response("A query parameter is unknown, repeated or invalid.")
        if op.roles:
            responses["401"] = _problem_response(
                "No bearer token, or an unknown or revoked one.",
                challenge='`Bearer realm="supportbot"`, with `error="invalid_token"` when a token was sent (RFC 6750)')
            responses["403"] = _problem_response(
                f"The token's role is not {' or '.join(op.roles)}.",
                challenge='`Bearer realm="supportbot", error="insufficient_scope"` (RFC 6750)')
        if op.not_found:
            responses["404"] = _problem_response("No such ticket.")
        operation: dict[str, Any] = {
            "operationId": op.operation_id, "summary": op.summary, "description": op.description,
            "parameters": [*op.path_params, *(p.spec() for p in op.params)],
            "responses": responses,
            "security": [{"bearer": []}] if op.roles else [],
        }
        if op.roles:
            operation["x-roles"] = list(op.roles)
        paths[PREFIX + op.path] = {"get": operation}
    return {
        "openapi": "3.1.0",
        "info": {"title": "supportbot read API", "version": "1.0.0",
                 "description": "Tickets for operator tokens, the redaction log for compliance tokens. "
                                "Tokens: `supportbot api-token create --name N --role operator|compliance`."},
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "An API token (`sbt_...`) from `supportbot api-token create`."}},
        },
    }
