"""Context rules: what looks like PII or a secret but is not a finding (the sender's own details,
the vendor's staff and products, documentation placeholders).

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
from functools import lru_cache

from redaction.config import RedactionConfig
from redaction.placeholders import identifier_shape, placeholder_shape
from redaction.segments import Layout
from redaction.test_values import in_test_context, psp_test_cards, test_range_shape
from redaction.types import Finding, Sender

_DIGITS = re.compile(r"\D")
# Test personas' phones: "+49 170 0000000", "0000 000000": the subscriber part is all zeros.
_ZERO_SUBSCRIBER = re.compile(r"0{6,}$")
# Documentation domains in every language: "example.<any tld>" and its translations.
_LOCAL_EXAMPLE_DOMAIN = re.compile(
    r"(?:^|\.)(?:example|examples|beispiel|muster|exemple|esempio|ejemplo|voorbeeld|przyklad|przykład|exempel|eksempel)"
    r"(?:-[a-z]+)?\.[a-z]{2,}$"
)
_SSH_PUBLIC = re.compile(
    r"(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+\S*$"
)
_TEST_CARD_CONTEXT = re.compile(r"(?i)\b(?:test|sandbox|testkarte|3ds test|dummy)[\w -]{0,20}(?:card|karte|number|nummer)s?\b")
_RECORD_PII = {"POSTAL_ADDRESS", "PHONE_NUMBER", "DATE_OF_BIRTH", "IBAN_CODE", "CREDIT_CARD", "EMAIL_ADDRESS", "PERSON"}
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9._%+\-]+@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")
_PUBLIC_PEM = re.compile(r"PUBLIC KEY|CERTIFICATE|PGP PUBLIC KEY BLOCK|SSH2 PUBLIC KEY")
_PII_IN_SIGNATURE = {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "POSTAL_ADDRESS"}
# PII whose values can be masked like secrets ("+49 *** ****", "j***@gmail.com").
# Secrets found by their label rather than their format: the value may be anything, an id too.
_GENERIC_SECRETS = {"SECRET_ASSIGNMENT", "HIGH_ENTROPY_SECRET", "AUTH_HEADER"}
_MASKABLE_PII = {"EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "CREDIT_CARD", "DATE_OF_BIRTH", "IP_ADDRESS"}


# Shops and companies named like people ("Holzspielwaren Beck", "Bakkerij Smulders", "Cafés Esteban"):
# a business noun first, in the languages customers write.
_BUSINESS_SUFFIX = re.compile(
    r"(?:waren|handel|haus|laden|markt|shop|service|technik|design|moden|sport|reisen|werkstatt|kontor|manufaktur|"
    r"atelier|studio|verlag|versand|baeckerei|backerei|metzgerei|apotheke|optik|gartnerei|floristik|schreinerei|"
    r"tischlerei|druckerei|brauerei|kellerei|handlung|boutique|mobel|textil|textilien|moebel|bedarf|zubehor|"
    r"elektronik|elektro|software|media|medien|consulting|logistik|spielzeug|feinkost|drogerie|parfumerie)$"
)
_SHOP_SUFFIX_NAMES = frozenset({"ahaus"})
_SHOP_WORDS = frozenset(
    "bakkerij slagerij bloemist boekhandel drogisterij fietsenhuis fietsen winkel kapsalon boulangerie librairie "
    "pharmacie fromagerie patisserie boucherie epicerie fleuriste maison cafes cafe cycles tissus panaderia libreria "
    "farmacia zapateria ferreteria floristeria pasteleria tienda panificio pasticceria enoteca ottica gioielleria "
    "macelleria salumeria ferramenta bottega negozio piekarnia ksiegarnia apteka sklep kwiaciarnia cukiernia "
    "juwelier baeckerei backerei metzgerei apotheke optik gartnerei blumen fahrrad fahrradladen mode moebel "
    "hotel restaurant pizzeria gasthaus autohaus weingut".split()
)
_QUOTES_OPEN = "\"“„«‚‘'"
_QUOTES_CLOSE = "\"”“»‘’'"
_PERSON_CUE_BEFORE = re.compile(
    r"(?i)(?:customer|client|buyer|shopper|recipient|kund\w*|klant\w*|client[ea]?|comprador\w*|klient\w*|name|naam|"
    r"nom|nombre|nome|imię|[:=(,\[{])\W{0,4}$"
)


def _quoted_title(text: str, start: int, end: int) -> bool:
    """A name-shaped span in quotes with no person cue before it: a product, page or campaign title."""
    if start == 0 or end >= len(text) or text[start - 1] not in _QUOTES_OPEN or text[end] not in _QUOTES_CLOSE:
        return False
    return not _PERSON_CUE_BEFORE.search(text, max(0, start - 30), start - 1)


def fold(value: str) -> str:
    """Case- and accent-insensitive comparison key ("Lefèvre" == "lefevre")."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


@lru_cache(maxsize=8192)
def _fold_char(c: str) -> str:
    f = fold(c) if ord(c) > 127 else c.lower()
    return f if len(f) == 1 else c.lower()[:1] or c


def fold_keep_length(value: str) -> str:
    """:func:`fold` character by character, so offsets in the result are offsets in ``value``."""
    if value.isascii():  # the common case, and str.lower() keeps the length of ASCII text
        return value.lower()
    return "".join(map(_fold_char, value))


_AT_WORD = r"(?:at|ät|aet|chez|arobase|arrobase|arroba|chiocciola|małpa|malpa|klammeraffe|apenstaartje)"
_DOT_WORD = r"(?:dot|punkt|point|punto|kropka|punt|pkt)"
_OBF_AT = re.compile(r"\s*[(\[{<]\s*" + _AT_WORD + r"\s*[)\]}>]\s*|\s+" + _AT_WORD + r"\s+", re.IGNORECASE)
_OBF_DOT = re.compile(r"\s*[(\[{<]\s*" + _DOT_WORD + r"\s*[)\]}>]\s*|\s+" + _DOT_WORD + r"\s+", re.IGNORECASE)


def deobfuscate_email(value: str) -> str:
    """``jane (at) example (dot) com``, ``jane dot doe at web punkt de``, ``jane%40web.de`` -> an address."""
    if "@" in value:
        return value
    if "%40" in value:
        return value.replace("%40", "@")
    return _OBF_DOT.sub(".", _OBF_AT.sub("@", value))


def name_tokens(value: str) -> frozenset[str]:
    return frozenset(t for t in re.split(r"[\s\-.,'’]+", fold(value)) if len(t) > 1)


# -- the sender's signature, in any layout ----------------------------------------------------------
# A closing word, then (optionally) the writer's name: "Regards, Tom", "Cheers - Ola", "Mit
# freundlichen Grüßen Ayşe", "Best, Rajesh".
CLOSING = (
    r"(?:regards|wishes|thanks|thank you|thx|cheers|best|br|mfg|rgds|sincerely|yours|grüße|grüßen|grüsse|"
    r"grüssen|gruß|gruss|danke|lg|vg|merci|cordialement|saluti|grazie|groeten|hälsningar|mvh|hilsen|saludos|"
    r"gracias|obrigad[oa]|take care|ciao)"
)
_CLOSING_NAME = re.compile(
    r"(?i:\b" + CLOSING + r")[ \t]*[,!.:;]?[ \t]*(?:[-–—][ \t]*)?\n?[ \t]*"
    r"([A-ZÀ-Þ][\w'’\-]+(?:[ \t]+[A-ZÀ-Þ][\w'’\-]+){0,3})"
)
# What may sit between a person's name and their own contact details in a signature: separators,
# titles, company names, street words, phone labels. Words that name someone else end it.
_THIRD_PARTY_WORDS = re.compile(
    r"(?i)\b(?:customers?|client[ea]?s?|buyers?|shoppers?|end[- ]?users?|users?|members?|guests?|patients?|"
    r"recipients?|consumers?|subscribers?|kund(?:e|in|en)|endkund\w*|klant\w*|asiakas|his|her|hers|she|he|him|"
    r"their|they|ps|p\.s|wife|husband|son|daughter|mother|father|friend|neighbou?r)\b"
)
_GAP_OK_WORDS = frozenset(
    "tel tel. phone mobile mob mobil cell fax direct office work handy telefon fon ph tél tel port portable móvil "
    "movil whatsapp email mail e-mail web www and of the for und für von der des del los las van den rue via calle "
    "avenida avenue chemin allée place route street road reachable available hotline switchboard ext extn durchwahl "
    "zentrale bureau oficina ufficio cellulare handynummer mobile: phone: at".split()
)
_GAP_WORD = re.compile(r"\b[a-zß-ÿ][a-zß-ÿ\-]{2,}\b")
_GAP_STRIP = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|\S+\.(?:com|de|io|net|org|example)\b")
_NO_REPLY = re.compile(r"no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]daemon|bounces?(?:[-_.+]|$)")
_MAILBOX_WORDS = frozenset({"team", "shop", "store", "eu", "de", "us", "uk", "global", "central", "main", "mail"})
# A third party's own words pasted into the message: "our customer wrote", "complaint below", quotes.
_PASTED_CUE = re.compile(
    r"(?i)\b(?:customers?|client|buyer|shopper|kund(?:e|in)|cliente?)\b[^\n]{0,40}\b(?:wrote|writes|sent|says|said|"
    r"complain\w*|mail|message|email|schrieb|schreibt)\b|\b(?:complaint|message|mail|email|nachricht|beschwerde)"
    r"\s+(?:below|attached|pasted|unten|ci-dessous)\b|\bbelow is (?:the|a|his|her)\b"
)
_LOCAL_AT = re.compile(r"([A-Za-z0-9._%+\-]+)@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")
_NAME_BEFORE_EMAIL = re.compile(
    r"([A-ZÀ-Þ][\w'’\-]+(?:[ \t]+(?:(?:van|von|de|der|da|di|del|le|la)[ \t]+)?[A-ZÀ-Þ][\w'’\-]+){1,3})[ \t]*"
    r"[<(\[,:–—\-]?[ \t]*(?:mailto:)?([A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})"
)
# A transcript speaker introduced by a staff role: "[10:03] Agent Grace Liu:", "Support - Ana Ruiz:".
_STAFF_SPEAKER = re.compile(
    r"(?m)^[ \t>]*(?:\[?\d{1,2}:\d\d(?::\d\d)?\]?[ \t]+)?(?i:agent|support|supporter|operator|staff|admin|"
    r"moderator|mod|rep|advisor|adviser|csr|service desk|helpdesk|store manager|team lead)[ \t]*[-–:]?[ \t]+"
    r"([A-ZÀ-Þ][\w'’\-]+(?:[ \t]+[A-ZÀ-Þ][\w'’\-]+){0,3})[ \t]*(?:\([^)\n]{0,30}\))?:"
)
# "my colleague Lisa Brandt", "our deputy, Ana Ruiz": someone of the sender's organization.
_OWN_ROLE_NAME = re.compile(
    r"(?i:\b(?:my|our|meine?|unser(?:e|en)?)\s+(?:[\w\-]+\s+){0,2}(?:colleague|coworker|co-worker|deputy|assistant|"
    r"backup|stand-in|manager|team lead|lead|pm|cto|ceo|developer|admin|kollegin|kollege|vertretung|stellvertreter(?:in)?))"
    r"[ \t]*[,:(]?[ \t]*([A-ZÀ-Þ][\w'’\-]+(?:[ \t]+[A-ZÀ-Þ][\w'’\-]+){0,3})"
)
_CAPITALIZED_NAME = re.compile(r"\b[A-ZÀ-Þ][\w'’\-]+(?:[ \t]+[A-ZÀ-Þ][\w'’\-]+){1,3}")
# Organization names whose first word is too common to mark the organization on its own.
_COMMON_ORG_WORDS = frozenset({"the", "der", "die", "das", "les", "la", "el", "il", "shop", "store", "online",
                               "digital", "global", "media", "group", "team", "studio", "europe", "international"})
SIGNATURE_GAP = 160  # characters between a name and its own contact details (or two of them)


def signature_gap(gap: str) -> bool:
    """Is ``gap`` what separates a name from its own contact details in a signature block?

    Separators, line breaks, a title, a company or street name, phone labels: yes. A sentence
    (more than one ordinary lowercase word), or a word that introduces someone else: no.
    """
    if len(gap) > SIGNATURE_GAP or gap.count("\n") > 6 or _THIRD_PARTY_WORDS.search(gap):
        return False
    words = [w for w in _GAP_WORD.findall(_GAP_STRIP.sub(" ", gap)) if w not in _GAP_OK_WORDS]
    return len(words) <= 1


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
        self._vendor_needles = [fold_keep_length(n.strip()) for n in (*vendor.staff, vendor.name, vendor.legal_name) if n]
        self.vendor_names = [n.strip().casefold() for n in (vendor.name, vendor.legal_name) if n and n.strip()]
        self._personas = {fold(p) for p in allow.test_personas}
        # A persona in a paragraph makes it test data: as whole words, and a one-word persona ("Alice")
        # only when no surname follows ("Alice Thornton" is a person).
        self._persona_res = [
            re.compile(r"(?<!\w)(?i:" + re.escape(p) + r")(?!\w)" + ("" if " " in p else r"(?![ \t]+[A-ZÀ-Þ][a-zß-ÿ'’\-]+)"))
            for p in (q.strip() for q in allow.test_personas) if p
        ]
        self._persona_tokens = [name_tokens(p) for p in allow.test_personas if len(name_tokens(p)) >= 2]

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
        if _LOCAL_EXAMPLE_DOMAIN.search(domain):
            return True  # example.es, beispiel.de, exemple.fr, esempio.it, voorbeeld.nl, przyklad.pl
        return domain.rsplit(".", 1)[-1] in self._doc_tlds

    def _test_record(self, text: str, start: int, end: int) -> bool:
        """Same paragraph as a test persona or a documentation-domain email: test data, not a person."""
        lo = text.rfind("\n\n", 0, start)
        hi = text.find("\n\n", end)
        para = text[max(0, lo, start - 200): min(len(text), hi if hi >= 0 else len(text), end + 200)]
        if any(rx.search(para) for rx in self._persona_res):
            return True
        return any(self._domain_is_doc(m.group(1)) for m in _EMAIL_DOMAIN.finditer(para))

    def _persona_split(self, value: str, text: str, start: int, end: int) -> bool:
        """``"firstName": "Max", "lastName": "Mustermann"``: a persona whose parts sit in nearby fields."""
        tokens = name_tokens(value)
        if not tokens:
            return False
        near = frozenset(re.findall(r"\w+", fold(text[max(0, start - 150):min(len(text), end + 150)])))
        return any(tokens <= pt and pt <= near for pt in self._persona_tokens)

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
        if _NO_REPLY.search(local) or (re.split(r"[-_.]", local)[-1] in self._roles and
                                       all(part in self._roles or part in _MAILBOX_WORDS for part in re.split(r"[-_.]", local))):
            return "role mailbox"  # billing-noreply, do_not_reply, support-team, shop.orders
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
        first = folded.split()[0] if folded.split() else ""
        if first in _SHOP_WORDS or (_BUSINESS_SUFFIX.search(first) and first not in _SHOP_SUFFIX_NAMES):
            return "shop or company name"
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

    def own_domains(self, sender: Sender | None) -> set[str]:
        """The sender organization's email domains (not freemail)."""
        if sender is None:
            return set()
        own = {d.lower() for d in sender.org_domains}
        if sender.email and "@" in sender.email:
            domain = sender.email.rpartition("@")[2].lower()
            if domain not in self._freemail:
                own.add(domain)
        return own

    def colleague_locals(self, text: str, sender: Sender | None) -> list[str]:
        """Local parts of the addresses at the sender organization's domains in ``text``."""
        own = self.own_domains(sender)
        if not own:
            return []
        out = []
        for m in _LOCAL_AT.finditer(text):
            domain = m.group(2).lower()
            if domain in own or any(domain.endswith("." + d) for d in own):
                out.append(fold(m.group(1)))
        return out

    def colleagues(self, text: str, sender: Sender | None) -> list[frozenset[str]]:
        """Names of the sender organization's people in ``text``: a name written next to an address
        at the organization's domain ("Jonas Reuter <jonas.reuter@kaufwerk.de>", "Ravi Menon
        (rmenon@...)"), a name introduced by a staff role in a transcript ("[10:03] Agent Grace Liu:"),
        and registered users. Each counts as the organization's identity for the whole message.
        """
        out: list[frozenset[str]] = []
        own = self.own_domains(sender)
        if own:
            for m in _NAME_BEFORE_EMAIL.finditer(text):
                domain = m.group(2).lower()
                if domain in own or any(domain.endswith("." + d) for d in own):
                    tokens = name_tokens(m.group(1))
                    if len(tokens) >= 2:
                        out.append(tokens)
        for rx in (_STAFF_SPEAKER, _OWN_ROLE_NAME):
            for m in rx.finditer(text):
                tokens = name_tokens(m.group(1))
                if tokens:
                    out.append(tokens)
        if sender is not None:
            out += [name_tokens(u) for u in sender.org_users if "@" not in u and name_tokens(u)]
        return out

    def is_colleague(self, value: str, text: str, sender: Sender | None) -> bool:
        return self._colleague_match(value, self.colleagues(text, sender), self.colleague_locals(text, sender))

    @staticmethod
    def _colleague_match(value: str, colleagues: list[frozenset[str]], locals_: list[str]) -> bool:
        tokens = name_tokens(value)
        if not tokens:
            return False
        if any(tokens <= c for c in colleagues):
            return True
        if len(tokens) < 2:
            return False
        for loc in locals_:
            if all(t in loc for t in tokens):
                return True
            # initials: "jreuter", "j.reuter", "reuter.j" for Jonas Reuter
            ordered = [t for t in re.split(r"[\s\-.,'’]+", fold(value)) if len(t) > 1]
            if ordered and len(ordered[-1]) > 2 and ordered[-1] in loc and loc.replace(ordered[-1], "").strip("._-") \
                    in {ordered[0][0], ordered[0][0] + "."}:
                return True
        return False

    def identity_anchors(self, text: str, sender: Sender | None) -> list[tuple[int, int]]:
        """Where the sender (or a colleague) names themselves: their full name, their organization,
        a closing followed by their first name, a colleague's name next to a colleague's address.

        Contact details that follow such an anchor across a signature-like gap are the sender
        organization's own (support terms: only *third parties'* personal data is rejected).
        """
        spans: list[tuple[int, int]] = []
        folded = fold_keep_length(text)
        needles: list[str] = list(self._vendor_needles)  # the vendor's staff and name sign their replies too
        first_names: set[str] = set()
        if sender is not None:
            if sender.name and len(name_tokens(sender.name)) >= 2:
                needles.append(fold_keep_length(sender.name.strip()))
            if sender.name:
                first_names |= {t for t in name_tokens(sender.name) if len(t) > 2}
            if sender.org:
                org = fold_keep_length(sender.org.strip())
                needles.append(org)
                core = org.split()[0] if org.split() else ""
                if len(core) >= 4 and core not in _COMMON_ORG_WORDS:
                    needles.append(core)
            if sender.email and "@" in sender.email:
                needles.append(fold_keep_length(sender.email))
            for user in sender.org_users:
                needles.append(fold_keep_length(user))
        for needle in needles:
            if not needle:
                continue
            for m in re.finditer(r"(?<![\w])" + re.escape(needle) + r"(?![\w])", folded):
                spans.append(m.span())
        for m in _CLOSING_NAME.finditer(text):
            tokens = name_tokens(m.group(1))
            if sender is None or not (sender.name or sender.email) or tokens & first_names or (
                    sender.email and any(t in fold(sender.email.split("@", 1)[0]) for t in tokens if len(t) > 2)):
                spans.append(m.span(1))
        spans += [m.span(1) for m in _OWN_ROLE_NAME.finditer(text)]
        colleagues, locals_ = self.colleagues(text, sender), self.colleague_locals(text, sender)
        if colleagues or locals_:
            for m in _CAPITALIZED_NAME.finditer(text):
                if len(name_tokens(m.group())) >= 2 and self._colleague_match(m.group(), colleagues, locals_):
                    spans.append(m.span())
        return sorted(spans)

    def _pasted_third_party_mail(self, text: str, layout: Layout, sender: Sender | None) -> bool:
        """The closing-marked block is signed by a person who is not the sender (nor the org, a
        colleague or the vendor), and the text before it introduces a third party's words."""
        name = layout.closing_name or ""
        if sender is None or not (sender.name or sender.email) or len(name_tokens(name)) < 2:
            return False
        if self._is_sender_name(name, sender) or self._person(name, sender) is not None:
            return False
        if sender.org and name_tokens(name) & name_tokens(sender.org):
            return False
        assert layout.signature is not None
        return bool(_PASTED_CUE.search(text, 0, layout.signature[0]))

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
        if _ZERO_SUBSCRIBER.search(digits):
            return "placeholder number (all-zero subscriber part)"
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
            if finding.type != "PRIVATE_KEY" and placeholder_shape(value):
                return "placeholder (shape)"
            if finding.type in _GENERIC_SECRETS and identifier_shape(value):
                return "identifier (UUID or payment object id)"
            if finding.type != "PRIVATE_KEY" and self.in_public_material(text, finding.start):
                return "public key or certificate"
            return None
        if layout is not None and finding.type in _PII_IN_SIGNATURE and layout.own_block(finding.start, finding.end):
            in_sig = layout.in_signature(finding.start, finding.end)
            if in_sig and layout.signature_name is None and layout.closing_name is not None \
                    and self._pasted_third_party_mail(text, layout, sender):
                pass  # a customer's mail pasted at the end, signed by the customer: not the sender's block
            elif layout.signature_name is None or not in_sig or self._is_sender_name(layout.signature_name, sender):
                return "sender's greeting or signature"
        kind = finding.type
        if kind == "EMAIL_ADDRESS":
            why = self._email(value, sender)
            if why is None and "@" in value:
                local = fold(value.split("@", 1)[0])
                if any(len(c) >= 2 and all(t in local for t in c) for c in self.colleagues(text, sender)):
                    return "colleague's address (named as the organization's)"
            return why
        if kind == "PERSON":
            why = self._person(value, sender)
            if why is None and finding.recognizer == "person" and _quoted_title(text, finding.start, finding.end):
                return "quoted title (product, page or campaign), not a person"
            if why is None and self._persona_split(value, text, finding.start, finding.end):
                return "test persona (first and last name in separate fields)"
            if why is None and self.is_colleague(value, text, sender):
                return "colleague (named with an address at the organization's domain, or as staff)"
            if why is not None:
                return why
        if kind == "PHONE_NUMBER":  # first-person numbers ("call me at") are the people model's
            why = self._phone(value, sender)
            if why is not None:
                return why
        if kind == "CREDIT_CARD":
            digits = _DIGITS.sub("", value)
            if digits in self._test_cards or digits in psp_test_cards():
                return "published test card"
            if test_range_shape(digits):
                return "test card range shape"
            if _TEST_CARD_CONTEXT.search(text, max(0, finding.start - 40), finding.start) or in_test_context(
                    text, finding.start, finding.end):
                return "labelled as a test card"
        if kind in _RECORD_PII and self._test_record(text, finding.start, finding.end):
            return "part of a test record (persona or documentation email)"
        if kind == "POSTAL_ADDRESS" and sender is not None and sender.org:
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
