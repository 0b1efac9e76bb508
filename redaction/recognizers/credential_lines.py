"""Credentials by line shape rather than by a ``key = value``: password-file lines and a value on
the line after its label.

- ``htpasswd`` lines: ``user:$apr1$…``, ``user:$2y$10$…`` (bcrypt), ``user:{SHA}…``, ``$5$``/``$6$``
  crypt; and the same password hashes on their own (a hash is crackable: it is a credential).
- ``.pgpass`` lines ``host:port:database:user:password`` and ``.netrc`` ``machine … login …
  password …``.
- a value on its own line after a short label on the line before (``PW:`` / newline / value), or
  after a line announcing it ("here's the pw:", "hier das Passwort:", "voici le mot de passe :"),
  also when the next line is the next message of a Slack thread (``[10:03] anna: …``,
  ``anna  10:03 AM``, ``> …``).

- ``"auth": "<base64>"`` in Docker/npm configs when it decodes to ``user:password``;
- a token with a lowercase vendor prefix (``nlc_live_…``) in a format no rule knows, and a hex key,
  when a secret word (any language) comes earlier in the sentence or the lines before it.

Placeholders and words in any language are not values (see :mod:`redaction.placeholders`).
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import LocalRecognizer, RecognizerResult

from redaction.placeholders import STATUS_WORDS, fold, identifier_shape, placeholder_shape
from redaction.recognizers.base import Category, char_classes, secret_results, shannon_entropy

ENTITY = "CREDENTIAL"

# Modular-crypt and htpasswd hash formats.
_HASH = (
    r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}"               # bcrypt
    r"|\$apr1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}"      # Apache MD5
    r"|\$1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}"         # MD5-crypt
    r"|\$[56]\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86}"  # SHA-256/512-crypt
    r"|\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{16,}\$[A-Za-z0-9+/]{20,}"
    r"|\$y\$[./A-Za-z0-9]+\$[./A-Za-z0-9]{8,}\$[./A-Za-z0-9]{43}"  # yescrypt
)
_HTPASSWD = re.compile(
    r"(?m)(?:^|(?<=\s))[\w.@\-]{1,64}:((?:" + _HASH + r")|\{SHA\}[A-Za-z0-9+/]{27}=)(?=\s|$)"
)
_BARE_HASH = re.compile(r"(?<![\w$])(" + _HASH + r")(?![\w$./])")
# host:port:database:username:password (``*`` wildcards allowed in the first four fields).
_PGPASS = re.compile(
    r"(?m)^[ \t>]*(?:[A-Za-z0-9][A-Za-z0-9.\-]*|\*|\[[0-9a-fA-F:]+\]):(?:\d{1,5}|\*):[\w.\-*]+:[\w.@\-*]+:(\S{4,})[ \t]*$"
)
_NETRC = re.compile(r"(?i)\bmachine\s+\S+\s+login\s+\S+\s+password\s+(\S{4,})")

# Label words for a secret, in EN/DE/FR/NL/IT/ES/PL/PT and the usual abbreviations.
LABELS = (
    r"passwords?|passwort|kennwort|pass|pw|pwd|passphrase|passcode|pin|mot de passe|mdp|wachtwoord|contrase[nñ]a"
    r"|has[lł]o|parola d['’]accesso|parola|senha|l[öo]senord|adgangskode|salasana|heslo"
    r"|tokens?|api[ \-_]?key|key|secret|client secret|schl(?:ü|ue)ssel|api[ \-]schl(?:ü|ue)ssel|cl[eé]f?|cl[eé] api"
    r"|jeton|sleutel|chiave|clave|klucz|chave|geheimnis|segreto|secreto|sekret|zugangsdaten|credentials?|creds"
    r"|login|access key|signing key|signing secret|hmac key|webhook secret"
)
# A Slack/chat message prefix or a quote marker on the value's line.
_CHAT_PREFIX = (
    r"(?:>[ \t]*)*"
    r"(?:\[?\d{1,2}:\d\d(?::\d\d)?(?:[ \t]?[AaPp][Mm])?\]?[ \t]+)?"
    r"(?:@?[\w.\-]+(?:[ \t][\w.\-]+)?[ \t]*(?:\[?\d{1,2}:\d\d(?:[ \t]?[AaPp][Mm])?\]?)?[ \t]*:[ \t]+"
    r"|@?[\w.\-]+(?:[ \t][\w.\-]+)?[ \t]+\[?\d{1,2}:\d\d(?:[ \t]?[AaPp][Mm])?\]?[ \t]*\n[ \t]*)?"
)
# The label ends its line: "PW:", "Passwort", "here's the pw:", "hier das Passwort ->",
# "[10:02] anna: the token for staging:". At most ~6 words before it on that line.
# Words announcing the value on the next line: "kommt gleich", "follows below", "hieronder".
_ANNOUNCE = (
    r"(?:below|follows|next|coming|here|unten|folgt|gleich|anbei|hier|ci-dessous|suit|ici|voici|hieronder|volgt"
    r"|komt|qui|sotto|segue|ecco|abajo|sigue|aqu[ií]|poni[zż]ej|ni[zż]ej|oto|tutaj|abaixo|segue)"
)
_LABEL_LINE_THEN_VALUE = re.compile(
    r"(?im)^[ \t>*\-]*(?:[^\n]{0,60}?[ \t(\"'])?(?:" + LABELS + r")(?:[ \t]+(?:for|für|pour|voor|per|para|dla"
    r"|de|del|della|van|der|des|du|di|do|zum|zur|vom|von|to|of|na|al|au|aux|op|bij|od)[ \t]+[^\n:]{1,30})?"
    r"(?:[ \t]+" + _ANNOUNCE + r"){0,2}"
    r"[ \t]*(?::|=|->|→|-|is|ist|lautet|est|è|es|jest|\.\.\.|…)?[ \t]*"
    r"(?:[:)\]]?[ \t]*)\n(?:[ \t]*[=\-_*~]{3,}[ \t]*\n)?(?:[ \t>]*\n){0,2}[ \t]*" + _CHAT_PREFIX
    + r"[`\"'“„]?([^\s`\"'”“]{6,100})[`\"'”“]?[ \t]*$"
)


def _file_value(value: str) -> bool:
    return not placeholder_shape(value) and fold(value) not in STATUS_WORDS


def _pgpass_value(value: str) -> bool:
    # the tail of an IPv6 address or a MAC is not a password
    return _file_value(value) and not re.fullmatch(r"[0-9a-fA-F:]+", value)


_WORDISH = re.compile(r"^[^\W\d_]+[.!?]?$")
_URL_OR_PATH = re.compile(r"^(?:[a-z][a-z0-9+.\-]*://|/|~/|\./|[A-Za-z]:\\)|@[\w\-]+\.[a-z]{2,}$", re.IGNORECASE)
_DATE_TIME_NUMBER = re.compile(r"^[\d\s.,:/\-+()#]+$")
_VERSION_OR_ID = re.compile(r"^v?\d+(?:\.\d+)+(?:[-+][\w.]+)?$|^[A-Z]{2,}[-_]?\d")


def _next_line_value(value: str) -> bool:
    """A value on its own line after a label: random-looking or password-like, not a word."""
    v = value.rstrip(".,;!?")
    if len(v) < 6 or placeholder_shape(v) or identifier_shape(v):
        return False
    if _WORDISH.match(v) or _URL_OR_PATH.search(v) or _DATE_TIME_NUMBER.match(v):
        return False  # a word (any language), a link or path, a date, time or order number
    if _VERSION_OR_ID.match(v):
        return False
    if not (any(c.islower() for c in v) and (any(c.isdigit() for c in v) or any(not c.isalnum() for c in v))):
        return False  # passwords and tokens have lowercase letters; ORD-2024-1234 and versions don't
    return char_classes(v) >= 2 and shannon_entropy(v) >= 2.5


# A token with a lowercase vendor prefix (``nlc_live_…``, ``brt_…``, ``acme_sk_…``), a format no
# rule knows, and a secret word earlier in the sentence or in the lines (Slack messages) before it:
# "the old inline token was nlc_live_…", "la chiave … è questa brt_…", "we copied the signing key
# … / here it is / nlwh_…".
_PREFIXED_TOKEN = re.compile(r"(?<![\w\-./])([a-z][a-z0-9]{1,11}_(?:[a-z]{2,8}_)?[A-Za-z0-9]{20,})(?![\w\-])")
# A hex key named earlier in the same sentence: "the HMAC key shown in the Customer Area, that is
# 7f70…" / "den HMAC-Schlüssel …, das ist 7f70…".
_HEX_KEY = re.compile(r"(?<![0-9A-Za-z])([0-9A-Fa-f]{32,128})(?![0-9A-Za-z])")
_SECRET_WORD = re.compile(
    r"(?i)(?<![\w])(?:token|tokens|key|keys|api[ _\-]?key|secret|secrets|password|passwort|credential|credentials"
    r"|signing|hmac|schl(?:ü|ue)ssel|hmac-schl(?:ü|ue)ssel|cl[eé]f?|jeton|sleutel|chiave|clave|klucz|chave"
    r"|geheimnis|segreto|secreto|sekret|kennwort|wachtwoord|has[lł]o|senha|contrase[nñ]a|zugangsdaten)(?![\w])"
)
_NOT_A_SECRET_WORD = re.compile(
    r"(?i)(?<![\w])(?:commit|sha\d*|hash|checksum|digest|md5|etag|fingerprint|request|trace|build|version|cache"
    r"|id|ids|uuid|order|bestellung|commande|pedido|ordine|bestelling|zamówienie|invoice|rechnung|ticket"
    r"|tracking|sendung|reference|referenz)(?![\w])[\s:=#\-\"'(]*\Z"
)
# Identifiers and public keys (publishable ``pk_``/``pub_`` keys are meant to be published).
_ID_PREFIX = re.compile(r"^(?:usr|user|org|msg|sess|inv|ord|order|pay|payment|req|evt|txn|sub|ch|pi|cus|prod|price"
                        r"|acct|file|batch|job|run|build|trace|span|img|doc|item|sku|cart|ship|tkt|ticket|pk|pub"
                        r"|public|publishable|client|site)_")


def _secret_before(text: str, start: int, reach: int) -> bool:
    lo = max(0, start - reach)
    return bool(_SECRET_WORD.search(text, lo, start)) and not _NOT_A_SECRET_WORD.search(text[max(0, start - 40):start])


def _prefixed_token(value: str, text: str, start: int, end: int) -> bool:
    if identifier_shape(value) or _ID_PREFIX.match(value) or placeholder_shape(value):
        return False
    body = value.rsplit("_", 1)[-1]
    mixed_case = any(c.isupper() for c in body) and any(c.islower() for c in body)
    if shannon_entropy(body) < 3.5 or not any(c.isalpha() for c in body):
        return False
    if sum(c.isdigit() for c in body) < 2 and not (mixed_case and len(body) >= 24):
        return False  # a word-ish body: feature_flag_name_enabled
    return _secret_before(text, start, 250)


_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n\s*\n")


_HASHY_NEAR = re.compile(
    r"(?i)(?<![a-z])(?:commit|sha\d*|hash|checksum|digest|md5|etag|fingerprint|cache|build|version|integrity|ref"
    r"|revision|rev)(?![a-z])"
)


def _hex_key(value: str, text: str, start: int, end: int) -> bool:
    if shannon_entropy(value) < 3.0 or value.isdigit() or value.isalpha():
        return False
    if start > 0 and text[start - 1] in "-_" or _HASHY_NEAR.search(text, max(0, start - 40), start):
        return False  # storefront-deps-9f86…, "cache-key: …", "sha256 …": a name or a hash
    lo = max(0, start - 200, text.rfind("\n", 0, start) + 1)  # the same line ...
    ends = [m.end() for m in _SENTENCE_END.finditer(text, lo, start)]
    lo = ends[-1] if ends else lo  # ... and the same sentence
    return bool(_SECRET_WORD.search(text, lo, start)) and not _NOT_A_SECRET_WORD.search(text[max(0, start - 40):start])


# Docker/npm/pip config ``"auth": "<base64 of user:password>"``.
_AUTH_BLOB = re.compile(r"(?i)[\"']?\b_?auth[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])")


def _user_colon_password(value: str) -> bool:
    import base64
    import binascii

    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    user, sep, password = decoded.partition(":")
    return bool(sep and user and len(password) >= 3 and decoded.isprintable())


def _only(check: Any) -> Any:
    return lambda value, text, start, end: check(value)


_PATTERNS: tuple[tuple[str, re.Pattern[str], Any, float], ...] = (
    ("htpasswd", _HTPASSWD, _only(_file_value), 0.9),
    ("password_hash", _BARE_HASH, _only(_file_value), 0.85),
    ("pgpass", _PGPASS, _only(_pgpass_value), 0.85),
    ("netrc", _NETRC, _only(_file_value), 0.9),
    ("label_line_then_value", _LABEL_LINE_THEN_VALUE, _only(_next_line_value), 0.8),
    ("prefixed_token_after_secret_word", _PREFIXED_TOKEN, _prefixed_token, 0.8),
    ("hex_key_named_in_sentence", _HEX_KEY, _hex_key, 0.8),
    ("auth_blob_user_password", _AUTH_BLOB, _only(_user_colon_password), 0.9),
)
_PREFILTER = re.compile(r"\$|:\d{1,5}:|:\*:|\{SHA\}|machine|\n|[a-z]_[A-Za-z0-9]{8}|[0-9a-fA-F]{32}|(?i:auth)")


class CredentialLinesRecognizer(LocalRecognizer):
    category: Category = "secret"

    def __init__(self) -> None:
        super().__init__(supported_entities=[ENTITY], name="credential_lines", supported_language="en")

    def load(self) -> None:
        pass

    def find(self, text: str) -> list[tuple[int, int, float, str]]:
        if not _PREFILTER.search(text):
            return []
        out: list[tuple[int, int, float, str]] = []
        seen: set[tuple[int, int]] = set()
        for name, rx, keep, score in _PATTERNS:
            for m in rx.finditer(text):
                start, end = m.span(1)
                if (start, end) in seen or not keep(m.group(1), text, start, end):
                    continue
                seen.add((start, end))
                out.append((start, end, score, name))
        return out

    def analyze(self, text: str, entities: list[str], nlp_artifacts: object = None) -> list[RecognizerResult]:
        return secret_results(ENTITY, "credential_lines", self.id, self.find(text))


def make(_config: Any = None) -> CredentialLinesRecognizer:
    return CredentialLinesRecognizer()
