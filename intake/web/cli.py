"""``supportbot users ...`` and ``supportbot retention purge``."""

from __future__ import annotations

import datetime as dt
import sys

import click

from intake.commands import settings_of
from intake.settings import Settings


def _factory(settings: Settings):  # type: ignore[no-untyped-def]
    from intake.store.db import make_engine, session_factory, upgrade

    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    return engine, session_factory(engine)


def register(group: click.Group) -> None:
    from intake.web.api_cli import api_token

    group.add_command(users)
    group.add_command(api_token)
    group.add_command(retention)


@click.group()
def users() -> None:
    """Accounts of the web pages (compliance officers and operators)."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["compliance", "operator"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--proxy-only", is_flag=True, help="No local password: sign-in only through the trusted SSO proxy.")
@click.pass_context
def users_add(ctx: click.Context, username: str, role: str, password_stdin: bool, proxy_only: bool) -> None:
    """Create an account (the password is asked for, never taken from the command line)."""
    from intake.web.auth import AuthError, add_user

    password: str | None = None
    if not proxy_only:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine, factory = _factory(settings_of(ctx))
    try:
        with factory.begin() as session:
            add_user(session, username=username, role=role, password=password, now=dt.datetime.now(dt.UTC))
    except AuthError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"user {username} added with role {role}" + (" (proxy sign-in only)" if proxy_only else ""))


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """List accounts: name, role, active, last sign-in."""
    from sqlalchemy import select

    from intake.store.models import User

    engine, factory = _factory(settings_of(ctx))
    with factory() as session:
        for u in session.scalars(select(User).order_by(User.username)):
            last = u.last_login_at.strftime("%Y-%m-%dT%H:%MZ") if u.last_login_at else "never"
            click.echo(f"{u.username}\t{u.role}\t{'active' if u.active else 'disabled'}\tlast sign-in {last}")
    engine.dispose()


def _set_active(ctx: click.Context, username: str, active: bool) -> None:
    from intake.web.auth import AuthError, set_active

    engine, factory = _factory(settings_of(ctx))
    try:
        with factory.begin() as session:
            set_active(session, username=username, active=active)
    except AuthError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"user {username} {'enabled' if active else 'disabled'}")


@users.command("disable")
@click.argument("username")
@click.pass_context
def users_disable(ctx: click.Context, username: str) -> None:
    """Disable an account; its open sessions stop working at their next request."""
    _set_active(ctx, username, False)


@users.command("enable")
@click.argument("username")
@click.pass_context
def users_enable(ctx: click.Context, username: str) -> None:
    """Re-enable a disabled account."""
    _set_active(ctx, username, True)


@click.group()
def retention() -> None:
    """Retention of raw mail content and redaction log entries."""


@retention.command("purge")
@click.pass_context
def retention_purge(ctx: click.Context) -> None:
    """Purge what is past the configured periods now (the clock also runs this daily)."""
    from intake.retention import purge

    settings = settings_of(ctx)
    engine, factory = _factory(settings)
    try:
        with factory.begin() as session:
            report = purge(session, now=dt.datetime.now(dt.UTC), settings=settings)
    finally:
        engine.dispose()
    click.echo(f"purged: {report.tickets} closed ticket(s), {report.inbound_messages} inbound message(s), "
               f"{report.outbox_items} outbox item(s), {report.redaction_entries} redaction log entries"
               + (f"; chain anchor {report.anchor}" if report.anchor else ""))
