"""``supportbot replay FILE.eml...``: a dry run of the email flow, printing what would happen to
each mail and why. No database writes, no mail sent, nothing flagged.

The same :func:`intake.pipeline.decide` as the worker (``decide`` only: nothing is applied). What the dry run reads (never writes):
the portal gate's latest reading (``--gate auto``), the open ticket a mail follows up, and the
automatic-reply budget of the sender. Without a database (a fresh machine) those are skipped and
the output says so. Output never shows a redaction finding's value: types and counts only; a
rejected mail's subject is not printed either.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from sqlalchemy import inspect, select

from intake.domain.sla import due_at, format_utc
from intake.mail.scan import WindowedRedactor
from intake.mail.templates import Templates
from intake.pipeline.context import Context, IntakeConfig, IntakeDeps, NoLookups
from intake.pipeline.decide import decide, identify
from intake.pipeline.decisions import Deflected, FollowUp, NewTicket, Rejected
from intake.pipeline.lookups import StoreLookups
from intake.pipeline.messages import MailMessage
from intake.policy_file import load_policy
from intake.portal import GateReading, latest_reading
from intake.registry import load_registry
from intake.settings import Settings
from intake.store.db import make_engine, read_session_factory
from intake.store.models import AutoReply

__all__ = ["replay_one", "run"]


@dataclass
class _Context:
    settings: Any
    deps: Any
    gate: Any
    factory: Any  # sessionmaker or None (no database)
    notes: list[str]


def _open_database(settings: Any) -> Any:
    """A session factory when the database exists and is reachable, else None. Never creates one."""
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if not path or path == ":memory:" or not Path(path).exists():
            return None
    engine = None
    try:
        engine = make_engine(url)
        if not inspect(engine).has_table("inbound_messages"):
            engine.dispose()
            return None
    except Exception:  # noqa: BLE001 - a dry run works without a database
        if engine is not None:
            engine.dispose()
        return None
    return read_session_factory(engine)  # a dry run never writes


def _gate(choice: str, factory: Any, settings: Any, now: dt.datetime) -> Any:
    if choice == "up":
        return GateReading("up", "up", "forced by --gate up", now, "replay")
    if choice == "down":
        return GateReading("down", "down", "forced by --gate down", now, "replay")
    if factory is not None:
        with factory() as session:
            reading = latest_reading(session)
        if reading is not None:
            return reading
    means = settings.portal_unknown_means
    return GateReading("unknown", means, f"no gate reading available; unknown counts as {means}", now, "replay")


def _budget_left(factory: Any, address: str, kind: str, deps: Any, now: dt.datetime) -> bool:
    if factory is None:
        return True
    with factory() as session:
        row = session.scalar(select(AutoReply).where(AutoReply.address == address.lower(), AutoReply.kind == kind))
    if row is None or now - row.last_sent_at > deps.config.autoreply_window:
        return True
    return bool(row.count < deps.config.reply_limit(kind))


def replay_one(raw: bytes, ctx: _Context, *, now: dt.datetime) -> dict[str, Any]:
    """What the worker would do with ``raw`` (a dict for printing or JSON): the pipeline's
    ``decide`` alone, reading the database through a read-only session."""
    deps = ctx.deps
    message = MailMessage.from_bytes(raw, max_bytes=deps.config.max_mail_bytes)
    if ctx.factory is None:
        decision = decide(message, Context(deps, now, ctx.gate, NoLookups()))
    else:
        with ctx.factory() as session:
            decision = decide(message, Context(deps, now, ctx.gate, StoreLookups(session)))
            session.rollback()
    out: dict[str, Any] = {"outcome": decision.kind, "reason": decision.reason}
    parsed = message.parsed
    if parsed is None:
        return out
    identity = identify(parsed, Context(deps, now, ctx.gate))
    gate = decision.gate or ctx.gate
    out.update({
        "from": parsed.from_addr, "sender": str(identity.reason_code), "trusted": identity.trusted,
        "gate": {"state": gate.state, "effective": gate.effective, "reason": gate.reason},
    })
    if decision.keeps_content:
        out["subject"] = parsed.subject
    thread = getattr(decision, "thread", None)
    if thread is not None:
        out["ticket"] = thread.token
    if isinstance(decision, Rejected):
        out["redaction"] = dict(sorted(decision.finding_types.items()))
    if isinstance(decision, NewTicket):
        d = decision.draft
        out["draft"] = {
            "organization": d.organization, "project": d.project, "product": d.product, "component": d.component,
            "requested_severity": str(d.requested_severity) if d.requested_severity else None,
            "severity": str(d.severity), "max_severity": str(d.max_severity) if d.max_severity else None,
            "due": format_utc(due_at(d.severity, now, deps.policy)), "missing": list(d.missing),
            "flags": list(d.flags), "priority": d.priority_eligible,
        }
    reply_to = decision.reply_to if isinstance(decision, NewTicket | Rejected | Deflected) else None
    if decision.reply and reply_to:
        kind = {"acknowledgement": "ack"}.get(decision.reply, decision.reply)
        allowed = _budget_left(ctx.factory, reply_to, kind, deps, now)
        out["reply"] = {"template": decision.reply, "to": reply_to,
                        "sent": allowed, "why_not": None if allowed else "rate limit for this sender"}
    elif decision.reply and not isinstance(decision, FollowUp):
        out["reply"] = {"template": decision.reply, "to": None, "sent": False,
                        "why_not": "the sender may not be answered automatically"}
    return out


def _print_human(name: str, result: dict[str, Any]) -> None:
    click.echo(f"{name}: {result['outcome']}")
    click.echo(f"  why: {result['reason']}")
    if result.get("from") is not None:
        click.echo(f"  from: {result['from']} ({result['sender']}, {'trusted' if result['trusted'] else 'not trusted'})")
    if "gate" in result:
        g = result["gate"]
        click.echo(f"  gate: {g['state']} -> {g['effective']} ({g['reason']})")
    if "redaction" in result:
        click.echo("  redaction: " + ", ".join(f"{k} x{v}" for k, v in result["redaction"].items())
                   + " (values never shown)")
    if "draft" in result:
        d = result["draft"]
        click.echo(f"  ticket: organization={d['organization']} project={d['project']} "
                   f"severity={d['requested_severity'] or '-'} -> {d['severity']}"
                   f"{' (max ' + d['max_severity'] + ')' if d['max_severity'] else ''}; due {d['due']}"
                   f"{'; priority' if d['priority'] else ''}")
        if d["missing"]:
            click.echo(f"  would ask for: {', '.join(d['missing'])}")
    if "ticket" in result:
        click.echo(f"  ticket: {result['ticket']}")
    if "reply" in result:
        r = result["reply"]
        if r["sent"]:
            click.echo(f"  would send: {r['template']} to {r['to']} (Auto-Submitted: auto-replied)")
        else:
            click.echo(f"  would not send {r['template']}: {r['why_not']}")


def run(settings: Settings, files: tuple[str, ...], *, gate_choice: str, as_json: bool) -> int:
    """``supportbot replay``: print each file's decision; 1 when a file could not be read."""
    # The redaction engine (Presidio + spaCy: seconds, hundreds of MB) loads only when a replay runs.
    from redaction.engine import get_redactor

    now = dt.datetime.now(dt.UTC)
    try:
        policy = load_policy(settings.policy_path)
        registry = load_registry(settings.customers_path)
        templates = Templates(settings.templates_dir)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    factory = _open_database(settings)
    notes = [] if factory is not None else ["no database: follow-ups and reply budgets not checked"]
    redactor = WindowedRedactor(get_redactor(settings.redaction_config, model=settings.spacy_model),
                                max_chars=2 * settings.max_mail_bytes)
    deps = IntakeDeps(IntakeConfig.from_settings(settings), registry, policy, redactor, templates)
    context = _Context(settings, deps, _gate(gate_choice, factory, settings, now), factory, notes)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    failed = 0
    try:
        for name in files:
            try:
                raw = Path(name).read_bytes()
            except OSError as exc:
                failed += 1
                click.echo(f"{name}: cannot read: {exc.strerror or exc}", err=True)
                continue
            result = replay_one(raw, context, now=now)
            if as_json:
                click.echo(json.dumps({"file": name, **result}, ensure_ascii=False))
            else:
                _print_human(name, result)
    finally:
        if factory is not None:
            factory.kw["bind"].dispose()
    return 1 if failed else 0
