"""The one wiring module: builds every process's parts from settings, and lists the command areas.

Adapters (``intake.worker``, ``intake.web.app``, ``intake.clock``) take the Slack parts they need as
arguments; this is the only module of ``intake`` that imports ``bot`` to build them (the import
contracts in ``pyproject.toml`` check it). ``supportbot demo`` loads the sandbox from the source
checkout on use: the sandbox is not part of the product, and no product module imports it.

Imports inside the builders below are deliberate: each process loads only its own stack (the web
process Starlette and Bolt, the worker IMAP and the redaction engine's Presidio/spaCy), which keeps
``supportbot sla due`` and the other short commands quick.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import click

from bot import cli as bot_cli
from intake import clock_cli, outbox_cli, redaction_log_cli, replay_cli
from intake.mail import cli as mail_cli
from intake.settings import Settings
from intake.web import cli as web_cli
from redaction import cli as redaction_cli

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

# Each command module exposes ``register(group: click.Group) -> None``.
COMMAND_MODULES: tuple[ModuleType, ...] = (redaction_cli, redaction_log_cli, mail_cli, replay_cli, bot_cli, web_cli,
                                            clock_cli, outbox_cli)


def register_commands(group: click.Group) -> None:
    """Add every area's commands (and ``demo``) to the ``supportbot`` group."""
    for module in COMMAND_MODULES:
        module.register(group)
    group.add_command(demo)


# -- the parts of each process ----------------------------------------------------------------------------------

def slack_app(settings: Settings, factory: sessionmaker[Session]) -> Any:
    """The Bolt app's ASGI adapter for ``/slack/*`` (mounted by the web process)."""
    from bot.app import build_asgi  # heavy: slack_bolt

    return build_asgi(settings, factory=factory)


def slack_transport(settings: Settings, factory: sessionmaker[Session], policy: Any) -> tuple[Any, Callable[..., None]]:
    """The outbox's Slack transport and its on-done hook, or ``(None, None)`` when no bot token is set."""
    from bot.notifier import build_notifier, on_slack_done  # heavy: slack_sdk

    return build_notifier(settings, factory=factory, policy=policy), on_slack_done


def build_worker(settings: Settings, **kwargs: Any) -> Any:
    """The worker (IMAP poller + outbox dispatcher) with the Slack transport when Slack is configured."""
    from intake.worker import build_worker as build

    return build(settings, slack=slack_transport if settings.slack_bot_token is not None else None, **kwargs)


def run_web(settings: Settings, stop: threading.Event) -> None:
    from intake.web.app import run_forever

    run_forever(settings, stop=stop, slack_app=slack_app)


def run_worker(settings: Settings, stop: threading.Event) -> None:
    build_worker(settings).run(stop)


def run_clock(settings: Settings, stop: threading.Event) -> None:
    from intake.clock import run_forever

    run_forever(settings, stop=stop)


PROCESSES: dict[str, Callable[[Settings, threading.Event], None]] = {
    "web": run_web,
    "worker": run_worker,
    "clock": run_clock,
}


def run_process(name: str, settings: Settings, stop: threading.Event) -> None:
    """Run one Procfile process until ``stop`` is set."""
    PROCESSES[name](settings, stop)


# -- the sandbox -------------------------------------------------------------------------------------------------

CHECKOUT = Path(__file__).resolve().parent.parent


def load_sandbox() -> ModuleType:
    """``sandbox.demo`` from the source checkout (the wheel does not contain the sandbox)."""
    if (CHECKOUT / "sandbox" / "__init__.py").is_file() and str(CHECKOUT) not in sys.path:
        sys.path.append(str(CHECKOUT))
    try:
        return importlib.import_module("sandbox.demo")
    except ModuleNotFoundError as exc:
        if exc.name != "sandbox":
            raise
        raise click.ClickException("supportbot demo runs from a source checkout: the sandbox is not part of "
                                   "the installed package") from None


@click.command("demo")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="Working directory for the sandbox (default: a new temporary directory).")
@click.option("--port", default=8900, show_default=True, help="First port of the sandbox's web pages.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
def demo(directory: str | None, port: int, no_browser: bool) -> None:
    """Run the whole bot against local stand-ins (IMAP, SMTP sink, status page, Slack): no accounts needed."""
    load_sandbox().run_demo(directory=directory, base_port=port, open_browser=not no_browser)
