"""Incoming-webhook URLs whose path is the credential: Slack (``hooks.slack.com/services``,
workflows, triggers), Discord, Microsoft Teams (``webhook.office.com``), Zapier catch hooks.
Whoever holds the URL can post as the integration."""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="WEBHOOK_URL",
    category="secret",
    patterns=(
        PatternSpec(
            "slack_webhook",
            r"https?://hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Z0-9]{6,}/[A-Za-z0-9]{6,}/[A-Za-z0-9/]{16,}",
            0.95,
        ),
        PatternSpec(
            "discord_webhook",
            r"https?://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{5,}/[A-Za-z0-9_\-]{40,}",
            0.95,
        ),
        PatternSpec(
            "teams_webhook",
            r"https?://[A-Za-z0-9.\-]+\.webhook\.office\.com/webhookb2/[A-Za-z0-9@\-]+/IncomingWebhook/[A-Za-z0-9]{20,}/[A-Za-z0-9\-]+",
            0.95,
        ),
        PatternSpec("zapier_webhook", r"https?://hooks\.zapier\.com/hooks/catch/\d+/[A-Za-z0-9]{5,}/?", 0.9),
    ),
    prefilter=("hooks.", "webhook"),
)
