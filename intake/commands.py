"""What every ``supportbot`` command module shares: the settings of the invocation, configuration
checks, and the stop handlers of long-running commands.

Command modules (``intake.mail.cli``, ``intake.web.cli``, ``bot.cli``, ...) import this module and
never the root ``intake.cli``, so the root can list them without an import cycle.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

import click

from intake.settings import Settings, get_settings

log = logging.getLogger("supportbot")

Check = Callable[[Settings], str]
# (name, check): ``supportbot check`` runs them in this order; each returns a one-line summary or raises.
CHECKS: list[tuple[str, Check]] = []


class ConfigWarning(Exception):
    """A check's finding that does not stop the bot (``supportbot check`` prints it as ``warn``)."""


def settings_of(ctx: click.Context) -> Settings:
    """The settings the root command loaded (or fresh ones when a command runs on its own in a test)."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else get_settings()


def config_check(name: str) -> Callable[[Check], Check]:
    """Register a configuration check: a callable ``(settings) -> str`` that raises on a bad file."""
    def deco(fn: Check) -> Check:
        if all(existing != name for existing, _ in CHECKS):
            CHECKS.append((name, fn))
        return fn
    return deco


def install_stop_handlers(stop: threading.Event) -> None:
    """SIGTERM/SIGINT set ``stop``: loops finish their current item, then exit (house style rule 9)."""
    def handler(signum: int, _frame: Any) -> None:
        log.info("signal %s: finishing the current item, then stopping", signum)
        stop.set()
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
