"""Email-channel commands: ``supportbot customers ...`` (registry); ``supportbot replay`` is the pipeline's
(``intake.replay_cli``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from intake.commands import config_check, settings_of

# -- customers --------------------------------------------------------------------------------------

def _customers_path(ctx: click.Context, file: str | None) -> Path:
    if file:
        return Path(file)
    return Path(settings_of(ctx).customers_path)


def _summary(registry: Any) -> str:
    orgs = registry.organizations
    users = sum(len(o.users) for o in orgs)
    projects = sum(len(o.projects) for o in orgs)
    return f"{len(orgs)} organizations, {users} registered users, {projects} projects"


@click.group()
def customers() -> None:
    """The customer registry: organizations, registered users, projects, contract caps."""


@customers.command("check")
@click.option("--file", "file", type=click.Path(dir_okay=False),
              help="Registry file (default: the customers_path setting, SUPPORTBOT_CUSTOMERS).")
@click.pass_context
def customers_check(ctx: click.Context, file: str | None) -> None:
    """Validate the registry; exit 1 naming the file, key and reason of every problem."""
    from intake.registry import RegistryError, load_registry

    path = _customers_path(ctx, file)
    try:
        registry = load_registry(path)
    except RegistryError as exc:
        click.echo(str(exc), err=True)
        ctx.exit(1)
    click.echo(f"ok {path}: {_summary(registry)}")


@customers.command("import-csv")
@click.argument("csv_file", type=click.Path(dir_okay=False, exists=True, allow_dash=True))
@click.option("--output", "output", type=click.Path(dir_okay=False),
              help="TOML file to write (default: print to stdout).")
@click.option("--merge", is_flag=True,
              help="Merge into the existing --output file instead of refusing to overwrite it.")
def customers_import_csv(csv_file: str, output: str | None, merge: bool) -> None:
    """Import a CSV export into the registry TOML. Columns (header row, any order):

    \b
    org_id, org_name, domains, escalation_email, escalation_name, escalation_phone,
    user_email, user_name, user_phone, user_role, project_id, project_name, production,
    product, component, max_severity

    One row may carry an organization's details, a user, a project and a product cap at once;
    rows with the same org_id accumulate. Every problem is reported with its line number and
    nothing is written unless the whole import is valid.
    """
    from intake.registry import RegistryError, load_registry, merge_csv, registry_to_toml

    if merge and not output:
        raise click.UsageError("--merge needs --output (the registry file to merge into)")
    base = None
    out_path = Path(output) if output else None
    if out_path is not None and out_path.exists():
        if not merge:
            raise click.ClickException(f"{out_path} exists; pass --merge to merge into it")
        try:
            base = load_registry(out_path).to_document()
        except RegistryError as exc:
            raise click.ClickException(f"cannot merge into an invalid registry:\n{exc}") from None
    try:
        if csv_file == "-":
            text = sys.stdin.read()
        else:
            text = Path(csv_file).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{csv_file}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    result = merge_csv(text, base)
    if not result.ok:
        for line, message in result.errors:
            click.echo(f"{csv_file}:{line}: {message}", err=True)
        raise click.ClickException(f"{len(result.errors)} problem(s); nothing written")
    toml_text = registry_to_toml(result.document)
    if out_path is None:
        click.echo(toml_text, nl=False)
        return
    tmp = out_path.with_name(out_path.name + ".tmp")
    tmp.write_text(toml_text, encoding="utf-8")
    tmp.replace(out_path)  # atomic: a reader never sees half a registry
    click.echo(f"wrote {out_path}: {result.rows} rows imported", err=True)


def _check_customers(settings: Any) -> str:
    from intake.registry import load_registry

    registry = load_registry(settings.customers_path)
    return f"{settings.customers_path}: {_summary(registry)}"


def _check_templates(settings: Any) -> str:
    from intake.mail.templates import Templates

    names = Templates(settings.templates_dir).check()
    return f"{settings.templates_dir}: {len(names)} email templates render"


def register(group: click.Group) -> None:
    """Add the email channel's commands to the ``supportbot`` group."""
    group.add_command(customers)
    config_check("customers")(_check_customers)
    config_check("templates")(_check_templates)
