"""AWS secret access keys: 40 base64 characters, only meaningful next to AWS context.

Forty base64 characters alone are too common (hashes, ids) to flag, so the pattern score is
below the threshold and context words (``aws_secret_access_key``, ``secret access key``, an access
key id nearby) lift it over.
"""

from redaction.recognizers.base import PatternSpec, Rule, char_classes, shannon_entropy


def _random_looking(value: str, text: str, start: int, end: int) -> bool:
    # Real keys mix upper, lower and digits with high entropy; paths and words don't.
    return char_classes(value) >= 3 and shannon_entropy(value) >= 4.0


RULE = Rule(
    entity="AWS_SECRET_KEY",
    category="secret",
    patterns=(
        PatternSpec("aws_secret_access_key", r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])", 0.3),
    ),
    context=(
        "aws_secret_access_key", "secret_access_key", "secretaccesskey", "aws secret", "secret access key",
        "aws_secret_key", "aws secret key", "secret key", "aws", "access key", "aws_access_key_id",
    ),
    window=120,
    context_boost=0.55,
    validator=_random_looking,
)
