"""``supportbot outbox list / show / retry / discard``: parked and stuck side effects, for operators.

Retries and discards are audited (``audit_log``, user ``cli:<login>``), like the same buttons on the
operator page.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json

import click

from intake import outbox_ops
from intake.commands import settings_of


def register(group: click.Group) -> None:
    group.add_command(outbox)


def _factory(ctx: click.Context):  # type: ignore[no-untyped-def]
    from intake.store.db import make_engine, session_factory

    return session_factory(make_engine(settings_of(ctx).effective_database_url))


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


@click.group()
def outbox() -> None:
    """Outbox items (emails, Slack posts, webhooks) that are parked, pending or in flight."""


@outbox.command("list")
@click.option("--state", "states", multiple=True, type=click.Choice(outbox_ops.LISTABLE),
              help="Repeatable; default: parked, pending and sending.")
@click.option("--kind", type=click.Choice(["email", "slack", "webhook"]), default=None)
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def outbox_list(ctx: click.Context, states: tuple[str, ...], kind: str | None, limit: int, as_json: bool) -> None:
    """Parked items first (they need a person), then the oldest waiting ones."""
    with _factory(ctx)() as session:
        items = outbox_ops.list_items(session, states=states or ("parked", "pending", "sending"), kind=kind,
                                      limit=limit)
    if as_json:
        for item in items:
            click.echo(json.dumps(item.as_dict()))
        return
    if not items:
        click.echo("no outbox items in " + ", ".join(states or ("parked", "pending", "sending")))
        return
    click.echo(f"{'id':>7}  {'state':9} {'kind':8} {'ticket':10} {'tries':>5}  {'created (UTC)':20} summary / last error")
    for it in items:
        click.echo(f"{it.id:>7}  {it.state:9} {it.kind:8} {it.ticket or '-':10} {it.attempts:>5}  "
                   f"{it.created_at.strftime('%Y-%m-%d %H:%M:%S'):20} {it.summary}")
        if it.last_error:
            click.echo(f"{'':>7}  {'':9} error: {it.last_error}")


@outbox.command("show")
@click.argument("item_id", type=int)
@click.pass_context
def outbox_show(ctx: click.Context, item_id: int) -> None:
    """The item, its error and its payload (JSON)."""
    with _factory(ctx)() as session:
        try:
            view, payload = outbox_ops.show(session, item_id)
        except outbox_ops.OutboxOpError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(view.as_dict() | {"payload": payload}, indent=2, default=str))


@outbox.command("retry")
@click.argument("item_ids", type=int, nargs=-1, required=True)
@click.pass_context
def outbox_retry(ctx: click.Context, item_ids: tuple[int, ...]) -> None:
    """Queue parked (or backing-off) items again now; the worker delivers them."""
    failed = 0
    factory = _factory(ctx)
    for item_id in item_ids:
        try:
            with factory() as session, session.begin():
                view = outbox_ops.retry(session, item_id, now=dt.datetime.now(dt.UTC), actor=_actor())
            click.echo(f"{item_id}: queued again ({view.summary})")
        except outbox_ops.OutboxOpError as exc:
            failed += 1
            click.echo(f"{item_id}: {exc}", err=True)
    if failed:
        ctx.exit(1)


@outbox.command("discard")
@click.argument("item_id", type=int)
@click.option("--reason", required=True, help="Why (recorded in the audit trail).")
@click.pass_context
def outbox_discard(ctx: click.Context, item_id: int, reason: str) -> None:
    """Give a parked or pending item up for good."""
    try:
        with _factory(ctx)() as session, session.begin():
            view = outbox_ops.discard(session, item_id, reason=reason, now=dt.datetime.now(dt.UTC), actor=_actor())
    except outbox_ops.OutboxOpError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{item_id}: discarded ({view.summary})")
