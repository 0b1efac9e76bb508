"""Personal data in pasted tables (CSV/TSV exports, Markdown tables): the header says what a column
holds, so "Name;Geburtsdatum" makes every cell below a person's name and birth date, even where no
other context is near the cell and NER doesn't run (semicolon lines read as code).

A table is a header line plus at least one row with the same delimiter (``;``, tab, ``|`` or
``,``) and the same number of cells. Columns are classified by their header words below.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import LocalRecognizer, RecognizerResult

from redaction.recognizers.base import CATEGORY_KEY

# Header words per entity (compared case-insensitively against the whole header cell).
COLUMNS: dict[str, tuple[str, ...]] = {
    "PERSON": ("name", "full name", "fullname", "full_name", "customer", "customer name", "customer_name",
               "first name", "firstname", "first_name", "last name", "lastname", "last_name", "surname",
               "vorname", "nachname", "kunde", "kundenname", "empfänger", "recipient", "buyer", "contact",
               "contact name", "nom", "prénom", "prenom", "account holder", "cardholder", "shipping name",
               "billing name", "firstname", "lastname", "fullname", "customername", "nombre", "apellido", "apellidos",
               "cognome", "imię", "nazwisko", "klant", "klantnaam", "naam", "voornaam", "achternaam", "client",
               "nom du client", "cliente", "nome", "nome cliente", "nombre del cliente", "klient", "odbiorca",
               "destinataire", "destinatario", "ontvanger", "besteller", "käufer", "auteur", "author", "autor",
               "reviewer", "verfasser"),
    "DATE_OF_BIRTH": ("dob", "birthday", "birthdate", "birth date", "birth_date", "date of birth",
                      "date_of_birth", "dateofbirth", "geburtsdatum", "geb.", "geboren", "date de naissance"),
    "POSTAL_ADDRESS": ("address", "street", "street address", "strasse", "straße", "adresse", "anschrift",
                       "shipping address", "billing address", "address1", "address_1", "address line 1", "straat",
                       "adres", "rue", "indirizzo", "dirección", "direccion", "calle", "ulica", "lieferadresse",
                       "rechnungsadresse", "afleveradres", "adresse de livraison"),
    "PHONE_NUMBER": ("phone", "phone number", "telephone", "tel", "tel.", "telefon", "mobile", "mobil", "handy",
                     "cell", "phone_number", "phonenumber", "mobile_phone", "telephone_number", "telefoon", "téléphone",
                     "telefono", "teléfono", "cellulare", "móvil", "komórka", "telefonnummer", "gsm"),
}
_HEADER_TO_ENTITY = {h: e for e, headers in COLUMNS.items() for h in headers}
_DELIMITERS = (";", "\t", "|", ",")
# "name" alone may be a product's name: it counts only next to another personal column.
_GENERIC = {"name", "contact", "nom", "naam", "nome", "client", "author", "autor", "auteur", "reviewer", "verfasser"}
_PERSONAL_EXTRA = {"email", "e-mail", "mail", "email address", "e-mail-adresse", "iban", "customer id", "kundennr",
                   "kundennummer", "customer no", "customer number", "order", "ship to", "gender", "age"}
_SEPARATOR_ROW = re.compile(r"^[\s|:\-+=]+$")
_VALUE_OK = {
    "PERSON": re.compile(r"^[^\W\d_][^\d@/\\{}<>=]{1,60}$"),
    "DATE_OF_BIRTH": re.compile(r"\d"),
    "POSTAL_ADDRESS": re.compile(r"(?=.*\d)(?=.*[^\W\d_]{3})"),
    "PHONE_NUMBER": re.compile(r"(?:\d[\s\-./()]*){7,}"),
}
_PLACEHOLDER = re.compile(r"(?i)^(?:x+|\*+|-+|n/?a|null|none|tbd|\.\.\.|<.*>|\{.*\}|test.*|example.*)$")


def _cells(line: str, delimiter: str) -> list[tuple[int, int]]:
    """(start, end) of each stripped cell; Markdown's outer pipes are not cells."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for part in line.split(delimiter):
        start, end = pos, pos + len(part)
        while start < end and line[start] in " \t\"'":
            start += 1
        while end > start and line[end - 1] in " \t\"'\r":
            end -= 1
        spans.append((start, end))
        pos += len(part) + 1
    if delimiter == "|" and spans and spans[0][0] == spans[0][1]:
        spans = spans[1:]
    if delimiter == "|" and spans and spans[-1][0] == spans[-1][1]:
        spans = spans[:-1]
    return spans


def find_tables(text: str) -> list[tuple[int, int, float, str, str]]:
    """(start, end, score, entity, how) for every PII cell under a PII header."""
    lines: list[tuple[int, str]] = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, raw))
        pos += len(raw) + 1
    out: list[tuple[int, int, float, str, str]] = []
    i = 0
    while i < len(lines) - 1:
        start, header = lines[i]
        found_table = False
        for delim in _DELIMITERS:
            if header.count(delim) < 1:
                continue
            head_cells = _cells(header, delim)
            names = [header[s:e].strip().lower() for s, e in head_cells]
            kinds = [_HEADER_TO_ENTITY.get(n) for n in names]
            if len(head_cells) < 2 or not any(kinds):
                continue
            supported = any((k and n not in _GENERIC) or n in _PERSONAL_EXTRA for k, n in zip(kinds, names, strict=True))
            if not supported:
                kinds = [None if n in _GENERIC else k for k, n in zip(kinds, names, strict=True)]
                if not any(kinds):
                    continue
            j = i + 1
            rows: list[tuple[int, str]] = []
            while j < len(lines):
                row_start, row = lines[j]
                if delim == "|" and _SEPARATOR_ROW.match(row) and row.strip():
                    j += 1
                    continue
                n_cells = len(_cells(row, delim))
                # Markdown tables are often ragged (a cell merged or missing at the end): one off is a row.
                if not row.strip() or not (n_cells == len(head_cells) or (
                        delim == "|" and n_cells >= 2 and abs(n_cells - len(head_cells)) <= 1)):
                    break
                rows.append((row_start, row))
                j += 1
            if not rows:
                continue
            for row_start, row in rows:
                for (s, e), kind in zip(_cells(row, delim), kinds, strict=False):
                    value = row[s:e]
                    if kind and value and not _PLACEHOLDER.match(value) and _VALUE_OK[kind].search(value):
                        out.append((row_start + s, row_start + e, 0.85, kind, "table_column"))
            i = j
            found_table = True
            break
        if not found_table:
            i += 1
    return out


# SQL dumps: "INSERT INTO customers (first_name, last_name, phone) VALUES ('Amara', 'Diallo', '+221 ...'), (...);"
# The column list plays the header's part.
_SQL_INSERT = re.compile(r"(?is)\binsert\s+(?:ignore\s+)?into\s+[\w.\"`\[\]]+\s*\(([^()]{1,800})\)\s*values\s*")
_SQL_VALUE = re.compile(r"\s*(?:'((?:[^'\\]|''|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"|([^,()'\"]*?))\s*(?=[,)])")


def _sql_rows(text: str, pos: int) -> list[list[tuple[int, int]]]:
    """Cell spans (quotes excluded) of each ``( ... )`` tuple from ``pos`` on."""
    rows: list[list[tuple[int, int]]] = []
    while True:
        m = re.compile(r"\s*,?\s*\(").match(text, pos)
        if not m:
            return rows
        pos = m.end()
        cells: list[tuple[int, int]] = []
        while True:
            v = _SQL_VALUE.match(text, pos)
            if not v:
                return rows
            group = next((g for g in (1, 2, 3) if v.group(g) is not None), 3)
            cells.append(v.span(group))
            pos = v.end()
            if text.startswith(")", pos):
                pos += 1
                rows.append(cells)
                break
            pos += 1  # the comma


def find_sql_inserts(text: str) -> list[tuple[int, int, float, str, str]]:
    out: list[tuple[int, int, float, str, str]] = []
    for m in _SQL_INSERT.finditer(text):
        columns = [c.strip().strip("\"`[]").lower() for c in m.group(1).split(",")]
        kinds = [_HEADER_TO_ENTITY.get(c) or _HEADER_TO_ENTITY.get(c.replace("_", " ")) for c in columns]
        if not any(kinds):
            continue
        if not any((k and c not in _GENERIC) or c in _PERSONAL_EXTRA for k, c in zip(kinds, columns, strict=True)):
            kinds = [None if c in _GENERIC else k for k, c in zip(kinds, columns, strict=True)]
        for cells in _sql_rows(text, m.end()):
            if len(cells) != len(columns):
                continue
            for (s, e), kind in zip(cells, kinds, strict=True):
                value = text[s:e]
                if kind and value and not _PLACEHOLDER.match(value) and _VALUE_OK[kind].search(value):
                    out.append((s, e, 0.85, kind, "sql_column"))
    return out


class TabularPiiRecognizer(LocalRecognizer):
    """Cells of PII columns in pasted tables."""

    category = "pii"

    def __init__(self) -> None:
        super().__init__(supported_entities=list(COLUMNS), name="tabular_pii", supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        found = find_tables(text) if "\n" in text else []
        if "insert" in text.lower():
            found += find_sql_inserts(text)
        return [
            RecognizerResult(
                entity_type=kind, start=s, end=e, score=score,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    CATEGORY_KEY: "pii",
                    "pattern": how,
                },
            )
            for s, e, score, kind, how in found
            if kind in entities
        ]


def make(_config: Any = None) -> TabularPiiRecognizer:
    return TabularPiiRecognizer()
