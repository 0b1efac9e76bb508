"""IBANs (ISO 13616): country code, two check digits, BBAN; valid only when the mod-97 check
gives 1 and the length matches the country's registered length."""

import re

from redaction.recognizers.base import PatternSpec, Rule

# Registered IBAN lengths (SWIFT IBAN registry) for the countries we expect; others need 15-34.
_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24,
    "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21,
    "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24,
    "SI": 19, "SK": 24, "SM": 27, "TR": 26, "AE": 23, "SA": 24, "IL": 23, "BR": 29, "UA": 29, "RS": 22, "BA": 20,
}
_SPACES = re.compile(r"[ \-]")


def mod97_valid(iban: str) -> bool:
    compact = _SPACES.sub("", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    expected = _LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


def _validate(value: str, text: str, start: int, end: int) -> bool:
    return mod97_valid(value)


RULE = Rule(
    entity="IBAN_CODE",
    category="pii",
    patterns=(
        PatternSpec(
            "iban",
            r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]{4}){2,7}(?:[ \-]?[A-Z0-9]{1,4})?(?![A-Za-z0-9])",
            0.95,
        ),
    ),
    validator=_validate,
    prefilter_regex=r"[A-Z]{2}\d{2}",
)
