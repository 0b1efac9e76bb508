"""Twilio API key SIDs (``SK`` + 32 hex) and auth tokens (32 hex, only with Twilio context).
Account SIDs (``AC`` + 32 hex) identify an account, they don't authenticate, so they are not
findings on their own but are context for a nearby auth token."""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="TWILIO_KEY",
    category="secret",
    patterns=(
        PatternSpec("twilio_api_key", r"(?<![A-Za-z0-9])SK[0-9a-f]{32}(?![A-Za-z0-9])", 0.85),
        PatternSpec("twilio_auth_token", r"(?<![A-Za-z0-9])[0-9a-f]{32}(?![A-Za-z0-9])", 0.2),
    ),
    context=("twilio", "auth token", "auth_token", "twilio_auth_token", "authtoken", "account sid"),
    window=100,
    context_boost=0.6,
)
