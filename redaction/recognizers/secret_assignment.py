"""Secrets assigned to a secret-named key, in .env, YAML, JSON, INI, code, query strings and
prose: ``DB_PASSWORD=...``, ``password: ...``, ``"apiKey": "..."``, ``client_secret = '...'``,
``?access_token=...``, "the password is ...".

The key decides: a value next to ``password``/``secret``/``token``/``api key`` is a credential
unless it is a placeholder, an environment reference or code (``${DB_PASSWORD}``,
``os.environ[...]``, ``process.env.TOKEN``, ``null``) — those are dropped here or by the context
rules.
"""

import re

from redaction.placeholders import STATUS_WORDS, fold
from redaction.recognizers.base import PatternSpec, Rule, char_classes

_KEYWORD = (
    r"pass(?:word|wd|phrase|code)?|pwd|pw|passwort|kennwort|secret|api[_\-. ]?key|apikey|access[_\-. ]?key"
    r"|private[_\-. ]?key|secret[_\-. ]?key|client[_\-. ]?secret|auth[_\-. ]?token|access[_\-. ]?token"
    r"|refresh[_\-. ]?token|bearer[_\-. ]?token|id[_\-. ]?token|session[_\-. ]?token|token|credentials?"
    r"|signing[_\-. ]?key|encryption[_\-. ]?key|master[_\-. ]?key|app[_\-. ]?secret|webhook[_\-. ]?secret"
    r"|license[_\-. ]?key|private[_\-. ]?token"
    # the same labels in German, French, Dutch, Italian, Spanish, Polish, Portuguese, Nordic
    r"|wachtwoord|has[lł]o|contrase[nñ]a|senha|mot[_\-. ]?de[_\-. ]?passe|mdp|parola[_\-. ]d['’]?accesso"
    r"|l[öo]senord|adgangskode|salasana|heslo|schl(?:ü|ue)ssel|cl[eé]f?|sleutel|chiave|clave|klucz|chave|jeton"
    r"|geheimnis|segreto|secreto|sekret|zugangsdaten|zugangscode"
)
# Key names that carry a secret-ish word but hold no secret.
_BENIGN_KEY = re.compile(
    r"(?:_|-|\.|\b)(?:id|ids|name|names|url|uri|urls|endpoint|path|file|type|types|length|len|ttl|expiry|expires"
    r"|expires_at|expires_in|expiration|policy|reset|hint|field|header|label|format|count|enabled|required"
    r"|min|max|lifetime|timeout|prefix|suffix|scope|scopes|usage|provider|validity|rotation|strength|version)$"
    r"|^(?:tokenizer|tokens?_used|token_count|max_tokens|password_reset|forgot_password|passwordless)$",
    re.IGNORECASE,
)
# The keyword starts the key or follows a separator or a camelCase hump (DB_PASSWORD, dbPassword,
# client-secret) and ends it or is followed by one (PASSWORD_PROD, apiKeyLive): "bypass",
# "pattern" and "tokenizer" are not secret keys.
_KEY = (
    r"(?<![A-Za-z0-9_.\-])(?:[A-Za-z0-9_.\-]{0,40}?(?:(?<=[_.\-])|(?<=[a-z0-9])(?=[A-Z])"
    r"|(?<=[A-Z])(?=PASS|PWD|SECRET|TOKEN|KEY)))?"
    r"(?i:" + _KEYWORD + r")(?:(?=[_.\-A-Z0-9])[A-Za-z0-9_.\-]{1,40})?(?![A-Za-z0-9_\-])"
)
_SEP = r"[\"'\]]?[ \t]*(?::=|=>|->|→|=|:)[ \t]*"

_STOP = {
    "required", "optional", "none", "null", "nil", "true", "false", "undefined", "string", "str", "int", "bool",
    "hidden", "masked", "redacted", "empty", "invalid", "incorrect", "wrong", "expired", "missing", "reset",
    "changed", "set", "unset", "see", "same", "below", "above", "attached", "here", "there", "the", "this", "that",
    "not", "yes", "no", "ok", "okay", "valid", "correct", "secret", "password", "token", "value", "values", "env",
    "environment", "default", "defaults", "configured", "rotated", "revoked", "provided", "needed", "sent",
    "encrypted", "stored", "generated", "used", "working", "accepted", "rejected", "denied", "failed", "unknown",
    "type", "bearer", "basic", "header", "headers", "auth", "login", "user", "users", "please", "will",
    "should", "must", "can", "could", "would", "was", "is", "are", "were", "been", "being", "have", "has", "had",
    "from", "for", "with", "without", "and", "or", "but", "in", "on", "at", "to", "of", "by", "via", "our", "your",
    "my", "their", "his", "her", "its", "a", "an", "it", "also", "still", "now", "again", "only", "just", "any",
    "some", "all", "field", "fields", "object", "dict", "list", "array", "map", "function", "callback", "promise",
    "async", "await", "return", "new", "const", "let", "var", "self", "props", "state", "process", "config",
    "settings", "options", "params", "args", "kwargs", "input", "request", "response", "req", "res", "ctx",
    "context", "data", "payload", "body", "result", "error", "errors", "message", "failure", "success", "pending",
    "included", "excluded", "omitted", "removed", "deleted", "lost", "forgotten", "unchanged",
}
# References to a value elsewhere (environment, templates, code), not the value itself.
_CODE_REF = re.compile(
    r"^(?:os\.|process\.env|env\(|getenv|system\.getenv|environ|config\.|settings\.|self\.|this\.|props\.|params\."
    r"|request\.|req\.|ctx\.|context\.|secrets\.|vars\.|[(\[{<]|\$\{|\$\(|%\(|&[a-z]+;)"
    r"|^\$[A-Za-z_][A-Za-z0-9_]*$|^%[A-Za-z_][A-Za-z0-9_]*%$|^@[A-Za-z_][\w.]*$|^!\w+$",
    re.IGNORECASE,
)
_URL = re.compile(r"^[a-z][a-z0-9+.\-]*://[^\s:@/]*(?:/|$)", re.IGNORECASE)
_IDENTIFIER_CALL = re.compile(r"^[A-Za-z_][\w.]*[(\[]")
_ATTRIBUTE = re.compile(r"^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+$")
_PROSE = re.compile(r"^[A-Za-z][a-z]+$")


# The key nearest before a value (used by the validator to reject benign keys like token_url).
_KEY_BEFORE = re.compile(r"(" + _KEY + r")" + _SEP + r"[\"'`]?\s*\Z")


# A label followed by a sentence, not a value: "Passwort: bitte zurücksetzen", "Token: wird per
# Telefon durchgegeben" - a word with more words after it on the same line (any language).
_SENTENCE_GOES_ON = re.compile(r"[ \t]+[^\W\d_]{2,}(?:[ \t,]|$)", re.MULTILINE)
_LETTERS = re.compile(r"^[^\W\d_]+[.,;:!?]?$")


def _plausible_secret(value: str, text: str, start: int, end: int) -> bool:
    key_m = _KEY_BEFORE.search(text, max(0, start - 80), start)
    if key_m and _BENIGN_KEY.search(key_m.group(1)):
        return False
    v = value.strip()
    low = v.lower()
    if len(v) < 4 or low in _STOP or low.rstrip(".,;:!?") in _STOP:
        return False
    if _LETTERS.match(v) and (fold(v.rstrip(".,;:!?")) in STATUS_WORDS or _SENTENCE_GOES_ON.match(text, end)):
        return False
    if _CODE_REF.match(v) or _IDENTIFIER_CALL.match(v) or _ATTRIBUTE.match(v) or _URL.match(v):
        return False
    if v.endswith(":"):  # a YAML key whose value is on the next lines
        return False
    if v.isdigit() and len(v) < 6:
        return False
    return True


def _prose_secret(value: str, text: str, start: int, end: int) -> bool:
    # Prose ("the password is ...") needs a value that doesn't read as an English word.
    if not _plausible_secret(value, text, start, end):
        return False
    v = value.rstrip(".,;:)")
    return len(v) >= 6 and (char_classes(v) >= 2 and not _PROSE.match(v))


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_DATE_OR_VERSION = re.compile(r"^v?\d+(?:[.\-/:]\d+)+[a-z]?$|^\d{4}-\d\d-\d\dT", re.IGNORECASE)


# Shapes that mix classes without being passwords: "20-character", "5432/verde", "maxlength=64",
# "1Password", "v2-beta", "x86_64".
_NOT_PASSWORD = re.compile(
    r"^\d+[-/][a-z]+$|^[a-z_]+=\S+$|^\d?[A-Z]?[a-z]+$|^v?\d+[-_][a-z]+$|^[a-z]+\d+_\d+$"
    r"|^[a-z]+(?:[-_][a-z]+)+[-_]v?\d{1,2}$|(?i:reset|forgot|policy|field|hash|length|strength)"
    r"|^[A-Z0-9]+(?:[-_/][A-Z0-9]+)+$"  # ORD-2024-1234, INV/2026/0042: order, invoice, ticket numbers
)


def _strong(value: str) -> bool:
    """Looks like a password a person chose: mixed classes with a digit or symbol, not a word."""
    if _EMAIL.match(value) or _URL.match(value) or _DATE_OR_VERSION.match(value) or _NOT_PASSWORD.match(value):
        return False
    if "/" in value and value.count("/") >= 2:
        return False  # a path
    return char_classes(value) >= 3 and any(not c.isalpha() for c in value)


def _validate(value: str, text: str, start: int, end: int) -> bool:
    if _EMAIL.match(value.strip()):
        return False  # a login name, not a secret
    if _KEY_BEFORE.search(text, max(0, start - 80), start):
        return _plausible_secret(value, text, start, end)  # key = value
    before = text[max(0, start - 40):start].lower()
    if re.search(r"\b(?:is|was|ist|lautet|would be|now|still|currently|set to|est|è|e|es|era|jest|brzmi|to|luidt"
                 r"|é|är|er|on|jetzt|nun|maintenant|nu|ora|ahora|teraz|agora)\s*[:\-]?\s*[\"'“‘]?\Z", before):
        return _prose_secret(value, text, start, end)  # "the password is ..."
    # Near a password word only: the value itself must look like a password.
    return _strong(value) and _plausible_secret(value, text, start, end)


RULE = Rule(
    entity="SECRET_ASSIGNMENT",
    category="secret",
    patterns=(
        PatternSpec("assign_double_quoted", _KEY + _SEP + r"\"([^\"\n]{4,200})\"", 0.85, group=1),
        PatternSpec("assign_single_quoted", _KEY + _SEP + r"'([^'\n]{4,200})'", 0.85, group=1),
        PatternSpec("assign_backtick", _KEY + _SEP + r"`([^`\n]{4,200})`", 0.85, group=1),
        PatternSpec("assign_bare", _KEY + _SEP + r"((?:[^\s\"'`,;<>&)\]}]|&(?![\w.\-]+=)){4,200})", 0.8, group=1),
        PatternSpec(
            "html_input",
            r"<input\b[^>]{0,200}?name\s*=\s*[\"']?" + _KEY + r"[\"']?[^>]{0,200}?value\s*=\s*[\"']([^\"'<>]{4,200})[\"']",
            0.85,
            group=1,
        ),
        # A password word, a few words, then a value that looks like a password: "Passwort
        # Alpenrad!Staging2026", "password for the test account is Cobalt2026!wholesale", "Das
        # Passwort aus meiner letzten Mail (Bergmann&Soehne1890)".
        PatternSpec(
            "password_nearby",
            r"(?i:(?<![\w/])(?:password|passwort|kennwort|passphrase|passcode|pwd|pw|mot de passe|contraseña|login"
            r"|credentials|creds|zugangsdaten|zugang|log-in|wachtwoord|has[lł]o|contrasena|senha|mdp|lösenord"
            r"|parola d['’]accesso|parola|adgangskode|salasana|heslo|identifiants|credenziali|credenciales"
            r"|inloggegevens|toegangsgegevens|anmeldedaten|dati di accesso|datos de acceso|dane logowania"
            r"|dane dost[eę]powe)(?![\w\-/]))(?:[^\n.!?]|[.!?](?=\S)){0,80}?[\s:(\"'„“=/]"
            r"(?![^\s@]+@[^\s@]+\.\w)(?=[^\s()\"']*?[A-Za-z])(?=[^\s()\"']*?[0-9!#$%&*+=?^_~])"
            r"([^\s\"'“”„()<>,;\[\]{}]{5,63}[^\s\"'“”„()<>,;.!?:\[\]{}])",
            0.8,
            group=1,
        ),
        # A secret-named key and its value as two arguments: define('DB_PASSWORD', '...'),
        # setenv("API_KEY", "..."), config.set('client_secret', '...').
        PatternSpec(
            "key_comma_value",
            r"[\"']" + _KEY + r"[\"']\s*,\s*[\"']([^\"'\n]{4,200})[\"']",
            0.8,
            group=1,
        ),
        # Signed URLs grant access on their own: Azure SAS sig=, S3/GCS presigned signatures and tokens.
        PatternSpec(
            "url_signature",
            r"[?&](?i:sig|x-amz-signature|x-goog-signature|x-amz-security-token|x-amz-credential)=([A-Za-z0-9%+/=_\-]{16,})",
            0.85,
            group=1,
        ),
        PatternSpec(
            "prose",
            r"(?i:\b(?:password|passwort|kennwort|pwd|passcode|passphrase|pass phrase|api key|api-key|token|secret|"
            r"credentials?|login|wachtwoord|has[lł]o|contrase[nñ]a|senha|mot de passe|parola d['’]accesso|"
            r"schl(?:ü|ue)ssel|cl[eé]f?|sleutel|chiave|clave|klucz|chave|jeton|geheimnis|segreto|secreto|sekret)"
            r"(?:\s+(?:for|of|to|on|from|für|des|der|zum|zur|pour|de|del|per|van|voor|dla|do|da|di|para)"
            r"(?:\s+[^\s:=]+){1,5}?|(?:\s+[^\s:=.,;!?]+){1,2}?)?"
            r"\s+(?:(?:is|was|ist|lautet|would be|est|è|e|es|era|jest|brzmi|to|luidt|é|är|er|on)(?![\w])|=)\s*"
            r"(?:now|still|currently|set to|jetzt|nun|maintenant|nu|ora|ahora|teraz|agora)?\s*[:\-]?\s*)"
            r"[\"'“‘]?([^\s\"'”’]{4,100})",
            0.8,
            group=1,
        ),
    ),
    validator=_validate,
    prefilter=("pass", "pw", "secret", "key", "token", "cred", "kennwort", "login", "zugang", "mot de passe", "contraseña",
               "wachtwoord", "hasło", "haslo", "contrase", "senha", "mdp", "lösenord", "losenord", "parola", "salasana",
               "heslo", "schlüssel", "schluessel", "clé", "cle", "sleutel", "chiave", "clave", "klucz", "chave",
               "jeton", "geheim", "segreto", "secreto", "sekret", "adgangskode", "identifiants", "credenzial",
               "credencial", "gegevens", "anmeldedaten", "accesso", "acceso", "logowania", "dostęp",
               "sig=", "signature=", "security-token=", "credential="),
)
