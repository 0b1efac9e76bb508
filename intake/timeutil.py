"""The wall clock, read only at entry points (house style rule 3): processes and jobs pass it on as ``now``."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Now, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)
