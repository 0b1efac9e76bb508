"""slack_token / webhook_url tables."""

from tests.redaction.recognizer_tables import check_table, token

XOXB = "xoxb-" + token("", 12, "0123456789") + "-" + token("", 13, "0123456789") + "-" + token("", 24)
XAPP = "xapp-1-A" + token("", 9, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") + "-" + token("", 13, "0123456789") + "-" + \
    token("", 64, "0123456789abcdef")
HOOK = "https://hooks.slack.com/services/T" + token("", 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") + "/B" + \
    token("", 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") + "/" + token("", 24)
DISCORD = "https://discord.com/api/webhooks/123456789012345678/" + token("", 68)


def test_slack_tokens_are_matched():
    check_table(
        "slack_token",
        [(f"SLACK_BOT_TOKEN={XOXB}", XOXB), (f"app token {XAPP}", XAPP)],
        ["xoxb- tokens start with xoxb", "the xoxp scope", "xoxb-123"],
    )


def test_webhook_urls_with_their_secret_path_are_matched():
    check_table(
        "webhook_url",
        [(f"hook: {HOOK}", HOOK), (f"<{DISCORD}>", DISCORD)],
        ["https://hooks.slack.com/services/", "https://api.slack.com/messaging/webhooks",
         "https://discord.com/channels/123/456"],
    )
