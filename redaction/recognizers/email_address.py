"""Email addresses, also obfuscated ("jane (at) example (dot) com"): third-party personal data
unless the context rules say they belong to the sender, the sender's organization, the vendor,
a role mailbox or a documentation domain.

Email addresses (third-party personal data unless the context rules say they belong to the
sender, the sender's organization, the vendor, a role mailbox or a documentation domain)."""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="EMAIL_ADDRESS",
    category="pii",
    patterns=(
        PatternSpec(
            "email",
            r"(?<![A-Za-z0-9._%+\-/:])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
            r"[A-Za-z]{2,24}(?![A-Za-z0-9\-])",
            0.9,
        ),
        # Obfuscated: "jane.doe (at) gmail (dot) com", "jane [at] gmail.com", "jane{at}gmail{dot}com".
        PatternSpec(
            "email_obfuscated",
            r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}\s*[(\[{<]\s*(?i:at)\s*[)\]}>]\s*"
            r"(?:[A-Za-z0-9\-]{1,63}(?:\s*[(\[{<]\s*(?i:dot)\s*[)\]}>]\s*|\.))+[A-Za-z]{2,24}(?![A-Za-z0-9\-])",
            0.85,
        ),
    ),
    prefilter_regex=r"@|[(\[{<]\s*at\s*[)\]}>]",
)
