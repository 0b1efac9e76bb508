"""``supportbot replay FILE.eml...``: the intake pipeline's ``decide`` alone, a dry run (``intake.pipeline.replay``)."""

from __future__ import annotations

import click

from intake.commands import settings_of


@click.command("replay")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--gate", "gate_choice", type=click.Choice(["auto", "up", "down"]), default="auto", show_default=True,
              help="The website's state to assume; auto: the gate's latest recorded reading.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file.")
@click.pass_context
def replay(ctx: click.Context, files: tuple[str, ...], gate_choice: str, as_json: bool) -> None:
    """Dry run: what would happen to each mail and why (no database writes, no mail sent)."""
    # The store and the pipeline load only when the command runs (``supportbot sla`` starts without them).
    from intake.pipeline import replay as replay_module

    ctx.exit(replay_module.run(settings_of(ctx), files, gate_choice=gate_choice, as_json=as_json))


def register(group: click.Group) -> None:
    """Add ``replay`` to the ``supportbot`` group."""
    group.add_command(replay)
