"""Email addresses (third-party personal data unless the context rules say they belong to the
sender, the sender's organization, the vendor, a role mailbox or a documentation domain)."""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="EMAIL_ADDRESS",
    category="pii",
    patterns=(
        PatternSpec(
            "email",
            r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
            r"[A-Za-z]{2,24}(?![A-Za-z0-9\-])",
            0.9,
        ),
    ),
    prefilter=("@",),
)
