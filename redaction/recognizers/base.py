"""The shape every rule-based recognizer shares: patterns + context + validator, as data.

Each module in this package defines one ``RULE`` (a :class:`Rule`) or, for the NER-based person
recognizer, one recognizer class. :class:`RuleRecognizer` turns a rule into a Presidio
``EntityRecognizer`` so the ``AnalyzerEngine`` runs it like any other recognizer.

Why not Presidio's ``PatternRecognizer`` directly: its validators see only the matched text and its
context enhancement needs lemmas (we disable the lemmatizer for speed). Our validators also see the
surrounding text, and context is a character window searched with one compiled regex.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from presidio_analyzer import LocalRecognizer, RecognizerResult

Category = Literal["secret", "pii"]

# A validator gets (value, text, start, end) and returns True to keep, False to drop the match.
Validator = Callable[[str, str, int, int], bool]

CATEGORY_KEY = "category"


@dataclass(frozen=True)
class PatternSpec:
    """One regular expression. ``group`` names the capture group holding the value (0: whole match)."""

    name: str
    regex: str
    score: float
    group: int | str = 0
    flags: int = 0


@dataclass(frozen=True)
class Rule:
    """A recognizer as data.

    ``context`` words within ``window`` characters before (or ``window_after`` after) a match add
    ``context_boost`` to its score; ``negative_context`` words there drop the match. A match is a
    finding only when its final score reaches the engine threshold, so a weak pattern (score below
    the threshold) is one that *requires* context.
    """

    entity: str
    category: Category
    patterns: tuple[PatternSpec, ...]
    context: tuple[str, ...] = ()
    negative_context: tuple[str, ...] = ()
    # Words that drop a match only when they follow it ("+1 206 430 9100, our office line").
    negative_after: tuple[str, ...] = ()
    negative_window_after: int | None = None  # default: window_after
    window: int = 60
    window_after: int = 20
    context_boost: float = 0.35
    validator: Validator | None = None
    # Cheap pre-filter: if none of these substrings is in the text, skip all patterns.
    prefilter: tuple[str, ...] = ()
    prefilter_regex: str | None = None


def words_regex(words: Sequence[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = sorted({re.escape(w.lower()) for w in words}, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(alternatives) + r")(?![a-z0-9])", re.IGNORECASE)


class RuleRecognizer(LocalRecognizer):
    """A Presidio recognizer driven by a :class:`Rule`."""

    def __init__(self, rule: Rule, name: str) -> None:
        self.rule = rule
        self.rule_name = name
        self._compiled = [(p, re.compile(p.regex, p.flags)) for p in rule.patterns]
        self._context = words_regex(rule.context)
        self._negative = words_regex(rule.negative_context)
        self._negative_after = words_regex(rule.negative_after)
        self._neg_after = rule.window_after if rule.negative_window_after is None else rule.negative_window_after
        self._prefilter = tuple(s.lower() for s in rule.prefilter)
        self._prefilter_re = re.compile(rule.prefilter_regex) if rule.prefilter_regex else None
        super().__init__(supported_entities=[rule.entity], name=name, supported_language="en")

    def load(self) -> None:  # patterns are compiled in __init__
        pass

    @property
    def category(self) -> Category:
        return self.rule.category

    def has_context(self, text: str, start: int, end: int) -> bool:
        if self._context is None:
            return False
        lo = max(0, start - self.rule.window)
        if self._context.search(text, lo, start):
            return True
        return bool(self._context.search(text, end, min(len(text), end + self.rule.window_after)))

    def _negated(self, text: str, start: int, end: int) -> bool:
        if self._negative_after is not None and self._negative_after.search(
            text, end, min(len(text), end + self.rule.window_after)
        ):
            return True
        if self._negative is None:
            return False
        lo = max(0, start - self.rule.window)
        return bool(self._negative.search(text, lo, min(len(text), end + self._neg_after)))

    def find(self, text: str) -> list[tuple[int, int, float, str]]:
        """(start, end, score, pattern name) of every match with its context-adjusted score."""
        if self._prefilter:
            low = text.lower()
            if not any(s in low for s in self._prefilter):
                return []
        if self._prefilter_re is not None and not self._prefilter_re.search(text):
            return []
        out: list[tuple[int, int, float, str]] = []
        seen: set[tuple[int, int]] = set()
        for spec, rx in self._compiled:
            for m in rx.finditer(text):
                start, end = m.span(spec.group)
                if start < 0 or end <= start or (start, end) in seen:
                    continue
                value = text[start:end]
                if self.rule.validator is not None and not self.rule.validator(value, text, start, end):
                    continue
                if self._negated(text, start, end):
                    continue
                score = spec.score
                if score < 1.0 and self.has_context(text, start, end):
                    score = min(1.0, score + self.rule.context_boost)
                seen.add((start, end))
                out.append((start, end, score, spec.name))
        return out

    def analyze(self, text: str, entities: list[str], nlp_artifacts: object = None) -> list[RecognizerResult]:
        results = []
        for start, end, score, pattern in self.find(text):
            results.append(
                RecognizerResult(
                    entity_type=self.rule.entity,
                    start=start,
                    end=end,
                    score=score,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self.rule_name,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        CATEGORY_KEY: self.rule.category,
                        "pattern": pattern,
                    },
                )
            )
        return results


# -- helpers shared by validators -------------------------------------------------------------------

def secret_results(entity: str, recognizer: str, identifier: str,
                   found: Sequence[tuple[int, int, float, str]]) -> list[RecognizerResult]:
    """Presidio results of a secret recognizer from its ``find`` tuples (start, end, score, pattern)."""
    return [
        RecognizerResult(
            entity_type=entity, start=start, end=end, score=score,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: recognizer,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: identifier,
                CATEGORY_KEY: "secret",
                "pattern": pattern,
            },
        )
        for start, end, score, pattern in found
    ]


def shannon_entropy(value: str) -> float:
    """Bits per character."""
    import math
    from collections import Counter

    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def char_classes(value: str) -> int:
    """How many of lower, upper, digit, other a value uses."""
    return (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )


def line_of(text: str, start: int) -> str:
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", start)
    return text[lo: hi if hi >= 0 else len(text)]
