"""Email addresses, also obfuscated ("jane (at) example (dot) com"): third-party personal data
unless the context rules say they belong to the sender, the sender's organization, the vendor,
a role mailbox or a documentation domain.

Email addresses (third-party personal data unless the context rules say they belong to the
sender, the sender's organization, the vendor, a role mailbox or a documentation domain)."""

import re

from redaction.recognizers.base import PatternSpec, Rule

# "scheme://user:password@host": the part before the "@" is a URL's userinfo, not a mailbox.
_USERINFO_BEFORE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s/@]*:\Z")


def _not_url_userinfo(value: str, text: str, start: int, end: int) -> bool:
    return not _USERINFO_BEFORE.search(text, max(0, start - 200), start)

RULE = Rule(
    entity="EMAIL_ADDRESS",
    category="pii",
    patterns=(
        PatternSpec(
            "email",
            r"(?<![A-Za-z0-9._%+\-/])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
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
    validator=_not_url_userinfo,
    prefilter_regex=r"@|[(\[{<]\s*at\s*[)\]}>]",
)
