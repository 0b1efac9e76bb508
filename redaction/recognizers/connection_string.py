"""Credentials inside connection strings: ``scheme://user:password@host`` URLs (databases,
brokers, SMTP, FTP, HTTP basic auth) and ADO.NET/Azure key-value strings (``AccountKey=``,
``SharedAccessKey=``). The finding covers the password part only."""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="CONNECTION_STRING",
    category="secret",
    patterns=(
        PatternSpec(
            "url_userinfo_password",
            r"\b[a-zA-Z][a-zA-Z0-9+.\-]{1,30}://[^\s:/@?#'\"<>]{0,128}:([^\s@/'\"<>]{2,256})@[A-Za-z0-9\[]",
            0.9,
            group=1,
        ),
        PatternSpec(
            "azure_key",
            r"(?i:\b(?:AccountKey|SharedAccessKey|SharedAccessSignature|SharedSecretValue))\s*=\s*([^;\"'\s<>]{8,})",
            0.95,
            group=1,
        ),
        PatternSpec(
            "ado_password",
            r"(?i:(?:^|[;\"'\s])(?:Password|Pwd))\s*=\s*([^;\"'\s<>]{3,})(?=\s*;|\s*[\"']|\s*$)",
            0.85,
            group=1,
        ),
    ),
    prefilter=("://", "accountkey", "sharedaccess", "sharedsecret", "password", "pwd"),
)
