"""Severities S1-S4 as the support terms define them, caps and downgrades."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass


class Severity(enum.Enum):
    """Severity levels; S1 is the highest. Ordering follows urgency (S1 > S4)."""

    S1 = 1
    S2 = 2
    S3 = 3
    S4 = 4

    @classmethod
    def parse(cls, value: str | int | Severity) -> Severity:
        """Parse ``"S2"``, ``"s2"``, ``"2"``, ``2`` or a ``Severity``; raise ``ValueError`` otherwise."""
        if isinstance(value, Severity):
            return value
        text = str(value).strip().upper()
        if text.startswith("S"):
            text = text[1:]
        if text in {"1", "2", "3", "4"}:
            return cls(int(text))
        raise ValueError(f"not a severity: {value!r} (expected S1, S2, S3 or S4)")

    @property
    def label(self) -> str:
        return DEFINITIONS[self].name

    def is_higher_than(self, other: Severity) -> bool:
        return self.value < other.value

    def capped(self, maximum: Severity | None) -> Severity:
        """This severity, lowered to ``maximum`` when it ranks above it (support terms: maximum severity)."""
        if maximum is not None and self.is_higher_than(maximum):
            return maximum
        return self

    def downgraded(self) -> Severity:
        """One level lower (S1 -> S2 ...); S4 stays S4 (support terms: downgrade)."""
        return Severity(min(self.value + 1, 4))

    def __str__(self) -> str:
        return self.name


def strictest(*caps: Severity | None) -> Severity | None:
    """The strictest (lowest-ranking) of several maximum severities; ``None`` when none is set.

    Support terms, "maximum severity": the policy's product/component table and the customer's
    contract may both cap a request; the stricter one wins.
    """
    known = [c for c in caps if c is not None]
    return max(known, key=lambda c: c.value) if known else None


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    meaning: str
    examples: str


# Support terms, "Severity levels and initial-response targets".
DEFINITIONS: Mapping[Severity, Definition] = {
    Severity.S1: Definition(
        "Critical Incident",
        "An ongoing problem of a production system stops a core business or interrupts it extremely "
        "seriously, and there is no acceptable workaround.",
        "The shop takes no new orders.",
    ),
    Severity.S2: Definition(
        "Incident",
        "An ongoing production problem impacts but does not stop a core business; no acceptable workaround.",
        "Intermittent problems, performance degradation, background-processing problems, potential security "
        "issues, outages of components not eligible for S1.",
    ),
    Severity.S3: Definition(
        "Problem",
        "Impacts non-core business processes; also incidents on non-production systems, past incidents, "
        "incidents with an acceptable workaround, problems with open-source components.",
        "Minor performance degradation, problems in internal processes, wrong behaviour of backend UIs.",
    ),
    Severity.S4: Definition(
        "Question / suggestion / other",
        "Little or no current impact; other problems on non-production systems; documentation problems.",
        "How-to questions, feature suggestions, documentation errors.",
    ),
}


def suggest_severity(*, production: bool | None, business_stopped: bool | None,
                     workaround: bool | None, question: bool = False) -> Severity:
    """Suggest a severity from the intake questions, following the support terms' definitions.

    S1 needs a production system, a stopped core business and no acceptable workaround; S2 a production
    impact without workaround; an acceptable workaround or a non-production system makes it S3; a question
    with no current impact is S4. Unknown answers never raise the suggestion.
    """
    if question:
        return Severity.S4
    if production is not True:
        return Severity.S3 if production is False else Severity.S4
    if workaround is not False:
        return Severity.S3
    if business_stopped is True:
        return Severity.S1
    return Severity.S2
