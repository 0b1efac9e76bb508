"""npm access tokens (``npm_`` + 36) and registry auth in ``.npmrc`` (``//registry/:_authToken=``,
``_auth=``, ``_password=``)."""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="NPM_TOKEN",
    category="secret",
    patterns=(
        PatternSpec("npm_token", r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])", 0.95),
        PatternSpec("npmrc_auth", r"(?:_authToken|_auth|_password)\s*=\s*[\"']?([^\s\"'$]{8,})", 0.9, group=1),
    ),
    prefilter=("npm_", "_auth", "_password"),
)
