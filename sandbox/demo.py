"""``supportbot demo``: the whole bot on one machine, with local stand-ins for everything outside it.

What runs (one process, threads):

- the **real bot processes**: ``web`` (compliance/operator pages + the Slack endpoint), ``worker``
  (IMAP poller + outbox dispatcher) and ``clock`` (nags, portal gate), built from ordinary
  :class:`~intake.settings.Settings` by the wiring (:func:`intake.wiring.run_process`);
- an **IMAP server**: real Dovecot when it is installed and we are root; otherwise a small pure-Python
  stand-in (:mod:`sandbox.imap`), for the demo only: the tests always use Dovecot;
- an **SMTP sink** (:mod:`sandbox.smtp`, aiosmtpd; also the tests' SMTP peer) that keeps what the bot
  sends, shown as the customer's mailbox;
- a **status page** (:mod:`sandbox.statuspage`, also the tests' status page peer) serving Statuspage v2 JSON
  with a toggle (portal up: deflection; down: tickets);
- a **Slack stand-in** (:mod:`sandbox.slack`): the triage channel page with working buttons and
  modals, sending signed requests to the bot, and the Web API methods the bot calls;
- sample mails (``config/demo/*.eml``) to drop into the support mailbox with one click.

A demo policy with short targets (S1 4 min, S2 8 min) makes a nag appear within minutes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import email.utils
import logging
import os
import secrets
import shutil
import socket
import tempfile
import threading
import time
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app import COMMAND, SHORTCUT_REPLY
from intake.settings import CONFIG_DIR, Settings, load_settings
from intake.wiring import run_process
from sandbox.dovecot import DovecotServer
from sandbox.slack import BotLink, SlackApi, SlackState, apply_view_answer, values_from_form
from sandbox.smtp import SmtpSink
from sandbox.statuspage import StatusPage

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEMO_CONFIG = CONFIG_DIR / "demo"
SUPPORT_ADDRESS = "support@vendor.example"
IMAP_USER, IMAP_PASSWORD = "support", "sandbox-imap-password"
CHANNEL = "C0SANDBOX1"
BOT_TOKEN = "xoxb-sandbox-not-a-real-token"


class DemoError(RuntimeError):
    """The sandbox cannot start; says why and what to do."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float, *, greeting: bytes | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if greeting is None or s.recv(64).startswith(greeting):
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.05)
    raise DemoError(f"nothing answered on 127.0.0.1:{port} within {timeout:g} s ({last})")


# -- IMAP --------------------------------------------------------------------------------------------------------

class Imap:
    """The sandbox's support mailbox: ``append`` drops a mail in; ``stop`` shuts the server down."""

    kind = "imap"
    port: int

    def start(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def append(self, raw: bytes) -> None:
        from imapclient import IMAPClient

        with IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10) as c:
            c.login(IMAP_USER, IMAP_PASSWORD)
            c.append("INBOX", raw)
            c.logout()

    def stop(self) -> None:  # pragma: no cover - overridden
        pass


class DovecotImap(Imap):
    """Real Dovecot (:class:`sandbox.dovecot.DovecotServer`, the tests' IMAP peer too) on its own
    loopback port and scratch directory."""

    kind = "Dovecot"
    available = staticmethod(DovecotServer.available)

    def __init__(self, port: int) -> None:
        self.port = port
        # Short path (Unix socket names are limited to 108 bytes) that every Dovecot user can traverse.
        self.server = DovecotServer(Path(tempfile.mkdtemp(prefix="sbdemo-dovecot-", dir="/tmp")), port)

    def start(self) -> None:
        try:
            self.server.start()
        except RuntimeError as exc:
            self.stop()
            raise DemoError(f"Dovecot did not start: {exc}") from None
        self.server.write_users(0, extra=[(IMAP_USER, IMAP_PASSWORD)])
        time.sleep(1.1)  # the next mtime second: Dovecot sees the new passwd file on the first login

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.server.stop()
        shutil.rmtree(self.server.dir, ignore_errors=True)


class StandInImap(Imap):
    """The pure-Python IMAP stand-in (demo only; see :mod:`sandbox.imap`)."""

    kind = "pure-Python IMAP stand-in"

    def __init__(self, port: int) -> None:
        from sandbox.imap import ImapStandIn

        self.port = port
        self.server = ImapStandIn(("127.0.0.1", port), user=IMAP_USER, password=IMAP_PASSWORD)

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, name="demo-imap", daemon=True).start()
        _wait_port(self.port, 10, greeting=b"* OK")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- the sandbox ----------------------------------------------------------------------------------------------------

@dataclass
class Sandbox:
    directory: Path
    settings: Settings
    web_url: str
    console_url: str
    imap: Imap
    smtp: SmtpSink
    status: StatusPage
    slack: SlackState
    bot: BotLink
    stop_event: threading.Event
    threads: list[threading.Thread]
    servers: list[Any]
    samples: dict[str, Path]
    dropped: list[dict[str, str]] = field(default_factory=list)

    def drop(self, name: str) -> str:
        """Put a sample mail (fresh Message-ID and Date) into the support mailbox; returns its Message-ID."""
        path = self.samples.get(name)
        if path is None:
            raise KeyError(name)
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.SMTP)
        mid = email.utils.make_msgid(domain=msg["From"].addresses[0].domain if msg["From"] else "customer.example")
        for header, value in (("Message-ID", mid), ("Date", email.utils.format_datetime(dt.datetime.now(dt.UTC)))):
            del msg[header]
            msg[header] = value
        self.imap.append(msg.as_bytes())
        self.dropped.append({"name": name, "message_id": mid, "at": dt.datetime.now(dt.UTC).strftime("%H:%M:%S")})
        return mid

    def stop(self) -> None:
        self.stop_event.set()
        for server in self.servers:
            server.should_exit = True
        for t in self.threads:
            t.join(timeout=15)
        for closer in (self.smtp.stop, self.imap.stop):
            with contextlib.suppress(Exception):
                closer()


def sample_mails() -> dict[str, Path]:
    return {p.stem: p for p in sorted(DEMO_CONFIG.glob("*.eml"))}


def demo_settings(directory: Path, *, web_port: int, console_port: int, smtp_port: int, imap_port: int,
                  signing_secret: str, policy_path: Path | None = None) -> Settings:
    """The bot's settings in the sandbox: ordinary settings pointing at the local stand-ins."""
    console = f"http://127.0.0.1:{console_port}"
    return load_settings(
        data_dir=directory / "data", database_url=f"sqlite:///{directory / 'data' / 'supportbot.db'}",
        policy_path=policy_path or DEMO_CONFIG / "policy.toml", customers_path=CONFIG_DIR / "customers.example.toml",
        imap_host="127.0.0.1", imap_port=imap_port, imap_ssl=False, imap_user=IMAP_USER, imap_password=IMAP_PASSWORD,
        imap_idle_seconds=20, imap_poll_seconds=2,
        smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_starttls=False, support_address=SUPPORT_ADDRESS,
        support_website_url=f"{console}/portal",
        # The sample mails carry this receiving server's Authentication-Results (DMARC pass).
        authserv_ids=["mx.vendor.example"],
        statuspage_url=f"{console}/status", statuspage_component="Support Portal",
        portal_down_after=1, portal_up_after=1, portal_refresh_seconds=3, http_timeout=3,
        slack_bot_token=BOT_TOKEN, slack_signing_secret=signing_secret, slack_api_url=f"{console}/api/",
        slack_triage_channel=CHANNEL,
        web_host="127.0.0.1", web_port=web_port, secret_key=secrets.token_hex(32),
        web_cookie_secure=False,  # the sandbox serves plain HTTP on loopback
        nag_sweep_seconds=5, digest_enabled=False, log_format="text",
    )


def start_sandbox(directory: Path | None = None, *, base_port: int = 0, processes: tuple[str, ...] = ("web", "worker", "clock"),
                  prefer_dovecot: bool = True, policy_path: Path | None = None) -> Sandbox:
    """Start the stand-ins and the bot; ``base_port=0`` picks free ports (tests)."""
    import uvicorn

    from intake.store.db import upgrade

    directory = Path(directory or tempfile.mkdtemp(prefix="supportbot-demo-")).resolve()
    (directory / "data").mkdir(parents=True, exist_ok=True)
    ports = [base_port + i for i in range(4)] if base_port else [free_port() for _ in range(4)]
    web_port, console_port, smtp_port, imap_port = ports
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                raise DemoError(f"port {port} is in use; pick another with --port") from None
    signing_secret = secrets.token_hex(16)
    settings = demo_settings(directory, web_port=web_port, console_port=console_port, smtp_port=smtp_port,
                             imap_port=imap_port, signing_secret=signing_secret, policy_path=policy_path)
    upgrade(settings.effective_database_url)
    _seed_accounts(settings, directory)

    imap: Imap = DovecotImap(imap_port) if prefer_dovecot and DovecotImap.available() else StandInImap(imap_port)
    imap.start()
    smtp = SmtpSink().start(smtp_port)
    status = StatusPage()
    slack = SlackState(channel=CHANNEL)
    bot = BotLink(slack, events_url=f"http://127.0.0.1:{web_port}/slack/events", signing_secret=signing_secret)
    stop = threading.Event()
    sandbox = Sandbox(directory, settings, f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{console_port}",
                      imap, smtp, status, slack, bot, stop, [], [], sample_mails())
    console = uvicorn.Server(uvicorn.Config(console_app(sandbox), host="127.0.0.1", port=console_port,
                                            log_config=None, access_log=False, lifespan="off"))
    sandbox.servers.append(console)
    t = threading.Thread(target=console.run, name="demo-console", daemon=True)
    t.start()
    sandbox.threads.append(t)
    _wait_port(console_port, 15)

    for name in processes:
        t = threading.Thread(target=_run_guarded, args=(settings, stop, name), name=f"demo-{name}", daemon=True)
        t.start()
        sandbox.threads.append(t)
    if "web" in processes:
        _wait_port(web_port, 30)
    return sandbox


def _run_guarded(settings: Settings, stop: threading.Event, name: str) -> None:
    try:
        run_process(name, settings, stop)
    except Exception:
        log.exception("sandbox: the %s process stopped with an error", name)


def _seed_accounts(settings: Settings, directory: Path) -> None:
    """Two web accounts with generated passwords, written to ``accounts.txt`` in the sandbox directory."""
    from sqlalchemy import select

    from intake.store.db import make_engine, session_factory
    from intake.store.models import User
    from intake.web.auth import add_user

    engine = make_engine(settings.effective_database_url)
    try:
        with session_factory(engine).begin() as s:
            lines = []
            for name, role in (("compliance", "compliance"), ("operator", "operator")):
                if s.scalar(select(User.id).where(User.username == name)) is not None:
                    continue
                password = secrets.token_urlsafe(12)
                add_user(s, username=name, role=role, password=password, now=dt.datetime.now(dt.UTC))
                lines.append(f"{name}\t{password}\t({role})")
        if lines:
            path = directory / "accounts.txt"
            path.write_text("\n".join(lines) + "\n")
            os.chmod(path, 0o600)
    finally:
        engine.dispose()


def accounts(directory: Path) -> list[tuple[str, str]]:
    path = directory / "accounts.txt"
    if not path.exists():
        return []
    return [tuple(line.split("\t")[:2]) for line in path.read_text().splitlines() if line]  # type: ignore[misc]


# -- the console: status page, Slack stand-in, mailboxes, sample mails ----------------------------------------------

def local_path(value: object) -> str:
    """A redirect target from a form: a path on this console, never another site (``//evil``, ``/\\evil``)."""
    text = str(value or "")
    if not text.startswith("/") or text.startswith(("//", "/\\")) or any(c in text for c in "\r\n\\"):
        return "/"
    return text


class SameOriginPosts:
    """ASGI middleware: a browser's state-changing request must come from the console's own pages.

    Browsers label every request with ``Sec-Fetch-Site`` (and cross-site POSTs with ``Origin``), so a
    form on another site posting to the console (CSRF) is refused with 403. Clients that are not
    browsers (the bot calling the Slack API stand-in under ``exempt``, curl) send neither header and
    cannot be driven by another site. The console listens on loopback only.
    """

    SAFE = {"GET", "HEAD", "OPTIONS"}

    def __init__(self, app: Any, *, exempt: tuple[str, ...] = ()) -> None:
        self.app = app
        self.exempt = exempt

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] not in self.SAFE and not scope["path"].startswith(self.exempt):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            site = headers.get("sec-fetch-site")
            origin = headers.get("origin")
            host = headers.get("host", "")
            cross = (site is not None and site not in ("same-origin", "none")) or (
                origin is not None and origin not in (f"http://{host}", f"https://{host}"))
            if cross:
                from starlette.responses import PlainTextResponse

                response = PlainTextResponse("cross-site request refused: use the sandbox console's own pages\n",
                                             status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def console_app(sb: Sandbox) -> Any:
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles
    from starlette.templating import Jinja2Templates

    from sandbox.slack import render_blocks, render_modal

    templates = Jinja2Templates(directory=str(HERE / "templates"))
    api = SlackApi(sb.slack, token=BOT_TOKEN)
    errors: dict[str, dict[str, str]] = {}
    notes: list[str] = []

    async def slack_api(request: Request) -> Response:
        method = request.path_params["method"]
        ctype = request.headers.get("content-type", "")
        if "json" in ctype:
            args = await request.json()
        else:
            form = await request.form()
            args = {k: v for k, v in form.items()}
        result = await run_in_threadpool(api.call, method, args, request.headers.get("authorization"))
        return JSONResponse(result)

    async def status_json(request: Request) -> Response:
        body = sb.status.body(request.path_params["name"])
        if body is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return Response(body, media_type="application/json")

    async def status_toggle(request: Request) -> Response:
        form = await request.form()
        sb.status.up = form.get("state") == "up"
        sb.status.changed_at = dt.datetime.now(dt.UTC)
        return RedirectResponse(local_path(form.get("back")), status_code=303)

    def _context() -> dict[str, Any]:
        from sqlalchemy import select

        from intake.store.db import make_engine, session_factory
        from intake.store.models import InboundMessage, PortalObservation

        gate, inbound = None, []
        engine = make_engine(sb.settings.effective_database_url)
        try:
            with session_factory(engine)() as s:
                obs = s.scalars(select(PortalObservation).order_by(PortalObservation.id.desc()).limit(1)).first()
                gate = {"effective": obs.effective, "reason": obs.reason, "at": obs.at.strftime("%H:%M:%S")} if obs else None
                inbound = [{"id": m.id, "sender": m.sender, "outcome": m.outcome, "reason": (m.reason or "")[:160],
                            "ticket_id": m.ticket_id} for m in
                           s.scalars(select(InboundMessage).order_by(InboundMessage.id.desc()).limit(20))]
        finally:
            engine.dispose()
        with sb.smtp.lock:
            mails = [m.summary() for m in reversed(sb.smtp.messages)]
        return {"sb": sb, "gate": gate, "inbound": inbound, "mails": mails, "samples": list(sb.samples),
                "accounts": accounts(sb.directory), "imap_kind": sb.imap.kind}

    async def home(request: Request) -> Response:
        ctx = await run_in_threadpool(_context)
        return templates.TemplateResponse(request, "home.html", ctx)

    async def drop(request: Request) -> Response:
        form = await request.form()
        name = str(form.get("sample") or "")
        try:
            await run_in_threadpool(sb.drop, name)
        except KeyError:
            return HTMLResponse("unknown sample", status_code=400)
        return RedirectResponse("/#inbound", status_code=303)

    async def mailbox(request: Request) -> Response:
        ctx = await run_in_threadpool(_context)
        return templates.TemplateResponse(request, "mail.html", ctx)

    async def portal(request: Request) -> Response:
        return HTMLResponse("<h1>Vendor support portal (sandbox)</h1><p>In real life, customers file requests here. "
                            "Toggle the status page on the <a href='/'>sandbox console</a> to take it down.</p>")

    def _slack_context() -> dict[str, Any]:
        state = sb.slack
        with state.lock:
            threads = []
            for root in state.roots():
                threads.append({"msg": root, "html": render_blocks(root.blocks, ts=root.ts) if root.blocks
                                else render_blocks([{"type": "section", "text": {"type": "mrkdwn", "text": root.text}}],
                                                   ts=root.ts),
                                "replies": [{"msg": r, "html": render_blocks(r.blocks, ts=r.ts, actions=True) if r.blocks
                                             else render_blocks([{"type": "section", "text": {"type": "mrkdwn",
                                                                                                "text": r.text}}], ts=r.ts)}
                                            for r in state.replies(root.ts)]})
            modal = None
            if state.open_view and state.open_view in state.views:
                modal = render_modal(state.views[state.open_view], errors.get(state.open_view, {}))
            ephemerals = [e for e in state.ephemerals[-5:]]
            return {"sb": sb, "threads": threads, "modal": modal, "version": state.version, "channel": state.channel_name,
                    "ephemerals": ephemerals, "notes": notes[-3:],
                    "users": {"U0DANA": "Dana Duty", "U0ELI": "Eli Engineer", "U0BOT": "supportbot"}}

    async def slack_page(request: Request) -> Response:
        ctx = await run_in_threadpool(_slack_context)
        return templates.TemplateResponse(request, "slack.html", ctx)

    async def slack_version(request: Request) -> Response:
        return JSONResponse({"version": sb.slack.version, "modal": sb.slack.open_view})

    def _after_trigger(trigger: str, status: int) -> None:
        if status != 200:
            notes.append(f"the bot answered HTTP {status}")
            return
        # Slack shows a modal when the app calls views.open with the trigger (within 3 s).
        sb.slack.wait_for_view(trigger, timeout=3.0)

    async def slack_action(request: Request) -> Response:
        form = await request.form()
        ts, kind = str(form.get("ts") or ""), str(form.get("kind") or "button")
        action: dict[str, Any] = {"action_id": str(form.get("action_id") or ""), "block_id": str(form.get("block_id") or ""),
                                  "type": kind, "action_ts": f"{time.time():.6f}"}
        value = str(form.get("value") or "")
        if kind == "button":
            action["value"] = value
        else:
            if not value:
                return RedirectResponse("/slack", status_code=303)
            action["selected_option"] = {"text": {"type": "plain_text", "text": value}, "value": value}

        def go() -> None:
            trigger, status = sb.bot.block_action(ts=ts, action=action)
            _after_trigger(trigger, status)
        await run_in_threadpool(go)
        return RedirectResponse(f"/slack#m{ts}", status_code=303)

    async def slack_shortcut(request: Request) -> Response:
        form = await request.form()
        ts = str(form.get("ts") or "")

        def go() -> None:
            trigger, status = sb.bot.message_shortcut(callback_id=SHORTCUT_REPLY, ts=ts)
            _after_trigger(trigger, status)
        await run_in_threadpool(go)
        return RedirectResponse(f"/slack#m{ts}", status_code=303)

    async def slack_command(request: Request) -> Response:
        def go() -> None:
            trigger, status = sb.bot.slash_command(COMMAND)
            _after_trigger(trigger, status)
        await run_in_threadpool(go)
        return RedirectResponse("/slack", status_code=303)

    async def slack_post(request: Request) -> Response:
        """Dana writes in a thread: internal chatter, the customer never sees it."""
        form = await request.form()
        thread, text = str(form.get("thread_ts") or ""), str(form.get("text") or "").strip()
        if text and thread in sb.slack.messages:
            from sandbox.slack import ME, Message

            with sb.slack.lock:
                ts = sb.slack.next_ts()
                sb.slack.messages[ts] = Message(ts, sb.slack.channel, text, [], ME, thread)
                sb.slack.bump()
        return RedirectResponse(f"/slack#m{thread}", status_code=303)

    async def slack_view(request: Request) -> Response:
        raw = await request.form()
        form: dict[str, list[str]] = {}
        for k, v in raw.multi_items():
            form.setdefault(k, []).append(str(v))
        view_id = (form.get("view_id") or [""])[0]
        op = (form.get("op") or ["submit"])[0]
        if view_id not in sb.slack.views:
            return RedirectResponse("/slack", status_code=303)

        dispatch = (form.get("dispatch") or [""])[0]

        def go() -> None:
            if dispatch and "::" in dispatch:  # an input with dispatch_action changed: a block action
                block_id, action_id = dispatch.split("::", 1)
                values = values_from_form(sb.slack.views[view_id], form)
                status = sb.bot.view_action(view_id, values, block_id=block_id, action_id=action_id)
                if status != 200:
                    notes.append(f"block action in a modal: HTTP {status}")
                return
            if op == "close":
                sb.bot.view_closed(view_id)
                with sb.slack.lock:
                    sb.slack.stack, sb.slack.open_view = [], None
                    sb.slack.bump()
                return
            values = values_from_form(sb.slack.views[view_id], form)
            status, answer = sb.bot.view_submission(view_id, values)
            if status != 200:
                errors[view_id] = {"_": f"the bot answered HTTP {status}"}
                notes.append(f"view submission: HTTP {status}")
                return
            errors[view_id] = apply_view_answer(sb.slack, view_id, answer)
        await run_in_threadpool(go)
        return RedirectResponse("/slack", status_code=303)

    routes = [
        Route("/", home), Route("/drop", drop, methods=["POST"]), Route("/mail", mailbox),
        Route("/portal", portal),
        Route("/status/api/v2/{name:path}", status_json), Route("/status/toggle", status_toggle, methods=["POST"]),
        Route("/api/{method}", slack_api, methods=["POST", "GET"]),
        Route("/slack", slack_page), Route("/slack/version", slack_version),
        Route("/slack/ui/action", slack_action, methods=["POST"]),
        Route("/slack/ui/shortcut", slack_shortcut, methods=["POST"]),
        Route("/slack/ui/command", slack_command, methods=["POST"]),
        Route("/slack/ui/post", slack_post, methods=["POST"]),
        Route("/slack/ui/view", slack_view, methods=["POST"]),
    ]
    routes.append(Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"))
    return SameOriginPosts(Starlette(routes=routes), exempt=("/api/",))


def run_demo(*, directory: str | None, base_port: int, open_browser: bool) -> None:
    """The ``supportbot demo`` command: start everything, print where to look, run until Ctrl-C."""
    import signal

    for noisy in ("mail.log", "alembic"):  # aiosmtpd logs every SMTP line at INFO, alembic its plugins
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Handlers first: a Ctrl-C while the parts are still starting (the web page can already answer
    # while the worker loads the spaCy model) must stop the sandbox cleanly, not abort half-started.
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        sb = start_sandbox(Path(directory) if directory else None, base_port=base_port)
    except DemoError as exc:
        raise SystemExit(f"supportbot demo: {exc}") from None
    creds = ", ".join(f"{u} / {p}" for u, p in accounts(sb.directory)) or "see accounts.txt"
    print(f"""
supportbot sandbox is running (directory {sb.directory})

  Sandbox console (start here):  {sb.console_url}/
  Slack stand-in (#support-triage): {sb.console_url}/slack
  Customer mailbox (SMTP sink):  {sb.console_url}/mail
  Web pages (compliance/ops):    {sb.web_url}/   accounts: {creds}
  IMAP server:                   {sb.imap.kind} on 127.0.0.1:{sb.imap.port}
  Everything listens on 127.0.0.1 (loopback) only: the sandbox is for this machine.

Try: drop the sample mails while the portal is up (deflection), take the portal down on the
console, drop them again (tickets in Slack), answer one with "Reply to customer", and wait a few
minutes for a nag on the other. Ctrl-C stops everything.
""", flush=True)
    if open_browser:
        with contextlib.suppress(Exception):
            webbrowser.open(f"{sb.console_url}/")
    try:
        while not stop.is_set():
            stop.wait(0.5)
    finally:
        print("stopping the sandbox...", flush=True)
        sb.stop()


__all__ = ["DemoError", "Sandbox", "run_demo", "start_sandbox"]
