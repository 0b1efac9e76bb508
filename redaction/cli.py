"""``supportbot redact``: the redaction engine on JSON lines (contract in shared DESIGN.md).

stdin lines ``{"id", "text", "sender": {"name", "email", "org", "phone", "org_users": [...],
"org_domains": [...]}}`` (sender and its lists optional) ->
stdout lines ``{"id", "decision": "clean"|"resubmit", "findings": [{"type", "start", "end", "score"}]}``
in input order. Offsets are Python string indices (code points) into ``text``. Values are never
printed. One process, one engine, NER batched; input is read as it arrives and answered in
batches of up to ``--batch`` lines, so an interactive pipe gets its answers without closing stdin.
A bad line gets a JSON line with ``"error"`` (and its ``id`` when readable) and a message on
stderr; the run goes on.
"""

from __future__ import annotations

import json
import os
import select
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from redaction.config import DEFAULT_CONFIG, RedactionConfigError
from redaction.nlp import ModelNotInstalled
from redaction.types import Decision, Sender

# The registered users and domains of the sender's organization are optional (colleagues are not
# third parties; the engine also infers them from the text).
_SENDER_LISTS = ("org_users", "org_domains")
_SENDER_KEYS = {"name", "email", "org", "phone", *_SENDER_LISTS}


class BadLine(ValueError):
    def __init__(self, message: str, item_id: Any = None) -> None:
        super().__init__(message)
        self.item_id = item_id


def parse_line(line: str) -> tuple[Any, str, Sender | None]:
    """(id, text, sender) of one input line, or :class:`BadLine` saying what is wrong."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise BadLine("a line must be a JSON object")
    item_id = obj.get("id")
    text = obj.get("text")
    if not isinstance(text, str):
        raise BadLine("'text' must be a string" if "text" in obj else "missing 'text'", item_id)
    raw = obj.get("sender")
    sender = None
    if raw is not None:
        if not isinstance(raw, dict):
            raise BadLine("'sender' must be an object", item_id)
        unknown = set(raw) - _SENDER_KEYS
        if unknown:
            raise BadLine(f"'sender' has unknown key(s) {sorted(unknown)}", item_id)
        lists = {k: raw.get(k) for k in _SENDER_LISTS}
        if any(v is not None and not isinstance(v, str) for k, v in raw.items() if k not in _SENDER_LISTS):
            raise BadLine("'sender' values must be strings", item_id)
        if any(v is not None and (not isinstance(v, list) or not all(isinstance(x, str) for x in v))
               for v in lists.values()):
            raise BadLine("'sender' org_users/org_domains must be lists of strings", item_id)
        sender = Sender(name=raw.get("name"), email=raw.get("email"), org=raw.get("org"), phone=raw.get("phone"),
                        org_domains=tuple(lists["org_domains"] or ()), org_users=tuple(lists["org_users"] or ()))
    return item_id, text, sender


def decision_line(item_id: Any, decision: Decision) -> dict[str, Any]:
    return {
        "id": item_id,
        "decision": decision.verdict,
        "findings": [{"type": f.type, "start": f.start, "end": f.end, "score": f.score} for f in decision.findings],
    }


def read_batches(stream: IO[bytes], batch: int) -> Iterator[list[tuple[int, str]]]:
    """Numbered lines, in batches of at most ``batch``, yielded as soon as input pauses."""
    fd = stream.fileno()
    pending = b""
    lines: list[tuple[int, str]] = []
    number = 0
    eof = False
    while not eof:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            eof = True
            if pending.strip():
                number += 1
                lines.append((number, pending.decode("utf-8", errors="replace")))
            pending = b""
        else:
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                number += 1
                lines.append((number, raw.decode("utf-8", errors="replace")))
        while len(lines) >= batch:
            yield lines[:batch]
            lines = lines[batch:]
        if lines and (eof or not select.select([fd], [], [], 0)[0]):
            yield lines  # input paused: answer what we have
            lines = []


def explained_line(item_id: Any, decision: Decision, explained: list[Any]) -> dict[str, Any]:
    """The decision plus every candidate: why it was dropped and, for personal data, whose it is
    (party and the structure that says so). Offsets, rule names and parties only, never values."""
    out = decision_line(item_id, decision)
    out["candidates"] = [
        {"type": e.finding.type, "start": e.finding.start, "end": e.finding.end, "score": e.finding.score,
         "recognizer": e.finding.recognizer, "suppressed_by": e.suppressed_by,
         "party": e.attribution.party if e.attribution else None,
         "basis": e.attribution.basis if e.attribution else None}
        for e in explained
    ]
    return out


class _Explaining:
    """``check_many`` that also keeps each message's explanation (for ``--explain``)."""

    def __init__(self, redactor: Any) -> None:
        self.redactor = redactor
        self.last: list[list[Any]] = []

    def check_many(self, items: list[tuple[str, Sender | None]]) -> list[Decision]:
        from redaction.decision import decide

        threshold = self.redactor.config.engine.threshold
        self.last = self.redactor.explain_many(items)
        return [decide((e.finding for e in ex if e.suppressed_by is None), threshold=threshold) for ex in self.last]

    def check(self, text: str, sender: Sender | None) -> Decision:
        return self.check_many([(text, sender)])[0]


def run_jsonl(redactor: Any, stdin: IO[bytes], stdout: IO[str], stderr: IO[str], *, batch: int = 64,
              explain: bool = False) -> int:
    """Process JSON lines; returns the number of bad lines."""
    if explain:
        redactor = _Explaining(redactor)
    bad = 0
    for lines in read_batches(stdin, batch):
        parsed: list[tuple[Any, str, Sender | None] | BadLine] = []
        for number, line in lines:
            if not line.strip():
                continue
            try:
                parsed.append(parse_line(line))
            except BadLine as exc:
                bad += 1
                stderr.write(f"supportbot redact: line {number}: {exc}\n")
                parsed.append(exc)
        good = [p for p in parsed if not isinstance(p, BadLine)]
        decisions: list[Decision | Exception]
        explanations: list[list[Any] | None] = []
        try:
            decisions = list(redactor.check_many([(text, sender) for _id, text, sender in good]))
            if explain:
                explanations = list(redactor.last)
        except Exception:  # one poisonous message must not take the batch down: retry one by one
            decisions = []
            explanations = []
            for _id, text, sender in good:
                try:
                    decisions.append(redactor.check(text, sender))
                    explanations.append(redactor.last[0] if explain else None)
                except Exception as exc:  # noqa: BLE001 - reported per line, the run goes on
                    decisions.append(exc)
                    explanations.append(None)
        answers = iter(decisions)
        explained_iter = iter(explanations)
        for p in parsed:
            if isinstance(p, BadLine):
                out = {"id": p.item_id, "error": str(p)}
            else:
                answer = next(answers)
                if isinstance(answer, Exception):
                    bad += 1
                    # The exception type only: a message could echo the text.
                    stderr.write(f"supportbot redact: id {p[0]!r}: internal error ({type(answer).__name__})\n")
                    out = {"id": p[0], "error": f"internal error ({type(answer).__name__})"}
                elif explain:
                    out = explained_line(p[0], answer, next(explained_iter) or [])
                else:
                    out = decision_line(p[0], answer)
                if explain and isinstance(answer, Exception):
                    next(explained_iter, None)
            stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
        stderr.flush()
    return bad


@click.command("redact")
@click.option("--jsonl", "jsonl", is_flag=True, required=True, help="Read JSON lines on stdin, write JSON lines.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Redaction config (default: SUPPORTBOT_REDACTION_CONFIG or config/redaction.toml).")
@click.option("--model", default=None, help="spaCy model (default: SUPPORTBOT_SPACY_MODEL or the config's).")
@click.option("--batch", default=64, show_default=True, type=click.IntRange(1, 4096), help="Lines per batch.")
@click.option("--explain", is_flag=True, default=False,
              help="Also list every candidate: why it was dropped, and whose personal data it is (party, basis).")
@click.pass_context
def redact_command(ctx: click.Context, jsonl: bool, config_path: Path | None, model: str | None, batch: int,
                   explain: bool) -> None:
    """Decide clean / resubmit for messages (third-party PII and secrets), without printing values."""
    # The defaults come from the settings the wiring put on the root context (duck-typed: this
    # package knows nothing of intake's settings).
    settings = ctx.find_root().obj
    config_path = config_path or getattr(settings, "redaction_config", None) or DEFAULT_CONFIG
    model = model or getattr(settings, "redaction_model_override", None)
    from redaction.engine import get_redactor  # heavy: Presidio and spaCy load only for this command

    try:
        redactor = get_redactor(config_path, model=model)
    except (RedactionConfigError, ModelNotInstalled) as exc:
        raise click.ClickException(str(exc)) from exc
    run_jsonl(redactor, sys.stdin.buffer, sys.stdout, sys.stderr, batch=batch, explain=explain)


def register(group: click.Group) -> None:
    group.add_command(redact_command)
