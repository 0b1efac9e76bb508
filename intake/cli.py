"""``supportbot``: the command line (contract in shared DESIGN.md, "Contracts")."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from intake.settings import Settings, get_settings

log = logging.getLogger("supportbot")

# Areas add their own commands: each module exposes ``register(group: click.Group) -> None``.
AREA_MODULES = (
    "redaction.cli",
    "redaction.logcli",
    "intake.mail.cli",
    "bot.cli",
    "intake.web.cli",
    "intake.clock_cli",
)


@click.group()
@click.option("--log-level", default=None, help="Override SUPPORTBOT_LOG_LEVEL.")
@click.pass_context
def main(ctx: click.Context, log_level: str | None) -> None:
    """supportbot: the support desk's intake bot."""
    from intake.logs import setup_logging

    settings = get_settings()
    setup_logging(log_level or settings.log_level, settings.log_format)
    ctx.obj = settings


def _settings(ctx: click.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else get_settings()


# -- sla ----------------------------------------------------------------------------------------------

@main.group()
def sla() -> None:
    """The SLA clock: due times and their explanation."""


def _load_policy(ctx: click.Context, policy_path: str | None):  # type: ignore[no-untyped-def]
    from intake.domain.policy import Policy, PolicyError

    path = Path(policy_path) if policy_path else _settings(ctx).policy_path
    try:
        return Policy.load(path)
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
    from intake.domain.severity import Severity
    from intake.domain.sla import due_at, format_utc

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
    from intake.domain.severity import Severity
    from intake.domain.sla import explain

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
    from intake.store.db import upgrade

    url = _settings(ctx).effective_database_url
    upgrade(url, revision)
    click.echo(f"database at {revision}: {_redact_url(url)}")


def _redact_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# -- check ------------------------------------------------------------------------------------------------

CHECKS: list[tuple[str, Any]] = []


def config_check(name: str):  # type: ignore[no-untyped-def]
    """Register a configuration check: a callable ``(settings) -> str`` that raises on a bad file."""
    def deco(fn):  # type: ignore[no-untyped-def]
        CHECKS.append((name, fn))
        return fn
    return deco


@config_check("policy")
def _check_policy(settings: Settings) -> str:
    from intake.domain.policy import Policy

    policy = Policy.load(settings.policy_path)
    return f"{settings.policy_path}: {policy.calendar.timezone}, {len(policy.rules)} severities, {len(policy.caps)} caps"


@config_check("redaction")
def _check_redaction(settings: Settings) -> str:
    """The redaction config and that its spaCy model is installed (not loaded: that takes seconds)."""
    import importlib.util

    from redaction.config import load_config

    config = load_config(settings.redaction_config, model=settings.spacy_model)
    model = config.engine.model
    if importlib.util.find_spec(model) is None:
        raise ValueError(f"{settings.redaction_config}: spaCy model {model!r} is not installed "
                         "(SUPPORTBOT_SPACY_MODEL; see README)")
    return f"{settings.redaction_config}: model {model}"


@main.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate every configuration file and setting; exit 1 on the first bad one, naming file and key."""
    settings = _settings(ctx)
    bad = 0
    for name, fn in CHECKS:
        try:
            detail = fn(settings)
        except Exception as exc:  # every check reports its own error class; show them all
            bad += 1
            click.echo(f"FAIL {name}: {exc}", err=True)
        else:
            click.echo(f"ok   {name}: {detail}")
    if bad:
        ctx.exit(1)


# -- processes ------------------------------------------------------------------------------------------

PROCESSES = {
    "web": "intake.web.app",
    "worker": "intake.worker",
    "clock": "intake.clock",
}


def _run_process(name: str, settings: Settings, stop: threading.Event) -> None:
    module = importlib.import_module(PROCESSES[name])
    module.run_forever(settings, stop=stop)


def install_stop_handlers(stop: threading.Event) -> None:
    """SIGTERM/SIGINT set ``stop``: loops finish their current item, then exit (house style rule 9)."""
    def handler(signum: int, _frame: Any) -> None:
        log.info("signal %s: finishing the current item, then stopping", signum)
        stop.set()
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _available(name: str) -> bool:
    try:
        module = importlib.import_module(PROCESSES[name])
    except ModuleNotFoundError as exc:
        if exc.name == PROCESSES[name]:
            return False
        raise
    return hasattr(module, "run_forever")


@main.command("run")
@click.option("--only", multiple=True, type=click.Choice(sorted(PROCESSES)), help="Run only these parts.")
@click.pass_context
def run(ctx: click.Context, only: tuple[str, ...]) -> None:
    """Run web, worker and clock in one process (the single-machine default)."""
    from intake.store.db import upgrade

    settings = _settings(ctx)
    upgrade(settings.effective_database_url)
    stop = threading.Event()
    install_stop_handlers(stop)
    names = [n for n in (only or PROCESSES) if _available(n)]
    if not names:
        raise click.ClickException("nothing to run")
    threads = [threading.Thread(target=_run_process, args=(n, settings, stop), name=n, daemon=True) for n in names]
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
        settings = _settings(ctx)
        if not _available(name):
            raise click.ClickException(f"the {name} process is not available in this build")
        stop = threading.Event()
        install_stop_handlers(stop)
        _run_process(name, settings, stop)

    return click.Command(name, callback=command, help=f"Run the {name} process (Procfile: {name}).")


for _name in PROCESSES:
    main.add_command(_single(_name))


def _register_areas() -> None:
    for module_name in AREA_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # area not built yet
            raise
        register = getattr(module, "register", None)
        if register is not None:
            register(main)


_register_areas()
