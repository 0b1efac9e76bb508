"""Random values in real formats: third-party PII, provider secrets, and harmless look-alikes.

Every function takes the generator's ``random.Random`` so a corpus is reproducible from its seed.
Formats follow the providers' published shapes (prefix, length, charset) and checksums where the
format has one (IBAN mod-97, card Luhn, GitHub's CRC32 suffix).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import random
import string
import unicodedata
from collections.abc import Set

from . import people

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
ALNUM = string.ascii_letters + string.digits
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
HEX = "0123456789abcdef"
B32 = UPPER + "234567"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"


def chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def ascii_fold(s: str) -> str:
    s = s.replace("ß", "ss").replace("ø", "o").replace("ł", "l").replace("ı", "i")
    folded = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return "".join(c for c in folded if c.isalnum() or c in ".-_").lower()


# ---------------------------------------------------------------- people and contact data
def person(rng: random.Random, avoid: Set[str] = frozenset()) -> tuple[str, str]:
    while True:
        first, last = rng.choice(people.FIRST_NAMES), rng.choice(people.LAST_NAMES)
        if first not in avoid and last not in avoid:
            return first, last


def consumer_email(rng: random.Random, first: str, last: str) -> str:
    f, la = ascii_fold(first), ascii_fold(last.replace(" ", "").replace("'", ""))
    local = rng.choice([
        f"{f}.{la}", f"{f[0]}.{la}", f"{f}{la}{rng.randint(1, 99)}", f"{la}.{f}",
        f"{f}_{la}", f"{f}{rng.randint(1960, 2005)}", f"{f[0]}{la}",
    ])
    return f"{local}@{rng.choice(people.CONSUMER_DOMAINS)}"


def work_email(first: str, last: str, domain: str) -> str:
    return f"{ascii_fold(first)}.{ascii_fold(last.replace(' ', '').replace(chr(39), ''))}@{domain}"


def mobile_phone(rng: random.Random) -> str:
    kind = rng.randrange(8)
    if kind == 0:
        return f"+49 1{rng.choice('567')}{rng.randint(0, 9)} {chars(rng, DIGITS, 7)}"
    if kind == 1:
        return f"01{rng.choice('567')}{rng.randint(0, 9)} {chars(rng, DIGITS, 3)} {chars(rng, DIGITS, 4)}"
    if kind == 2:
        return f"+44 7{rng.randint(4, 9)}{chars(rng, DIGITS, 2)} {rng.randint(200, 899)}{chars(rng, DIGITS, 3)}"
    if kind == 3:
        return f"+33 6 {chars(rng, DIGITS, 2)} {chars(rng, DIGITS, 2)} {chars(rng, DIGITS, 2)} {chars(rng, DIGITS, 2)}"
    if kind == 4:
        return f"+31 6 {chars(rng, DIGITS, 4)} {chars(rng, DIGITS, 4)}"
    if kind == 5:
        return f"+43 664 {chars(rng, DIGITS, 7)}"
    if kind == 6:
        area = rng.choice(["512", "303", "503", "614", "919"])
        return f"({area}) {rng.randint(201, 989)}-{rng.randint(1000, 9999)}"
    return f"+41 79 {chars(rng, DIGITS, 3)} {chars(rng, DIGITS, 2)} {chars(rng, DIGITS, 2)}"


def office_phone(rng: random.Random, country: str) -> str:
    return {
        "Germany": f"+49 {rng.choice(['40', '30', '711', '761', '89'])} {chars(rng, DIGITS, 4)} {chars(rng, DIGITS, 3)}",
        "United Kingdom": f"+44 131 {chars(rng, DIGITS, 3)} {chars(rng, DIGITS, 4)}",
        "France": f"+33 1 {chars(rng, DIGITS, 2)} {chars(rng, DIGITS, 2)} {chars(rng, DIGITS, 2)} {chars(rng, DIGITS, 2)}",
        "Netherlands": f"+31 20 {chars(rng, DIGITS, 3)} {chars(rng, DIGITS, 4)}",
        "Switzerland": f"+41 44 {chars(rng, DIGITS, 3)} {chars(rng, DIGITS, 2)} {chars(rng, DIGITS, 2)}",
        "Italy": f"+39 02 {chars(rng, DIGITS, 4)} {chars(rng, DIGITS, 4)}",
        "USA": f"+1 {rng.choice(['415', '206'])} {rng.randint(201, 989)} {rng.randint(1000, 9999)}",
        "Austria": f"+43 1 {chars(rng, DIGITS, 3)} {chars(rng, DIGITS, 4)}",
    }.get(country, f"+{rng.choice(['45', '46', '358', '353', '48', '34'])} {chars(rng, DIGITS, 2)} {chars(rng, DIGITS, 3)} {chars(rng, DIGITS, 3)}")


def postal_address(rng: random.Random, one_line: bool = True) -> str:
    kind = rng.randrange(5)
    sep = ", " if one_line else "\n"
    if kind == 0:
        zip_, city = rng.choice(people.DE_CITIES)
        return f"{rng.choice(people.DE_STREETS)} {rng.randint(1, 140)}{rng.choice(['', '', 'a', 'b'])}{sep}{zip_} {city}"
    if kind == 1:
        city, pc = rng.choice(people.UK_CITIES)
        return f"{rng.randint(1, 220)} {rng.choice(people.UK_STREETS)}{sep}{city} {pc}"
    if kind == 2:
        zip_, city = rng.choice(people.FR_CITIES)
        return f"{rng.randint(1, 90)} {rng.choice(people.FR_STREETS)}{sep}{zip_} {city}"
    if kind == 3:
        zip_, city = rng.choice(people.NL_CITIES)
        return f"{rng.choice(people.NL_STREETS)} {rng.randint(1, 300)}{sep}{zip_} {city}"
    city, st, zip_ = rng.choice(people.US_CITIES)
    return f"{rng.randint(100, 9899)} {rng.choice(people.US_STREETS)}{sep}{city}, {st} {zip_}"


def date_of_birth(rng: random.Random) -> str:
    y, m, d = rng.randint(1948, 2006), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice([f"{d:02d}.{m:02d}.{y}", f"{y}-{m:02d}-{d:02d}", f"{m:02d}/{d:02d}/{y}",
                       f"{d} {['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'][m - 1]} {y}"])


def public_ipv4(rng: random.Random) -> str:
    while True:
        a = rng.choice([31, 37, 46, 62, 77, 78, 80, 81, 84, 85, 87, 88, 89, 91, 93, 94, 109, 176, 178, 185, 188, 212, 213, 217])
        b, c, d = rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)
        return f"{a}.{b}.{c}.{d}"


def public_ipv6(rng: random.Random) -> str:
    return f"2a02:{chars(rng, HEX, 4).lstrip('0') or '1'}:{chars(rng, HEX, 4)}:{chars(rng, HEX, 3)}0::{chars(rng, HEX, 3)}"


# ---------------------------------------------------------------- payment data
def _iban_check(country: str, bban: str) -> str:
    num = "".join(str(int(c, 36)) for c in (bban + country + "00"))
    return f"{98 - int(num) % 97:02d}"


def iban(rng: random.Random, spaced: bool | None = None) -> str:
    country = rng.choice(["DE", "DE", "AT", "NL", "FR", "GB", "ES", "CH", "BE"])
    bban = {
        "DE": lambda: chars(rng, DIGITS, 18),
        "AT": lambda: chars(rng, DIGITS, 16),
        "NL": lambda: rng.choice(["ABNA", "INGB", "RABO", "TRIO"]) + chars(rng, DIGITS, 10),
        "FR": lambda: chars(rng, DIGITS, 10) + chars(rng, DIGITS + UPPER, 11) + chars(rng, DIGITS, 2),
        "GB": lambda: rng.choice(["NWBK", "BARC", "LOYD", "MIDL"]) + chars(rng, DIGITS, 14),
        "ES": lambda: chars(rng, DIGITS, 20),
        "CH": lambda: chars(rng, DIGITS, 5) + chars(rng, DIGITS + UPPER, 12),
        "BE": lambda: chars(rng, DIGITS, 12),
    }[country]()
    value = country + _iban_check(country, bban) + bban
    if spaced is None:
        spaced = rng.random() < 0.6
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4)) if spaced else value


def iban_valid(value: str) -> bool:
    s = value.replace(" ", "")
    num = "".join(str(int(c, 36)) for c in s[4:] + s[:4])
    return int(num) % 97 == 1


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# Published PSP test cards (Stripe, Adyen, Braintree docs): placeholders, never findings.
TEST_CARDS = (
    "4242424242424242", "4000056655665556", "5555555555554444", "2223003122003222",
    "5200828282828210", "378282246310005", "371449635398431", "6011111111111117",
    "4111111111111111", "4000002500003155", "4000000000003220", "5454545454545454",
    "4988438843884305", "5101180000000007", "4000000000000002",
)


def card_number(rng: random.Random, spaced: bool | None = None) -> str:
    while True:
        brand = rng.randrange(4)
        if brand == 0:
            body = "4" + chars(rng, DIGITS, 14)
        elif brand == 1:
            body = str(rng.randint(51, 55)) + chars(rng, DIGITS, 13)
        elif brand == 2:
            body = str(rng.randint(2221, 2720)) + chars(rng, DIGITS, 11)
        else:
            body = rng.choice(["34", "37"]) + chars(rng, DIGITS, 12)
        for check in DIGITS:
            if luhn_ok(body + check):
                number = body + check
                break
        if number not in TEST_CARDS:
            break
    if spaced is None:
        spaced = rng.random() < 0.6
    if not spaced:
        return number
    if len(number) == 15:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    return " ".join(number[i:i + 4] for i in range(0, 16, 4))


# ---------------------------------------------------------------- secrets
def aws_key_id(rng: random.Random) -> str:
    return rng.choice(["AKIA", "AKIA", "ASIA"]) + chars(rng, B32, 16)


def aws_secret(rng: random.Random) -> str:
    return chars(rng, B64, 40)


def _b62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(width, "0")


def github_classic(rng: random.Random) -> str:
    prefix = rng.choice(["ghp", "ghp", "gho", "ghs", "ghu"])
    entropy = chars(rng, ALNUM, 30)
    return f"{prefix}_{entropy}{_b62(binascii.crc32(entropy.encode()), 6)}"


def github_fine_grained(rng: random.Random) -> str:
    return f"github_pat_11{chars(rng, UPPER + DIGITS, 20)}_{chars(rng, ALNUM, 59)}"


def gitlab_pat(rng: random.Random) -> str:
    return "glpat-" + chars(rng, B64URL, 20)


def slack_bot_token(rng: random.Random) -> str:
    return f"xoxb-{rng.randint(10**9, 10**13)}-{rng.randint(10**11, 10**13)}-{chars(rng, ALNUM, 24)}"


def slack_user_token(rng: random.Random) -> str:
    return (f"xoxp-{rng.randint(10**9, 10**12)}-{rng.randint(10**9, 10**12)}-"
            f"{rng.randint(10**11, 10**13)}-{chars(rng, HEX, 32)}")


def slack_webhook(rng: random.Random) -> str:
    return (f"https://hooks.slack.com/services/T{chars(rng, UPPER + DIGITS, 8)}/"
            f"B{chars(rng, UPPER + DIGITS, 10)}/{chars(rng, ALNUM, 24)}")


def stripe_live(rng: random.Random) -> str:
    prefix = rng.choice(["sk_live_", "sk_live_", "rk_live_"])
    return prefix + rng.choice(["51", "4e", ""]) + chars(rng, ALNUM, rng.choice([24, 97]))


def stripe_webhook_secret(rng: random.Random) -> str:
    return "whsec_" + chars(rng, ALNUM, 32)


def google_api_key(rng: random.Random) -> str:
    return "AIza" + chars(rng, B64URL, 35)


def openai_key(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "sk-" + chars(rng, ALNUM, 20) + "T3BlbkFJ" + chars(rng, ALNUM, 20)
    return "sk-proj-" + chars(rng, B64URL, 64) + "T3BlbkFJ" + chars(rng, B64URL, 64)


def sendgrid_key(rng: random.Random) -> str:
    return f"SG.{chars(rng, B64URL, 22)}.{chars(rng, B64URL, 43)}"


def twilio_sid(rng: random.Random, prefix: str = "AC") -> str:
    return prefix + chars(rng, HEX, 32)


def twilio_token(rng: random.Random) -> str:
    return chars(rng, HEX, 32)


def shopify_token(rng: random.Random) -> str:
    return rng.choice(["shpat_", "shpat_", "shpss_", "shpca_", "shppa_"]) + chars(rng, HEX, 32)


def npm_token(rng: random.Random) -> str:
    return "npm_" + chars(rng, ALNUM, 36)


def contentful_token(rng: random.Random) -> str:
    return "CFPAT-" + chars(rng, B64URL, 43)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(rng: random.Random) -> str:
    header = {"alg": rng.choice(["HS256", "RS256"]), "typ": "JWT"}
    now = rng.randint(1_760_000_000, 1_800_000_000)
    payload = {"sub": str(rng.randint(10_000, 999_999)), "iat": now, "exp": now + 3600,
               "scope": rng.choice(["orders:read orders:write", "admin", "storefront"]),
               "iss": rng.choice(["https://auth.nordwind-outdoor.de", "velora-commerce-api", "https://login.microsoftonline.com/"])}
    sig = bytes(rng.getrandbits(8) for _ in range(32 if header["alg"] == "HS256" else 256))
    return ".".join(_b64url(json.dumps(p, separators=(",", ":")).encode()) for p in (header, payload)) + "." + _b64url(sig)


def pem_private_key(rng: random.Random) -> str:
    label = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
    size = {"RSA PRIVATE KEY": 1190, "PRIVATE KEY": 1216, "EC PRIVATE KEY": 121, "OPENSSH PRIVATE KEY": 400}[label]
    lead = {"RSA PRIVATE KEY": b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00",
            "PRIVATE KEY": b"\x30\x82\x04\xbe\x02\x01\x00\x30\x0d\x06\x09\x2a\x86\x48",
            "EC PRIVATE KEY": b"\x30\x77\x02\x01\x01\x04\x20",
            "OPENSSH PRIVATE KEY": b"openssh-key-v1\x00"}[label]
    body = base64.b64encode(lead + bytes(rng.getrandbits(8) for _ in range(size - len(lead)))).decode()
    width = 70 if label == "OPENSSH PRIVATE KEY" else 64
    lines = [body[i:i + width] for i in range(0, len(body), width)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"


def password(rng: random.Random, url_safe: bool = False) -> str:
    kind = rng.randrange(4)
    if url_safe and kind == 1:
        return chars(rng, ALNUM + "-_.~", rng.randint(14, 24))
    if kind == 0:
        word = rng.choice(["Summer", "Winter", "Nordwind", "Shop", "Falcon", "Harbor", "Kaffee", "Velvet", "Orbit"])
        return f"{word}{rng.randint(2019, 2027)}{rng.choice('-_.~' if url_safe else '!#$%&?*')}{chars(rng, ALNUM, 2)}"
    if kind == 1:
        return chars(rng, ALNUM + "!#$%&*+-=?@^_", rng.randint(14, 24))
    if kind == 2:
        words = rng.sample(["correct", "horse", "battery", "staple", "orange", "tiger", "maple", "river", "cloud", "piano"], 3)
        return "-".join(words) + str(rng.randint(10, 99))
    return chars(rng, ALNUM, rng.randint(20, 32))


def opaque_token(rng: random.Random) -> str:
    return chars(rng, rng.choice([ALNUM, HEX, B64URL]), rng.choice([32, 40, 48, 64]))


def session_id(rng: random.Random) -> str:
    return rng.choice([chars(rng, LOWER + DIGITS, 26), chars(rng, HEX.upper(), 32), chars(rng, B64URL, 43)])


def basic_auth(rng: random.Random, user: str) -> str:
    return base64.b64encode(f"{user}:{password(rng)}".encode()).decode()


# ---------------------------------------------------------------- harmless look-alikes
def uuid4(rng: random.Random) -> str:
    h = chars(rng, HEX, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def git_sha(rng: random.Random, short: bool = False) -> str:
    return chars(rng, HEX, 7 if short else 40)


def sha256_hex(rng: random.Random) -> str:
    return hashlib.sha256(str(rng.random()).encode()).hexdigest()


def request_id(rng: random.Random) -> str:
    return rng.choice([f"req_{chars(rng, ALNUM, 14)}", uuid4(rng), f"{chars(rng, HEX, 16)}-{chars(rng, HEX, 8)}",
                       f"Root=1-{chars(rng, HEX, 8)}-{chars(rng, HEX, 24)}"])


def private_ip(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if kind == 1:
        return f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    return f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def doc_ip(rng: random.Random) -> str:
    return f"{rng.choice(['192.0.2', '198.51.100', '203.0.113'])}.{rng.randint(1, 254)}"


def version(rng: random.Random) -> str:
    return f"{rng.randint(1, 24)}.{rng.randint(0, 30)}.{rng.randint(0, 40)}"


def order_number(rng: random.Random) -> str:
    return rng.choice([f"#{rng.randint(100000, 999999)}", f"ORD-{rng.randint(2024, 2026)}-{rng.randint(10000, 99999)}",
                       f"{rng.choice(['NW', 'BC', 'HG', 'UT'])}{rng.randint(10**7, 10**8 - 1)}"])


def sri_hash(rng: random.Random) -> str:
    return "sha384-" + base64.b64encode(bytes(rng.getrandbits(8) for _ in range(48))).decode()


def ssh_public_key(rng: random.Random, comment: str) -> str:
    if rng.random() < 0.5:
        blob = base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes(rng.getrandbits(8) for _ in range(32))).decode()
        return f"ssh-ed25519 {blob} {comment}"
    blob = base64.b64encode(b"\x00\x00\x00\x07ssh-rsa\x00\x00\x00\x03\x01\x00\x01" + bytes(rng.getrandbits(8) for _ in range(257))).decode()
    return f"ssh-rsa {blob} {comment}"


def public_key_pem(rng: random.Random) -> str:
    body = base64.b64encode(b"\x30\x82\x01\x22\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00" + bytes(rng.getrandbits(8) for _ in range(275))).decode()
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(body[i:i + 64] for i in range(0, len(body), 64)) + "\n-----END PUBLIC KEY-----"
