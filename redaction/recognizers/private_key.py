"""Private keys: PEM/OpenSSH/PGP ``-----BEGIN ... PRIVATE KEY-----`` blocks (also with ``\\n``
escapes as in a service-account JSON, and quoted with ``>``), and PuTTY ``.ppk`` private lines.
Public keys and certificates are public by design and never match (no ``PRIVATE`` in them)."""

from redaction.recognizers.base import PatternSpec, Rule

_SEP = r"(?:\\n|\\r|[ \t\r\n>])"
PEM = (
    r"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:" + _SEP + r"+[A-Za-z][A-Za-z\-]*:[^\n\\]*)*"  # Proc-Type / DEK-Info / Version headers
    r"(?:" + _SEP + r"+[A-Za-z0-9+/=]{16,})+"  # at least one base64 body line
    r"(?:" + _SEP + r"*-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----)?"
)

RULE = Rule(
    entity="PRIVATE_KEY",
    category="secret",
    patterns=(
        PatternSpec("pem_private_key", PEM, 1.0),
        PatternSpec("putty_private", r"Private-Lines:\s*\d+\s+[A-Za-z0-9+/=]{16,}", 0.95),
    ),
    prefilter=("private",),
)
