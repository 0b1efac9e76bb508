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

Placeholders and words in any language are not values (see :mod:`redaction.placeholders`).
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import LocalRecognizer, RecognizerResult

from redaction.placeholders import STATUS_WORDS, fold, identifier_shape, placeholder_shape
from redaction.recognizers.base import CATEGORY_KEY, Category, char_classes, shannon_entropy

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
_LABEL_LINE_THEN_VALUE = re.compile(
    r"(?im)^[ \t>*\-]*(?:[^\n]{0,60}?[ \t(\"'])?(?:" + LABELS + r")(?:[ \t]+(?:for|für|pour|voor|per|para|dla"
    r"|de|del|van|der|des|du|di)[ \t]+[^\n:]{1,30})?[ \t]*(?::|=|->|→|-|is|ist|lautet|est|è|es|jest|\.\.\.|…)?[ \t]*"
    r"(?:[:)\]]?[ \t]*)\n(?:[ \t>]*\n){0,2}[ \t]*" + _CHAT_PREFIX
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


_PATTERNS: tuple[tuple[str, re.Pattern[str], Any, float], ...] = (
    ("htpasswd", _HTPASSWD, _file_value, 0.9),
    ("password_hash", _BARE_HASH, _file_value, 0.85),
    ("pgpass", _PGPASS, _pgpass_value, 0.85),
    ("netrc", _NETRC, _file_value, 0.9),
    ("label_line_then_value", _LABEL_LINE_THEN_VALUE, _next_line_value, 0.8),
)
_PREFILTER = re.compile(r"\$|:\d{1,5}:|:\*:|\{SHA\}|machine|\n")


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
                if (start, end) in seen or not keep(m.group(1)):
                    continue
                seen.add((start, end))
                out.append((start, end, score, name))
        return out

    def analyze(self, text: str, entities: list[str], nlp_artifacts: object = None) -> list[RecognizerResult]:
        return [
            RecognizerResult(
                entity_type=ENTITY, start=s, end=e, score=score,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: "credential_lines",
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    CATEGORY_KEY: "secret",
                    "pattern": name,
                },
            )
            for s, e, score, name in self.find(text)
        ]


def make(_config: Any = None) -> CredentialLinesRecognizer:
    return CredentialLinesRecognizer()
