"""Payment card numbers: 13-19 digits (spaces or dashes between groups) with a known issuer prefix
and a valid Luhn check (ISO/IEC 7812). Published PSP test cards are dropped by the context rules."""

import re

from redaction.recognizers.base import PatternSpec, Rule

_NON_DIGIT = re.compile(r"\D")
_ISSUER = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|3[0689]|6(?:011|5|4[4-9]|22)|35|62|50|5[6-9]|6[7])")


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in _NON_DIGIT.sub("", number)]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# Card lengths per issuer (ISO/IEC 7812 as the networks publish them): a Luhn-valid number of the
# wrong length for its prefix is an id that happens to check out (a 15-digit pixel id starting 27...).
_LENGTHS: tuple[tuple[re.Pattern[str], frozenset[int]], ...] = (
    (re.compile(r"^4"), frozenset({13, 16, 19})),                                    # Visa
    (re.compile(r"^(?:5[1-5]|222[1-9]|22[3-9]|2[3-6]|27[01]|2720)"), frozenset({16})),  # Mastercard
    (re.compile(r"^3[47]"), frozenset({15})),                                         # Amex
    (re.compile(r"^(?:30[0-5]|309|36|3[89])"), frozenset({14, 15, 16, 17, 18, 19})),  # Diners
    (re.compile(r"^(?:6011|64[4-9]|65|35|62)"), frozenset({16, 17, 18, 19})),         # Discover, JCB, UnionPay
    (re.compile(r"^(?:50|5[6-9]|6[7])"), frozenset(range(13, 20))),                    # Maestro
)


def _issuer_length_ok(digits: str) -> bool:
    for prefix, lengths in _LENGTHS:
        if prefix.match(digits):
            return len(digits) in lengths
    return False


def _validate(value: str, text: str, start: int, end: int) -> bool:
    digits = _NON_DIGIT.sub("", value)
    if len(set(digits)) <= 2:  # 0000 0000 0000 0000, 4444 4444 ...
        return False
    return bool(_ISSUER.match(digits)) and _issuer_length_ok(digits) and luhn_valid(digits)


RULE = Rule(
    entity="CREDIT_CARD",
    category="pii",
    patterns=(
        PatternSpec("card_grouped", r"(?<![\d\-.:/])\d{4}(?:[ \-]\d{4}){2}[ \-]\d{1,7}(?![\d\-:/]|\.\d)", 0.9),
        PatternSpec("card_amex", r"(?<![\d\-.:/])3[47]\d{2}[ \-]\d{6}[ \-]\d{5}(?![\d\-:/]|\.\d)", 0.9),
        PatternSpec("card_compact", r"(?<![\w\-.:/])\d{13,19}(?![\w\-:/]|\.\w)", 0.8),
    ),
    validator=_validate,
    negative_context=("order", "invoice", "tracking", "ticket", "build", "timestamp", "epoch", "id:", "ref", "pixel",
                      "imei", "gtin", "ean", "serial"),
    window=25,
    window_after=0,
    prefilter_regex=r"\d{4}",
)
