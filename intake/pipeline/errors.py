"""The pipeline's errors, in one small file (imapclient's ``exceptions.py`` shape).

``decide`` uses the first two internally: a check deep inside a stage raises them and the
dispatcher turns them into a recorded outcome with the reason, so no stage has to thread a
"stop here" value back up. Nothing is lost: every message ends as a recorded decision.
"""

from __future__ import annotations

__all__ = ["Dropped", "IntakeError", "Quarantine", "RecordConflict"]


class IntakeError(Exception):
    """Base of every error the intake pipeline raises. ``transient``: worth retrying as it is."""

    transient = False

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class Quarantine(IntakeError):
    """The message cannot go the way of a person's request (unparsable, too large, no sender,
    abuse report...): it is recorded with the reason for an operator, never answered. Permanent."""


class Dropped(IntakeError):
    """Automated mail (auto-replies, bulk, bounces, our own mail; RFC 3834 §2): recorded, never
    answered. Permanent."""


class RecordConflict(IntakeError):
    """Another worker recorded the same message (UID or Message-ID) first. Transient: decide and
    apply again, and the second pass finds that record."""

    transient = True
