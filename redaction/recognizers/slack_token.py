"""Slack tokens (api.slack.com "Token types"): ``xoxb-`` bot, ``xoxp-`` user, ``xoxa-``/``xoxr-``
workspace and refresh, ``xoxe.`` rotating, ``xapp-`` app-level tokens."""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="SLACK_TOKEN",
    category="secret",
    patterns=(
        PatternSpec("slack_xox", r"(?<![A-Za-z0-9_\-])xox[abposre](?:\.xox[a-z])?-[0-9A-Za-z][0-9A-Za-z\-]{14,}(?![A-Za-z0-9_\-])", 0.95),
        PatternSpec("slack_app", r"(?<![A-Za-z0-9_\-])xapp-\d-[A-Z0-9]{6,}-\d{6,}-[a-f0-9]{32,}(?![A-Za-z0-9])", 0.95),
    ),
    prefilter=("xox", "xapp-"),
)
