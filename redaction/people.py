"""The relational person model: whose is each name, email, phone and postal address in a message?

Every person or contact finding is attributed to one party, from the message's *structure*
rather than word lists alone:

- ``sender``: the requester (their name, signature, first-person sentences: "call me at",
  "ruf mich an unter", "appelez-moi au", "bel me op", "chiamami al", "llámame al", "zadzwoń do
  mnie", "my mobile"), and their organization's own lines (the store's phone in a store report);
- ``colleague``: the sender organization's people (an address at its domain, "my colleague X",
  a colleague handing over with their number, the writer of a forwarded colleague's mail);
- ``vendor_staff``: the vendor's staff, domains, phone and address;
- ``third_party``: anyone else: the customer's customers, the writer of a forwarded or quoted
  mail that is not the sender's, a colleague's or the vendor's (``-----Ursprüngliche
  Nachricht-----``, ``Von:``/``De :``/``Van:``/``Da:``/``Od:``, "Am ... schrieb ...", "Le ... a
  écrit :", "Op ... schreef ..."), and the contact block under such a header;
- ``public``: not a private person's data: test personas, documentation examples, products,
  organizations, role mailboxes, public figures.

The message is cut into *zones* at every reply or forward header; each zone has a writer and the
writer's party. First-person contact data belongs to the zone's writer: in the sender's own text it
is the sender's, in a forwarded shopper's mail it is the shopper's. A candidate's source (NER,
lexicon, pattern) does not matter: attribution sees only offsets, types and the text around them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import phonenumbers

from redaction.context import ContextRules, name_tokens
from redaction.recognizers.person import name_shaped
from redaction.segments import HEADER_LINE, REPLY_HEADER, Layout
from redaction.types import Finding, Sender

Party = Literal["sender", "colleague", "vendor_staff", "third_party", "public"]
PARTIES: tuple[Party, ...] = ("sender", "colleague", "vendor_staff", "third_party", "public")
# Names and contact details, and the personal data that belongs to someone by the same structure.
PERSON_TYPES = frozenset({"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "POSTAL_ADDRESS", "IP_ADDRESS", "DATE_OF_BIRTH",
                          "IBAN_CODE"})


@dataclass(frozen=True, slots=True)
class Attribution:
    party: Party
    basis: str  # the structure (or rule) that decided it, never a value


@dataclass(frozen=True, slots=True)
class Zone:
    """A stretch of the message written by one writer: the sender's own text, or a quoted/forwarded mail."""

    start: int
    end: int
    party: Party | None  # None: a quoted or forwarded writer we cannot place
    basis: str
    writer_tokens: frozenset[str] = frozenset()


# -- first-person contact data, in the languages customers write ----------------------------------
_FIRST_PERSON = re.compile(
    r"(?i)(?:"
    # English
    r"\b(?:call|ring|text|phone|reach|contact|email|e-mail|mail|whatsapp|message|ping)\s+me\b|\bwrite\s+(?:to\s+)?me\b"
    r"|\bmy\s+(?:own\s+|private\s+|personal\s+|direct\s+|work\s+)?(?:phone|mobile|cell|cellphone|number|line|direct line"
    r"|landline|e-?mail|email address|address|whatsapp)\b|\bi(?:'m| am)\s+(?:\w+\s+)?(?:reachable|available)\b"
    r"|\breach me\b|\bget me\b|\bme directly\b"
    # German
    r"|\bruf(?:t|en sie|e)?\s+(?:mich|uns)\b|\bmich\s+(?:\w+\s+){0,3}(?:an|erreichen|anrufen|kontaktieren|zurückrufen)\b"
    r"|\b(?:erreichen|erreichst|erreicht|kontaktieren)\s+(?:sie|du|ihr)\s+mich\b|\bich bin\s+(?:\w+\s+){0,4}(?:erreichbar|zu erreichen)\b"
    r"|\b(?:erreichen|erreichst|erreicht|kontaktieren|anrufen|anrufe)\s+mich\b|\bmich\s+(?:\w+\s+)?(?:unter|auf|per|über|am)\b"
    r"|\bmeine[rn]?\s+(?:\w+\s+)?(?:handynummer|mobilnummer|telefonnummer|nummer|durchwahl|e-?mail(?:-?adresse)?|mailadresse|adresse)\b"
    r"|\bmein(?:em)?\s+(?:handy|telefon|festnetz|mobiltelefon)\b|\bschreib(?:t|en sie|e)?\s+mir\b|\bmelde?n?\s+(?:sie\s+)?(?:dich|euch|sich)\b"
    r"|\bunter meiner\b|\bmir\s+(?:\w+\s+)?(?:schreiben|eine mail)\b"
    # French
    r"|\b(?:appelez|appelle|rappelez|rappelle|contactez|contacte|joignez|écrivez|ecrivez|écris)[-\s]moi\b"
    r"|\bje suis\s+(?:\w+\s+){0,3}joignable\b|\b(?:me|m')\s*(?:joindre|contacter|rappeler|appeler|écrire|ecrire)\b"
    r"|\bm'appeler\b|\bm'écrire\b|\bmon\s+(?:portable|numéro|numero|téléphone|telephone|mobile|fixe|adresse|e-?mail|mail|tél|tel)\b"
    r"|\bma\s+(?:ligne|adresse)\b"
    # Dutch
    r"|\bbel\s+(?:me|mij)\b|\b(?:mail|app|sms|whatsapp)\s+(?:me|mij)\b|\b(?:me|mij)\s+(?:\w+\s+)?(?:bellen|bereiken|mailen|appen)\b"
    r"|\bik ben\s+(?:\w+\s+){0,4}bereikbaar\b|\bmijn\s+(?:\w+\s+)?(?:nummer|telefoonnummer|mobiel|mobiele nummer|gsm|e-?mail"
    r"|e-?mailadres|adres|06)\b"
    # Italian
    r"|\b(?:chiamami|chiamatemi|richiamami|richiamatemi|contattami|contattatemi|scrivimi|scrivetemi)\b|\bmi\s+(?:chiami|chiamate"
    r"|contatti|contattate|scriva|scrivete|potete|può|trovate|trova)\b|\bsono\s+(?:\w+\s+){0,3}raggiungibile\b"
    r"|\b(?:il mio|al mio)\s+(?:cellulare|numero|telefono|indirizzo|cell)\b|\bla mia\s+(?:e-?mail|mail)\b"
    # Spanish
    r"|\b(?:llámame|llamame|llámeme|llameme|llamadme|contáctame|contactame|contácteme|escríbeme|escribeme|escríbanme)\b"
    r"|\b(?:me|nos)\s+(?:pueden|puede|podéis|puedes)\s+(?:llamar|contactar|localizar|escribir)\b|\bestoy\s+(?:\w+\s+){0,3}(?:disponible|localizable)\b"
    r"|\bmi\s+(?:móvil|movil|número|numero|teléfono|telefono|celular|correo|e-?mail|dirección|direccion)\b"
    # Polish
    r"|\b(?:zadzwoń|zadzwon|zadzwońcie|napisz|napiszcie|dzwońcie|dzwoń)\s+do\s+mnie\b|\bjestem\s+(?:\w+\s+){0,3}dostępn[yaąe]\b"
    r"|\bm[óo]j\s+(?:\w+\s+)?(?:numer|telefon|tel|e-?mail|adres|komórka)\b|\bmoja\s+(?:komórka|poczta)\b|\bmoim\s+numerem\b"
    r"|\b(?:skontaktuj|skontaktujcie)\s+się\s+ze\s+mną\b|\bkontakt\s+(?:do|ze)\s+mn[ąa]\b|\bproszę\s+(?:o\s+)?(?:kontakt|telefon)\b"
    r")"
)
# Someone else's contact data in the same sentence: the first person is then talking about them.
_OTHER_PERSON = re.compile(
    r"(?i)\b(?:customers?|client[ea]?s?|buyers?|shoppers?|end[- ]?users?|recipients?|his|her|hers|him|their|she|he"
    r"|kund(?:e|in|en)|endkund\w*|seine?n?|klant\w*|zijn|haar|cliente?s?|acquirente|comprador[a]?|(?-i:son|sa|ses)"
    r"|klient\w*|jego|jej|the person|die person|la personne|de persoon|wife|husband|frau|mann|son|daughter)\b"
)
# A colleague handing over with their number: "my colleague X takes over, reach him on ...".
_HANDOVER = re.compile(
    r"(?i)\b(?:colleague|co-?worker|deputy|stand-in|replacement|backup|team ?mate|kollegin|kollege|vertretung|"
    r"stellvertret\w*|collègue|remplaçant\w*|collega|sostitut\w*|compañer[oa]|sustitut\w*|współpracownik\w*|koleżank\w*|"
    r"kolega|zastępc\w*|zastępstwo|vervanger|vervangster)\b"
)
_REACH_THEM = re.compile(
    r"(?i)\b(?:reach (?:him|her|them)|call (?:him|her|them)|contact (?:him|her|them)|(?:his|her|their) (?:number|mobile|phone|line|email)"
    r"|(?:ist|sind)\s+(?:\w+\s+){0,3}(?:erreichbar|zu erreichen)|erreichbar|erreichen sie (?:ihn|sie)|"
    r"joignable|le joindre|la joindre|bereikbaar|raggiungibile|localizable|disponible|dostępn\w*|"
    r"takes over|übernimmt|reprend|neemt\s+\w*\s*over|sostituisce|sustituye|zastępuje)\b"
)
# Words that name a customer (not pronouns: a handover speaks of "him" or "her").
_CUSTOMER = re.compile(
    r"(?i)\b(?:customers?|client[ea]?s?|buyers?|shoppers?|end[- ]?users?|recipients?|kund(?:e|in|en)|endkund\w*|"
    r"klant\w*|acquirente|comprador[a]?|klient\w*|käufer\w*|besteller\w*|acheteu\w*|koper|kupując\w*)\b"
)
# The organization's own premises and its opening hours: the store's phone in a store report.
_STORE_LINE = re.compile(
    r"(?i)\b(?:opening hours|store hours|business hours|öffnungszeiten|geöffnet|horaires|heures d'ouverture|"
    r"openingstijden|openingsuren|orari(?: di apertura)?|horario(?: de apertura)?|godziny otwarcia|"
    r"(?:our|unser\w*|notre|nos|onze|ons|il nostro|la nostra|nuestr[oa]s?|nasz[aey]?)\s+(?:[\w\-]+\s+){0,2}"
    r"(?:store|stores|shop|shops|branch|branches|outlet|location|showroom|filiale|filialen|laden|geschäft|markt|"
    r"magasin|boutique|agence|winkel|filiaal|vestiging|negozio|punto vendita|sede|tienda|sucursal|local|sklep|oddział|"
    r"salon|hotline|office|büro|bureau|kantoor|ufficio|oficina|biuro)"
    r"|(?:store|shop|branch|filiale|laden|magasin|winkel|filiaal|negozio|tienda|sklep)\s+(?:in\s+)?[A-ZÄÖÜ][\w\-]+\s+(?:is|ist|est|is|è|está|jest)?)"
)
_QUOTE_OPEN = re.compile(r"[\"“„«‚‘]|(?<!\w)'(?=\w)")
# "Telefoon winkel:", "Tel. Filiale", "store phone": the line is the store's, not a person's.
_STORE_PHONE_LABEL = re.compile(
    r"(?i)\b(?:(?:telefoon|telefon|telephone|téléphone|telefono|teléfono|phone|tel|tél|numer|nummer|numéro|numero)\.?"
    r"[ \t]+(?:\w+[ \t]+)?(?:winkel|filiale|filiaal|laden|store|shop|magasin|boutique|negozio|tienda|sklep\w*|geschäft|"
    r"büro|office|kantoor|bureau|ufficio|oficina|biuro|zentrale|hotline|reception|rezeption|accueil|balie)|"
    r"(?:winkel|filiale|filiaal|laden|store|shop|magasin|boutique|negozio|tienda|sklep|geschäft|büro|office|kantoor|"
    r"bureau|ufficio|oficina|biuro)[ \t]*(?:phone|telefoon|telefon|tel|tél|téléphone|telefono|teléfono|telefon)\b)"
    r"[^\n\d]{0,12}$"
)
# Opening hours in a block: "Ma-vr 07:00-18:00", "Mo–Fr 9–18 Uhr", "lun.-ven. 9h-19h".
_HOURS = re.compile(r"(?i)\b\d{1,2}(?:[:.]\d\d|h)?[ \t]*(?:-|–|bis|à|a|to|tot)[ \t]*\d{1,2}(?:[:.]\d\d|h)(?:[ \t]*uhr)?\b"
                    r"|\b\d{1,2}[ \t]*(?:-|–)[ \t]*\d{1,2}[ \t]*uhr\b")
# Review author lines and rating rows: "— Sabine K., 5 Sterne, 28.11.2026", "5★  "Top"  Ralf Dannenberg  02.12.2026".
_RATING = re.compile(
    r"[★☆⭐]|\b[1-5](?:[.,]\d)?[ \t]*(?:/[ \t]*5|sterne|stars?|étoiles?|sterren|stelle|estrellas|gwiazdk\w*)\b"
    r"|\b(?:verifizierte[rn]? kauf|verified (?:purchase|buyer)|achat vérifié|geverifieerde aankoop|acquisto verificato"
    r"|compra verificada|zweryfikowany zakup)\b",
    re.IGNORECASE,
)
_DATE = re.compile(r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{4}-\d\d-\d\d\b")
_REVIEW_DASH = re.compile(r"(?m)^[ \t>]*[—–][ \t]*")
_QUOTED = re.compile(r"\"[^\"\n]{0,80}\"|“[^”\n]{0,80}”|„[^“”\n]{0,80}[“”]|«[^»\n]{0,80}»")
_ROW_NAME = re.compile(
    r"(?<![\w.@/])([A-ZÀ-ÞŁŚŻŹĆŃ][a-zß-ÿłśżźćńęąő'’\-]+(?:[ \t](?:(?:van|von|de|der|den|da|di|del|le|la)[ \t])?"
    r"[A-ZÀ-ÞŁŚŻŹĆŃ][a-zß-ÿłśżźćńęąő'’\-]+){1,2}|[A-ZÀ-ÞŁŚŻŹĆŃ][a-zß-ÿłśżźćńęąő'’\-]+[ \t][A-ZÀ-ÞŁŚŻŹĆŃ]\.)(?![\w@])"
)
# A sentence ends at ".", "!" or "?" (not after an abbreviation: "Tel. 040 ...", "ca. 10 min"), a blank
# line or a list item.
_SENTENCE_START = re.compile(
    r"(?<!\b[Tt]el)(?<!\b[Tt]él)(?<!\b[Nn]r)(?<!\b[Nn]o)(?<!\b[Cc]a)(?<!\bStr)(?<!\bstr)(?<!\b[Mm]ob)(?<!\b[Ff]ax)"
    r"(?<!\b[Tt]lf)(?<!\b[Tt]fn)(?<!\bul)(?<!\bDr)(?<!\bHr)(?<!\bFr)(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\bSt)(?<!\bz\.B)(?<!\bbzw)"
    r"(?<!\bggf)(?<!\binkl)(?<!\bcell)(?<!\bcel)(?<!\btfno)(?<!\bTfno)"
    r"[.!?]\s|\n\s*\n|\n(?=\s*[-*•>])"
)
_NAME_IN_HEADER = re.compile(
    r"([A-ZÀ-ÞŁŚŻŹĆŃ][\w'’\-]+(?:[ \t]+(?:(?:van|von|de|der|den|da|di|del|le|la)[ \t]+)?[A-ZÀ-ÞŁŚŻŹĆŃ][\w'’\-]+){1,3})"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_FROM = re.compile(r"(?im)^[ \t>]*(?:from|von|de|van|da|od|absender)[ \t]?:[ \t]*(.+)$")
_WROTE = re.compile(
    r"(?i)(?:wrote|schrieb|a [ée]crit|schreef|ha scritto|escribi[óo]|napisa\w*|skrev)\b"
)
# Words in a header line that are no one's name (weekdays, months, "Am", "Le").
_HEADER_NOISE = frozenset(
    "am on le op il el w den mon tue wed thu fri sat sun montag dienstag mittwoch donnerstag freitag samstag sonntag "
    "lundi mardi mercredi jeudi vendredi samedi dimanche maandag dinsdag woensdag donderdag vrijdag zaterdag zondag "
    "lunedì martedì mercoledì giovedì venerdì sabato domenica lunes martes miércoles jueves viernes sábado domingo "
    "poniedziałek wtorek środa czwartek piątek sobota niedziela january february march april may june july august "
    "september october november december januar februar märz juni juli oktober dezember janvier février mars avril "
    "mai juin juillet août septembre octobre novembre décembre januari februari maart mei augustus gennaio febbraio "
    "marzo aprile maggio giugno luglio agosto settembre ottobre dicembre enero febrero abril mayo junio julio "
    "septiembre octubre noviembre diciembre stycznia lutego marca kwietnia maja czerwca lipca sierpnia września "
    "października listopada grudnia um at à om alle a las o".split()
)


# A number alone on a line of a contact block (optionally after a short phone label).
_NUMBER_LINE = re.compile(
    r"(?im)^[ \t>]*(?:(?:tel|tél|phone|mobile|mob|cell|handy|telefon|tlf|gsm|cel|cellulare|móvil|movil|tfn|fon|t|m)"
    r"\.?[ \t]*:?[ \t]*)?(\+?\(?\d[\d \-./()]{5,18}\d)[ \t]*$"
)
_BLOCK_REGIONS = ("DE", "FR", "NL", "BE", "IT", "ES", "PL", "GB", "AT", "CH", "DK", "SE", "US")


def _valid_phone(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    if not 7 <= len(digits) <= 15 or re.search(r"0{6,}$", digits) or re.match(r"^\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}$", value):
        return False
    for region in ((None,) if value.startswith("+") else _BLOCK_REGIONS):
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(value, region)):
                return True
        except phonenumbers.NumberParseException:
            continue
    return False


# Capitalized words in rating rows that are not names (titles, German nouns, UI words).
_NOT_NAME_TOKENS = frozenset(
    "top super gut sehr toll schnelle lieferung bewertung bewertungen sterne stars star produkt produkte qualität "
    "service versand preis leistung great good bad best worst fast slow review reviews rating ratings product "
    "verified purchase kauf achat commande qualité livraison très bien goed snel prima product levering ottimo "
    "buono prodotto spedizione excelente bueno producto envío świetny dobry produkt dostawa jakość admin widget "
    "storefront shop store nordlicht checkout".split()
)


_NAME_BEFORE = re.compile(
    r"(?<![\w@.])([A-ZÀ-ÞŁŚŻŹĆŃ][\w'’]+(?:-[A-ZÀ-ÞŁŚŻŹĆŃ][\w'’]+)?(?:[ \t]+(?:(?:van|von|de|der|den|da|di|del|le|la|ten|ter)"
    r"[ \t]+)?[A-ZÀ-ÞŁŚŻŹĆŃ][\w'’]+(?:-[A-ZÀ-ÞŁŚŻŹĆŃ][\w'’]+)?){1,3})"
    r"[ \t]*(?:[,;:(<\[|–—-]|(?i:dob|d\.o\.b\.|geb\.|geboren|born|né|née|nato|nata|nacido|nacida|ur\.)[ \t]*:?|"
    r"(?i:tel\.?|phone|mobile|mail|e-mail|email|handy|gsm|tél\.?))?[ \t]*(?:mailto:)?\Z"
)
# Words that start a capitalized run without being a name ("Bitte Anna", "Hi Tom", "Kunde Max").
_LEADING_NOT_NAME = frozenset(
    "hi hallo hello dear liebe lieber bonjour hola ciao hoi beste cześć kunde kundin customer client cliente klant "
    "klient contact kontakt email mail phone telefon tel from von de van da od to an cc re fwd aw wg".split()
)
_NAME_LINE_TOKEN = re.compile(r"^(?:[A-ZÀ-ÞŁŚŻŹĆŃ][\w'’\-]*\.?|van|von|de|der|den|da|di|del|le|la|ten|ter)$")


def _name_line(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of a line holding only a person's name ("Heidi Zumbühl", "HEIKE OSTERTAG", "> Jan de Vries")."""
    line = text[start:end]
    stripped = line.lstrip(" \t>")
    lead = len(line) - len(stripped)
    stripped = stripped.rstrip(" \t,")
    tokens = stripped.split()
    if not 2 <= len(tokens) <= 4 or any(c.isdigit() for c in stripped) or ":" in stripped:
        return None
    if not all(_NAME_LINE_TOKEN.match(t) for t in tokens) or sum(t[:1].isupper() for t in tokens) < 2:
        return None
    low = [t.lower().strip(".") for t in tokens]
    if low[0] in _NOT_NAME_TOKENS or any(t in _BLOCK_NOT_NAME for t in low):
        return None
    return start + lead, start + lead + len(stripped)


# Lines above an address that are not a person: labels, companies, departments.
_BLOCK_NOT_NAME = frozenset(
    "gmbh ag kg ug ltd llc inc sarl sas srl spa bv nv sl sa oy ab aps co company firma shop store warehouse lager "
    "abteilung department service support team versand retouren returns kundenservice customer billing shipping "
    "rechnung lieferung adresse address straße strasse street postfach packstation filiale".split()
)


def _paragraph(text: str, pos: int, zone: Zone) -> str:
    lo = text.rfind("\n\n", zone.start, pos)
    hi = text.find("\n\n", pos, zone.end)
    return text[(lo + 2 if lo >= 0 else zone.start):(hi if hi >= 0 else zone.end)]


def _first_person(text: str, start: int, zone_start: int) -> bool:
    """Is the contact detail at ``start`` given in a first-person sentence ("call me at ...")?"""
    lo = max(zone_start, start - 120)
    window = text[lo:start]
    cut = 0
    for m in _SENTENCE_START.finditer(window):
        cut = m.end()
    sentence = window[cut:]
    cues = list(_FIRST_PERSON.finditer(sentence))
    if not cues:
        return False
    m = cues[-1]  # the last cue before the number counts
    # "the customer writes: 'call me at ...'": someone else's first person, quoted by the sender.
    if _CUSTOMER.search(sentence, 0, m.start()) or _QUOTE_OPEN.search(sentence, 0, m.start()):
        return False
    return not _OTHER_PERSON.search(sentence, m.end())


# The first person as the subject, with the reach word after the number ("Ich bin unter ... erreichbar",
# "Ik ben op ... bereikbaar", "I'm on ... all day").
_SELF_SUBJECT = re.compile(r"(?i)\b(?:ich|bin|je|j'|ik|io|sono|yo|estoy|ja|jestem|i|i'm|i am)\b")
_REACH_AFTER = re.compile(
    r"(?i)[^.!?\n]{0,30}\b(?:erreichbar|zu erreichen|bereikbaar|joignable|raggiungibile|localizable|disponible|"
    r"dostępn\w*|reachable|available|anrufen|an)\b"
)
# Asking for a call back: the number is the sender's ("Bitte um Rückruf unter ...", "please call back on ...").
_CALLBACK = re.compile(
    r"(?i)\b(?:rückruf\w*|zurückrufen|call ?back|callback|ring back|rappel(?:er|ez|le)?|me rappeler|terugbel\w*|"
    r"terug te bellen|richiam\w*|devu[ée]lveme la llamada|devolver la llamada|oddzwo\w*)\b"
)


# "as X said", "wie X sagte", "comme disait X", "come diceva X", "como dijo X", "jak mówił X", "zoals X zei".
_PUBLIC_BEFORE = re.compile(r"(?i)\b(?:as|like|wie|schon|comme|come|como|jak|zoals|so)\s+\Z")
_PUBLIC_AFTER = re.compile(
    r"(?i)['’]?s?\s*(?:once\s+|einmal\s+|schon\s+)?(?:said|says|put it|would say|famously|sagte|sagt|meinte|"
    r"disait|a dit|dit|diceva|ha detto|disse|decía|dijo|mówił|powiedział|zei|zegt|schreef|schrieb|wrote)\b"
)
_QUOTE_BY = re.compile(
    r"(?i)\b(?:quote (?:by|from)|zitat von|citation de|citazione di|cita de|cytat z|citaat van|in the words of|"
    r"mit den worten von|selon les mots de|frei nach|d'après|(?:comme|come|como|jak|zoals|wie) (?:disait|diceva|"
    r"decía|dijo|mówił|zei|sagte|schon)|to quote)\s+\Z"
)


def _sentence_after(text: str, end: int, zone_end: int, size: int = 100) -> str:
    window = text[end:min(zone_end, end + size)]
    m = re.search(r"[.!?](?:\s|$)|\n", window)
    return window[:m.start()] if m else window


_STORE_WORD = re.compile(
    r"(?i)\b(?:store|shop|branch|filiale|filialen|laden|geschäft|markt|magasin|boutique|agence|winkel|filiaal|vestiging|"
    r"negozio|punto vendita|tienda|sucursal|sklep|oddział|showroom|outlet)\b"
)
_CLOSING_LINE = re.compile(
    r"(?im)^[ \t>]*(?:--|(?:[\w'’ ]{0,20}\s)?(?:regards|grüße|grüßen|grüsse|gruß|gruss|cheers|thanks|danke|merci|"
    r"cordialement|saluti|grazie|groeten|groet|saludos|pozdrawiam|pozdrowienia|best|lg|vg|mfg)\b)[^\n]{0,40}$"
)


def _line_of(text: str, pos: int) -> str:
    lo = text.rfind("\n", 0, pos) + 1
    hi = text.find("\n", pos)
    return text[lo:hi if hi >= 0 else len(text)]


def _in_zone_signature(text: str, f: Finding, zone: Zone) -> bool:
    """Below the last closing line of a forwarded or quoted mail (its writer's signature block)."""
    closing = None
    for m in _CLOSING_LINE.finditer(text, zone.start, f.start):
        closing = m
    return closing is not None and f.start - closing.end() <= 200 and text.count("\n", closing.end(), f.start) <= 6


def _sentence_before(text: str, start: int, zone_start: int, size: int = 160) -> str:
    window = text[max(zone_start, start - size):start]
    cut = 0
    for m in _SENTENCE_START.finditer(window):
        cut = m.end()
    return window[cut:]


class PeopleModel:
    """Attributes person and contact findings to a party; built once per redactor."""

    def __init__(self, rules: ContextRules) -> None:
        self.rules = rules

    # -- zones -------------------------------------------------------------------------------------

    def zones(self, text: str, layout: Layout, sender: Sender | None) -> list[Zone]:
        starts = self._header_starts(text, layout)
        zones: list[Zone] = []
        first = starts[0] if starts else len(text)
        zones.append(Zone(0, first, "sender", "the sender's own text"))
        for i, s in enumerate(starts):
            e = starts[i + 1] if i + 1 < len(starts) else len(text)
            zones.append(self._quoted_zone(text, s, e, sender))
        return zones

    @staticmethod
    def _header_starts(text: str, layout: Layout) -> list[int]:
        starts: list[int] = []
        lines: list[tuple[int, int]] = []
        pos = 0
        for raw in text.splitlines(keepends=True):
            lines.append((pos, pos + len(raw.rstrip("\r\n"))))
            pos += len(raw)
        prev_header = False
        for i, (s, e) in enumerate(lines):
            line = text[s:e]
            is_header = bool(REPLY_HEADER.match(line))
            if not is_header and _FROM.match(line) and i + 1 < len(lines):
                nxt = text[lines[i + 1][0]:lines[i + 1][1]]
                is_header = bool(HEADER_LINE.match(nxt)) or (i > 0 and bool(REPLY_HEADER.match(text[lines[i - 1][0]:lines[i - 1][1]])))
            if is_header and not prev_header:
                starts.append(s)
            prev_header = is_header or (prev_header and bool(HEADER_LINE.match(line)))
        if layout.top_end < len(text) and (not starts or layout.top_end < starts[0]):
            starts.insert(0, layout.top_end)  # quoted lines ("> ...") without a header
        return starts

    def _quoted_zone(self, text: str, start: int, end: int, sender: Sender | None) -> Zone:
        head = text[start:min(end, start + 600)]
        head_lines = head.split("\n")[:8]
        writer_line = ""
        for line in head_lines:
            m = _FROM.match(line)
            if m:
                writer_line = m.group(1)
                break
            if REPLY_HEADER.match(line) and _WROTE.search(line):
                writer_line = line
                break
        if not writer_line:
            return Zone(start, end, None, "quoted or forwarded text without a writer")
        email_m = _EMAIL.search(writer_line)
        names = [m.group(1) for m in _NAME_IN_HEADER.finditer(_EMAIL.sub(" ", writer_line))]
        names = [n for n in names if not all(t in _HEADER_NOISE for t in name_tokens(n))]
        name = names[-1] if names else None
        tokens = name_tokens(name) - _HEADER_NOISE if name else frozenset()
        party, basis = self._writer_party(name, email_m.group() if email_m else None, text, sender)
        return Zone(start, end, party, basis, frozenset(tokens))

    def _writer_party(self, name: str | None, email: str | None, text: str,
                      sender: Sender | None) -> tuple[Party | None, str]:
        if email:
            why = self.rules._email(email, sender)
            if why == "sender":
                return "sender", "forwarded or quoted mail from the sender's address"
            if why in ("sender organization domain", "registered user"):
                return "colleague", "forwarded or quoted mail from the sender organization's domain"
            if why == "vendor domain":
                return "vendor_staff", "quoted reply from the vendor's domain"
            if why in ("role mailbox", "machine account", "documentation domain"):
                return "public", f"forwarded or quoted mail from a {why}"
        if name:
            why = self.rules._person(name, sender)
            if why == "vendor staff":
                return "vendor_staff", "quoted reply from the vendor's staff"
            if why in ("sender or registered user", "sender (from email address)"):
                return "sender", "forwarded or quoted mail written by the sender"
            if why == "product or organization name" or why == "sender organization":
                return "public", "forwarded or quoted mail from an organization"
            if self.rules.is_colleague(name, text, sender):
                return "colleague", "forwarded or quoted mail from a colleague"
        if email or name:
            return "third_party", "forwarded or quoted mail from a third party"
        return None, "quoted or forwarded text without a writer"

    @staticmethod
    def zone_at(zones: Sequence[Zone], pos: int) -> Zone:
        for z in reversed(zones):
            if z.start <= pos:
                return z
        return zones[0]

    # -- decisions from structure ---------------------------------------------------------------

    @staticmethod
    def writer_names(text: str, zones: Sequence[Zone]) -> Iterator[tuple[int, int]]:
        """The writer of a forwarded or quoted third-party mail, wherever the zone names them in full
        (the "Von:" / "a écrit" line, their signature)."""
        for z in zones:
            if z.party != "third_party" or len(z.writer_tokens) < 2:
                continue
            for m in _NAME_IN_HEADER.finditer(text, z.start, z.end):
                if name_tokens(m.group(1)) == z.writer_tokens:
                    yield m.span(1)

    @staticmethod
    def address_companions(text: str, addresses: Sequence[tuple[int, int]]) -> Iterator[tuple[str, int, int, str]]:
        """The name line above a third party's postal address and the phone line under it: one
        contact block ("Heidi Zumbühl / Bahnhofstrasse 3 / 6003 Luzern / 041 210 48 77")."""
        for s, e in addresses:
            line_start = text.rfind("\n", 0, s) + 1
            first_end = text.find("\n", s)
            first_end = len(text) if first_end < 0 else first_end
            own_line = text[line_start:first_end]
            if first_end < e and not re.search(r"\d", own_line):
                span = _name_line(text, line_start, first_end)  # the street pattern took in the name line
            elif line_start > 0:
                prev_start = text.rfind("\n", 0, line_start - 1) + 1
                span = _name_line(text, prev_start, line_start - 1)
            else:
                span = None
            if span is not None:
                yield "PERSON", span[0], span[1], "name line of an address block"
            pos = e
            for _ in range(2):  # the next lines: a phone alone on its line
                m = _NUMBER_LINE.match(text, pos + 1) if pos < len(text) and text[pos] == "\n" else None
                if m is None:
                    nl = text.find("\n", pos)
                    if nl < 0 or text[pos:nl].strip():
                        break
                    pos = nl
                    continue
                if _valid_phone(m.group(1)):
                    yield "PHONE_NUMBER", m.start(1), m.end(1), "phone line of an address block"
                break

    @staticmethod
    def names_beside(text: str, anchors: Sequence[tuple[int, int]]) -> Iterator[tuple[int, int]]:
        """The name written right before a third party's email, phone or birth date on one line:
        their name ("Christophe Barbier, 07 84 ...", "Enrique Domínguez (e.dominguez@...)",
        "Alice Thornton     a.thornton@...", "Fiona MacLeod DOB 29/02/1984")."""
        for s, _e in anchors:
            line_start = text.rfind("\n", 0, s) + 1
            lo = max(line_start, s - 70)
            m = _NAME_BEFORE.search(text, lo, s)
            if m is None:
                continue
            value = m.group(1)
            tokens = value.split()
            low = [t.lower() for t in tokens]
            if low[0] in _NOT_NAME_TOKENS or low[0] in _LEADING_NOT_NAME or any(t in _BLOCK_NOT_NAME for t in low):
                continue
            while len(tokens) > 2 and not name_shaped(" ".join(tokens)):
                tokens.pop()  # "Callum MacInnes DOB": a capitalized label after the name
            if not name_shaped(" ".join(tokens)):
                continue
            yield m.start(1), m.start(1) + len(" ".join(tokens)) if " ".join(tokens) == value[:len(" ".join(tokens))] \
                else m.end(1)

    @staticmethod
    def review_authors(text: str) -> Iterator[tuple[int, int, str]]:
        """Names in review author lines and rating rows: shoppers, whoever pasted them."""
        if not _RATING.search(text) and not _REVIEW_DASH.search(text):
            return
        pos = 0
        for line in text.split("\n"):
            start = pos
            pos += len(line) + 1
            dash = _REVIEW_DASH.match(line)
            rating = _RATING.search(line)
            if not rating and not (dash and _DATE.search(line)):
                continue
            masked = _QUOTED.sub(lambda m: " " * len(m.group()), line)
            for m in _ROW_NAME.finditer(masked, dash.end() if dash else 0):
                if dash and m.start() != dash.end():
                    break  # "— Name, ...": the author comes first
                tokens = m.group(1).split()
                if any(t.lower().strip(".") in _NOT_NAME_TOKENS for t in tokens) or not (
                        name_shaped(m.group(1)) or tokens[-1].endswith(".")):
                    continue
                yield start + m.start(1), start + m.end(1), "review author" if dash else "name in a rating row"
                if dash:
                    break

    @staticmethod
    def contact_block_phones(text: str, zones: Sequence[Zone]) -> Iterator[tuple[int, int]]:
        """Numbers alone on a line of a forwarded or quoted third party's mail: their phone
        (the signature block under "Von:" / "De :" / "Op ... schreef"), even without a phone word."""
        for z in zones:
            if z.party != "third_party":
                continue
            for m in _NUMBER_LINE.finditer(text, z.start, z.end):
                if _valid_phone(m.group(1)):
                    yield m.span(1)

    def own_by_structure(self, text: str, f: Finding, zone: Zone) -> str | None:
        """A reason when ``f`` (standing so far) belongs to the zone's own writer by structure."""
        if zone.party not in ("sender", "colleague", "vendor_staff"):
            return None
        who = {"sender": "sender", "colleague": "colleague", "vendor_staff": "vendor staff"}[zone.party]
        if f.type in ("PHONE_NUMBER", "EMAIL_ADDRESS", "POSTAL_ADDRESS"):
            if _first_person(text, f.start, zone.start):
                return f"first-person contact ({who})"
            sentence = _sentence_before(text, f.start, zone.start)
            after = _sentence_after(text, f.end, zone.end)
            if f.type != "POSTAL_ADDRESS" and not _THIRD(sentence + " " + after) and (
                    (_SELF_SUBJECT.search(sentence) and _REACH_AFTER.match(after)) or _CALLBACK.search(sentence)):
                return f"first-person contact ({who})"  # "Ich bin unter ... erreichbar", "Bitte um Rückruf: ..."
            whole = sentence + " " + after
            if _HANDOVER.search(whole) and _REACH_THEM.search(whole) and not _THIRD(whole):
                return "colleague handing over with their contact details"
            if f.type == "PHONE_NUMBER" and not _THIRD(sentence):
                paragraph = _paragraph(text, f.start, zone)
                hours = len(_HOURS.findall(paragraph))
                if (_STORE_LINE.search(sentence) or _STORE_PHONE_LABEL.search(text, max(zone.start, f.start - 60), f.start)
                        or hours >= 2 or (hours and _STORE_WORD.search(paragraph))):
                    return "the organization's own line (store or office)"
            if zone.start > 0 and _in_zone_signature(text, f, zone) and not _THIRD(_line_of(text, f.start)):
                return f"the {who}'s signature in their forwarded or quoted mail"
        return None

    @staticmethod
    def public_by_structure(text: str, f: Finding) -> str | None:
        """A name quoted in passing ("as Steve Jobs said", "wie Goethe sagte", "comme disait ...") is a
        public figure's, not a third party's personal data."""
        if f.type != "PERSON":
            return None
        before = text[max(0, f.start - 40):f.start]
        if _CUSTOMER.search(before) or _CUSTOMER.search(text, f.end, min(len(text), f.end + 15)):
            return None
        if _PUBLIC_BEFORE.search(before) and _PUBLIC_AFTER.match(text, f.end, min(len(text), f.end + 40)):
            return "public figure quoted in passing"
        if _QUOTE_BY.search(before):
            return "public figure quoted in passing"
        return None

    def third_party_by_structure(self, f: Finding, zone: Zone, text: str) -> str | None:
        """A reason when a weak person candidate is a third party's by structure."""
        if f.type != "PERSON" or zone.party != "third_party" or not zone.writer_tokens:
            return None
        tokens = name_tokens(text[f.start:f.end])
        if tokens and tokens <= zone.writer_tokens and len(zone.writer_tokens) >= 2:
            return "writer of a forwarded or quoted third-party mail"
        return None

    # -- attribution ---------------------------------------------------------------------------

    def attribute(self, f: Finding, reason: str | None, zone: Zone, threshold: float) -> Attribution | None:
        """Whose ``f`` is (``None`` for other types and for weak candidates that are no finding)."""
        if f.type not in PERSON_TYPES:
            return None
        if reason is None and f.score < threshold:
            return None
        if reason is not None:
            return Attribution(*_party_of_reason(reason, zone))
        if zone.party == "third_party":
            return Attribution("third_party", zone.basis)
        if zone.party is None:
            return Attribution("third_party", f"{zone.basis}; {f.recognizer}")
        return Attribution("third_party", f"third-party cue or shape ({f.recognizer})")


def _THIRD(sentence: str) -> bool:  # noqa: N802 - reads like a predicate in the rules above
    if _HANDOVER.search(sentence):
        return bool(_CUSTOMER.search(sentence))
    return bool(_OTHER_PERSON.search(sentence))


_REASON_PARTY: tuple[tuple[str, Party], ...] = (
    ("vendor", "vendor_staff"),
    ("colleague", "colleague"),
    ("sender organization domain", "colleague"),
    ("organization's own line", "sender"),
    ("sender", "sender"),
    ("registered user", "colleague"),
    ("test", "public"),
    ("persona", "public"),
    ("placeholder", "public"),
    ("documentation", "public"),
    ("example", "public"),
    ("public", "public"),
    ("role mailbox", "public"),
    ("machine account", "public"),
    ("not a name", "public"),
    ("organization", "public"),
)


def _party_of_reason(reason: str, zone: Zone) -> tuple[Party, str]:
    low = reason.lower()
    if "first-person contact" in low:
        party: Party = "colleague" if "colleague" in low else "vendor_staff" if "vendor" in low else "sender"
        return party, reason
    if "greeting or signature" in low and zone.party in ("colleague", "vendor_staff"):
        return zone.party, reason
    for needle, party in _REASON_PARTY:
        if needle in low:
            return party, reason
    return "public", reason

