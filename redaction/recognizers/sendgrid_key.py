"""SendGrid API keys: ``SG.`` + 22-character id + ``.`` + 43-character secret."""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="SENDGRID_KEY",
    category="secret",
    patterns=(
        PatternSpec("sendgrid", r"(?<![A-Za-z0-9_\-])SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}(?![A-Za-z0-9_\-])", 0.95),
    ),
    prefilter=("sg.",),
)
