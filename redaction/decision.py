"""From scored findings to the verdict: ``clean`` or ``resubmit`` (support terms: requests with
third-party personal data or secrets are discarded and re-requested in anonymized form).

The support terms make any non-anonymized third-party personal data or application secret a
reason to ask for an anonymized resubmission, so one finding is enough. Reasons are entity types
with counts, never values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from redaction.types import Decision, Finding


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per stretch of text: secrets beat PII, then higher score, then the longer span.

    (A password inside ``postgres://user:pw@db.host`` is a secret, not an email address; a JWT is
    not also a high-entropy string.)
    """
    ranked = sorted(
        findings,
        key=lambda f: (f.category != "secret", -f.score, -(f.end - f.start), f.start),
    )
    kept: list[Finding] = []
    for f in ranked:
        if any(f.start < k.end and k.start < f.end for k in kept):
            continue
        kept.append(f)
    return sorted(kept, key=lambda f: (f.start, f.end))


def decide(findings: Iterable[Finding], *, threshold: float) -> Decision:
    """``resubmit`` when at least one finding reaches ``threshold``; reasons count types."""
    kept = resolve_overlaps(f for f in findings if f.score >= threshold)
    if not kept:
        return Decision(verdict="clean")
    reasons = dict(sorted(Counter(f.type for f in kept).items()))
    return Decision(verdict="resubmit", findings=tuple(kept), reasons=reasons)
