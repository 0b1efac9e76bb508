"""Published payment test values: PSP test cards (a data file with sources) and, in any language,
card numbers written as test data.

A card number is test data, not a person's card, when
- it is one of the payment providers' published test cards (``recognizers/rulesets/psp_test_cards.toml``:
  Adyen, Checkout.com, Braintree, PayPal, Worldpay, Klarna, Mastercard/MPGS, Cybersource, ... each
  with the page it is from), or
- its digits have the shape of a test range (a run of six identical digits, ``4000 0000 0000 0002``,
  ``4012 8888 8888 1881``; one four-digit group three times, ``4646 4646 4646 4644``): issuers do
  not hand out such numbers to people, payment providers publish them, or
- it sits in a sentence about testing in any of the support languages ("test card", "Testkarte",
  "tarjeta de prueba", "carte de test", "carta di prova", "testkaart", "karta testowa", "sandbox",
  "entorno de pruebas") next to a card word or a payment provider's name.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "recognizers" / "rulesets" / "psp_test_cards.toml"

_TEST_WORD = re.compile(
    r"(?i)(?<![\w])(?:test|tests|testing|testkarten?|testkreditkarten?|testdaten|testumgebung|testmodus|testshop"
    r"|sandbox|playground|staging|dummy|prueba|pruebas|essai|essais|teste|testes|prova|prove|proef|test-?omgeving"
    r"|testkaart|testowa|testowe|testowej|testowych|testowy|demo)(?![\w])"
)
_CARD_OR_PSP = re.compile(
    r"(?i)(?<![\w])(?:cards?|karten?|kreditkarten?|cartes?|tarjetas?|carta|carte|kaart|kaarten|karta|karty|cart[aã]o"
    r"|stripe|adyen|braintree|paypal|mollie|worldpay|checkout\.com|klarna|redsys|unzer|payone|computop|nexi|sumup"
    r"|square|cybersource|authorize\.net|mpgs|visa|mastercard|amex|maestro)(?![\w])"
)
_SAME_DIGIT_RUN = re.compile(r"(\d)\1{5,}")


@cache
def psp_test_cards(path: Path = DATA) -> frozenset[str]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return frozenset(c for provider in data["provider"] for c in provider["cards"])


def test_range_shape(digits: str) -> bool:
    if _SAME_DIGIT_RUN.search(digits):
        return True
    groups = [digits[i:i + 4] for i in range(0, len(digits) - 3, 4)]
    return any(groups.count(g) >= 3 for g in set(groups))


def in_test_context(text: str, start: int, end: int) -> bool:
    """A testing word and a card word or payment provider's name around the number (any language)."""
    lo, hi = max(0, start - 200), min(len(text), end + 60)
    return bool(_TEST_WORD.search(text, lo, hi)) and bool(_CARD_OR_PSP.search(text, lo, hi))
