"""Credentials in pasted tables (Markdown, CSV/TSV): a column headed "password", "token", "api key"
or "secret" makes every real value below it a secret, where no ``key = value`` shape is left to
see ("| admin | Adm1n!2026 |").

Same table shape as ``tabular_pii`` (a header line, then rows with the same delimiter and number
of cells). Placeholders (``****``, ``<redacted>``, ``n/a``) and plain words are not values.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import LocalRecognizer, RecognizerResult

from redaction.recognizers.base import CATEGORY_KEY, char_classes
from redaction.recognizers.tabular_pii import _DELIMITERS, _PLACEHOLDER, _SEPARATOR_ROW, _cells

_SECRET_HEADERS = frozenset({
    "password", "passwort", "kennwort", "pass", "pwd", "pw", "passphrase", "secret", "client secret", "client_secret",
    "token", "api key", "api_key", "apikey", "access key", "access_key", "secret key", "secret_key", "private key",
    "auth token", "access token", "credentials", "mot de passe", "contraseña", "pin",
})
_WORD = re.compile(r"^[A-Za-z][a-z]+$")
_IDENTIFIER = re.compile(r"^[A-Za-z][a-z]*(?:[_\-.:][A-Za-z][a-z]*)+$")


def _secret_value(value: str) -> bool:
    v = value.strip()
    if len(v) < 6 or _PLACEHOLDER.match(v) or _WORD.match(v) or " " in v:
        return False
    if _IDENTIFIER.match(v):
        return False  # read_orders, storefront-api: a name, not a value
    return char_classes(v) >= 2 and (any(c.isdigit() for c in v) or any(not c.isalnum() and c not in "_-." for c in v))


def find_secret_cells(text: str) -> list[tuple[int, int]]:
    lines: list[tuple[int, str]] = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, raw))
        pos += len(raw) + 1
    out: list[tuple[int, int]] = []
    for i, (_start, header) in enumerate(lines[:-1]):
        for delim in _DELIMITERS:
            if header.count(delim) < 1:
                continue
            head = _cells(header, delim)
            cols = [k for k, (s, e) in enumerate(head) if header[s:e].strip().lower() in _SECRET_HEADERS]
            if len(head) < 2 or not cols:
                continue
            for row_start, row in lines[i + 1:]:
                if delim == "|" and _SEPARATOR_ROW.match(row) and row.strip():
                    continue
                cells = _cells(row, delim)
                if len(cells) != len(head) or not row.strip():
                    break
                for k in cols:
                    s, e = cells[k]
                    if _secret_value(row[s:e]):
                        out.append((row_start + s, row_start + e))
            break
    return out


class TabularSecretRecognizer(LocalRecognizer):
    """Cells of credential columns in pasted tables."""

    category = "secret"

    def __init__(self) -> None:
        super().__init__(supported_entities=["SECRET_ASSIGNMENT"], name="tabular_secret", supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        if "\n" not in text or "SECRET_ASSIGNMENT" not in entities:
            return []
        low = text.lower()
        if not any(h in low for h in ("pass", "pw", "secret", "token", "key", "kennwort", "credential", "pin")):
            return []
        return [
            RecognizerResult(
                entity_type="SECRET_ASSIGNMENT", start=s, end=e, score=0.85,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: "tabular_secret",
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    CATEGORY_KEY: "secret",
                    "pattern": "table_column",
                },
            )
            for s, e in find_secret_cells(text)
        ]


def make(_config: Any = None) -> TabularSecretRecognizer:
    return TabularSecretRecognizer()
