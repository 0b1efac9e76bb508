"""The pipeline's command: ``supportbot replay FILE.eml...`` (``decide`` only, a dry run)."""

from __future__ import annotations

import click

from intake.pipeline.replay import replay


def register(group: click.Group) -> None:
    """Add the pipeline's commands to the ``supportbot`` group."""
    group.add_command(replay)
