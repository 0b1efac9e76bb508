"""Phone numbers, validated with libphonenumber (``phonenumbers``, a Presidio dependency).

International numbers (``+49 ...``, ``0044 ...``) of a length libphonenumber accepts as possible for
their country are findings (not only "valid" ones: number ranges change, and a rejected
customer's number is exactly what a support mail quotes);
national numbers ("030 1234567", "(415) 555-0132") need phone context. Dates, times, versions, order
numbers and IP addresses are rejected before parsing.
"""

import re

import phonenumbers

from redaction.recognizers.base import PatternSpec, Rule

_REGIONS = ("DE", "US", "GB", "AT", "CH", "FR", "NL", "IT", "ES")
_DATE_LIKE = re.compile(r"^\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}$|^\d{4}-\d{2}-\d{2}|^\d{1,2}:\d{2}")
_DOTTED = re.compile(r"^\d{1,3}(?:\.\d{1,3}){2,}$")
_FICTIONAL_US = re.compile(r"^(?:\+?1[ \-.]?)?(?:\(?\d{3}\)?[ \-.]?)?555[ \-.]?01\d\d$")
_PHONE_WORDS = re.compile(
    r"(?i)(?:phone|tel\b|tel\.|telephone|mobile|cell|call|fax|whatsapp|sms|text (?:him|her|them)|reach|"
    r"number|telefon|handy|mobil|contact|\b(?:rang|ring|rings|dial|dialled|dialed|anruf|angerufen|rief|appel\w*|"
    r"llam\w*|lláma\w*|llámeme|chiam\w*|bel|belde|bellen|ringde|ringte|ringer|tlf|tél|tfn|zadzwo\w*|dzwo\w*|"
    r"komórk\w*|cellulare|cell|móvil|movil|portable|gsm|mobiel|mobiele|erreichbar|joignable|bereikbaar|raggiungibile|"
    r"nummer|numer|numero|número|numéro|telefoon\w*|telefono|teléfono|téléphone)\b|電話|携帯|手机|电话)"
)


_MOBILE_REGIONS = ("DE", "AT", "CH", "GB", "FR", "NL", "IT", "ES", "BE", "DK", "SE", "NO", "PL")
_NATIONAL_SHAPE = re.compile(r"^0\d{2,4}[ \-/]?\d{3,4}[ \-]?\d{2,5}$|^0\d(?:[ .]\d\d){4}$")


def _national_mobile(v: str) -> bool:
    if not _NATIONAL_SHAPE.match(v.strip()):
        return False
    for region in _MOBILE_REGIONS:
        try:
            num = phonenumbers.parse(v, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num) and phonenumbers.number_type(num) == phonenumbers.PhoneNumberType.MOBILE:
            return True
    return False


def _validate(value: str, text: str, start: int, end: int) -> bool:
    v = value.strip()
    if _DATE_LIKE.match(v) or _DOTTED.match(v):
        return False
    international = v.startswith("+") or v.startswith("00")
    v = v.replace("(0)", " ")  # "+33 (0)6 ...": the national trunk prefix written in brackets
    digits = re.sub(r"\D", "", v[2:] if v.startswith("00") else v)
    if not 7 <= len(digits) <= 15 or len(set(digits)) <= 2:
        return False
    if _FICTIONAL_US.match(v):  # 555-0100..0199 are reserved for fiction (NANPA)
        return False
    try:
        if international:
            num = phonenumbers.parse("+" + v[2:] if v.startswith("00") else v, None)
            return phonenumbers.is_possible_number(num)
        window = text[max(0, start - 40):start]
        if not _PHONE_WORDS.search(window):
            # No phone word: only a national *mobile* number in the usual grouping ("0171 2345678",
            # "06 12 34 56 78", "07700 900123") is unmistakably a person's phone.
            return _national_mobile(v)
        for region in _REGIONS:
            num = phonenumbers.parse(v, region)
            if phonenumbers.is_possible_number(num):
                return True
    except phonenumbers.NumberParseException:
        return False
    return False


RULE = Rule(
    entity="PHONE_NUMBER",
    category="pii",
    patterns=(
        PatternSpec(
            "phone",
            r"(?<![\w.+/\-:#])(?:\+|00)?\(?\d[\d \-./()]{5,18}\d(?![\w/\-]|\.\d)",
            0.85,
        ),
    ),
    validator=_validate,
    negative_context=("order", "invoice", "ticket", "build", "version", "port", "pid", "id", "ref", "sku",
                      "case", "transaction", "tracking", "iban", "account no", "customer no", "#"),
    # the sender organization's own lines, not a person's number
    negative_after=("our office", "office line", "our hotline", "switchboard", "zentrale", "our support",
                    "on-call", "oncall", "pagerduty", "main line"),
    window=20,
    window_after=25,
    negative_window_after=0,
    prefilter_regex=r"\d[\d ()\-./]{5,}\d",
)
