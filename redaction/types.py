"""Value types shared by the redaction stage and its callers.

A ``Finding`` carries where and what, never the value itself: callers that need a
fingerprint compute it from the original text and the offsets, under a server key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["clean", "resubmit"]


@dataclass(frozen=True, slots=True)
class Sender:
    """Who sent the message: their own identity is never third-party PII."""

    name: str | None = None
    email: str | None = None
    org: str | None = None
    phone: str | None = None
    # Domains and registered users of the sender's organization (also not third parties).
    org_domains: tuple[str, ...] = ()
    org_users: tuple[str, ...] = ()  # names and/or email addresses


@dataclass(frozen=True, slots=True)
class Finding:
    type: str  # e.g. "AWS_ACCESS_KEY", "PERSON", "IBAN_CODE"
    start: int
    end: int
    score: float
    recognizer: str
    category: Literal["secret", "pii"] = "pii"


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    findings: tuple[Finding, ...] = ()
    # Entity type -> count. Reasons never hold values.
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return self.verdict == "clean"
