"""Gate readings in the database (``PortalObservation``): the clock records them, the worker reads
the latest."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.portal.gate import GateReading
from intake.portal.statuspage import Effective, State
from intake.store.models import PortalObservation


def record_reading(session: Session, reading: GateReading) -> Any:
    """Add the reading to ``PortalObservation`` (the caller commits). Returns the row."""
    row = PortalObservation(
        at=reading.at, state=reading.state, effective=reading.effective,
        reason=reading.reason[:2000], source=reading.source[:32],
    )
    session.add(row)
    session.flush()
    return row


def latest_reading(session: Session) -> GateReading | None:
    """The most recent persisted reading, or None when the gate never ran."""
    row = session.execute(
        select(PortalObservation).order_by(PortalObservation.at.desc(), PortalObservation.id.desc()).limit(1)
    ).scalar_one_or_none()
    if row is None:
        return None
    state: State = row.state if row.state in ("up", "down", "unknown") else "unknown"  # type: ignore[assignment]
    effective: Effective = row.effective if row.effective in ("up", "down") else "down"  # type: ignore[assignment]
    return GateReading(state, effective, row.reason, row.at, row.source or "monitor")
