"""Durations as the policy file writes them (``"60m"``, ``"12h"``) and as people read them."""

from __future__ import annotations

import datetime as dt
import re

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> dt.timedelta:
    """``"60m"``, ``"12h"``, ``"2d"``, ``"90s"``, ``"1.5h"`` -> timedelta; ``ValueError`` otherwise.

    Also accepts compound forms ``"1h30m"``.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a duration string like '60m' or '12h', got {text!r}")
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*(min|s|m|h|d|w)", text)
    if not parts or re.sub(r"(\d+(?:\.\d+)?)\s*(min|s|m|h|d|w)", "", text).strip():
        raise ValueError(f"not a duration: {text!r} (use e.g. '60m', '12h', '2d')")
    seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
    if seconds <= 0:
        raise ValueError(f"duration must be positive: {text!r}")
    return dt.timedelta(seconds=seconds)


def short_duration(delta: dt.timedelta) -> str:
    """``15m``, ``2h``: the policy file's own notation."""
    minutes = int(delta.total_seconds() // 60)
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def duration_words(delta: dt.timedelta, *, short: bool = False) -> str:
    """``1 hour 5 minutes``, ``2 days 3 hours``, ``less than a minute`` (absolute value; past a day the
    minutes are left out). ``short`` spells the same parts ``1 h 5 min``, ``2 d 3 h``, ``< 1 min``."""
    seconds = abs(int(delta.total_seconds()))
    if seconds < 60:
        return "< 1 min" if short else "less than a minute"
    minutes_total = seconds // 60
    days, rem = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rem, 60)

    def unit(n: int, word: str, abbreviation: str) -> str:
        if short:
            return f"{n} {abbreviation}"
        return f"{n} {word}" + ("" if n == 1 else "s")

    parts: list[str] = []
    if days:
        parts.append(unit(days, "day", "d"))
    if hours:
        parts.append(unit(hours, "hour", "h"))
    if minutes and not days:
        parts.append(unit(minutes, "minute", "min"))
    return " ".join(parts)
