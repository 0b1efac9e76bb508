"""The redaction log: one tamper-evident entry per rejected message, never the raw values.

Support terms: requests with non-anonymized third-party personal data or application secrets may
be deleted and re-requested in anonymized form. We discard the content and keep only this record
of *that* it happened and *what kind* of data it was, for compliance review:

- time, channel, message reference, sender organization, entity types;
- per finding: type, offsets, recognizer, score and an **HMAC-SHA256 fingerprint** of the value
  under a server key (``Settings.redaction_hmac_key``). The fingerprint lets a reviewer see that
  the same key leaked twice, or check a value they already hold, without the log holding it:
  a plain hash of a short password or a card number could be brute-forced, a keyed one cannot
  without the key.

Entries form a **hash chain**: ``entry_hash = sha256(prev_hash || canonical_json(entry))`` where
the canonical JSON covers every recorded field except the id and the review metadata. Changing,
inserting or deleting a row breaks the chain at that row; ``verify`` names the first bad id.
Cutting off the newest rows leaves a valid but shorter chain: compare ``VerifyResult.head`` with a
head hash recorded elsewhere (``verify(expect_head=...)``) to detect that. Retention deletes a
prefix of the chain and records the last deleted hash as an anchor; ``verify(start=anchor)``
then checks the rest.

Reviewer verdicts (``verdict``, ``verdict_note``, ``reviewed_by``, ``reviewed_at``) are outside
the hash: they are annotations made later, by people, and may be corrected; hashing them would
either forbid corrections or force rewriting every later entry's hash, which is exactly what the
chain exists to make visible.

Appends are serialized so two processes never fork the chain: on PostgreSQL a transaction-level
advisory lock; on SQLite the write lock the engine takes at ``BEGIN IMMEDIATE`` is global anyway.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from intake.store.models import RedactionLogEntry
from intake.store.uow import ReservedIds
from redaction.types import Finding

GENESIS = "0" * 64
# pg_advisory_xact_lock key: the bytes of "redlog" as an integer, constant across processes.
ADVISORY_LOCK_KEY = int.from_bytes(b"redlog", "big")
MIN_KEY_BYTES = 16
EXPORT_FIELDS = ("id", "created_at", "channel", "sender_org", "entity_types", "findings", "message_ref",
                 "prev_hash", "entry_hash", "verdict", "verdict_note", "reviewed_by", "reviewed_at")
FINDING_FIELDS = ("type", "start", "end", "recognizer", "score", "fingerprint")


class RedactionLogError(ValueError):
    """A log entry cannot be written (bad key, offsets outside the text, ...); says why."""


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str | None = None
    head: str = GENESIS  # entry_hash of the last entry checked (GENESIS for an empty log)


def fingerprint(key: bytes, value: str) -> str:
    """HMAC-SHA256 of ``value`` (UTF-8) under ``key``, hex."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _utc_text(when: dt.datetime) -> str:
    # Microseconds survive both SQLite and PostgreSQL, so the text is the same before and after storage.
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(entry: RedactionLogEntry) -> bytes:
    """The bytes the chain hash covers: recorded fields only, sorted keys, no whitespace, ASCII."""
    body = {
        "created_at": _utc_text(entry.created_at),
        "channel": entry.channel,
        "message_ref": entry.message_ref,
        "sender_org": entry.sender_org,
        "entity_types": list(entry.entity_types),
        "findings": [{k: f[k] for k in FINDING_FIELDS} for f in entry.findings],
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def find_fingerprint(session: Session, fp: str) -> list[int]:
    """Ids of entries holding a finding with fingerprint ``fp`` (oldest first)."""
    return [e.id for e in iter_entries(session) if any(f.get("fingerprint") == fp for f in e.findings or [])]


def entry_hash(entry: RedactionLogEntry) -> str:
    return hashlib.sha256(entry.prev_hash.encode("ascii") + canonical(entry)).hexdigest()


def _finding_fields(f: Finding | Mapping[str, Any]) -> tuple[str, int, int, str, float]:
    if isinstance(f, Finding):
        return f.type, f.start, f.end, f.recognizer, f.score
    return str(f["type"]), f["start"], f["end"], str(f.get("recognizer") or "unknown"), float(f.get("score") or 0.0)


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
    # SQLite: the engine begins write transactions with BEGIN IMMEDIATE, which already excludes
    # every other writer until commit.


@dataclass(frozen=True)
class Rejection:
    """One rejected message to log: ``text`` only fingerprints each finding's span (never stored)."""

    channel: str
    message_ref: str | None
    sender_org: str | None
    text: str = field(repr=False)
    findings: Sequence[Finding | Mapping[str, Any]]


def append(session: Session, *, key: bytes, now: dt.datetime, channel: str, message_ref: str | None,
           sender_org: str | None, text: str, findings: Sequence[Finding | Mapping[str, Any]]) -> RedactionLogEntry:
    """Record a rejected message inside the caller's transaction; returns the new (flushed) entry.

    ``text`` is used only to fingerprint each finding's span and is not stored. The caller commits.
    """
    return append_many(session, key=key, now=now,
                       rejections=[Rejection(channel, message_ref, sender_org, text, findings)])[0]


def _new_entry(key: bytes, now: dt.datetime, r: Rejection) -> RedactionLogEntry:
    if not r.findings:
        raise RedactionLogError("a redaction log entry needs at least one finding")
    if not r.channel or len(r.channel) > 16:
        raise RedactionLogError(f"channel must be 1..16 characters, got {r.channel!r}")
    # Column limits: an over-long reference or organization name is cut, never rejected, so a
    # rejection is always recorded (the cut text is what the chain then covers).
    message_ref = r.message_ref[:998] if r.message_ref else r.message_ref
    sender_org = r.sender_org[:200] if r.sender_org else r.sender_org
    text = r.text
    rows: list[dict[str, Any]] = []
    for f in r.findings:
        type_, start, end, recognizer, score = _finding_fields(f)
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise RedactionLogError(f"finding {type_} has offsets {start}..{end} outside the text (length {len(text)})")
        rows.append({"type": type_, "start": start, "end": end, "recognizer": recognizer,
                     "score": round(score, 4), "fingerprint": fingerprint(bytes(key), text[start:end])})
    rows.sort(key=lambda row: (row["start"], row["end"], row["type"]))
    return RedactionLogEntry(created_at=now.astimezone(dt.UTC), channel=r.channel, message_ref=message_ref,
                             sender_org=sender_org, entity_types=sorted({row["type"] for row in rows}),
                             findings=rows)


def append_many(session: Session, *, key: bytes, now: dt.datetime,
                rejections: Sequence[Rejection]) -> list[RedactionLogEntry]:
    """Record several rejected messages, chained in the given order, with one lock, one read of
    the chain's head and one flush (a batch of fetched mails). The caller commits."""
    if not isinstance(key, bytes | bytearray) or len(key) < MIN_KEY_BYTES:
        raise RedactionLogError(f"the redaction HMAC key must be at least {MIN_KEY_BYTES} bytes")
    if now.tzinfo is None:
        raise RedactionLogError("now must be timezone-aware")
    entries = [_new_entry(bytes(key), now, r) for r in rejections]
    if not entries:
        return []
    _lock_chain(session)
    last = session.execute(
        select(RedactionLogEntry.entry_hash).order_by(RedactionLogEntry.id.desc()).limit(1)
    ).scalar_one_or_none()
    prev = last or GENESIS
    # Ids taken ahead, in chain order: the chain's order is the id order, which a multi-row
    # INSERT leaving the ids to the database need not keep.
    ids = ReservedIds(session, RedactionLogEntry.__tablename__, len(entries))
    for entry in entries:
        entry.id = ids.take()
        entry.prev_hash = prev
        entry.entry_hash = prev = entry_hash(entry)
    session.add_all(entries)
    session.flush()
    return entries


def iter_entries(session: Session, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
                 channel: str | None = None, sender_org: str | None = None, batch: int = 500) -> Iterator[RedactionLogEntry]:
    """Entries oldest first (``since`` inclusive, ``until`` exclusive), read in batches by id."""
    e = RedactionLogEntry
    last_id = 0
    while True:
        query = select(e).where(e.id > last_id)
        if since is not None:
            query = query.where(e.created_at >= since)
        if until is not None:
            query = query.where(e.created_at < until)
        if channel is not None:
            query = query.where(e.channel == channel)
        if sender_org is not None:
            query = query.where(e.sender_org == sender_org)
        rows = session.scalars(query.order_by(e.id).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def entry_record(e: RedactionLogEntry) -> dict[str, Any]:
    """An entry as exported: whitelisted fields only (findings rebuilt key by key)."""
    return {
        "id": e.id,
        "created_at": _utc_text(e.created_at),
        "channel": e.channel,
        "sender_org": e.sender_org,
        "entity_types": list(e.entity_types or []),
        "findings": [{k: f.get(k) for k in FINDING_FIELDS} for f in (e.findings or [])],
        "message_ref": e.message_ref,
        "prev_hash": e.prev_hash,
        "entry_hash": e.entry_hash,
        "verdict": e.verdict,
        "verdict_note": e.verdict_note,
        "reviewed_by": e.reviewed_by,
        "reviewed_at": _utc_text(e.reviewed_at) if e.reviewed_at else None,
    }


def _csv_cell(value: Any) -> Any:
    # Spreadsheet formula injection (OWASP "CSV injection"): message references and organization
    # names come from outside; a leading = + - @ would make a spreadsheet evaluate the cell.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def render(entries: Iterable[RedactionLogEntry], fmt: Literal["csv", "jsonl"]) -> Iterator[str]:
    """Stream entries as CSV (with a header) or JSON lines, one string per entry.

    The one renderer of the export: the CLI and the compliance pages both use it, so the two
    can never disagree on fields or on the CSV-injection guard.
    """
    if fmt not in ("csv", "jsonl"):
        raise RedactionLogError(f"unknown export format {fmt!r} (csv or jsonl)")
    if fmt == "jsonl":
        for e in entries:
            yield json.dumps(entry_record(e), ensure_ascii=False, sort_keys=True) + "\n"
        return
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(EXPORT_FIELDS)
    for e in entries:
        rec = entry_record(e)
        rec["entity_types"] = " ".join(rec["entity_types"])
        rec["findings"] = json.dumps(rec["findings"], sort_keys=True)
        writer.writerow([_csv_cell(rec[k]) for k in EXPORT_FIELDS])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    if buf.getvalue():
        yield buf.getvalue()


def export(session: Session, fmt: Literal["csv", "jsonl"], out: IO[str], *, since: dt.datetime | None = None,
           until: dt.datetime | None = None, channel: str | None = None, sender_org: str | None = None) -> int:
    """Write matching entries to ``out`` as CSV (with a header) or JSON lines; returns the count."""
    if fmt not in ("csv", "jsonl"):
        raise RedactionLogError(f"unknown export format {fmt!r} (csv or jsonl)")
    count = 0

    def counted() -> Iterator[RedactionLogEntry]:
        nonlocal count
        for e in iter_entries(session, since=since, until=until, channel=channel, sender_org=sender_org):
            count += 1
            yield e

    for piece in render(counted(), fmt):
        out.write(piece)
    return count


def verify(session: Session, *, expect_head: str | None = None, start: str = GENESIS) -> VerifyResult:
    """Walk the chain from the first entry; report the first entry whose link or content is wrong.

    ``start`` is the hash the first stored entry must link to: GENESIS for a complete log, or the
    anchor recorded by retention (``intake.retention``) after the oldest entries were purged.
    """
    prev = start
    checked = 0
    last_id: int | None = None
    for e in iter_entries(session):
        if e.prev_hash != prev:
            return VerifyResult(False, checked, e.id, "prev_hash does not match the previous entry "
                                "(an entry was inserted, deleted or re-linked before this one)", prev)
        if entry_hash(e) != e.entry_hash:
            return VerifyResult(False, checked, e.id, "entry_hash does not match the entry's content "
                                "(the entry was modified)", prev)
        prev = e.entry_hash
        checked += 1
        last_id = e.id
    if expect_head is not None and expect_head != prev:
        return VerifyResult(False, checked, last_id, "the chain's head is not the expected head "
                            "(entries after it were removed, or it is another log)", prev)
    return VerifyResult(True, checked, None, None, prev)
