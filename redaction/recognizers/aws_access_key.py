"""AWS access key ids (``AKIA`` long-term, ``ASIA`` temporary STS credentials).

Format from the AWS IAM user guide ("Understanding unique ID prefixes"): a 4-letter prefix and 16
base32 characters. The documentation example ``AKIAIOSFODNN7EXAMPLE`` is a placeholder and is
dropped by the context rules (``redaction/context.py``), not here.
"""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="AWS_ACCESS_KEY",
    category="secret",
    patterns=(
        PatternSpec("aws_access_key_id", r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])", 0.9),
    ),
    prefilter_regex=r"A(?:KI|SI|BI|CC)A",
)
