"""The clock process (Procfile ``clock``; also a thread of ``supportbot run``): APScheduler 3.x with
thin jobs, each one plain function call with ``now`` read here, at the entry point:

* ``sweep_nags``      every ``SUPPORTBOT_NAG_SWEEP_SECONDS`` (30 s): reminders until the initial response;
* ``refresh_portal``  every ``SUPPORTBOT_PORTAL_REFRESH_SECONDS``: status page + health probe -> gate
  reading (only when a status page or health URL is configured);
* ``purge``           daily at ``SUPPORTBOT_RETENTION_PURGE_TIME`` local: ``intake.retention.purge``;
* ``digest``          each support-day morning (the nag ``morning``): one Slack channel message with
  the tickets still waiting for their initial response.

Two clocks may run at once (scale-out, a deploy overlapping the old process): the sweep claims rows
with a conditional UPDATE, the digest is deduplicated per local date in the outbox, the portal
readings are only observations. Jobs never overlap themselves (``max_instances=1``) and a job
missed while the process was busy runs once, not once per missed slot (``coalesce``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from intake.domain.durations import duration_words
from intake.domain.nag_message import slack_time
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.domain.sla import support_time_between
from intake.domain.ticket import ACTIVE_VALUES
from intake.nagging import SweepReport, sweep_nags
from intake.outbox import enqueue
from intake.policy_file import load_policy
from intake.portal import PortalMonitor, latest_reading, record_reading
from intake.retention import purge
from intake.settings import Settings
from intake.store.db import make_engine, session_factory
from intake.store.models import OutboxItem, Ticket
from intake.timeutil import utcnow

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


@dataclass
class ClockJobs:
    """The jobs, as plain methods over injected parts (tests call them with a fixed clock)."""

    factory: sessionmaker[Session]
    policy: Policy
    settings: Settings
    portal: Any = None  # intake.portal.PortalMonitor or None
    clock: Clock = utcnow
    stop: threading.Event | None = None  # SIGTERM: a running sweep ends after its current transaction
    _last_gate: tuple[str, str] | None = None

    def sweep_nags(self) -> SweepReport:
        return sweep_nags(self.factory, policy=self.policy, now=self.clock(), batch=self.settings.nag_sweep_batch,
                          stop=self.stop)

    def refresh_portal(self) -> Any:
        if self.portal is None:
            return None
        now = self.clock()
        reading = self.portal.refresh(now)
        with self.factory() as session, session.begin():
            record_reading(session, reading)
        # A refresh every few seconds: say it at INFO only when the gate changes.
        key = (reading.state, reading.effective)
        level = logging.INFO if key != self._last_gate else logging.DEBUG
        self._last_gate = key
        log.log(level, "portal gate: %s (effective %s): %s", reading.state, reading.effective, reading.reason)
        return reading

    def purge(self) -> Any:
        now = self.clock()
        with self.factory() as session, session.begin():
            result = purge(session, now=now, settings=self.settings)
        log.info("retention purge at %s: %s", now.isoformat(), result)
        return result

    def digest(self) -> bool:
        """Enqueue today's digest (once per local date, whichever clock comes first)."""
        now = self.clock()
        if not self.settings.digest_enabled:
            return False
        day = self.policy.calendar.local_date(now)
        key = f"digest:{day.isoformat()}"
        with self.factory() as session, session.begin():
            if session.scalar(select(OutboxItem.id).where(OutboxItem.dedupe_key == key)) is not None:
                created = False
            else:
                text = digest_text(session, now=now, policy=self.policy)
                enqueue(session, kind="slack", dedupe_key=key, now=now,
                        payload={"op": "channel_message", "kind": "digest", "text": text})
                created = True
        log.info("daily digest for %s %s", day.isoformat(), "enqueued" if created else "already enqueued")
        return created


def digest_text(session: Session, *, now: dt.datetime, policy: Policy, limit: int = 25) -> str:
    """The morning digest: counts per severity, then the waiting tickets, most urgent first.

    Tokens, severities and times only: no subjects or customer content in the channel.
    """
    rows = session.execute(
        select(Ticket.token, Ticket.effective_severity, Ticket.due_at, Ticket.assignee)
        .where(Ticket.state.in_(ACTIVE_VALUES), Ticket.initial_response_at.is_(None),
               Ticket.waiver.is_(None), Ticket.due_at.is_not(None))
        .order_by(Ticket.due_at)).all()
    counts = {sev.name: [0, 0] for sev in Severity}  # [waiting, breached]
    for _token, sev, due, _assignee in rows:
        counts.setdefault(sev, [0, 0])
        counts[sev][0] += 1
        if due <= now:
            counts[sev][1] += 1
    header = (f":sunrise: Support digest for {policy.calendar.local(now):%a %d %b %Y} "
              f"({policy.calendar.timezone}): {len(rows)} request(s) waiting for an initial response.")
    lines = [header]
    summary = ", ".join(f"{sev} {n}" + (f" ({b} breached)" if b else "") for sev, (n, b) in sorted(counts.items()) if n)
    if summary:
        lines.append(summary)
    for token, sev, due, assignee in rows[:limit]:
        severity = Severity.parse(sev)
        if due <= now:
            when = f"overdue by {duration_words(now - due)}"
        else:
            when = f"{duration_words(support_time_between(severity, now, due, policy))} left"
        who = f"<@{assignee}>" if assignee else "unclaimed"
        lines.append(f"• *{token}* {sev}: {when} (due {slack_time(due)}), {who}")
    if len(rows) > limit:
        lines.append(f"… and {len(rows) - limit} more.")
    if not rows:
        lines.append("Nothing is waiting. :tada:")
    return "\n".join(lines)


# -- wiring -------------------------------------------------------------------------------------------

def build_jobs(settings: Settings, *, factory: sessionmaker[Session] | None = None,
               policy: Policy | None = None, http_client: Any = None, clock: Clock = utcnow) -> ClockJobs:
    """The one wiring function of the clock process: database, policy, portal monitor from settings."""
    if policy is None:
        policy = load_policy(settings.policy_path)  # fails loudly with file, key and reason
    if factory is None:
        factory = session_factory(make_engine(settings.effective_database_url))
    portal = None
    if settings.statuspage_url or settings.health_url:
        client = http_client or httpx.Client(timeout=settings.http_timeout)
        with factory() as session:
            resume = latest_reading(session)
        portal = PortalMonitor.from_settings(settings, http_client=client, resume=resume)
    return ClockJobs(factory=factory, policy=policy, settings=settings, portal=portal, clock=clock)


def build_scheduler(jobs: ClockJobs, *, background: bool = True) -> Any:
    """An APScheduler 3.x scheduler with the clock's jobs (not started)."""
    settings, policy = jobs.settings, jobs.policy
    tz = policy.calendar.tz
    defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 300}
    cls = BackgroundScheduler if background else BlockingScheduler
    scheduler = cls(timezone=tz, job_defaults=defaults)
    scheduler.add_job(_guard(jobs.sweep_nags), IntervalTrigger(seconds=settings.nag_sweep_seconds, timezone=tz),
                      id="sweep_nags", name="sweep_nags", next_run_time=dt.datetime.now(tz))
    if jobs.portal is not None:
        scheduler.add_job(_guard(jobs.refresh_portal),
                          IntervalTrigger(seconds=settings.portal_refresh_seconds, timezone=tz),
                          id="refresh_portal", name="refresh_portal", next_run_time=dt.datetime.now(tz))
    hour, minute = (int(x) for x in settings.retention_purge_time.split(":"))
    scheduler.add_job(_guard(jobs.purge), CronTrigger(hour=hour, minute=minute, timezone=tz),
                      id="purge", name="purge")
    morning = policy.nag.morning
    # Every day at the morning time; the job itself skips days that are not support days.
    scheduler.add_job(_guard(_support_days_only(jobs)),
                      CronTrigger(hour=morning.hour, minute=morning.minute, timezone=tz),
                      id="digest", name="digest")
    return scheduler


def _support_days_only(jobs: ClockJobs) -> Callable[[], Any]:
    def digest() -> Any:
        now = jobs.clock()
        if not jobs.policy.calendar.is_support_day(jobs.policy.calendar.local_date(now)):
            log.info("digest: %s is not a support day; skipped", jobs.policy.calendar.local_date(now))
            return None
        return jobs.digest()
    return digest


def _guard(fn: Callable[[], Any]) -> Callable[[], Any]:
    """A failing job logs and waits for its next run; it never kills the scheduler."""
    def job() -> Any:
        try:
            return fn()
        except Exception:  # noqa: BLE001 - the next run retries; the traceback is in the log
            log.exception("clock job %s failed", getattr(fn, "__name__", fn))
            return None
    job.__name__ = getattr(fn, "__name__", "job")
    return job


def run_forever(settings: Settings, *, stop: threading.Event) -> None:
    """Run the clock until ``stop`` is set; the current job finishes before it returns."""
    jobs = build_jobs(settings)
    jobs.stop = stop
    scheduler = build_scheduler(jobs, background=True)
    scheduler.start()
    log.info("clock started: %s", ", ".join(j.id for j in scheduler.get_jobs()))
    try:
        while not stop.wait(0.5):
            pass
    finally:
        scheduler.shutdown(wait=True)
        if jobs.portal is not None:
            client = getattr(jobs.portal, "_client", None)
            if client is not None:
                client.close()
        log.info("clock stopped")
