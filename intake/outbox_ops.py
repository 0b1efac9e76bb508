"""What an operator does with the outbox: find parked or stuck items, retry them, discard them.

The same functions serve ``supportbot outbox ...`` and the operator page; every change is an
audited action (``audit_log``: who, which item, why), in the caller's transaction.

* **retry**: a parked item (permanent error, or delivery unknown after a crash) or a pending one
  waiting out its backoff goes back to ``pending`` now, with its attempts reset.
* **discard**: a parked or pending item is given up for good (``discarded``), with a reason; it stays
  in the table as a record and never blocks the items queued after it for the same ticket.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from intake.outbox import DISCARDED, PARKED, PENDING, SENDING
from intake.store.models import AuditEntry, OutboxItem, Ticket

LISTABLE = (PARKED, PENDING, SENDING, "done", DISCARDED)


class OutboxOpError(ValueError):
    """An operator action that does not apply to the item (unknown id, wrong state, no reason)."""


@dataclass(frozen=True)
class ItemView:
    """One outbox item as the operator sees it: what, for whom, where it is stuck and why."""

    id: int
    kind: str
    state: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None
    last_error: str | None
    ticket: str | None
    summary: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "state": self.state, "attempts": self.attempts,
                "created_at": self.created_at.isoformat(), "last_error": self.last_error, "ticket": self.ticket,
                "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
                "summary": self.summary}


def summary(item: OutboxItem) -> str:
    """What the item would do, in a line: the recipient and subject, the Slack call, the webhook."""
    p = item.payload or {}
    if item.kind == "email":
        return f"email to {', '.join(p.get('to') or []) or p.get('to_addr') or '?'}: {p.get('subject') or ''}".strip()
    if item.kind == "slack":
        return f"Slack {p.get('op') or p.get('method') or 'call'}"
    if item.kind == "webhook":
        return f"webhook {(p.get('event') or {}).get('type', '?')} to {p.get('url', '?')}"
    return item.kind


def _view(item: OutboxItem, token: str | None) -> ItemView:
    return ItemView(id=item.id, kind=item.kind, state=item.state, attempts=item.attempts or 0,
                    created_at=item.created_at, next_attempt_at=item.next_attempt_at, last_error=item.last_error,
                    ticket=token, summary=summary(item))


def list_items(session: Session, *, states: Sequence[str] = (PARKED, PENDING, SENDING), kind: str | None = None,
               limit: int = 100) -> list[ItemView]:
    """Items in ``states``: parked first (they need a person), then the oldest waiting ones."""
    unknown = set(states) - set(LISTABLE)
    if unknown:
        raise OutboxOpError(f"unknown state(s) {sorted(unknown)}; choose from {', '.join(LISTABLE)}")
    order = case((OutboxItem.state == PARKED, 0), (OutboxItem.state == SENDING, 1), else_=2)
    stmt = (select(OutboxItem, Ticket.token).outerjoin(Ticket, Ticket.id == OutboxItem.ticket_id)
            .where(OutboxItem.state.in_(list(states))).order_by(order, OutboxItem.created_at, OutboxItem.id)
            .limit(max(1, min(limit, 1000))))
    if kind:
        stmt = stmt.where(OutboxItem.kind == kind)
    return [_view(item, token) for item, token in session.execute(stmt)]


def show(session: Session, item_id: int) -> tuple[ItemView, dict[str, Any]]:
    """The item and its payload."""
    row = session.execute(select(OutboxItem, Ticket.token).outerjoin(Ticket, Ticket.id == OutboxItem.ticket_id)
                          .where(OutboxItem.id == item_id)).first()
    if row is None:
        raise OutboxOpError(f"no outbox item {item_id}")
    item, token = row
    return _view(item, token), dict(item.payload or {})


def _audit(session: Session, *, actor: str, action: str, item_id: int, now: dt.datetime, data: dict[str, Any]) -> None:
    session.add(AuditEntry(at=now, username=actor, action=action, target=f"outbox:{item_id}", data=data))


def retry(session: Session, item_id: int, *, now: dt.datetime, actor: str) -> ItemView:
    """Put a parked (or backing-off pending) item back in the queue now. Raises for other states."""
    item = session.get(OutboxItem, item_id, with_for_update=True)
    if item is None:
        raise OutboxOpError(f"no outbox item {item_id}")
    if item.state not in (PARKED, PENDING):
        raise OutboxOpError(f"outbox item {item_id} is {item.state}: only parked or pending items are retried")
    previous, error = item.state, item.last_error
    session.execute(update(OutboxItem).where(OutboxItem.id == item_id)
                    .values(state=PENDING, next_attempt_at=now, attempts=0, claimed_by=None, claimed_until=None)
                    .execution_options(synchronize_session="fetch"))
    _audit(session, actor=actor, action="outbox_retry", item_id=item_id, now=now,
           data={"kind": item.kind, "from": previous, "last_error": (error or "")[:300]})
    return show(session, item_id)[0]


def discard(session: Session, item_id: int, *, reason: str, now: dt.datetime, actor: str) -> ItemView:
    """Give a parked or pending item up, with a reason (required). Raises for other states."""
    reason = (reason or "").strip()
    if not reason:
        raise OutboxOpError("a discard needs a reason (it goes into the audit trail)")
    item = session.get(OutboxItem, item_id, with_for_update=True)
    if item is None:
        raise OutboxOpError(f"no outbox item {item_id}")
    if item.state not in (PARKED, PENDING):
        raise OutboxOpError(f"outbox item {item_id} is {item.state}: only parked or pending items are discarded")
    previous = item.state
    session.execute(update(OutboxItem).where(OutboxItem.id == item_id)
                    .values(state=DISCARDED, done_at=now, claimed_by=None, claimed_until=None,
                            last_error=f"discarded by {actor}: {reason}"[:2000])
                    .execution_options(synchronize_session="fetch"))
    _audit(session, actor=actor, action="outbox_discard", item_id=item_id, now=now,
           data={"kind": item.kind, "from": previous, "reason": reason[:500]})
    return show(session, item_id)[0]
