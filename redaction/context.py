"""Context rules: what looks like PII or a secret but is not a finding (issue 3, item 3).

- The requester's own identity (name, email, phone, organization, signature block, the greeting
  line addressing the vendor) and the registered users and domains of their organization: the
  support terms only reject *third parties'* personal data.
- The vendor's staff, domains, phone, address and product names.
- Placeholders and masked values (``xxxx``, ``****``, ``<redacted>``, ``${VAR}``, ``{{token}}``,
  ``your-api-key``), documentation examples (``example.com``, RFC 5737 IPs, AWS ``...EXAMPLE``
  keys), published PSP test cards and test personas.

Each rule returns a reason string (for debugging and tests); values are never logged.
"""

from __future__ import annotations

import re
import unicodedata

from redaction.config import RedactionConfig
from redaction.segments import Layout
from redaction.types import Finding, Sender

_DIGITS = re.compile(r"\D")
_SSH_PUBLIC = re.compile(
    r"(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+\S*$"
)
# "call me at ...", "my mobile: ..." in the sender's own (top-level, non-quoted) text.
_OWN_PHONE = re.compile(
    r"(?i)\b(?:call me|reach me|ring me|text me|my (?:phone|mobile|cell|number|direct line)|mich|"
    r"meine (?:nummer|handynummer|telefonnummer))\b[^\n\d+]{0,12}$"
)
_TEST_CARD_CONTEXT = re.compile(r"(?i)\b(?:test|sandbox|testkarte|3ds test|dummy)[\w -]{0,20}(?:card|karte|number|nummer)s?\b")
_RECORD_PII = {"POSTAL_ADDRESS", "PHONE_NUMBER", "DATE_OF_BIRTH", "IBAN_CODE", "CREDIT_CARD", "EMAIL_ADDRESS", "PERSON"}
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9._%+\-]+@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")
_PUBLIC_PEM = re.compile(r"PUBLIC KEY|CERTIFICATE|PGP PUBLIC KEY BLOCK|SSH2 PUBLIC KEY")
_PII_IN_SIGNATURE = {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "POSTAL_ADDRESS"}
# PII whose values can be masked like secrets ("+49 *** ****", "j***@gmail.com").
_MASKABLE_PII = {"EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "CREDIT_CARD", "DATE_OF_BIRTH", "IP_ADDRESS"}


def fold(value: str) -> str:
    """Case- and accent-insensitive comparison key ("Lefèvre" == "lefevre")."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


_OBF_AT = re.compile(r"\s*[(\[{<]\s*at\s*[)\]}>]\s*", re.IGNORECASE)
_OBF_DOT = re.compile(r"\s*[(\[{<]\s*dot\s*[)\]}>]\s*", re.IGNORECASE)


def deobfuscate_email(value: str) -> str:
    """``jane (at) example (dot) com`` -> ``jane@example.com``."""
    if "@" in value:
        return value
    return _OBF_DOT.sub(".", _OBF_AT.sub("@", value))


def name_tokens(value: str) -> frozenset[str]:
    return frozenset(t for t in re.split(r"[\s\-.,'’]+", fold(value)) if len(t) > 1)


class ContextRules:
    """Built once from the config; :meth:`suppress` is called per finding with the message's sender."""

    def __init__(self, config: RedactionConfig) -> None:
        allow, vendor = config.allow, config.vendor
        self._placeholder = re.compile("|".join(f"(?:{p})" for p in allow.placeholder_patterns) or r"(?!x)x",
                                       re.IGNORECASE)
        self._examples = {self._compact(v) for v in allow.example_values}
        self._test_cards = {_DIGITS.sub("", c) for c in allow.test_cards}
        self._doc_domains = {d.lower() for d in allow.doc_domains}
        self._doc_tlds = {t.lower() for t in allow.doc_tlds}
        self._roles = {r.lower() for r in allow.role_mailboxes}
        self._freemail = {d.lower() for d in allow.freemail_domains}
        self._machine_domains = {d.lower() for d in allow.machine_domains}
        self._vendor_domains = {d.lower() for d in vendor.domains}
        self._vendor_phones = {_DIGITS.sub("", p)[-9:] for p in vendor.phones}
        self._vendor_addresses = [fold(a) for a in vendor.addresses]
        self._not_people = [fold(n) for n in (*allow.not_people, *vendor.products, vendor.name, vendor.legal_name) if n]
        self._staff = [name_tokens(n) for n in vendor.staff]
        self._personas = {fold(p) for p in allow.test_personas}

    @staticmethod
    def _compact(value: str) -> str:
        return re.sub(r"[\s\-]", "", value).casefold()

    # -- generic -------------------------------------------------------------------------------------

    def is_placeholder(self, value: str) -> bool:
        return bool(self._placeholder.search(value)) or self._compact(value) in self._examples

    def _domain_is_doc(self, domain: str) -> bool:
        domain = domain.lower().rstrip(".")
        if domain in self._doc_domains or any(domain.endswith("." + d) for d in self._doc_domains):
            return True
        return domain.rsplit(".", 1)[-1] in self._doc_tlds

    def _test_record(self, text: str, start: int, end: int) -> bool:
        """Same paragraph as a test persona or a documentation-domain email: test data, not a person."""
        lo = text.rfind("\n\n", 0, start)
        hi = text.find("\n\n", end)
        para = text[max(0, lo, start - 200): min(len(text), hi if hi >= 0 else len(text), end + 200)]
        folded = fold(para)
        if any(p in folded for p in self._personas):
            return True
        return any(self._domain_is_doc(m.group(1)) for m in _EMAIL_DOMAIN.finditer(para))

    def _domain_is_vendor(self, domain: str) -> bool:
        domain = domain.lower()
        return any(domain == d or domain.endswith("." + d) for d in self._vendor_domains)

    # -- per type ------------------------------------------------------------------------------------

    def _email(self, value: str, sender: Sender | None) -> str | None:
        value = deobfuscate_email(value)
        local, _, domain = value.lower().rpartition("@")
        if self._domain_is_doc(domain):
            return "documentation domain"
        if self._domain_is_vendor(domain):
            return "vendor domain"
        if any(domain == d or domain.endswith("." + d) for d in self._machine_domains):
            return "machine account"
        if local.split("+", 1)[0] in self._roles:
            return "role mailbox"
        if sender is not None:
            if sender.email and value.lower() == sender.email.lower():
                return "sender"
            own = {d.lower() for d in sender.org_domains}
            if sender.email and "@" in sender.email:
                sender_domain = sender.email.rpartition("@")[2].lower()
                if sender_domain not in self._freemail:
                    own.add(sender_domain)
            if domain in own or any(domain.endswith("." + d) for d in own):
                return "sender organization domain"
            if value.lower() in {u.lower() for u in sender.org_users}:
                return "registered user"
        return None

    def _person(self, value: str, sender: Sender | None) -> str | None:
        folded = fold(value)
        if folded in self._personas:
            return "test persona"
        for thing in self._not_people:
            if thing and (thing in folded or folded in thing):
                return "product or organization name"
        tokens = name_tokens(value)
        if not tokens:
            return "not a name"
        for known in self._staff:
            if known and (tokens <= known or known <= tokens):
                return "vendor staff"
        if sender is not None:
            candidates = [sender.name or ""]
            candidates += [u for u in sender.org_users if "@" not in u]
            for cand in candidates:
                ct = name_tokens(cand)
                if ct and (tokens <= ct or ct <= tokens):
                    return "sender or registered user"
            if sender.email:
                local = fold(sender.email.split("@", 1)[0])
                if all(t in local for t in tokens):
                    return "sender (from email address)"
            if sender.org and (folded in fold(sender.org) or fold(sender.org) in folded):
                return "sender organization"
        return None

    @staticmethod
    def _is_sender_name(name: str, sender: Sender | None) -> bool:
        """Is ``name`` the sender's (unknown sender: assume so, the block sits where signatures do)?"""
        if sender is None or not (sender.name or sender.email):
            return True
        tokens = name_tokens(name)
        if sender.name and tokens & name_tokens(sender.name):
            return True
        local = fold((sender.email or "").split("@", 1)[0])
        return bool(local) and any(t in local for t in tokens if len(t) > 2)

    def _phone(self, value: str, sender: Sender | None) -> str | None:
        digits = _DIGITS.sub("", value)
        if digits[-9:] in self._vendor_phones:
            return "vendor phone"
        if sender is not None and sender.phone and _DIGITS.sub("", sender.phone)[-9:] == digits[-9:]:
            return "sender phone"
        return None

    @staticmethod
    def in_public_material(text: str, start: int) -> bool:
        """Inside an SSH public key, a PEM public key or a certificate (public by design)."""
        if _SSH_PUBLIC.search(text[max(0, start - 60):start]):
            return True
        begin = text.rfind("-----BEGIN ", 0, start)
        if begin < 0:
            return False
        header_end = text.find("-----", begin + 11)
        header = text[begin:header_end]
        if "PRIVATE" in header or not _PUBLIC_PEM.search(header):
            return False
        end_marker = text.find("-----END ", begin)
        return end_marker < 0 or end_marker >= start

    def suppress(self, finding: Finding, text: str, sender: Sender | None, layout: Layout | None) -> str | None:
        """Why this finding is not one (a short reason), or ``None`` if it stands."""
        value = text[finding.start:finding.end]
        if finding.category == "secret" or finding.type in _MASKABLE_PII:
            if self.is_placeholder(value):
                return "placeholder"
        if finding.category == "secret":
            if finding.type != "PRIVATE_KEY" and self.in_public_material(text, finding.start):
                return "public key or certificate"
            return None
        if layout is not None and finding.type in _PII_IN_SIGNATURE and layout.own_block(finding.start, finding.end):
            if layout.signature_name is None or not layout.in_signature(finding.start, finding.end) \
                    or self._is_sender_name(layout.signature_name, sender):
                return "sender's greeting or signature"
        kind = finding.type
        if kind == "EMAIL_ADDRESS":
            return self._email(value, sender)
        if kind == "PERSON":
            return self._person(value, sender)
        if kind == "PHONE_NUMBER":
            if layout is not None and finding.start < layout.top_end and _OWN_PHONE.search(
                    text, max(0, finding.start - 30), finding.start):
                return "the sender's own number (top-level message)"
            return self._phone(value, sender)
        if kind == "CREDIT_CARD":
            if _DIGITS.sub("", value) in self._test_cards:
                return "published test card"
            if _TEST_CARD_CONTEXT.search(text, max(0, finding.start - 40), finding.start):
                return "labelled as a test card"
        if kind in _RECORD_PII and self._test_record(text, finding.start, finding.end):
            return "part of a test record (persona or documentation email)"
        if kind in ("POSTAL_ADDRESS", "PHONE_NUMBER") and sender is not None and sender.org:
            org = fold(sender.org)
            org_core = org.split()[0] if org.split() and len(org.split()[0]) >= 4 else org
            if org_core and org_core in fold(text[max(0, finding.start - 80):finding.start]):
                return "sender organization's address"
        if kind == "POSTAL_ADDRESS":
            folded = fold(value)
            if any(folded in a or a in folded for a in self._vendor_addresses):
                return "vendor address"
            if self._compact(value) in self._examples or "muster" in folded or "beispiel" in folded:
                return "placeholder"
        if kind == "IBAN_CODE" and self._compact(value) in self._examples:
            return "documentation example"
        return None
