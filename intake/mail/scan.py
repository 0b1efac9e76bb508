"""Redaction of long texts in overlapping windows, so nothing a mail carries goes unscanned.

Why: a text attachment over 1 MiB used to skip redaction (its text was never decoded), and a key at
the end of a 2 MB log opened a ticket. The redaction engine's cost grows faster than the text
(measured here: 256 KiB 1.7 s CPU, 1 MiB 14 s, 2 MiB 51 s as one text; in 64 KiB windows 1.3 s per
256 KiB, linear). So a text longer than ``window`` characters is scanned as windows of that size
that overlap by ``overlap`` characters (a key, token or address split by a window edge is whole in
the next window), all windows of a batch in one ``check_many`` call. Findings come back with
offsets into the whole text (the redaction log fingerprints the same string), de-duplicated and
resolved as one decision.

Text beyond ``max_chars`` (the mail size limit by default, so in practice nothing) is not scanned:
that is never "clean" but a decision to ask (``UNSCANNED_TEXT``): the sender is asked to resubmit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from redaction.decision import decide
from redaction.types import Decision, Finding, Sender

__all__ = ["UNSCANNED", "WindowedRedactor"]

UNSCANNED = "UNSCANNED_TEXT"
DEFAULT_WINDOW = 64 * 1024
DEFAULT_OVERLAP = 4 * 1024  # longer than any key, token, IBAN or address the recognizers know
DEFAULT_MAX_CHARS = 25 * 1024 * 1024


def windows(text: str, window: int, overlap: int) -> list[tuple[int, int]]:
    """``(start, end)`` of overlapping windows covering ``text``; an edge moves back to a line end
    inside the overlap when there is one, so lines are rarely cut."""
    if len(text) <= window:
        return [(0, len(text))]
    out: list[tuple[int, int]] = []
    start = 0
    while True:
        end = min(start + window, len(text))
        if end < len(text):
            nl = text.rfind("\n", end - overlap // 2, end)
            if nl > start:
                end = nl + 1
        out.append((start, end))
        if end >= len(text):
            return out
        start = max(end - overlap, start + 1)


class WindowedRedactor:
    """Wraps the redaction engine (``check`` / ``check_many``): short texts pass through unchanged,
    long ones are checked in overlapping windows."""

    def __init__(self, inner: Any, *, window: int = DEFAULT_WINDOW, overlap: int = DEFAULT_OVERLAP,
                 max_chars: int = DEFAULT_MAX_CHARS) -> None:
        if not 0 < overlap < window:
            raise ValueError("overlap must be positive and smaller than the window")
        self.inner = inner
        self.window = window
        self.overlap = overlap
        self.max_chars = max_chars

    def __getattr__(self, name: str) -> Any:  # config, explain, ... of the engine
        return getattr(self.inner, name)

    def check(self, text: str, sender: Sender | None = None) -> Decision:
        return self.check_many([(text, sender)])[0]

    def check_many(self, items: Iterable[tuple[str, Sender | None]]) -> list[Decision]:
        items = list(items)
        pieces: list[tuple[str, Sender | None]] = []
        spans: list[list[tuple[int, int]]] = []
        for text, sender in items:
            scanned = text[: self.max_chars]
            cut = windows(scanned, self.window, self.overlap)
            spans.append(cut)
            pieces.extend((scanned[a:b], sender) for a, b in cut)
        found = self.inner.check_many(pieces) if hasattr(self.inner, "check_many") else [
            self.inner.check(t, s) for t, s in pieces]
        out: list[Decision] = []
        at = 0
        for (text, _), cut in zip(items, spans, strict=True):
            decisions = found[at : at + len(cut)]
            at += len(cut)
            if len(cut) == 1 and len(text) <= self.max_chars:
                out.append(decisions[0])
                continue
            merged: dict[tuple[str, int, int], Finding] = {}
            for (start, _end), d in zip(cut, decisions, strict=True):
                for f in d.findings:
                    moved = Finding(f.type, f.start + start, f.end + start, f.score, f.recognizer, f.category)
                    merged.setdefault((moved.type, moved.start, moved.end), moved)
            decision = decide(sorted(merged.values(), key=lambda f: (f.start, f.end)), threshold=0.0)
            if decision.clean and any(not d.clean for d in decisions):  # an engine without findings
                reasons: dict[str, int] = {}
                for d in decisions:
                    for k, n in d.reasons.items():
                        reasons[k] = reasons.get(k, 0) + n
                decision = Decision(verdict="resubmit", reasons=reasons or {"finding": 1})
            if len(text) > self.max_chars:  # never clean: the rest was not looked at
                reasons = {**decision.reasons, UNSCANNED: 1}
                decision = Decision(verdict="resubmit", findings=decision.findings, reasons=reasons)
            out.append(decision)
        return out
