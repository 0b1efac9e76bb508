"""``supportbot redaction-log export|verify``: the redaction log for compliance reviewers."""

from __future__ import annotations

import datetime as dt
import sys

import click

from intake.commands import settings_of


def _when(value: str | None, name: str, *, end_of_day: bool = False) -> dt.datetime | None:
    """An ISO date (a whole UTC day) or an ISO instant (naive means UTC)."""
    if not value:
        return None
    try:
        if len(value) == 10:
            start = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=dt.UTC)
            return start + dt.timedelta(days=1) if end_of_day else start
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"expected a date like 2026-11-29 or an ISO time, got {value!r}", param_hint=name) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _session(ctx: click.Context):  # type: ignore[no-untyped-def]
    from intake.store.db import make_engine, session_factory  # the store loads only for these commands

    settings = settings_of(ctx)
    engine = make_engine(settings.effective_database_url)
    return engine, session_factory(engine)()


@click.group("redaction-log")
def redaction_log() -> None:
    """The log of rejected messages (types, offsets, fingerprints; never values)."""


@redaction_log.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="File to write (default stdout).")
@click.option("--since", help="From this date/instant, inclusive (ISO; a date means 00:00 UTC).")
@click.option("--until", help="Up to this date/instant; a date includes that whole day (UTC).")
@click.option("--channel", help="Only this channel (email, slack, web).")
@click.option("--org", "sender_org", help="Only this sender organization.")
@click.pass_context
def export_cmd(ctx: click.Context, fmt: str, output: str | None, since: str | None, until: str | None,
               channel: str | None, sender_org: str | None) -> None:
    """Export entries, oldest first, as CSV or JSON lines."""
    from intake.store.redaction_log import export

    start, end = _when(since, "--since"), _when(until, "--until", end_of_day=True)
    engine, session = _session(ctx)
    try:
        if output:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                count = export(session, fmt, fh, since=start, until=end, channel=channel, sender_org=sender_org)  # type: ignore[arg-type]
        else:
            count = export(session, fmt, sys.stdout, since=start, until=end, channel=channel, sender_org=sender_org)  # type: ignore[arg-type]
    finally:
        session.close()
        engine.dispose()
    click.echo(f"exported {count} entries", err=True)


@redaction_log.command("verify")
@click.option("--expect-head", help="The head hash recorded earlier: also detects removed newest entries.")
@click.option("--start", help="Hash the first entry must link to (default: the retention anchor if the log was "
              "purged, else the genesis hash).")
@click.pass_context
def verify_cmd(ctx: click.Context, expect_head: str | None, start: str | None) -> None:
    """Check the hash chain; exit 1 and name the first bad entry if it is broken."""
    from intake.retention import current_anchor
    from intake.store.redaction_log import GENESIS, verify

    engine, session = _session(ctx)
    try:
        note = ""
        if start is None:
            anchor = current_anchor(session)
            if anchor and anchor.get("anchor"):
                start = str(anchor["anchor"])
                note = f" (from the retention anchor, entries through id {anchor.get('purged_through_id')} purged)"
        result = verify(session, start=start or GENESIS, expect_head=expect_head)
    finally:
        session.close()
        engine.dispose()
    if result.ok:
        click.echo(f"ok: {result.checked} entries{note}, chain head {result.head}")
        return
    click.echo(f"BROKEN at entry {result.first_bad_id} after {result.checked} good entries: {result.reason}", err=True)
    ctx.exit(1)


@redaction_log.command("fingerprint")
@click.pass_context
def fingerprint_cmd(ctx: click.Context) -> None:
    """Read one value from stdin (never from the command line: shell history, process lists), print its
    HMAC-SHA256 fingerprint under the server key and the entries that hold it."""
    settings = settings_of(ctx)
    value = click.prompt("value", hide_input=True) if sys.stdin.isatty() else sys.stdin.read().rstrip("\r\n")
    if not value:
        raise click.UsageError("no value on stdin")
    from intake.store.redaction_log import find_fingerprint, fingerprint

    fp = fingerprint(settings.hmac_key(), value)
    engine, session = _session(ctx)
    try:
        ids = find_fingerprint(session, fp)
    finally:
        session.close()
        engine.dispose()
    click.echo(fp)
    click.echo(f"entries: {', '.join(map(str, ids)) if ids else 'none'}")


def register(group: click.Group) -> None:
    group.add_command(redaction_log)
