"""Contentful tokens: personal access tokens (``CFPAT-`` + 43) and the un-prefixed 43-character
Content Delivery / Preview / Management tokens, which are only recognisable with context."""

from redaction.recognizers.base import PatternSpec, Rule, char_classes


def _validate(value: str, text: str, start: int, end: int) -> bool:
    return value.startswith("CFPAT-") or char_classes(value) >= 3


RULE = Rule(
    entity="CONTENTFUL_TOKEN",
    category="secret",
    patterns=(
        PatternSpec("contentful_pat", r"(?<![A-Za-z0-9_\-])CFPAT-[A-Za-z0-9_\-]{43}(?![A-Za-z0-9_\-])", 0.95),
        PatternSpec("contentful_cda", r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{43}(?![A-Za-z0-9_\-])", 0.2),
    ),
    context=("contentful", "delivery token", "preview token", "management token", "cda token", "cma token",
             "content delivery api", "space id", "access_token", "accesstoken"),
    window=100,
    context_boost=0.6,
    validator=_validate,
)
