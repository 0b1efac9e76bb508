"""The worker process (Procfile ``worker``): the IMAP poller + the outbox dispatcher (+ the portal
gate's refresh when no clock process keeps it fresh).

Two threads share one stop flag (house style rule 9): SIGTERM lets the poller finish the mail it
is committing and the dispatcher the item it is sending, then both return. ``kill -9`` at any
moment is safe too (``tests/mail/test_crash_worker.py``): a mail is marked done on the server only
after its outcome is committed, and an email whose delivery was interrupted is parked, never sent
twice (``stale_policy={"email": "park"}``; docs/email.md explains the choice).

:func:`build_worker` is the one wiring function (house style rule 1): every client is built from
the settings there, never at import time.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from intake import webhooks
from intake.mail.imap import ImapConfig, MailboxPoller
from intake.mail.scan import WindowedRedactor
from intake.mail.smtp import SmtpConfig, SmtpTransport
from intake.mail.templates import Templates
from intake.outbox import Dispatcher, RetryPolicy, Transport, record_phase
from intake.pipeline import IntakeConfig, IntakeDeps
from intake.pipeline.mailbox import BatchIngest
from intake.policy_file import load_policy
from intake.portal import GateReading, PortalMonitor, latest_reading, record_reading
from intake.registry import load_registry
from intake.settings import Settings
from intake.store.db import make_engine, session_factory
from intake.timeutil import utcnow

__all__ = ["GateSource", "Worker", "build_worker"]

log = logging.getLogger(__name__)

# Builds the outbox's Slack transport and its on-done hook from (settings, session factory, policy).
SlackParts = Callable[[Settings, "sessionmaker[Session]", Any], tuple[Transport, Callable[..., None]]]


class GateSource:
    """The portal gate as the worker sees it: the clock's latest recorded reading while it is
    fresh; otherwise the worker refreshes the gate itself (and records the reading), so the
    single ``worker`` process also works without ``clock``."""

    def __init__(self, factory: sessionmaker[Session], *, monitor: PortalMonitor | None, refresh_seconds: float,
                 unknown_means: str = "down", clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.factory = factory
        self.monitor = monitor
        self.max_age = dt.timedelta(seconds=refresh_seconds * 3)
        self.unknown_means = unknown_means
        self.clock = clock
        self._lock = threading.Lock()

    def current(self) -> GateReading:
        now = self.clock()
        with self._lock:
            with self.factory() as session:
                last = latest_reading(session)
            if last is not None and now - last.at <= self.max_age:
                return last
            if self.monitor is not None:
                reading = self.monitor.refresh(now)
                reading = GateReading(reading.state, reading.effective, reading.reason, reading.at, "worker")
                with self.factory() as session, session.begin():
                    record_reading(session, reading)
                return reading
            if last is not None:
                return GateReading(last.state, last.effective, f"stale reading: {last.reason}", last.at, last.source)
            return GateReading("unknown", self.unknown_means,  # type: ignore[arg-type]
                               f"no status page or health probe configured; counts as {self.unknown_means}", now)


@dataclass
class Worker:
    factory: sessionmaker[Session]
    dispatcher: Dispatcher
    poller: Any = None  # intake.mail.imap.MailboxPoller or None when IMAP is not configured
    gate: GateSource | None = None
    handler: Any = None
    dispatch_interval: float = 1.0
    closers: list[Callable[[], None]] = field(default_factory=list)
    clock: Callable[[], dt.datetime] = utcnow
    # Turns new ticket events into webhook deliveries (intake/webhooks.py); runs before each dispatch.
    relay: Callable[[dt.datetime], int] | None = None

    def dispatch_loop(self, stop: threading.Event) -> None:
        failures = 0
        next_gate = 0.0
        import time

        while not stop.is_set():
            try:
                if self.gate is not None and time.monotonic() >= next_gate:
                    self.gate.current()
                    next_gate = time.monotonic() + self.gate.max_age.total_seconds() / 3
                if self.relay is not None:
                    self.relay(self.clock())
                report = self.dispatcher.dispatch_once(now=self.clock(), limit=10)
                failures = 0
            except SQLAlchemyError as exc:
                failures += 1
                delay = min(30.0, 0.5 * 2 ** failures)
                log.warning("outbox dispatch failed (%s); retry in %.1fs", type(exc).__name__, delay)
                stop.wait(delay)
                continue
            except Exception:  # noqa: BLE001 - keep delivering; the traceback is in the log
                log.exception("outbox dispatch failed")
                stop.wait(self.dispatch_interval)
                continue
            if report.sent == 0 and report.retried == 0 and report.parked == 0:
                stop.wait(self.dispatch_interval)

    def run(self, stop: threading.Event) -> None:
        threads = [threading.Thread(target=self.dispatch_loop, args=(stop,), name="outbox", daemon=True)]
        if self.poller is not None:
            threads.append(threading.Thread(target=self.poller.run, args=(stop,), name="imap", daemon=True))
        for t in threads:
            t.start()
        log.info("worker ready: %s", ", ".join(t.name for t in threads))
        try:
            while not stop.wait(0.5):
                if not all(t.is_alive() for t in threads):
                    log.error("worker thread died; stopping")
                    stop.set()
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
            for close in self.closers:
                try:
                    close()
                except Exception:  # noqa: BLE001
                    log.warning("closing a client failed", exc_info=True)


def build_worker(settings: Settings, *, factory: sessionmaker[Session] | None = None, redactor: Any = None,
                 http_client: Any = None, transports: dict[str, Transport] | None = None,
                 clock: Callable[[], dt.datetime] = utcnow, worker_id: str | None = None,
                 slack: SlackParts | None = None) -> Worker:
    """Wire the worker from settings. Fails loudly (file, key, reason) on bad configuration.

    ``slack`` builds the outbox's Slack transport and its on-done hook (``intake.wiring`` passes the
    bot's notifier when a bot token is set); without it Slack posts stay queued in the outbox.
    """
    worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    if factory is None:
        factory = session_factory(make_engine(settings.effective_database_url))
    policy = load_policy(settings.policy_path)
    closers: list[Callable[[], None]] = []

    monitor = None
    if settings.statuspage_url or settings.health_url:
        client = http_client or httpx.Client(timeout=settings.http_timeout)
        if http_client is None:
            closers.append(client.close)
        with factory() as session:
            resume = latest_reading(session)
        monitor = PortalMonitor.from_settings(settings, http_client=client, resume=resume)
    gate = GateSource(factory, monitor=monitor, refresh_seconds=settings.portal_refresh_seconds,
                      unknown_means=settings.portal_unknown_means, clock=clock)

    if transports is None:
        transports = {}
        if settings.smtp_host:
            transports["email"] = SmtpTransport(
                SmtpConfig.from_settings(settings),
                before_data=lambda item: record_phase(factory, item.id, "data", worker_id=worker_id))
        else:
            log.warning("SUPPORTBOT_SMTP_HOST not set: customer emails stay queued in the outbox")
        if settings.webhook_urls and settings.webhook_secret is not None:
            transports["webhook"] = webhooks.WebhookTransport(settings.webhook_secret.get_secret_value().encode(),
                                                              timeout=settings.webhook_timeout)
    on_done: dict[str, Any] = {}
    if slack is not None:
        transports["slack"], on_done["slack"] = slack(settings, factory, policy)
    elif "slack" not in transports:
        log.warning("SLACK_BOT_TOKEN not set: Slack posts stay queued in the outbox")
    dispatcher = Dispatcher(factory, transports, worker_id=worker_id,
                            retry=RetryPolicy(claim_ttl=settings.outbox_claim_ttl), on_done=on_done,
                            # at-most-once for customer mail: an email whose sender died after SMTP DATA
                            # began is parked for an operator, never re-sent blindly; one that died
                            # before DATA is sent again (docs/email.md).
                            stale_policy={"email": "park"})
    closers.append(dispatcher.close)

    poller = handler = None
    if settings.imap_host and settings.imap_user:
        from redaction.engine import get_redactor  # heavy: Presidio and spaCy, only when mail is read

        templates = Templates(settings.templates_dir)
        templates.check()
        registry = load_registry(settings.customers_path)
        if redactor is None:
            redactor = get_redactor(settings.redaction_config, model=settings.spacy_model)
        # long texts (a 20 MB log attached) are scanned whole, in overlapping windows
        redactor = WindowedRedactor(redactor, max_chars=2 * settings.max_mail_bytes)
        deps = IntakeDeps(IntakeConfig.from_settings(settings), registry, policy, redactor, templates,
                          settings.hmac_key())
        handler = BatchIngest(factory, deps, gate=gate.current, clock=clock)
        poller = MailboxPoller(ImapConfig.from_settings(settings), factory=factory, handler=handler,
                               worker_id=worker_id)
    else:
        log.warning("SUPPORTBOT_IMAP_HOST/IMAP_USER not set: no mail is read")
    def relay(now: dt.datetime) -> int:
        with factory() as session, session.begin():
            return webhooks.relay(session, urls=settings.webhook_urls, source=settings.webhook_source, now=now)

    return Worker(factory=factory, dispatcher=dispatcher, poller=poller, gate=gate, handler=handler,
                  closers=closers, clock=clock, relay=relay)


