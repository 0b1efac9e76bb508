"""The ``web`` process: compliance pages, operator pages, ``/metrics``, ``/healthz`` and the Slack endpoint.

Every route is declared with an access rule in ``ROUTES``-style calls to :func:`_route`; the wrapper
resolves the principal, enforces the role, checks CSRF on every POST, runs the handler in a thread
(SQLAlchemy is synchronous) inside one DB session, and writes the audit trail. A route without an
access rule cannot be added (``_route`` requires one), and ``tests/web/test_security.py`` walks
``app.routes`` to prove each rule holds.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import uvicorn
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from intake import outbox_ops
from intake.domain.policy import Policy
from intake.metrics import SLACollector
from intake.metrics_ops import OpsCollector
from intake.policy_file import load_policy
from intake.retention import chain_status
from intake.settings import Settings
from intake.store.db import make_engine, session_factory
from intake.store.models import AuditEntry, RedactionLogEntry, User
from intake.timeutil import utcnow
from intake.web import api, auth, health, operator, redactions
from intake.web.auth import CSRF_FIELD, Principal, SessionCodec
from intake.web.limits import BodyLimit
from intake.web.throttle import WINDOW, AuditBudget, SignInThrottle, client_address, name_digest

log = logging.getLogger(__name__)
access_log = logging.getLogger("intake.web.access")

HERE = Path(__file__).resolve().parent
PUBLIC, ANONYMOUS_ONLY, METRICS, SLACK = "public", "anonymous", "metrics", "slack"
COMPLIANCE = ("compliance",)
STAFF = ("operator", "compliance")

REQUESTS = Counter("supportbot_web_requests_total", "Web requests by route and status", ["route", "method", "status"])
LATENCY = Histogram("supportbot_web_request_seconds", "Web request latency by route", ["route"])
SIGNINS = Counter("supportbot_web_signins_total", "Sign-in attempts by outcome", ["outcome"])

Clock = Callable[[], dt.datetime]


@dataclass
class Ctx:
    """What a handler gets: the request, the signed-in user, the parsed form, the session, ``now``."""

    request: Request
    principal: Principal | None
    form: dict[str, str]
    session: Session
    now: dt.datetime
    csrf: str
    set_session: str | None = None  # a new session cookie to send (sign-in)
    clear_session: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class WebState:
    settings: Settings
    factory: sessionmaker[Session]
    policy: Policy
    codec: SessionCodec
    cookies: auth.CookieNames
    templates: Jinja2Templates
    clock: Clock
    health_checks: dict[str, health.Check]
    health_cache: health.CachedHealth
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)  # per-app, database-backed
    name_key: bytes = b""  # HMAC key for unknown user names in the audit trail
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    audit_budget: AuditBudget = field(default_factory=AuditBudget)


def audit(session: Session, principal: Principal | None, action: str, *, now: dt.datetime,
          target: str | None = None, data: dict[str, Any] | None = None) -> None:
    """One line of the trail of who viewed or changed what."""
    session.add(AuditEntry(at=now, username=principal.username if principal else None, action=action,
                           target=target, data=data or None))


# -- the wrapper that every route goes through -------------------------------------------------------------

def _route(state: WebState, path: str, handler: Callable[[Ctx], Response], *, access: Any,
           methods: tuple[str, ...] = ("GET",), name: str | None = None) -> Route:
    if access not in (PUBLIC, ANONYMOUS_ONLY, METRICS) and not (isinstance(access, tuple) and access):
        raise ValueError(f"route {path}: unknown access rule {access!r}")

    async def endpoint(request: Request) -> Response:
        started = time.monotonic()
        now = state.clock()
        visitor = state.codec.visitor_from_cookie(request.cookies.get(state.cookies.csrf))
        new_csrf_cookie = None
        if visitor is None:
            visitor, new_csrf_cookie = state.codec.new_visitor()
        # The token every form carries, derived from this session (or, before sign-in, this visitor).
        csrf_cookie = state.codec.csrf_token(sid=state.codec.session_id(request.cookies.get(state.cookies.session)),
                                             visitor=visitor)
        form: dict[str, str] = {}
        if request.method == "POST":
            raw = await request.form()
            form = {k: v for k, v in raw.items() if isinstance(v, str)}
            if not SessionCodec.csrf_matches(csrf_cookie, form.get(CSRF_FIELD)):
                response: Response = _error(state, request, 403, "The form expired or did not come from this site. "
                                            "Reload the page and try again.", csrf=csrf_cookie)
                return _finish(state, request, response, path, started, new_csrf_cookie=new_csrf_cookie)
        problem = _bad_fields(request.query_params.multi_items(), MAX_QUERY_VALUE) or \
            _bad_fields(form.items(), MAX_FORM_VALUE)
        if problem is not None:
            response = _error(state, request, 400, problem, csrf=csrf_cookie)
            return _finish(state, request, response, path, started, new_csrf_cookie=new_csrf_cookie)
        response = await run_in_threadpool(_handle, state, request, handler, access, form, now, csrf_cookie)
        return _finish(state, request, response, path, started, new_csrf_cookie=new_csrf_cookie)

    endpoint.__name__ = name or handler.__name__
    route = Route(path, endpoint, methods=list(methods), name=name or handler.__name__)
    route.access = access  # type: ignore[attr-defined]
    return route


MAX_QUERY_VALUE = 1000  # filters name organizations and types: far shorter
MAX_FORM_VALUE = 10000  # a verdict note is at most 2000 characters
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _bad_fields(items: Iterable[tuple[str, Any]], limit: int) -> str | None:
    """Why a query parameter or form field is refused before any handler sees it, or None.

    NUL and other control characters never belong in a filter or a form (PostgreSQL refuses NUL in
    text and would answer with an error); overlong values are no one's input."""
    for name, value in items:
        if not isinstance(value, str):
            continue
        shown = _CONTROL.sub("?", name)[:40]
        if _CONTROL.search(value) or _CONTROL.search(name):
            return f"{shown}: control characters are not allowed"
        if len(value) > limit:
            return f"{shown}: longer than {limit} characters"
    return None


def _finish(state: WebState, request: Request, response: Response, path: str, started: float, *,
            new_csrf_cookie: str | None) -> Response:
    if new_csrf_cookie is not None:
        _set_cookie(state, response, state.cookies.csrf, new_csrf_cookie)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'")
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    elapsed = time.monotonic() - started
    REQUESTS.labels(path, request.method, str(response.status_code)).inc()
    LATENCY.labels(path).observe(elapsed)
    # The route template, never the query string (filters name organizations) or cookies.
    access_log.info("%s %s %d %.1fms", request.method, path, response.status_code, elapsed * 1000,
                    extra={"event": "web_request"})
    return response


def _principal(state: WebState, request: Request, session: Session, now: dt.datetime) -> tuple[Principal | None, bool]:
    """``(principal, refresh_cookie)``; a proxy assertion wins over a cookie when the proxy is trusted."""
    client = request.client.host if request.client else None
    proxied = auth.proxy_username(state.settings, client_host=client, headers=request.headers)
    if proxied is not None:
        user = auth.active_user(session, proxied)
        return (Principal(user.username, user.role, "proxy") if user else None), False
    data = state.codec.load(request.cookies.get(state.cookies.session), now=now)
    if data is None:
        return None, False
    user = auth.active_user(session, data["u"])
    if user is None or data["e"] != user.session_epoch:  # signed out since: every older cookie is void
        return None, False
    return Principal(user.username, user.role, "session"), True


def _handle(state: WebState, request: Request, handler: Callable[[Ctx], Response], access: Any,
            form: dict[str, str], now: dt.datetime, csrf: str) -> Response:
    with state.factory() as session:
        principal, refresh = _principal(state, request, session, now)
        # End the read transaction now: on SQLite every transaction holds the database's write lock
        # (BEGIN IMMEDIATE), and a handler that needs no data (healthz) must not keep it.
        session.commit()
        if access == ANONYMOUS_ONLY and principal is not None and request.method == "GET":
            return RedirectResponse(_home(principal), status_code=303)
        if isinstance(access, tuple):
            if principal is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
            if principal.role not in access:
                audit(session, principal, "denied", now=now, target=request.url.path)
                session.commit()
                return _error(state, request, 403, "Your role does not give access to this page.",
                              principal=principal, csrf=csrf)
        ctx = Ctx(request, principal, form, session, now, csrf)
        try:
            response = handler(ctx)
        except redactions.FilterError as exc:
            session.rollback()
            return _error(state, request, 400, str(exc), principal=principal, csrf=csrf)
        except LookupError:
            session.rollback()
            return _error(state, request, 404, "Not found.", principal=principal, csrf=csrf)
        session.commit()
    if ctx.set_session is not None or ctx.clear_session:
        # A new visitor id at every sign-in and sign-out: a token seen before cannot outlive the session.
        _, visitor_cookie = state.codec.new_visitor()
        _set_cookie(state, response, state.cookies.csrf, visitor_cookie)
    if ctx.set_session is not None:
        _set_session_cookie(state, response, ctx.set_session)
    elif ctx.clear_session:
        response.delete_cookie(state.cookies.session, path="/", secure=state.settings.web_cookie_secure,
                               httponly=True, samesite="lax")
    elif refresh and principal is not None and principal.via == "session":
        # Sliding idle timeout: re-sign with a new last-seen time, keeping issue time, epoch and id.
        data = state.codec.load(request.cookies.get(state.cookies.session), now=now) or {}
        _set_session_cookie(state, response, state.codec.issue(principal.username, now=now, issued=data.get("iat"),
                                                               epoch=data["e"], sid=data["sid"]))
    return response


def _set_cookie(state: WebState, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    # __Host- names need Secure, Path=/ and no Domain (CookieNames); the browser enforces all three.
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=state.settings.web_cookie_secure, path="/")


def _set_session_cookie(state: WebState, response: Response, value: str) -> None:
    _set_cookie(state, response, state.cookies.session, value, max_age=state.settings.web_session_max_age)


def _home(principal: Principal) -> str:
    return "/compliance/redactions" if principal.role == "compliance" else "/operator"


def _render(state: WebState, ctx: Ctx, template: str, status: int = 200, **data: Any) -> HTMLResponse:
    return state.templates.TemplateResponse(ctx.request, template, {"user": ctx.principal, "csrf": ctx.csrf,
                                                                     "now": ctx.now, **data}, status_code=status)


def _error(state: WebState, request: Request, status: int, message: str, *, principal: Principal | None = None,
           csrf: str = "") -> HTMLResponse:
    return state.templates.TemplateResponse(request, "error.html", {"user": principal, "csrf": csrf, "status": status,
                                                                     "message": message}, status_code=status)


# -- handlers --------------------------------------------------------------------------------------------------

def _safe_next(value: str | None) -> str | None:
    """Only same-site relative paths (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    parts = urlsplit(value)
    return None if parts.scheme or parts.netloc else value


def make_handlers(state: WebState) -> list[BaseRoute]:
    def home(ctx: Ctx) -> Response:
        if ctx.principal is None:
            return RedirectResponse("/signin", status_code=303)
        return RedirectResponse(_home(ctx.principal), status_code=303)

    def signin_form(ctx: Ctx) -> Response:
        return _render(state, ctx, "signin.html", next=_safe_next(ctx.request.query_params.get("next")) or "",
                       error=None, proxy=bool(state.settings.web_proxy_user_header))

    def signin(ctx: Ctx) -> Response:
        username = ctx.form.get("username", "").strip()
        password = ctx.form.get("password", "")
        if len(username) > 200 or len(password) > 1000:
            raise redactions.FilterError("user name or password too long (200 and 1000 characters at most)")
        nxt = _safe_next(ctx.form.get("next"))
        client = client_address(ctx.request.client.host if ctx.request.client else None, ctx.request.headers,
                                state.settings.web_trusted_proxies)
        ts = ctx.now.timestamp()
        verdict = state.throttle.check(username, client, ts)
        if verdict.wait > 0:
            SIGNINS.labels("throttled").inc()
            _audit_anonymous(state, ctx, "signin_throttled", username, data={"by": verdict.reason})
            minutes = max(1, round(verdict.wait / 60))
            response = _render(state, ctx, "signin.html", 429, next=nxt or "", proxy=False,
                               error=f"Too many failed attempts. Try again in {minutes} minute"
                                     f"{'s' if minutes > 1 else ''}.")
            response.headers["Retry-After"] = str(max(1, int(verdict.wait + 0.999)))
            return response
        user = auth.authenticate(ctx.session, username=username, password=password, now=ctx.now) if username else None
        if user is None:
            state.throttle.failure(username, client, ts)
            SIGNINS.labels("failed").inc()
            _audit_anonymous(state, ctx, "signin_failed", username)
            return _render(state, ctx, "signin.html", 401, next=nxt or "", proxy=False,
                           error="Unknown user name or wrong password.")
        state.throttle.success(username, client)
        SIGNINS.labels("ok").inc()
        principal = Principal(user.username, user.role, "session")
        audit(ctx.session, principal, "signin", now=ctx.now)
        ctx.set_session = state.codec.issue(user.username, now=ctx.now, epoch=user.session_epoch)
        return RedirectResponse(nxt or _home(principal), status_code=303)

    def signout(ctx: Ctx) -> Response:
        if ctx.principal is not None:
            audit(ctx.session, ctx.principal, "signout", now=ctx.now)
            if ctx.principal.via == "session":
                auth.end_sessions(ctx.session, ctx.principal.username)
        ctx.clear_session = True
        return RedirectResponse("/signin", status_code=303)

    # compliance ---------------------------------------------------------------------------------------------
    def redaction_list(ctx: Ctx) -> Response:
        filters = redactions.Filters.parse(ctx.request.query_params)
        entries, total = redactions.search(ctx.session, filters)
        audit(ctx.session, ctx.principal, "view_redaction_log", now=ctx.now, data={"filters": filters.describe(),
                                                                                   "page": filters.page,
                                                                                   "shown": [e.id for e in entries]})
        last_check = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "verify_chain")
                                         .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(1)).first()
        query = "&".join(f"{k}={quote(v)}" for k, v in filters.describe().items())
        return _render(state, ctx, "redactions.html", entries=[redactions.entry_view(e) for e in entries],
                       total=total, filters=filters.describe(), page=filters.page, page_size=redactions.PAGE_SIZE,
                       facets=redactions.facets(ctx.session), query=query, last_check=last_check)

    def redaction_detail(ctx: Ctx) -> Response:
        entry_id = redactions.entry_id(ctx.request.path_params["entry_id"])
        entry = ctx.session.get(RedactionLogEntry, entry_id)
        if entry is None:
            raise LookupError(entry_id)
        audit(ctx.session, ctx.principal, "view_redaction_entry", now=ctx.now, target=f"redaction:{entry_id}")
        trail = ctx.session.scalars(select(AuditEntry).where(AuditEntry.target == f"redaction:{entry_id}")
                                    .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(50)).all()
        return _render(state, ctx, "redaction_detail.html", entry=redactions.entry_view(entry), trail=trail,
                       verdicts=redactions.VERDICTS)

    def redaction_verdict(ctx: Ctx) -> Response:
        entry_id = redactions.entry_id(ctx.request.path_params["entry_id"])
        assert ctx.principal is not None
        entry = redactions.set_verdict(ctx.session, entry_id, verdict=ctx.form.get("verdict", ""),
                                       note=ctx.form.get("note"), reviewer=ctx.principal.username, now=ctx.now)
        audit(ctx.session, ctx.principal, "set_verdict", now=ctx.now, target=f"redaction:{entry_id}",
              data={"verdict": entry.verdict, "note_chars": len(entry.verdict_note or "")})
        return RedirectResponse(f"/compliance/redactions/{entry_id}", status_code=303)

    def _export(ctx: Ctx, fmt: str) -> Response:
        filters = redactions.Filters.parse(ctx.request.query_params)
        count = ctx.session.scalar(filters.apply(select(func.count(RedactionLogEntry.id)))) or 0
        audit(ctx.session, ctx.principal, f"export_{fmt}", now=ctx.now, data={"filters": filters.describe(),
                                                                            "entries": int(count)})

        def rows() -> Iterator[RedactionLogEntry]:
            # Its own short session per batch: the stream outlives the request, and a slow download
            # must not hold a transaction (on SQLite: the write lock) for its whole length.
            last_id = 0
            while True:
                with state.factory() as s:
                    batch = redactions.batch_after(s, filters, last_id)
                if not batch:
                    return
                yield from batch
                last_id = batch[-1].id

        def body() -> Iterator[str]:
            # ~64 KB chunks: each chunk of a sync iterator costs a hop to the thread pool.
            parts: list[str] = []
            size = 0
            for piece in (redactions.export_csv(rows()) if fmt == "csv" else redactions.export_jsonl(rows())):
                parts.append(piece)
                size += len(piece)
                if size >= 65536:
                    yield "".join(parts)
                    parts, size = [], 0
            if parts:
                yield "".join(parts)

        stamp = ctx.now.strftime("%Y%m%dT%H%M%SZ")
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
        return StreamingResponse(body(), media_type=media, headers={
            "Content-Disposition": f'attachment; filename="redaction-log-{stamp}.{fmt}"'})

    def export_csv(ctx: Ctx) -> Response:
        return _export(ctx, "csv")

    def export_jsonl(ctx: Ctx) -> Response:
        return _export(ctx, "jsonl")

    def chain(ctx: Ctx) -> Response:
        result = verify_chain(ctx.session)
        audit(ctx.session, ctx.principal, "verify_chain", now=ctx.now, target="redaction_log", data=result)
        return _render(state, ctx, "chain.html", result=result)

    def audit_trail(ctx: Ctx) -> Response:
        who = ctx.request.query_params.get("user") or None
        if who is not None and len(who) > 200:
            raise redactions.FilterError("user: a user name has at most 200 characters")
        q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(200)
        if who:
            q = q.where(AuditEntry.username == who)
        rows = ctx.session.scalars(q).all()
        audit(ctx.session, ctx.principal, "view_audit", now=ctx.now, data={"user": who} if who else None)
        users = ctx.session.scalars(select(User.username).order_by(User.username)).all()
        return _render(state, ctx, "audit.html", rows=rows, who=who or "", users=users)

    # operator -----------------------------------------------------------------------------------------------
    def operator_page(ctx: Ctx) -> Response:
        data = operator.dashboard(ctx.session, policy=state.policy, now=ctx.now)
        audit(ctx.session, ctx.principal, "view_operator", now=ctx.now)
        assert ctx.principal is not None
        notice = {"retried": "Queued again: the worker delivers it next.",
                  "discarded": "Discarded."}.get(ctx.request.query_params.get("outbox", ""))
        return _render(state, ctx, "operator.html", outbox=outbox_ops.list_items(ctx.session, limit=200),
                       can_act=ctx.principal.role == "operator", notice=notice, **data)

    def _outbox_action(ctx: Ctx, action: Callable[..., Any], done: str) -> Response:
        assert ctx.principal is not None
        try:
            action(ctx.session, redactions.entry_id(ctx.request.path_params["item_id"], "outbox item id"),
                   now=ctx.now, actor=ctx.principal.username)
        except outbox_ops.OutboxOpError as exc:
            return _error(state, ctx.request, 400, str(exc), principal=ctx.principal)
        return RedirectResponse(f"/operator?outbox={done}#outbox", status_code=303)

    def outbox_retry(ctx: Ctx) -> Response:
        return _outbox_action(ctx, outbox_ops.retry, "retried")

    def outbox_discard(ctx: Ctx) -> Response:
        reason = ctx.form.get("reason", "")
        return _outbox_action(ctx, lambda session, item_id, **kw: outbox_ops.discard(session, item_id, reason=reason,
                                                                                      **kw), "discarded")

    # machine endpoints -----------------------------------------------------------------------------------------
    def has_metrics_token(ctx: Ctx) -> bool:
        token = state.settings.metrics_token
        given = ctx.request.headers.get("Authorization", "")
        return token is not None and SessionCodec.csrf_matches(f"Bearer {token.get_secret_value()}", given)

    def metrics(ctx: Ctx) -> Response:
        # Metrics name organizations' ticket counts and the process's internals: a token by default,
        # public only when the operator says so (a scraper on a private network).
        if state.settings.metrics_token is not None:
            if not has_metrics_token(ctx):
                return PlainTextResponse("metrics need the bearer token\n", status_code=401,
                                         headers={"WWW-Authenticate": "Bearer"})
        elif not state.settings.metrics_public:
            return PlainTextResponse("metrics need a bearer token: set SUPPORTBOT_METRICS_TOKEN (or "
                                     "SUPPORTBOT_METRICS_PUBLIC=true on a private network)\n", status_code=403)
        # Process-wide metrics (web requests, outbox, ...) plus the SLA figures queried at scrape time.
        return Response(generate_latest(REGISTRY) + generate_latest(state.registry), media_type=CONTENT_TYPE_LATEST)

    def healthz(ctx: Ctx) -> Response:
        ok, results, at = state.health_cache.result(ctx.now)
        if has_metrics_token(ctx) or (ctx.principal is not None and ctx.principal.role in STAFF):
            return JSONResponse({"ok": ok, "checks": results, "at": at.isoformat()}, status_code=200 if ok else 503)
        # Anonymous callers (load balancers, anyone on the internet) learn ok/fail per peer, never the
        # error text: it names hosts, ports and database users.
        summary = {name: "ok" if r.get("ok") else "fail" for name, r in results.items()}
        return JSONResponse({"ok": ok, "checks": summary}, status_code=200 if ok else 503)

    return [
        _route(state, "/", home, access=PUBLIC),
        _route(state, "/signin", signin_form, access=ANONYMOUS_ONLY),
        _route(state, "/signin", signin, access=ANONYMOUS_ONLY, methods=("POST",), name="signin_post"),
        _route(state, "/signout", signout, access=PUBLIC, methods=("POST",)),
        _route(state, "/compliance/redactions", redaction_list, access=COMPLIANCE),
        _route(state, "/compliance/redactions/export.csv", export_csv, access=COMPLIANCE),
        _route(state, "/compliance/redactions/export.jsonl", export_jsonl, access=COMPLIANCE),
        _route(state, "/compliance/redactions/{entry_id:int}", redaction_detail, access=COMPLIANCE),
        _route(state, "/compliance/redactions/{entry_id:int}/verdict", redaction_verdict, access=COMPLIANCE,
               methods=("POST",)),
        _route(state, "/compliance/chain", chain, access=COMPLIANCE),
        _route(state, "/compliance/audit", audit_trail, access=COMPLIANCE),
        _route(state, "/operator", operator_page, access=STAFF),
        _route(state, "/operator/outbox/{item_id:int}/retry", outbox_retry, access=("operator",), methods=("POST",)),
        _route(state, "/operator/outbox/{item_id:int}/discard", outbox_discard, access=("operator",),
               methods=("POST",)),
        _route(state, "/metrics", metrics, access=METRICS),
        _route(state, "/healthz", healthz, access=PUBLIC),
    ]


def _audit_anonymous(state: WebState, ctx: Ctx, action: str, username: str,
                     data: dict[str, Any] | None = None) -> None:
    """An audit row of an anonymous sign-in failure: rate-limited (a spray must not fill the table),
    naming an existing account by its name and anything else only by an HMAC (people type passwords
    into the user name field)."""
    budget = state.audit_budget.take(ctx.now.timestamp())
    if budget == "skip":
        return
    if budget == "note":
        audit(ctx.session, None, "signin_failures_suppressed", now=ctx.now,
              data={"limit": state.audit_budget.limit, "window_seconds": int(WINDOW),
                    "note": "further anonymous sign-in failures in this window are counted in metrics only"})
        return
    known = bool(username) and ctx.session.scalar(select(User.id).where(User.username == username)) is not None
    audit(ctx.session, None, action, now=ctx.now,
          target=username if known else name_digest(state.name_key, username), data=data)


def verify_chain(session: Session) -> dict[str, Any]:
    """The redaction log's hash-chain verification, as a plain dict for the page and the audit trail."""
    return chain_status(session)


# -- app and process -----------------------------------------------------------------------------------------

def create_app(settings: Settings, *, factory: sessionmaker[Session], clock: Clock | None = None,
               policy: Policy | None = None, health_checks: dict[str, health.Check] | None = None,
               slack_app: Any = None) -> Starlette:
    """The web app. ``clock`` (default: UTC now) is injected so tests move time instead of sleeping.

    ``slack_app``: an ASGI app answering Slack's signed Events API and interactivity requests (the bot's
    HTTP adapter); mounted at ``/slack`` and doing its own signature verification.
    """
    checks = health_checks if health_checks is not None else health.default_checks(settings, factory)
    state = WebState(
        settings=settings, factory=factory,
        policy=policy if policy is not None else load_policy(settings.policy_path),
        cookies=auth.CookieNames.for_settings(settings),
        name_key=auth.secret_key(settings),
        codec=SessionCodec(auth.secret_key(settings), max_age=settings.web_session_max_age,
                           idle=settings.web_session_idle),
        templates=Jinja2Templates(directory=str(HERE / "templates")),
        clock=clock or utcnow,
        health_checks=checks,
        health_cache=health.CachedHealth(checks, timeout=settings.healthz_timeout + 0.5,
                                         ttl=settings.healthz_cache_seconds),
    )
    _register_sla_metrics(state)
    state.templates.env.globals["severity_class"] = lambda s: f"sev-{str(s).lower()}"
    routes: list[BaseRoute] = make_handlers(state)
    static = Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static")
    static.access = PUBLIC  # type: ignore[attr-defined]
    routes.append(static)
    routes.append(api.mount(factory=factory, policy=state.policy, clock=state.clock))
    if slack_app is not None:
        mount = Mount("/slack", app=slack_app, name="slack")
        mount.access = SLACK  # type: ignore[attr-defined]
        routes.append(mount)
    # Body limits first, before any route (and its form parser) sees a byte of the body.
    app = Starlette(routes=routes, middleware=[Middleware(BodyLimit)])
    app.state.web = state
    return app


def _register_sla_metrics(state: WebState) -> None:
    state.registry.register(SLACollector(state.factory, clock=state.clock))
    state.registry.register(OpsCollector(state.factory, clock=state.clock))


def run_forever(settings: Settings, *, stop: threading.Event,
                slack_app: Callable[[Settings, sessionmaker[Session]], Any] | None = None) -> None:
    """Serve until ``stop`` is set (``intake.wiring`` runs it for ``supportbot web`` and ``supportbot run``,
    passing the builder of the Bolt app mounted at ``/slack``)."""
    engine = make_engine(settings.effective_database_url)
    factory = session_factory(engine)
    app = create_app(settings, factory=factory, slack_app=slack_app(settings, factory) if slack_app else None)
    config = uvicorn.Config(app, host=settings.web_host, port=settings.web_port, log_config=None,
                            access_log=False, proxy_headers=False, lifespan="off")
    server = uvicorn.Server(config)

    def watch() -> None:
        stop.wait()
        server.should_exit = True

    threading.Thread(target=watch, name="web-stop", daemon=True).start()
    log.info("web listening on http://%s:%d", settings.web_host, settings.web_port)
    try:
        server.run()
    finally:
        stop.set()
        engine.dispose()
