"""What enters the pipeline: one type per channel, each a plain value.

A channel adapter (the IMAP poller's batch handler, the Slack listener) translates what it
received into one of these and hands it to :func:`intake.pipeline.decide`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from intake.domain.severity import Severity
from intake.mail.parse import MailParseError, ParsedMail, parse_message

__all__ = ["MailMessage", "Message", "SlackRequest", "synthetic_message_id"]

MAX_MESSAGE_ID = 998  # RFC 5322 line limit; longer ids are replaced by a content hash


def synthetic_message_id(raw: bytes) -> str:
    """For mails without a usable Message-ID: a content hash, so a re-delivered copy is still a duplicate."""
    return f"<sha256.{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


@dataclass(frozen=True)
class MailMessage:
    """A mail as fetched: where it sits (mailbox, UIDVALIDITY, UID), when the server received it
    (INTERNALDATE), its bytes (None when over the size limit and never downloaded) and its parse
    (done once, by :meth:`from_bytes`; ``parse_error`` says why there is none)."""

    channel: ClassVar[str] = "email"

    raw: bytes | None
    size: int
    mailbox: str = ""
    uidvalidity: int | None = None
    uid: int | None = None
    received_at: dt.datetime | None = None
    parsed: ParsedMail | None = field(default=None, repr=False)
    parse_error: str | None = None

    @classmethod
    def from_bytes(cls, raw: bytes | None, *, max_bytes: int, size: int | None = None, mailbox: str = "",
                   uidvalidity: int | None = None, uid: int | None = None,
                   received_at: dt.datetime | None = None) -> MailMessage:
        parsed, error = None, None
        if raw is not None:
            try:
                parsed = parse_message(raw, max_bytes=max_bytes)
            except MailParseError as exc:
                error = f"unparsable ({exc.reason}): {exc.detail}"
        return cls(raw=raw, size=len(raw) if raw is not None else (size or 0), mailbox=mailbox,
                   uidvalidity=uidvalidity, uid=uid, received_at=received_at, parsed=parsed, parse_error=error)

    @property
    def message_id(self) -> str | None:
        """The Message-ID it is recorded under (unique): its own, or a content hash."""
        if self.raw is None:
            return None
        mid = self.parsed.message_id if self.parsed is not None else None
        return mid if mid and len(mid) <= MAX_MESSAGE_ID else synthetic_message_id(self.raw)


@dataclass(frozen=True)
class SlackRequest:
    """A request opened from Slack (the request modal): who, what they answered, and the text."""

    channel: ClassVar[str] = "slack"

    user: str
    user_name: str | None
    organization: str | None  # as answered (an id or a name)
    project: str | None
    severity: Severity  # as chosen in the modal (suggested from the answers)
    summary: str
    description: str
    answers: Mapping[str, bool | None]
    received_at: dt.datetime

    @property
    def ref(self) -> str:
        """The redaction log's message reference."""
        return f"slack:{self.user}:{self.received_at.timestamp():.6f}"


Message = MailMessage | SlackRequest
