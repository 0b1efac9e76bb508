"""Stripe secret and restricted keys (``sk_live_``, ``sk_test_``, ``rk_live_``, ``rk_test_``) and
webhook signing secrets (``whsec_``). Test-mode secret keys still grant API access to the test
account, so they count. Publishable keys (``pk_``) are public by design and are not matched."""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="STRIPE_KEY",
    category="secret",
    patterns=(
        PatternSpec("stripe_secret", r"(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}(?![A-Za-z0-9_])", 0.95),
        PatternSpec("stripe_webhook_secret", r"(?<![A-Za-z0-9_])whsec_[A-Za-z0-9+/=]{24,}(?![A-Za-z0-9_])", 0.95),
    ),
    prefilter=("k_live_", "k_test_", "whsec_"),
)
