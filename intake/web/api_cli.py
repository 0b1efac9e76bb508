"""``supportbot api-token create|list|revoke``: the bearer tokens of the read API (``/api/v1``)."""

from __future__ import annotations

import datetime as dt
import getpass

import click

from intake.commands import settings_of
from intake.settings import Settings


def _factory(settings: Settings):  # type: ignore[no-untyped-def]
    from intake.store.db import make_engine, session_factory, upgrade

    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    return engine, session_factory(engine)


def _actor() -> str:
    """Who ran the command, for the audit trail (the OS account: there is no web sign-in here)."""
    try:
        return f"cli:{getpass.getuser()}"[:200]
    except (KeyError, OSError):
        return "cli"


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else "-"


@click.group("api-token")
def api_token() -> None:
    """Bearer tokens of the read API: operator tokens read tickets, compliance tokens the redaction log."""


@api_token.command("create")
@click.option("--name", required=True, help="A name to list and revoke it by (e.g. the client's name).")
@click.option("--role", type=click.Choice(["operator", "compliance"]), required=True)
@click.pass_context
def create(ctx: click.Context, name: str, role: str) -> None:
    """Create a token and print it once (only its SHA-256 is kept)."""
    from intake.web.api_tokens import TokenError
    from intake.web.api_tokens import create as create_token

    engine, factory = _factory(settings_of(ctx))
    try:
        with factory.begin() as session:
            token = create_token(session, name=name, role=role, now=dt.datetime.now(dt.UTC), actor=_actor())
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"token {name} ({role}) created; it is shown only now:", err=True)
    click.echo(token)


@api_token.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """List tokens: name, role, created, last used, revoked (never the token)."""
    from intake.web.api_tokens import all_tokens

    engine, factory = _factory(settings_of(ctx))
    try:
        with factory() as session:
            for t in all_tokens(session):
                status = f"revoked {_when(t.revoked_at)}" if t.revoked_at else "active"
                click.echo(f"{t.name}\t{t.role}\t{status}\tcreated {_when(t.created_at)}\t"
                           f"last used {_when(t.last_used_at) if t.last_used_at else 'never'}")
    finally:
        engine.dispose()


@api_token.command("revoke")
@click.argument("name")
@click.pass_context
def revoke(ctx: click.Context, name: str) -> None:
    """Revoke a token: refused from its next request on (audited)."""
    from intake.web.api_tokens import TokenError
    from intake.web.api_tokens import revoke as revoke_token

    engine, factory = _factory(settings_of(ctx))
    try:
        with factory.begin() as session:
            revoke_token(session, name=name, now=dt.datetime.now(dt.UTC), actor=_actor())
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"token {name} revoked")
