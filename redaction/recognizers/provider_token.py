"""Other providers' tokens with a distinctive prefix (the long tail of "provider-format tokens").

Each entry cites the provider's documented prefix. A prefix plus enough random characters is a
credential whatever surrounds it, so no context is needed.
"""

from redaction.recognizers.base import PatternSpec, Rule

_B = r"(?<![A-Za-z0-9_\-])"
_E = r"(?![A-Za-z0-9_\-])"

RULE = Rule(
    entity="API_TOKEN",
    category="secret",
    patterns=(
        PatternSpec("anthropic", _B + r"sk-ant-(?:api|admin|oat)\d{2}-[A-Za-z0-9_\-]{80,}" + _E, 0.95),
        PatternSpec("huggingface", _B + r"hf_[A-Za-z]{34}" + _E, 0.9),
        PatternSpec("dockerhub", _B + r"dckr_pat_[A-Za-z0-9_\-]{27}" + _E, 0.95),
        PatternSpec("pypi", _B + r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}" + _E, 0.95),
        PatternSpec("digitalocean", _B + r"do[opr]_v1_[a-f0-9]{64}" + _E, 0.95),
        PatternSpec("vault", _B + r"hv[sbr]\.[A-Za-z0-9_\-]{24,}" + _E, 0.9),
        PatternSpec("atlassian", _B + r"ATATT3[A-Za-z0-9_\-=]{100,}" + _E, 0.95),
        PatternSpec("linear", _B + r"lin_(?:api|oauth)_[A-Za-z0-9]{40}" + _E, 0.95),
        PatternSpec("postman", _B + r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}" + _E, 0.95),
        PatternSpec("square", _B + r"(?:EAAA[A-Za-z0-9_\-]{60}|sq0(?:atp|csp)-[A-Za-z0-9_\-]{22,43})" + _E, 0.9),
        PatternSpec("braintree", r"access_token\$(?:production|sandbox)\$[a-z0-9]{16}\$[a-f0-9]{32}", 0.95),
        PatternSpec("adyen", _B + r"AQE[A-Za-z0-9+/=_\-]{60,}" + _E, 0.85),
        PatternSpec("newrelic", _B + r"NR(?:AK|II|AA)-[A-Z0-9]{27}" + _E, 0.95),
        PatternSpec("sentry", _B + r"(?:sntrys_[A-Za-z0-9+/=_]{50,}|sntryu_[a-f0-9]{64})" + _E, 0.95),
        PatternSpec("doppler", _B + r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}" + _E, 0.95),
        PatternSpec("databricks", _B + r"dapi[a-f0-9]{32}(?:-\d)?" + _E, 0.9),
        PatternSpec("grafana", _B + r"(?:glc_[A-Za-z0-9+/]{32,}={0,2}|glsa_[A-Za-z0-9]{32}_[a-f0-9]{8})" + _E, 0.9),
        PatternSpec("heroku", _B + r"HRKU-[A-Za-z0-9_\-]{60}" + _E, 0.95),
        PatternSpec("figma", _B + r"figd_[A-Za-z0-9_\-]{40}" + _E, 0.95),
        PatternSpec("notion", _B + r"(?:secret_[A-Za-z0-9]{43}|ntn_[0-9]{11}[A-Za-z0-9]{35})" + _E, 0.9),
        PatternSpec("airtable", _B + r"pat[A-Za-z0-9]{14}\.[a-f0-9]{64}" + _E, 0.95),
        PatternSpec("mailgun", _B + r"key-[0-9a-f]{32}" + _E, 0.9),
        PatternSpec("mailchimp", _B + r"[0-9a-f]{32}-us\d{1,2}" + _E, 0.9),
        PatternSpec("telegram_bot", r"(?<![0-9])\d{8,10}:AA[A-Za-z0-9_\-]{33}" + _E, 0.9),
        PatternSpec("shopware_access_key", _B + r"SW(?:SC|IA|UA)[A-Z0-9]{20,26}" + _E, 0.85),
        PatternSpec("algolia_admin", _B + r"[a-f0-9]{32}" + _E, 0.2),
    ),
    # Only the context-dependent Algolia admin key needs these words.
    context=("algolia", "admin api key", "x-algolia-api-key"),
    window=80,
    context_boost=0.6,
)
