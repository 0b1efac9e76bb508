"""stripe_key / google_api_key / openai_key / sendgrid_key / twilio_key / shopify_token / npm_token /
contentful_token tables."""

from tests.redaction.recognizer_tables import check_table, token

HEX = "0123456789abcdef"


def test_stripe_secret_restricted_and_webhook_keys_match_publishable_keys_dont():
    sk, rk, wh = token("sk_live_", 24), token("rk_test_", 24), token("whsec_", 32)
    check_table(
        "stripe_key",
        [(f"STRIPE_SECRET_KEY={sk}", sk), (f"restricted {rk}", rk), (f"signing secret {wh}", wh)],
        [token("pk_live_", 24), token("pk_test_", 24), "sk_live_ is the prefix"],
    )


def test_google_keys_and_tokens_match():
    aiza, gocspx, ya29 = token("AIza", 35), token("GOCSPX-", 28), token("ya29.", 60)
    check_table(
        "google_api_key",
        [(f"key={aiza}", aiza), (f"client_secret: {gocspx}", gocspx), (f"Bearer {ya29}", ya29)],
        ["AIza is how keys start", "https://maps.googleapis.com/maps/api/js?callback=init"],
    )


def test_openai_keys_match():
    proj = "sk-proj-" + token("", 20) + "T3BlbkFJ" + token("", 20)
    legacy = token("sk-", 48)
    check_table("openai_key", [(f"OPENAI_API_KEY={proj}", proj), (legacy, legacy)],
                ["sk-learn is a library", "task-123", "sk-" + "a" * 10])


def test_sendgrid_keys_match():
    sg = "SG." + token("", 22) + "." + token("", 43)
    check_table("sendgrid_key", [(f"apikey {sg}", sg)], ["SG.com is a domain", "SG.short.key"])


def test_twilio_api_keys_match_and_auth_tokens_need_twilio_context():
    api = token("SK", 32, HEX)
    auth = token("", 32, HEX, seed=3)
    check_table(
        "twilio_key",
        [(f"TWILIO_API_KEY={api}", api), (f"Twilio auth token: {auth}", auth)],
        [f"md5 checksum {auth}", f"request id {auth}"],
    )


def test_shopify_and_npm_tokens_match():
    shp = token("shpat_", 32, HEX)
    npm = token("npm_", 36)
    check_table("shopify_token", [(f"X-Shopify-Access-Token: {shp}", shp)], ["shpat_ is the admin prefix"])
    check_table(
        "npm_token",
        [(f"//registry.npmjs.org/:_authToken={npm}", npm), (npm, npm)],
        ["npm_config_cache=/tmp/npm", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}"],
    )


def test_contentful_tokens_match_with_prefix_or_context():
    pat = token("CFPAT-", 43)
    cda = token("", 43, seed=11)
    check_table(
        "contentful_token",
        [(f"management {pat}", pat), (f"Contentful delivery token: {cda}", cda)],
        [f"build hash {cda}", "CFPAT- tokens are personal"],
    )
