"""``supportbot nag ...``: run a sweep, preview a schedule, print the SLA metrics."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from intake.commands import settings_of
from intake.domain import nag
from intake.domain.durations import duration_words
from intake.domain.nag_message import local_words, mentions_for
from intake.domain.policy import Policy, PolicyError
from intake.domain.severity import Severity
from intake.domain.sla import due_at, format_utc
from intake.policy_file import load_policy


def _policy(ctx: click.Context, policy_path: str | None) -> Policy:
    settings = settings_of(ctx)
    path = Path(policy_path) if policy_path else settings.policy_path
    try:
        return load_policy(path)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None


def _instant(text: str, name: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(f"not an ISO-8601 instant: {text!r}", param_hint=name) from None
    if value.tzinfo is None:
        raise click.BadParameter(f"{text!r} has no UTC offset; give e.g. 2026-12-23T22:00:00+01:00",
                                 param_hint=name)
    return value


def register(group: click.Group) -> None:
    @group.group("nag")
    def nag_group() -> None:
        """The nagging clock: reminders until the initial response."""

    @nag_group.command("sweep")
    @click.option("--once", is_flag=True, required=True, help="Run one sweep now and exit.")
    @click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="Policy file.")
    @click.pass_context
    def sweep(ctx: click.Context, once: bool, policy_path: str | None) -> None:
        """Send the reminders that are due now (the clock does this every ~30 s)."""
        from intake.nagging import sweep_nags  # the store (SQLAlchemy) loads only for commands that use it
        from intake.store.db import make_engine, session_factory

        settings = settings_of(ctx)
        policy = _policy(ctx, policy_path)
        engine = make_engine(settings.effective_database_url)
        try:
            report = sweep_nags(session_factory(engine), policy=policy, now=dt.datetime.now(dt.UTC),
                                batch=settings.nag_sweep_batch)
        finally:
            engine.dispose()
        click.echo(f"found {report.found}, nagged {report.nagged}, deferred {report.deferred}, "
                   f"stopped {report.stopped}, lost {report.lost}, failed {report.failed}")
        if report.failed:
            ctx.exit(1)

    @nag_group.command("preview")
    @click.option("--severity", required=True, help="S1..S4")
    @click.option("--submitted", required=True, help="ISO-8601 instant with offset")
    @click.option("--count", default=10, show_default=True, type=click.IntRange(1, 1000))
    @click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="Policy file.")
    @click.option("--assignee", default=None, help="Slack user id of the assignee (for the mentions).")
    @click.pass_context
    def preview(ctx: click.Context, severity: str, submitted: str, count: int, policy_path: str | None,
                assignee: str | None) -> None:
        """Print the reminders a request gets if nobody responds (local time, UTC, stage, time left)."""
        policy = _policy(ctx, policy_path)
        try:
            sev = Severity.parse(severity)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--severity") from None
        start = _instant(submitted, "--submitted")
        due = due_at(sev, start, policy)
        sched = policy.nag.schedule(sev)
        click.echo(f"{sev.name} {policy.rules[sev].name}: target {duration_words(policy.rules[sev].target, short=True)} "
                   f"({policy.rules[sev].hours}); thresholds {', '.join(f'{f:.0%}' for f in sched.thresholds)}; "
                   f"repeat {sched.repeat_text}; "
                   + ("daytime only" if sched.daytime_only else "around the clock"))
        click.echo(f"submitted {local_words(start, policy)} ({format_utc(start)})")
        click.echo(f"due       {local_words(due, policy)} ({format_utc(due)})")
        for i, planned in enumerate(nag.preview(sev, start, due, policy, count=count), 1):
            left = (f"{duration_words(planned.left)} left" if planned.left > dt.timedelta(0)
                    else f"late by {duration_words(planned.left)}" if planned.left < dt.timedelta(0)
                    else "due now")
            who = " ".join(m.markup for m in mentions_for(planned.stage, assignee=assignee, policy=policy))
            click.echo(f"{i:>3}. {local_words(planned.at, policy)}  {format_utc(planned.at)}  "
                       f"{planned.stage:<8}  {left}" + (f"  {who}" if who else ""))

    @nag_group.command("metrics")
    @click.pass_context
    def metrics(ctx: click.Context) -> None:
        """Print the SLA metrics (open tickets by severity and SLA state, breaches, time to response) as JSON."""
        from intake.metrics import snapshot  # the store (SQLAlchemy) loads only for commands that use it
        from intake.store.db import make_engine, session_factory

        settings = settings_of(ctx)
        engine = make_engine(settings.effective_database_url)
        try:
            with session_factory(engine)() as session:
                data = snapshot(session, now=dt.datetime.now(dt.UTC))
        finally:
            engine.dispose()
        click.echo(json.dumps(data, indent=2, sort_keys=True))
