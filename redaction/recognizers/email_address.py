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

_AT_WORDS = r"(?i:at|ät|aet|chez|arobase|arrobase|arroba|chiocciola|małpa|malpa|klammeraffe|apenstaartje)"
_DOT_WORDS = r"(?i:dot|punkt|point|punto|kropka|punt|pkt)"
_B_AT = r"[(\[{<]\s*" + _AT_WORDS + r"\s*[)\]}>]"
_B_DOT = r"[(\[{<]\s*" + _DOT_WORDS + r"\s*[)\]}>]"
_W_AT = r"(?:" + _AT_WORDS + r"|" + _B_AT + r")"
_W_DOT = r"(?:" + _DOT_WORDS + r"|" + _B_DOT + r")"
# Spelled-out addresses must end in a real top-level domain ("at home dot com" needs one too).
_TLD = r"(?i:com|net|org|de|fr|nl|be|it|es|pl|at|ch|eu|uk|co\.uk|io|info|biz|dk|se|no|fi|pt|cz|lu|ie|us|ca|me)"

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
        # Obfuscated: "jane.doe (at) gmail (dot) com", "jane [at] gmail.com", "jane{at}gmail{dot}com",
        # "anna.berg [at] web [punkt] de", "(arroba)", "[chiocciola]", "(małpa)", "(kropka)".
        PatternSpec(
            "email_obfuscated",
            r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}(?:\s*" + _B_DOT + r"\s*[A-Za-z0-9_\-]{1,63})*"
            r"\s*" + _B_AT + r"\s*"
            r"(?:[A-Za-z0-9\-]{1,63}(?:\s*" + _B_DOT + r"\s*|\.))+[A-Za-z]{2,24}(?![A-Za-z0-9\-])",
            0.85,
        ),
        # Spelled out: "jane dot miller at gmail dot com", "anna punkt berg at web punkt de".
        PatternSpec(
            "email_spelled",
            r"(?<![\w.@-])[A-Za-z0-9][A-Za-z0-9._\-]{0,63}(?:\s+" + _W_DOT + r"\s+[A-Za-z0-9_\-]{1,63})*\s+" + _W_AT
            + r"\s+[A-Za-z0-9\-]{2,63}(?:(?:\s+" + _W_DOT + r"\s+|\.)[A-Za-z0-9\-]{2,63})*(?:\s+" + _W_DOT + r"\s+)"
            + _TLD + r"(?![\w-])",
            0.85,
        ),
        # URL-encoded inside a link: "reset?email=anna.berg%40gmail.com".
        PatternSpec(
            "email_urlencoded",
            r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._+\-]{0,63}%40(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
            r"[A-Za-z]{2,24}(?![A-Za-z0-9\-])",
            0.9,
        ),
    ),
    validator=_not_url_userinfo,
    prefilter_regex=r"@|%40|[\s(\[{<]" + _AT_WORDS + r"[\s)\]}>]",
)
