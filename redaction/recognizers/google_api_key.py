"""Google credentials: API keys (``AIza`` + 35), OAuth client secrets (``GOCSPX-``), OAuth access
tokens (``ya29.``) and refresh tokens (``1//0``)."""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="GOOGLE_API_KEY",
    category="secret",
    patterns=(
        PatternSpec("google_api_key", r"(?<![A-Za-z0-9_\-])AIza[0-9A-Za-z_\-]{35}(?![A-Za-z0-9_\-])", 0.95),
        PatternSpec("google_oauth_client_secret", r"(?<![A-Za-z0-9_\-])GOCSPX-[A-Za-z0-9_\-]{28}(?![A-Za-z0-9_\-])", 0.95),
        PatternSpec("google_oauth_access_token", r"(?<![A-Za-z0-9_\-])ya29\.[0-9A-Za-z_\-]{30,}(?![A-Za-z0-9_\-])", 0.9),
        PatternSpec("google_refresh_token", r"(?<![A-Za-z0-9_\-/])1//0[0-9A-Za-z_\-]{40,}(?![A-Za-z0-9_\-])", 0.9),
    ),
    prefilter=("aiza", "gocspx-", "ya29.", "1//0"),
)
