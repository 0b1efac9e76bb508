"""JSON Web Tokens (RFC 7519): three base64url parts, the first two JSON objects (``eyJ`` is
``{"``). A JWT is a bearer credential whether it is an access token, an id token or a session."""

import base64
import json

from redaction.recognizers.base import PatternSpec, Rule


def _header_is_json(value: str, text: str, start: int, end: int) -> bool:
    head = value.split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(decoded, dict) and ("alg" in decoded or "typ" in decoded or "kid" in decoded)


RULE = Rule(
    entity="JWT",
    category="secret",
    patterns=(
        PatternSpec(
            "jwt",
            r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}(?![A-Za-z0-9_\-])",
            0.9,
        ),
    ),
    validator=_header_is_json,
    prefilter=("eyj",),
)
