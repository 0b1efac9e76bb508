"""``supportbot``: the command line (contract in shared DESIGN.md, "Contracts")."""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
from pathlib import Path
from typing import Any

import click

from intake.commands import CHECKS, ConfigWarning, config_check, install_stop_handlers, log, settings_of
from intake.domain.policy import PolicyError
from intake.domain.severity import Severity
from intake.domain.sla import due_at, explain, format_utc
from intake.logs import setup_logging
from intake.policy_file import load_policy
from intake.settings import Settings, get_settings
from intake.wiring import PROCESSES, register_commands, run_process
from redaction.config import load_config


@click.group()
@click.option("--log-level", default=None, help="Override SUPPORTBOT_LOG_LEVEL.")
@click.pass_context
def main(ctx: click.Context, log_level: str | None) -> None:
    """supportbot: the support desk's intake bot."""
    try:
        settings = get_settings()
    except ValueError as exc:  # pydantic's ValidationError and our SettingsError: name the setting, no traceback
        errors = getattr(exc, "errors", None)
        lines = [f"  {'.'.join(str(p) for p in e.get('loc', ())) or 'settings'}: {e.get('msg')}" for e in errors()] \
            if callable(errors) else [f"  {exc}"]
        raise click.ClickException("bad configuration:\n" + "\n".join(lines)) from None
    setup_logging(log_level or settings.log_level, settings.log_format)
    ctx.obj = settings


# -- sla ----------------------------------------------------------------------------------------------

@main.group()
def sla() -> None:
    """The SLA clock: due times and their explanation."""


def _load_policy(ctx: click.Context, policy_path: str | None):  # type: ignore[no-untyped-def]
    path = Path(policy_path) if policy_path else settings_of(ctx).policy_path
    try:
        return load_policy(path)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None


def _parse_instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset; give e.g. 2026-12-23T22:00:00+01:00 or ...Z")
    return value


@sla.command("due")
@click.option("--severity", help="S1..S4")
@click.option("--submitted", help="ISO-8601 instant with offset, e.g. 2026-12-23T22:00:00+01:00")
@click.option("--jsonl", is_flag=True, help='Read {"id","severity","submitted"} lines, write {"id","due"}.')
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="Policy file.")
@click.pass_context
def sla_due(ctx: click.Context, severity: str | None, submitted: str | None, jsonl: bool,
            policy_path: str | None) -> None:
    """Print when the initial response is due (ISO-8601, UTC, last line)."""
    policy = _load_policy(ctx, policy_path)
    if not jsonl:
        if not severity or not submitted:
            raise click.UsageError("give --severity and --submitted, or --jsonl")
        try:
            due = due_at(Severity.parse(severity), _parse_instant(submitted), policy)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(format_utc(due))
        return
    failures = 0
    out = sys.stdout
    for lineno, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        item_id: Any = None
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("line is not a JSON object")
            item_id = data.get("id")
            due = due_at(Severity.parse(data["severity"]), _parse_instant(str(data["submitted"])), policy)
            out.write(json.dumps({"id": item_id, "due": format_utc(due)}) + "\n")
        except (ValueError, KeyError, TypeError) as exc:
            failures += 1
            reason = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
            out.write(json.dumps({"id": item_id, "error": reason}) + "\n")
            click.echo(f"line {lineno}: {reason}", err=True)
        out.flush()
    if failures:
        ctx.exit(1)


@sla.command("explain")
@click.option("--severity", required=True)
@click.option("--submitted", required=True)
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False))
@click.pass_context
def sla_explain(ctx: click.Context, severity: str, submitted: str, policy_path: str | None) -> None:
    """Explain a due time: the windows counted and the days skipped, in words."""
    policy = _load_policy(ctx, policy_path)
    try:
        explanation = explain(Severity.parse(severity), _parse_instant(submitted), policy)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for line in explanation.lines():
        click.echo(line)


# -- db -------------------------------------------------------------------------------------------------

@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Apply the Alembic migrations (SQLite default or DATABASE_URL)."""
    url = settings_of(ctx).effective_database_url
    from intake.store.db import upgrade  # the store (SQLAlchemy) loads only for commands that use it

    upgrade(url, revision)
    click.echo(f"database at {revision}: {_redact_url(url)}")


def _redact_url(url: str) -> str:
    from sqlalchemy.engine import make_url  # the store (SQLAlchemy) loads only for commands that use it

    return make_url(url).render_as_string(hide_password=True)


# -- check ------------------------------------------------------------------------------------------------

@config_check("policy")
def _check_policy(settings: Settings) -> str:
    policy = load_policy(settings.policy_path)
    return f"{settings.policy_path}: {policy.calendar.timezone}, {len(policy.rules)} severities, {len(policy.caps)} caps"


@config_check("redaction")
def _check_redaction(settings: Settings) -> str:
    """The redaction config and that its spaCy models are installed (not loaded: that takes seconds)."""
    from redaction.nlp import model_installed

    config = load_config(settings.redaction_config, model=settings.spacy_model)
    models = config.engine.models()
    missing = [m for m in models if not model_installed(m)]
    if missing:
        raise ValueError(f"{settings.redaction_config}: spaCy model(s) {', '.join(map(repr, missing))} not installed "
                         "(pip install --require-hashes --no-deps -r requirements/model.txt; "
                         "SUPPORTBOT_SPACY_MODEL, [engine.ner]; see docs/redaction.md)")
    routed = ", ".join(f"{lang}: {'+'.join(config.engine.backends(lang))}" for lang in config.engine.languages)
    return f"{settings.redaction_config}: model {config.engine.model}; languages {routed or config.engine.language}"


@config_check("examples")
def _check_examples(settings: Settings) -> str:
    """The worked example's marked values (config/env.example, [vendor]) still in place: warnings."""
    from intake.examples import example_values

    left = example_values(settings)
    if left:
        raise ConfigWarning(f"{len(left)} value(s) of the worked example still in place:\n"
                            + "\n".join(f"       - {v}" for v in left))
    return "no example values left"


@main.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate every configuration file and setting; exit 1 on the first bad one, naming file and key."""
    settings = settings_of(ctx)
    bad = 0
    for name, fn in CHECKS:
        try:
            detail = fn(settings)
        except ConfigWarning as warning:
            click.echo(f"warn {name}: {warning}")
            continue
        except Exception as exc:  # every check reports its own error class; show them all
            bad += 1
            click.echo(f"FAIL {name}: {exc}", err=True)
        else:
            click.echo(f"ok   {name}: {detail}")
    if bad:
        ctx.exit(1)


# -- processes ------------------------------------------------------------------------------------------

@main.command("run")
@click.option("--only", multiple=True, type=click.Choice(sorted(PROCESSES)), help="Run only these parts.")
@click.pass_context
def run(ctx: click.Context, only: tuple[str, ...]) -> None:
    """Run web, worker and clock in one process (the single-machine default)."""
    settings = settings_of(ctx)
    from intake.store.db import upgrade  # the store (SQLAlchemy) loads only for commands that use it

    upgrade(settings.effective_database_url)
    stop = threading.Event()
    install_stop_handlers(stop)
    names = list(only or PROCESSES)
    threads = [threading.Thread(target=run_process, args=(n, settings, stop), name=n, daemon=True) for n in names]
    for t in threads:
        t.start()
    log.info("supportbot running: %s (database %s)", ", ".join(names), _redact_url(settings.effective_database_url))
    while not stop.is_set() and any(t.is_alive() for t in threads):
        stop.wait(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=30)


def _single(name: str) -> click.Command:
    @click.pass_context
    def command(ctx: click.Context) -> None:
        settings = settings_of(ctx)
        stop = threading.Event()
        install_stop_handlers(stop)
        run_process(name, settings, stop)

    return click.Command(name, callback=command, help=f"Run the {name} process (Procfile: {name}).")


for _name in PROCESSES:
    main.add_command(_single(_name))
register_commands(main)
