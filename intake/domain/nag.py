"""Nag schedule (placeholder until the nagging clock lands): first reminder at half the target."""

from __future__ import annotations

import datetime as dt

from intake.domain.policy import Policy
from intake.domain.severity import Severity


def next_nag_at(*, severity: Severity, submitted: dt.datetime, due: dt.datetime | None, nag_count: int,
                last_nag_at: dt.datetime | None, now: dt.datetime, policy: Policy) -> dt.datetime | None:
    if due is None:
        return None
    return submitted + (due - submitted) / 2 if nag_count == 0 else None
