"""High-entropy strings next to credential words: the catch-all for keys with no known prefix
("here is our API key: 9f8Kq...", ``X-Custom-Auth 7f3c...``).

Random-looking is not enough (git SHAs, request ids, hashes and UUIDs are everywhere in logs), so
the pattern score is below the threshold and only credential context lifts it; hash/id context
words drop it.
"""

import re

from redaction.recognizers.base import PatternSpec, Rule, char_classes, shannon_entropy

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")


# Path segments are lowercase words, CamelCase words or versions; base64 segments are random mixes.
_PATH_SEGMENT = re.compile(r"^(?:[A-Za-z0-9_.\-]{1,8}|[a-z0-9_.\-]+|[A-Z0-9_.\-]+|[A-Za-z][a-z0-9_.\-]*(?:[A-Z][a-z0-9_.\-]{2,})*)$")
_WORD_PREFIX = re.compile(r"^[a-z]+(?:[-_.][a-z]+)*[-_.]")
# Hex strings are hashes, ids and cache keys far more often than keys: they need a strong word.
_STRONG_CONTEXT = re.compile(
    r"(?i)\b(?:secret|token|password|passwd|api[_ -]?key|apikey|auth|private|credential|signing|hmac|access[_ -]?key"
    r"|schl(?:ü|ue)ssel|cl[eé]f?|jeton|sleutel|chiave|clave|klucz|chave|geheimnis|segreto|secreto|sekret"
    r"|passwort|kennwort|wachtwoord|has[lł]o|senha|contrase[nñ]a)"
)
# A label right before the value ("Klucz: a8f9...", "la clé 9d8f...", "Token lautet ..."): then a
# letters-and-digits value is enough, it need not mix cases too.
_LABEL_RIGHT_BEFORE = re.compile(
    r"(?i)(?:key|token|secret|schl(?:ü|ue)ssel|cl[eé]f?|jeton|sleutel|chiave|clave|klucz|chave|geheimnis|segreto"
    r"|secreto|sekret|api)[\s\"'“„:=\-]*(?:[\w()\[\]]+[\s:=>→\-]+){0,3}?[\s\"'“„:=>→\-]*\Z"
)


def _random_looking(value: str, text: str, start: int, end: int) -> bool:
    v = value.rstrip("=")
    if _UUID.match(v) or v.isdigit():
        return False
    if v.startswith("eyJ"):
        return False  # one base64url JSON segment (a JWT header alone) carries no secret
    core = _WORD_PREFIX.sub("", v)
    if _HEX.match(core):
        return (len(core) >= 32 and shannon_entropy(core) >= 3.0
                and bool(_STRONG_CONTEXT.search(text, max(0, start - 50), start)))
    if not any(c.isdigit() for c in v):
        return False  # identifiers, camelCase names, words
    if all(seg.isalpha() or len(seg) <= 3 for seg in re.split(r"[_.\-]+", v) if seg):
        return False  # user_profile_settings_v2, checkout-step-3: a name made of words
    if "/" in v and all(_PATH_SEGMENT.match(seg) for seg in v.split("/") if seg):
        return False  # a path: src/components/ProductList, v2/orders/items (base64 has "/" in random places)
    if char_classes(v) >= 3 and shannon_entropy(v) >= (3.7 if len(v) < 32 else 4.0):
        return True
    return (len(v) >= 16 and any(c.isalpha() for c in v) and sum(c.isdigit() for c in v) >= 3
            and shannon_entropy(v) >= 3.5 and bool(_LABEL_RIGHT_BEFORE.search(text, max(0, start - 40), start)))


RULE = Rule(
    entity="HIGH_ENTROPY_SECRET",
    category="secret",
    patterns=(
        PatternSpec(
            "random_token",
            r"(?<![A-Za-z0-9+/=_\-.])[A-Za-z0-9+/_\-]{20,512}={0,2}(?![A-Za-z0-9+/=_\-]|\.[A-Za-z0-9])",
            0.25,
        ),
    ),
    context=(
        "key", "api key", "apikey", "token", "secret", "credential", "credentials", "password", "passwd", "auth",
        "authorization", "bearer", "signature", "signing", "private", "access", "client secret", "license key",
        "passphrase", "hmac", "x-api-key",
        # the same words in German, French, Dutch, Italian, Spanish, Polish, Portuguese
        "schlüssel", "schluessel", "api-schlüssel", "zugangsschlüssel", "clé", "cle", "clef", "jeton", "sleutel",
        "chiave", "clave", "klucz", "chave", "geheimnis", "segreto", "secreto", "sekret", "passwort", "kennwort",
        "wachtwoord", "hasło", "haslo", "senha", "contraseña", "mot de passe", "zugangsdaten",
    ),
    negative_context=(
        "commit", "sha", "sha1", "sha256", "sha512", "hash", "checksum", "digest", "md5", "etag", "integrity",
        "request id", "request-id", "requestid", "trace", "traceid", "trace_id", "span", "correlation", "build",
        "version", "uuid", "order", "revision", "rev", "ref", "fingerprint", "public key", "publishable", "pk_live",
        "pk_test", "public", "tracking", "session id", "nonce", "cache", "cache-key", "restore-keys", "manifest",
        "bundle", "chunk", "asset", "idempotency", "site key", "sitekey", "recaptcha", "key id", "kid", "dsn",
    ),
    window=50,
    window_after=10,
    # Hash/id words count before the value ("commit 3f2a...", "sha256 ..."); after it they name the
    # algorithm the secret is used with ("secret <value> (HMAC-SHA256)").
    negative_window_after=0,
    context_boost=0.5,
    validator=_random_looking,
)
