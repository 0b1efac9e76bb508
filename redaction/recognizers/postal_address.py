"""Postal addresses of people: a street with a house number (German, English, French, Dutch and
Scandinavian street words), a postal code with a city, or an address block after a shipping or
billing label ("Ship to:", "Lieferadresse:").

A company's address (the sender's imprint, a warehouse, a store) is not personal data, so a
street alone scores below the threshold: personal context ("ship to", "lives at", "her address",
"customer") lifts it, organization words nearby ("GmbH", "Inc.", "office", "warehouse") drop it,
and the engine links it to a third party's name or contact details next to it.
"""

import re

from redaction.recognizers.base import PatternSpec, Rule

_UP = "A-ZÄÖÜÉÈÀÂÊÎÔÛÇÁÍÓÚÑŁŚŻŹĆŃĘĄŠČŘŽĎŤŇÅØÆŞĞİ"
_LO = "a-zäöüßéèàçâêîôûëïüáíóúñłśżźćńęąšžčřďťňåøæışğ"
_DE_STREET = (
    rf"(?:[{_UP}][{_LO}\-]+[ \t])?[{_UP}][{_LO}\-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|"
    rf"steig|pfad|chaussee|markt|graben)\s?\d{{1,4}}\s?[a-zA-Z]?(?![\w\-])"
)
_DE_STREET_SPLIT = (
    rf"[{_UP}][{_LO}\-]+(?:e|er|sche)?\s(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Ring|Damm)\s\d{{1,4}}\s?[a-zA-Z]?\b"
)
_EN_STREET = (
    r"\b\d{1,5}[A-Za-z]?\s+(?:[NSEWnsew]\.?\s)?(?:[A-Za-z][A-Za-z'\-]+\s){1,3}(?i:Street|St\.?|Avenue|Ave\.?|Road|Rd\.?"
    r"|Boulevard|Blvd\.?|Lane|Ln\.?|Drive|Dr\.?|Court|Ct\.?|Way|Place|Pl\.?|Terrace|Close|Crescent|Parkway|Pkwy\.?|Square"
    r"|Sq\.?|Highway|Hwy\.?|Row|Gardens|Grove|Mews)(?![\w])"
)
_FR_STREET = (
    r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s(?i:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|cours)\s"
    r"(?:(?i:de|du|des|la|le|l'|d')\s?)?[A-ZÉÈ][\w\-']+(?:\s[A-ZÉÈ][\w\-']+){0,3}"
)
_IT_ES_STREET = (
    r"(?<![\w.])(?i:via|viale|piazza|corso|calle|carrer|avenida|avinguda|plaza|paseo|rua|ul\.|ulica|al\.|aleja|vul\.|"
    r"vulytsia|kv\.|str\.|strada|bulevardul|ulitsa)\s(?:[^\W\d_][\w'\-]*\.?\s){1,4}\d{1,4}[a-zA-Z]?"
    r"(?:/\d{1,4}[a-zA-Z]?)?(?![\w])"
)
# German streets named by a preposition: "Am Rosengarten 3", "An der Alster 12", "Im Winkel 4".
_DE_PREP_STREET = (
    rf"\b(?:Am|An der|An den|Im|In der|In den|Auf der|Auf dem|Zum|Zur|Unter den|Hinter der|Vor dem|Alte|Alter|Neue|Neuer)"
    rf"\s[{_UP}][{_LO}\-]+(?:\s[{_UP}][{_LO}\-]+)?\s\d{{1,4}}\s?[a-zA-Z]?\b"
)
_NL_STREET = rf"\b[{_UP}][{_LO}]+(?:straat|laan|gracht|plein|kade|gatan|vägen|gade|vej|veien)\s\d{{1,4}}[a-zA-Z]?\b"
_LABEL_BLOCK = (
    r"(?im)^[ \t*\-]*(?:ship(?:ping)? to|deliver(?:y)? to|bill(?:ing)? to|sold to|shipping address|billing address"
    r"|delivery address|home address|lieferadresse|rechnungsadresse|lieferanschrift|adresse de livraison|empfänger|empfaenger"
    r"|zustelladresse|versandadresse|anschrift|recipient|destinataire|adresse de facturation|adresse postale|afleveradres"
    r"|bezorgadres|verzendadres|factuuradres|ontvanger|indirizzo di spedizione|indirizzo di consegna|destinatario"
    r"|dirección de envío|direccion de envio|dirección de entrega|adres dostawy|adres do wysyłki|odbiorca|adresat)[ \t]*:[ \t]*\n?"
    r"((?:[ \t]*[^\n:]{3,60}\n){0,4}[ \t]*[^\n:]*\d[^\n:]{1,60})"
)

_STREET_ANY = "(?:" + "|".join((_DE_STREET, _DE_STREET_SPLIT, _DE_PREP_STREET, _EN_STREET, _FR_STREET, _IT_ES_STREET, _NL_STREET)) + ")"
_POSTCODE_CITY = (
    rf"(?:(?:[A-Z]{{1,2}}-)?(?:\d{{4,5}}|\d{{2}}-\d{{3}}|\d{{4}}-\d{{3}})(?:[ \t]?[A-Z]{{2}})?[ \t]+[{_UP}][{_LO}\-]+(?:[ \t][{_UP}][{_LO}\-]+)?"
    r"|[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2}(?:[ \t][A-Z][a-z]+)?|[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?,[ \t][A-Z]{2}[ \t]\d{5}(?:-\d{4})?"
    rf"|[{_UP}][{_LO}\-]+(?:[ \t][{_UP}][{_LO}\-]+)?[ \t][A-Z]{{1,2}}\d[A-Z\d]?[ \t]\d[A-Z]{{2}})"
)
# Floor, door, flat or suite between the street and the postcode: "3º B", "m. 15", "Apt 4B", "2e étage".
_UNIT = (
    r"(?:[ \t]*,?[ \t]*(?:\d{1,3}[ \t]?[º°ª][ \t]?[A-Za-z0-9]{0,3}|(?i:apt|apartment|suite|ste|unit|flat|piso|puerta|"
    r"escalera|esc|m|lok|app|bus|bte|stiege|stg|top|whg|etage|étage)\.?[ \t]?\w{1,4}|\d{1,2}(?:er|e|ème)[ \t]étage))"
)
# Street plus postcode and city, on one line or two: a complete postal address.
_FULL = _STREET_ANY + _UNIT + r"{0,2}[ \t]*,?[ \t]*(?:\r?\n[ \t]*)?" + _POSTCODE_CITY + r"(?![\w])"

_CITY_WORDS = rf"[{_UP}][{_LO}{_UP}\-]+(?:[ \t](?:[{_UP}][{_LO}{_UP}\-]+|am|an der|im|bei|sur|sous|de|la|le|aan den|aan de|di|del|AM|IM))" + "{0,3}"
_STREET_LINE_BLOCK = (
    rf"(?m)^[ \t]*[{_UP}][{_LO}{_UP}.\-]+(?:[ \t]+[{_UP}{_LO}][{_LO}{_UP}.\-]+){{0,3}}[ \t]+\d{{1,4}}[ \t]?[a-zA-Z]?(?:[/\-]\d{{1,4}})?"
    r"(?:[ \t]+(?i:bis|ter|bus|bte|app\.?|apt\.?|whg\.?)[ \t]?\w{0,4})?"
    r"[ \t]*,?[ \t]*\r?\n"
    # a unit line between street and postcode: "bus 3", "c/o Müller", "2. OG", "Apt 4B"
    r"(?:[ \t]*(?i:bus|bte|boîte|apt\.?|apartment|app\.?|whg\.?|wohnung|c/o|suite|unit|flat|piso|puerta|lok\.?|m\.|"
    r"\d{1,2}\.?[ \t]?(?:og|etage|stock|étage|piano|piso))[^\n]{0,24}\r?\n)?"
    rf"[ \t]*(?:[A-Z]{{1,2}}-)?(?:\d{{5}}|\d{{4}}(?:[ \t]?[A-Z]{{2}})?|\d{{2}}-\d{{3}})[ \t]+" + _CITY_WORDS + r"[ \t]*$"
)
# One line, any street name: "Lauben 41, 39012 Meran", "Hoofdweg 17, 9712 AB Groningen" (needs context).
_STREET_CITY_LINE = (
    rf"(?<![\w.])[{_UP}][{_LO}.\-]+(?:[ \t][{_UP}{_LO}][{_LO}.\-]+){{0,2}}[ \t]\d{{1,4}}[ \t]?[a-zA-Z]?,[ \t]*"
    rf"(?:[A-Z]{{1,2}}-)?(?:\d{{5}}|\d{{4}}(?:[ \t]?[A-Z]{{2}})?|\d{{2}}-\d{{3}})[ \t]+[{_UP}][{_LO}\-]+(?![\w])"
)
# The organization's own premises: "our Berlin store (...)", "unser Lager in ...", "our Munich office".
_OWN_PREMISES = re.compile(
    r"(?i)\b(?:our|unser\w*|notre|nos|nuestr[oa]s?)\s+(?:[\w\-]+\s+){0,2}(?:store|stores|shop|shops|office|offices|"
    r"warehouse|warehouses|branch|branches|outlet|outlets|showroom|headquarters|hq|location|locations|site|studio|"
    r"factory|plant|lager|filiale|filialen|büro|laden|geschäft|magasin|boutique|entrepôt|tienda|almacén)\b"
    r"[ \t]*(?:[(:,\-–]|\bat\b|\bin\b|\bis at\b|\bis in\b|\baddress(?: is)?\b|\blocated at\b|\bin der\b|\bam\b|\bau\b|\ben\b)?"
    r"[ \t]*(?:[A-ZÄÖÜ][\w\-]+[ \t]*[(:,]?[ \t]*)?\Z"
)


def _not_own_premises(value: str, text: str, start: int, end: int) -> bool:
    return not _OWN_PREMISES.search(text[max(0, start - 80):start])


RULE = Rule(
    entity="POSTAL_ADDRESS",
    category="pii",
    patterns=(
        PatternSpec("label_block", _LABEL_BLOCK, 0.85, group=1),
        PatternSpec("street_postcode_city", _FULL, 0.6),
        # A street line of any name, then a postcode-and-city line: an address block without a keyword.
        PatternSpec("street_line_city_line", _STREET_LINE_BLOCK, 0.6),
        PatternSpec("street_city_line", _STREET_CITY_LINE, 0.45),
        # Packstation / parcel lockers and the DHL Postnummer (the customer's own id at the locker).
        PatternSpec("postnummer", r"(?i:postnummer|post-?nr\.?|postnr\.?|dhl[- ]kundennummer)[ \t]*:?[ \t]*\d{6,10}\b", 0.85),
        PatternSpec("packstation", r"(?i:packstation|postfiliale|paketshop|paczkomat|parcel locker)[ \t]*(?:nr\.?[ \t]*)?\d{2,4}\b",
                    0.45),
        PatternSpec("de_street", _DE_STREET, 0.45),
        PatternSpec("de_street_split", _DE_STREET_SPLIT, 0.45),
        PatternSpec("en_street", _EN_STREET, 0.45),
        PatternSpec("fr_street", _FR_STREET, 0.45),
        PatternSpec("it_es_street", _IT_ES_STREET, 0.45),
        PatternSpec("nl_street", _NL_STREET, 0.45),
        PatternSpec("de_prep_street", _DE_PREP_STREET, 0.45),
        PatternSpec("de_postcode_city", rf"(?<![\d\-.:#])\d{{5}}\s[{_UP}][{_LO}]+(?:\s(?:am|an der|im|bei)\s[{_UP}][{_LO}]+)?\b", 0.2),
        PatternSpec("uk_postcode", r"\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b", 0.2),
        PatternSpec("us_state_zip", r"\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)?,\s[A-Z]{2}\s\d{5}(?:-\d{4})?\b", 0.2),
    ),
    context=("ship to", "shipping", "shipped", "deliver", "delivered", "delivery", "billing", "lives", "living",
             "resides", "residing", "wohnhaft", "home", "moved to", "customer", "customers", "his", "her", "their",
             "she", "he", "buyer", "recipient", "parcel", "package", "kunde", "kundin", "private address", "wohnt",
             "vive", "vive en", "habite", "abita", "woont", "bor", "cliente", "clienta", "client", "klant", "destinatario",
             "destinataire", "empfänger", "lieferadresse", "dirección", "adresse", "indirizzo", "adres", "adresa",
             "lieferung", "liefern", "geliefert", "versand", "versendet", "zugestellt", "zustellung", "paket", "sendung",
             "livraison", "livré", "livrée", "colis", "levering", "geleverd", "bezorgd", "bezorging", "pakket", "zending",
             "verzonden", "consegna", "consegnato", "spedizione", "spedito", "pacco", "entrega", "entregado", "envío",
             "enviado", "paquete", "dostawa", "dostarczono", "wysyłka", "przesyłka", "paczka", "label", "etikett",
             "étiquette", "etiket", "etichetta", "etiqueta", "etykieta", "versandlabel", "verzendlabel"),
    negative_context=("gmbh", "inc", "inc.", "ltd", "llc", "s.r.l", "srl", "sas", "s.a.", "b.v.", "plc", "corp",
                      "company", "office", "offices", "headquarters", "hq", "imprint", "impressum", "registered",
                      "warehouse", "branch", "showroom", "our address",
                      "sarl", "s.a.r.l", "s.p.a", "n.v.", "ohg", "aps", "pty", "rcs", "ust-id",
                      "ust-idnr", "mentions légales"),
    window=80,
    window_after=40,
    context_boost=0.4,
    validator=_not_own_premises,
)
