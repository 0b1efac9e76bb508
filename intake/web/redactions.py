"""The redaction log as compliance reviewers see it: filters, detail, verdicts, exports, chain status.

What leaves this module is a whitelist of metadata (types, offsets, recognizers, scores, HMAC
fingerprints, review fields). The log never stores raw values, and this module would not pass one on
if a future writer added it: findings are rebuilt key by key from ``FINDING_FIELDS``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import Session

from intake.store.models import RedactionLogEntry
from intake.store.redaction_log import entry_record, render

VERDICTS = ("confirmed", "false_positive")
PAGE_SIZE = 50
MAX_PAGE = 100_000  # 5 million entries deep; beyond that an offset only costs the database time
MAX_ENTRY_ID = 2**31 - 1  # the id column's range on PostgreSQL (integer)


class FilterError(ValueError):
    """A filter value that cannot be understood (shown to the user as is)."""


@dataclass(frozen=True)
class Filters:
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    organization: str | None = None
    entity_type: str | None = None
    channel: str | None = None
    verdict: str | None = None  # confirmed | false_positive | unreviewed
    page: int = 1
    raw: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Filters:
        raw = {k: str(v).strip() for k, v in params.items()
               if k in ("since", "until", "organization", "type", "channel", "verdict") and str(v).strip()}
        verdict = raw.get("verdict")
        if verdict is not None and verdict not in (*VERDICTS, "unreviewed"):
            raise FilterError(f"verdict must be one of confirmed, false_positive, unreviewed (got {verdict!r})")
        text = str(params.get("page") or "1").strip()
        if not text.isascii() or not text.isdigit() or len(text) > 7 or not 1 <= int(text) <= MAX_PAGE:
            raise FilterError(f"page must be a whole number from 1 to {MAX_PAGE}")
        page = int(text)
        until = _parse_time(raw.get("until"), "until", end_of_day=True)
        return cls(since=_parse_time(raw.get("since"), "since"), until=until,
                   organization=raw.get("organization"), entity_type=raw.get("type"),
                   channel=raw.get("channel"), verdict=verdict, page=page, raw=raw)

    def apply(self, query: Select[Any]) -> Select[Any]:
        e = RedactionLogEntry
        if self.since is not None:
            query = query.where(e.created_at >= self.since)
        if self.until is not None:
            query = query.where(e.created_at < self.until)
        if self.organization:
            query = query.where(e.sender_org == self.organization)
        if self.channel:
            query = query.where(e.channel == self.channel)
        if self.verdict == "unreviewed":
            query = query.where(e.verdict.is_(None))
        elif self.verdict:
            query = query.where(e.verdict == self.verdict)
        if self.entity_type:
            # entity_types is a JSON list of names; match the quoted name in its text form, which is
            # the same on SQLite and PostgreSQL and exact thanks to the quotes.
            needle = json.dumps(self.entity_type)
            query = query.where(cast(e.entity_types, String).contains(needle))
        return query

    def describe(self) -> dict[str, str]:
        return dict(self.raw)


def _parse_time(text: str | None, name: str, *, end_of_day: bool = False) -> dt.datetime | None:
    """An ISO date (a whole day, in UTC) or an ISO instant; naive instants are taken as UTC."""
    if not text:
        return None
    try:
        if not text.isascii():
            raise ValueError(text)
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            return start + dt.timedelta(days=1) if end_of_day else start
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        value = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        # The database compares UTC instants; 9999-12-31 as an end of day or 0001-01-01-14:00 has none.
        return value.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise FilterError(f"{name}: expected a date like 2026-11-29 or an ISO time between the years 1 "
                          f"and 9999, got {text[:40]!r}") from None


def entry_id(value: object, what: str = "entry id") -> int:
    """A row id from a path (an entry, an outbox item), or :class:`FilterError` when no row could have it."""
    if not isinstance(value, int) or not 1 <= value <= MAX_ENTRY_ID:
        raise FilterError(f"{what} must be a number from 1 to {MAX_ENTRY_ID}")
    return value


def entry_view(e: RedactionLogEntry) -> dict[str, Any]:
    """The whitelisted record of an entry (the same one the CLI export writes)."""
    return entry_record(e)


def search(session: Session, filters: Filters) -> tuple[list[RedactionLogEntry], int]:
    """One page of entries, newest first, and the total count."""
    base = filters.apply(select(RedactionLogEntry))
    total = session.scalar(filters.apply(select(func.count(RedactionLogEntry.id)))) or 0
    rows = session.scalars(base.order_by(RedactionLogEntry.created_at.desc(), RedactionLogEntry.id.desc())
                           .limit(PAGE_SIZE).offset((filters.page - 1) * PAGE_SIZE)).all()
    return list(rows), int(total)


def facets(session: Session) -> dict[str, list[str]]:
    """Values offered in the filter drop-downs."""
    orgs = session.scalars(select(RedactionLogEntry.sender_org).where(RedactionLogEntry.sender_org.is_not(None))
                           .distinct().order_by(RedactionLogEntry.sender_org).limit(500)).all()
    channels = session.scalars(select(RedactionLogEntry.channel).distinct().order_by(RedactionLogEntry.channel)).all()
    types: set[str] = set()
    for entity_types in session.scalars(select(RedactionLogEntry.entity_types)
                                        .order_by(RedactionLogEntry.id.desc()).limit(5000)):
        types.update(str(t) for t in entity_types or [])
    return {"organizations": [o for o in orgs if o], "channels": list(channels), "types": sorted(types)}


def batch_after(session: Session, filters: Filters, last_id: int, *, size: int = 500) -> list[RedactionLogEntry]:
    """The next ``size`` matching entries with an id above ``last_id``, oldest first (exports)."""
    return list(session.scalars(filters.apply(select(RedactionLogEntry)).where(RedactionLogEntry.id > last_id)
                                .order_by(RedactionLogEntry.id).limit(size)).all())


def export_jsonl(entries: Iterator[RedactionLogEntry]) -> Iterator[str]:
    return render(entries, "jsonl")


def export_csv(entries: Iterator[RedactionLogEntry]) -> Iterator[str]:
    return render(entries, "csv")


def set_verdict(session: Session, entry_id: int, *, verdict: str, note: str | None, reviewer: str,
                now: dt.datetime) -> RedactionLogEntry:
    """Record a reviewer's verdict. Review fields are outside the chain hash: annotating never alters it."""
    if verdict not in VERDICTS:
        raise FilterError(f"verdict must be one of {', '.join(VERDICTS)}")
    entry = session.get(RedactionLogEntry, entry_id)
    if entry is None:
        raise LookupError(entry_id)
    note = (note or "").strip() or None
    if note is not None and len(note) > 2000:
        raise FilterError("note is longer than 2000 characters")
    entry.verdict = verdict
    entry.verdict_note = note
    entry.reviewed_by = reviewer
    entry.reviewed_at = now
    return entry

