"""Person names of third parties: spaCy NER ``PERSON`` spans plus form-like labels.

A name on its own is not yet a third party's personal data in a support mail (the sender, their
colleagues and the vendor's staff are named all the time), so the NER span scores below the
threshold and third-party context ("our customer", "the buyer", "Mrs.", "she ordered") lifts it.
Names introduced by an honorific or a form label ("Customer name: ...") are findings directly.
Sender, colleagues, vendor staff, products and test personas are removed by the context rules.
"""

from __future__ import annotations

from typing import Any

import regex
from presidio_analyzer import LocalRecognizer, RecognizerResult

from redaction.recognizers.base import CATEGORY_KEY, words_regex

# Unicode-aware (Kamiński, Çelik, Ó Briain): the ``regex`` module's \p{Lu}/\p{Ll} classes.
_WORD = r"\p{Lu}[\p{Ll}'’]+(?:-\p{Lu}?[\p{Ll}'’]+)*-?"  # also hyphenated: "Jens-Uwe", "Pierre-Alain"
_CAPS_WORD = r"\p{Lu}[\p{Lu}'’\-]+"
_PARTICLE = r"(?:de|van|von|der|den|da|di|del|la|le|al|bin|ter|zu|dos|das|du)"
_NAME_TOKEN = regex.compile(r"^(?:" + _WORD + r"|\p{Lu}\.|" + _PARTICLE + r"|[OoDd]['’]\p{Lu}\p{Ll}+|(?:Mac|Mc)\p{Lu}\p{Ll}+)$")
_HONORIFICS = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Frau|Herrn?|Mme|Mlle|Prof|Sir|Madam|Sr|Sra|Srta|Sig|Sig\.ra|Dhr|Mevr|Mevrouw|Meneer|Pan|Pani)"
_HONORIFIC = regex.compile(r"(?:\b" + _HONORIFICS + r"\.?\s+)$")
_LABELS = (
    r"(?:customer|client|buyer|recipient|account holder|cardholder|card holder|contact|end[- ]?user|patient|guest"
    r"|member|shopper|billing|shipping|delivery|kunde|empfänger)"
)
_FORM_LABEL = regex.compile(
    r"(?im)^[ \t*\-]*(?:" + _LABELS + r"[ \t]*)?(?:full[ \t])?name[ \t]*[:=][ \t]*"
    r"(" + _WORD + r"(?:[ \t]+(?:" + _PARTICLE + r"[ \t]+)?" + _WORD + r"){1,3})"
)
_BARE_NAME_LABEL = regex.compile(r"(?i)[ \t*\-]*name[ \t]*[:=]")
# Address labels ("Ship to:") followed by a name line, in any case ("SHIP TO:\nASTRID MURPHY").
_ADDRESS_LABEL_NAME = regex.compile(
    r"(?im)^[ \t*\-]*(?:ship(?:ping)? to|deliver(?:y)? to|bill(?:ing)? to|sold to|recipient|empfänger|lieferung an)"
    r"[ \t]*:[ \t]*\n?[ \t]*((?:" + _WORD + r"|" + _CAPS_WORD + r")(?:[ \t]+(?:" + _WORD + r"|" + _CAPS_WORD + r")){1,3})[ \t]*$"
)
# A third-party word right before a name, also inside code, logs and error messages where NER
# doesn't run, or where a small NER model misses the name: "for customer 'Declan Ricci'",
# "buyer=Anna Lange", "the account of Sophie Turnbull", "ordered by Jonas Weber", "Bonjour Camille
# Lefèvre" (a greeting inside a quoted or forwarded message addresses a third party).
_CONTEXT_NAME = regex.compile(
    r"(?i:\b(?:(?:customer|client|buyer|shopper|recipient|cardholder|card holder|account holder|end[- ]?user|patient"
    r"|guest|subscriber|consumer|kunde|kundin|kunden|member|endkunde|endkundin|cliente|clienta|klant|klantin"
    r"|acquirente|comprador|compradora|destinatari[oa]|destinataire|klient|klientka)(?:['’]s)?(?:[ \t]+name)?"
    r"|(?:account|order|orders|profile|address|cart|basket|data|details|subscription|purchase|refund|return|"
    r"booking|delivery|parcel|konto|bestellung|daten)[ \t]+(?:of|for|from|von|für)"
    r"|(?:ordered|placed|purchased|bought|submitted|requested|signed up|registered|created|complained|reported)"
    r"[ \t]+by|bestellt[ \t]+von|named|called|namens|"
    # delivered to someone: "Lieferung an X", "livraison à X", "levering aan X", "consegna a X", "envío a X"
    r"(?:lieferung|lieferungen|versand|sendung|paket|geliefert|zugestellt)[ \t]+an|livraison[ \t]+(?:à|pour)|"
    r"levering[ \t]+aan|geleverd[ \t]+aan|consegna[ \t]+a|spedizione[ \t]+a|entrega[ \t]+a|envío[ \t]+a|"
    r"dostawa[ \t]+do|przesyłka[ \t]+do|"
    r"(?:^|(?<=[\"'“„«]))[ \t]*(?:dear|hi|hello|hallo|bonjour|hola|ciao|liebe|lieber|sehr geehrte|sehr geehrter)))"
    r"[ \t]*[:=]?[ \t]*[\"'“‘]?"
    r"(" + _WORD + r"(?:[ \t]+(?:" + _PARTICLE + r"[ \t]+)?" + _WORD + r"){1,2})(?![\p{L}\d])",
    regex.MULTILINE,
)
# A name as the value of a person key in JSON, YAML, logs, form data: "firstName": "Chukwuemeka",
# name="Carlos Souza", recipient: Grace Liu, shipping_name='Ana Ruiz'. Specific keys are enough on
# their own; a bare "name" key only with another personal key nearby (products have names too).
_PERSON_KEYS = (
    r"first[_\-. ]?name|last[_\-. ]?name|full[_\-. ]?name|given[_\-. ]?name|family[_\-. ]?name|sur[_\-. ]?name"
    r"|customer(?:[_\-. ]?name)?|recipient(?:[_\-. ]?name)?|buyer(?:[_\-. ]?name)?|shipping[_\-. ]?name"
    r"|billing[_\-. ]?name|contact[_\-. ]?name|account[_\-. ]?holder(?:[_\-. ]?name)?|card[_\-. ]?holder(?:[_\-. ]?name)?"
    r"|holder[_\-. ]?name|display[_\-. ]?name|user[_\-. ]?name|vorname|nachname|prénom|prenom|nombre|apellidos?|cognome"
)
_KEY_NAME = regex.compile(
    r"(?i:(?<![\w])[\"']?(" + _PERSON_KEYS + r"|name)[\"']?[ \t]*(?:=>|[:=])[ \t]*)[\"']?"
    r"(" + _WORD + r"(?:[ \t]+(?:" + _PARTICLE + r"[ \t]+)?" + _WORD + r"){0,3})[\"']?(?=[\s,;}\])&]|$)"
)
_PERSONAL_KEY_NEARBY = regex.compile(
    r"(?i)(?<![\w])[\"']?(?:e-?mail|phone|mobile|tel|telephone|address\w*|street|city|zip|zip_?code|postcode|postal_?code"
    r"|birth\w*|dob|date_?of_?birth|iban|first_?name|last_?name|surname)[\"']?[ \t]*(?:=>|[:=])"
)
# Acts done to or for a person in support mail: "blocked Chukwuemeka Obi", "points for Carlos Souza".
_ACTED_ON = regex.compile(
    r"(?i:\b(?:blocked|unblocked|banned|unbanned|locked out|unlocked|refunded|reimbursed|charged|billed|invoiced|"
    r"(?:loyalty )?points for|voucher for|coupon for|credit(?:ed)? for|gift card for|"
    r"delete the (?:data|account|profile) of|erasure (?:request )?(?:of|for|from))[ \t]+)"
    r"(" + _WORD + r"(?:[ \t]+(?:" + _PARTICLE + r"[ \t]+)?" + _WORD + r"){1,3})(?![\p{L}\d])"
)
# CJK names (2-4 characters) with a person cue: 顾客张伟, 客户: 李娜, 王先生, 田中様, customer 张伟.
_CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}]"
_CJK_NAME = regex.compile(
    r"(?:(?:顾客|顧客|客户|客戶|用户|收件人|お客様|お客さま|購入者|受取人|customer|client|buyer|recipient|kunde|kundin"
    r"|mr\.?|mrs\.?|ms\.?)[ \t]*[:：]?[ \t]*(" + _CJK + r"{2,3}?)(?=" + _CJK + r"|[\s,.，。、)]|$))"
    r"|(?<!" + _CJK + r")(" + _CJK + r"{1,3}?)(?:先生|女士|小姐|様|さま|さん|氏)",
    regex.IGNORECASE,
)
# The writer of a forwarded or quoted mail ("> From: Amina Yusuf <amina@...>") and a transcript
# speaker ("[14:01] Amina Yusuf: my parcel..."): names where NER doesn't run. Scored like a NER span:
# third-party context or the engine's link to that person's (third-party) address decides.
_HEADER_NAME = regex.compile(
    r"(?im)^[ \t>]*(?:from|von|de|absender|sender|reply-to|van|da)[ \t]*:[ \t]*[\"']?"
    r"(" + _WORD + r"(?:[ \t]+(?:" + _PARTICLE + r"[ \t]+)?" + _WORD + r"){1,3})[\"']?[ \t]*[<(\[]"
)
_SPEAKER_NAME = regex.compile(
    r"(?m)^[ \t>]*\[?(?:\d{1,2}[./]\d{1,2}[./]\d{2,4},?[ \t]+)?\d{1,2}:\d\d(?::\d\d)?(?:[ \t]?[AaPp][Mm])?\]?[ \t\-]+"
    r"(" + _WORD + r"(?:[ \t]+(?:" + _PARTICLE + r"[ \t]+)?" + _WORD + r"){1,3})[ \t]*:"
)
_ROLE_SPEAKERS = frozenset("agent support supporter operator staff admin moderator mod rep advisor adviser bot "
                           "system customer kunde kundin visitor guest buyer client".split())
# Capitalized words that follow "customer" without being a name ("customer Service Team").
_NOT_NAME_WORDS = frozenset(
    "service support team portal account accounts login data panel admin group success care experience journey "
    "number name type segment base list record records id ids profile profiles portal center centre desk "
    "feedback facing journeys orders order reviews review satisfaction accounts management relations "
    "team velora studio storefront checkout edge connect search insights page builder api sdk app shop store "
    "regards grüße gruss grüsse thanks cheers bot bots service services webhook webhooks alert alerts monitor "
    "monitoring system notifications notification billing cloud deploy deployment pipeline ci cd build builds "
    "payment payments scheduler cron worker sync integration integrations github gitlab jira slack google "
    "microsoft amazon aws azure automation daemon server api members member groups tier tiers level levels plan "
    "plans shipping standard express sale sales collection default premium basic gold silver bronze vip "
    "newsletter campaign promo".split()
)
_HONORIFIC_NAME = regex.compile(
    r"\b" + _HONORIFICS + r"\.?[ \t]+((?:" + _PARTICLE + r"[ \t]+)?" + _WORD
    + r"(?:[ \t]+" + _WORD + r"){0,2})"
)
# "our marketing lead, Charlotte Hughes", "my colleague Tom", "our finance team (Meera Nair": the
# sender's own organization, not a third party.
_OWN_ORG_ROLE = regex.compile(
    r"(?i)\b(?:our|my|unser|unsere|unserer|mein|meine)\s+(?:[\w\-]+\s+){0,2}(?:team|colleague|colleagues|developer|pm|po|"
    r"product owner|project manager|assistant|deputy|backup|vertretung|"
    r"developers|dev|admin|administrator|manager|lead|head|cto|ceo|cfo|coo|director|department|contact|engineer|"
    r"engineers|agency|partner|freelancer|designer|consultant|boss|intern|kollege|kollegin|kollegen|entwickler|"
    r"leiter|leiterin|chef|chefin|ansprechpartner|ansprechpartnerin|abteilung|buchhaltung|it)\b[\s,:(\-–]*$"
)
# The same, after the name: "Jonas Reuter (in CC)", "Ana Ruiz from our side", "Ravi Menon, our
# developer", "adding Jonas Reuter from my team".
_ROLES = (
    r"(?:team|colleague|colleagues|developer|developers|dev|admin|administrator|manager|lead|head|cto|ceo|cfo|coo|"
    r"director|department|contact|engineer|engineers|agency|partner|freelancer|designer|consultant|boss|intern|"
    r"kollege|kollegin|kollegen|entwickler|leiter|leiterin|chef|chefin|ansprechpartner|ansprechpartnerin|"
    r"abteilung|buchhaltung|it|side|end|company|office|firm|shop|store|seite|ops|support|staff)"
)
_OWN_ORG_AFTER = regex.compile(
    r"(?i)[\s,(\-–—]*(?:(?:in|on|im|en)\s+(?:cc|copy|kopie|copie)\b|cc\b|cc['’]?d\b"
    r"|(?:from|of|on|in|at|aus|von|bei)\s+(?:our|my|unserem|unserer|unseres|meinem|meiner)\s+(?:[\w\-]+\s+){0,2}"
    + _ROLES + r"\b|(?:our|my|unser|unsere|mein|meine)\s+(?:[\w\-]+\s+){0,2}" + _ROLES + r"\b)"
)
# Introducing someone to the thread: a colleague ("looping in", "adding", "copying").
_INTRODUCING = regex.compile(
    r"(?i)\b(?:cc['’]?(?:ing|ed|d)?|cc-ing|looping in|looped in|loop in|adding|added|copying|copied|"
    r"including|forwarding to|handing over to|hand over to|taking over:?|takes over)\s*:?\s*$"
)
# A company name that NER reads as a person ("Schneider Elektrotechnik GmbH").
_ORG_SUFFIX = regex.compile(
    r"\s*(?:GmbH|AG|KG|OHG|GbR|UG|e\.K\.|SE|Inc\.?|Ltd\.?|LLC|LLP|PLC|plc|Corp\.?|Co\.|S\.A\.|SAS|SARL|S\.r\.l\.|"
    r"B\.V\.|N\.V\.|AB|ApS|A/S|Oy|Pty|& Co|& Söhne|& Sons|Group|Holding)\b"
)
# Names of brands, products and designers are not people's personal data in a support request.
_NOT_PERSON_CONTEXT = regex.compile(r"(?i)\b(?:brand|brands|facet|facets|label|designer|collection|marke|hersteller)\b")
_POSSESSIVE = regex.compile(r"(?:'s|’s|')$")


# Words NER sometimes includes at the start of a PERSON span ("Kundin Frau Schäfer", "Customer
# Nguyen Van An"): they are context, not part of the name.
_LEAD_WORDS = frozenset(
    "customer customers client buyer shopper user recipient guest member patient kunde kundin kunden "
    "mr mr. mrs mrs. ms ms. miss dr dr. frau herr mme mlle prof prof. dear hi hello hallo thanks danke merci "
    "colleague coworker kollege kollegin herrn mx mx. sr sr. sra sra. srta srta. sig sig. sig.ra dhr dhr. mevr mevr. "
    "mevrouw meneer pan pani madam sir".split()
)
# Capitalized function words (German nouns and sentence starts make NER see "Der Artikel" or
# "Könnten Sie" as people): a name never starts with one.
_FUNCTION_WORDS = frozenset(
    "der die das den dem des deren dessen ein eine einen einem einer ihr ihre ihrer ihren ihrem unser unsere "
    "unserer unseren sie wir ich er es könnten können könnte bitte danke vielen leider seit wegen "
    "the a an our your their this that these those please thanks dear hi hello la el le les los las il lo gli "
    "sra sr sig mme mlle frau herr herrn mr mrs ms dr "
    # greetings and closings in the languages customers write ("Guten Tag", "Viele Grüße", "Dzień dobry")
    "guten gute viele liebe lieber liebes beste besten herzliche herzlichen freundliche freundlichen schöne schönen "
    "sonnige sonnigen mit sehr hallo moin servus grüß grüße grüsse gruß bonjour bonsoir salut cher chère chers "
    "madame monsieur bien bonne cordialement buongiorno buonasera gentile gentili salve cordiali "
    "distinti hola buenos buenas estimado estimada estimados querido querida saludos un dzień witam szanowny "
    "szanowna szanowni pozdrawiam pozdrowienia serdeczne hoi beste geachte goedemorgen goedemiddag goedenavond "
    "groeten hartelijke vriendelijke met good kind warm best happy merry frohe frohes "
    # prepositions and adverbs that start sentences ("Laut Admin ...", "Dans Admin ...", "Seit Montag")
    "laut laut. dans sur avec pour chez über nach bei ohne unter vor zwischen durch gegen im am vom zum zur beim "
    "seit heute gestern morgen auch aber oder und wenn als wie op voor bij naar uit dus maar ook nog della con su "
    "tra fra per nel nella sul sulla desde sobre según para pero hoy ayer w z na do od po przez dla ale jak także "
    "dziś wczoraj since with from via per after before during according".split()
)


def clean_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim punctuation, possessives, leading role words and trailing newlines off a NER span."""
    value = text[start:end]
    m = _POSSESSIVE.search(value)
    if m:
        end -= len(m.group())
    while end > start and not text[end - 1].isalpha():
        end -= 1
    while start < end and not text[start].isalpha():
        start += 1
    nl = text.find("\n", start, end)
    if nl >= 0:
        end = nl
    while True:
        space = text.find(" ", start, end)
        if space < 0 or text[start:space].lower().rstrip(",:") not in _LEAD_WORDS:
            break
        start = space + 1
    return start, end


# First words of street names that NER tags as PERSON ("Via Tortona", "Rue Victor Hugo").
_STREET_WORDS = frozenset(
    "via viale piazza corso calle avenida plaza paseo rua rue avenue boulevard place chemin allée quai cours ul. ulica "
    "st. saint sankt san santa am an auf im".split()
)


def name_shaped(value: str) -> bool:
    tokens = value.split()
    if not 2 <= len(tokens) <= 5 or tokens[0].lower() in _STREET_WORDS or tokens[0].lower() in _FUNCTION_WORDS:
        return False
    capitalized = [t for t in tokens if t[:1].isupper()]
    return len(capitalized) >= 2 and all(_NAME_TOKEN.match(t) for t in tokens)


class PersonRecognizer(LocalRecognizer):
    """Third-party person names from NER output (``nlp_artifacts.entities``) and form labels."""

    def __init__(self, *, base_score: float, context_boost: float, context: tuple[str, ...],
                 own_org_context: tuple[str, ...]) -> None:
        self.base_score = base_score
        self.context_boost = context_boost
        self._context = words_regex(context)
        self._own = words_regex(own_org_context)
        super().__init__(supported_entities=["PERSON"], name="person", supported_language="en")

    def load(self) -> None:
        pass

    category = "pii"

    def _score(self, text: str, start: int, end: int) -> float | None:
        before = text[max(0, start - 40):start]
        if self._own is not None and self._own.search(before) or _OWN_ORG_ROLE.search(before):
            return None
        if _INTRODUCING.search(before) or _OWN_ORG_AFTER.match(text, end, min(len(text), end + 50)):
            return None
        if _ORG_SUFFIX.match(text, end) or _NOT_PERSON_CONTEXT.search(text, max(0, start - 40), min(len(text), end + 30)):
            return None
        if _HONORIFIC.search(text[max(0, start - 8):start]):
            return min(1.0, self.base_score + self.context_boost)
        score = self.base_score
        if self._context is not None and (
            self._context.search(text, max(0, start - 80), start)
            or self._context.search(text, end, min(len(text), end + 60))
        ):
            score += self.context_boost
        return min(score, 1.0)

    def find(self, text: str, entities: list[Any]) -> list[tuple[int, int, float, str]]:
        out: dict[tuple[int, int], tuple[float, str]] = {}
        for ent in entities:
            if getattr(ent, "label_", None) != "PERSON":
                continue
            start, end = clean_span(text, ent.start_char, ent.end_char)
            if end <= start or not name_shaped(text[start:end]) and not _HONORIFIC.search(text[max(0, start - 8):start]):
                continue
            score = self._score(text, start, end)
            if score is not None:
                out[(start, end)] = (score, "ner")
        low = text.lower()
        for m in _KEY_NAME.finditer(text):
            start, end = m.span(2)
            if any(s <= start < e or s < end <= e for s, e in out):
                continue
            value = text[start:end]
            if any(t.lower() in _NOT_NAME_WORDS or t.lower() in _FUNCTION_WORDS for t in value.split()):
                continue
            generic = m.group(1).lower() == "name"
            if generic and (len(value.split()) < 2 or not _PERSONAL_KEY_NEARBY.search(
                    text, max(0, m.start() - 200), min(len(text), m.end() + 200))):
                continue
            out[(start, end)] = (min(1.0, self.base_score + self.context_boost), "key_name")
        for rx in (_HEADER_NAME, _SPEAKER_NAME):
            for m in rx.finditer(text):
                start, end = clean_span(text, *m.span(1))
                value = text[start:end]
                if end <= start or value.split()[0].lower() in _ROLE_SPEAKERS or not name_shaped(value) or any(
                        t.lower() in _NOT_NAME_WORDS for t in value.split()):
                    continue
                if any(s <= start < e or s < end <= e for s, e in out):
                    continue
                score = self._score(text, start, end)
                if score is not None:
                    out[(start, end)] = (score, "header_or_speaker")
        if any("\u3040" <= c <= "\u9fff" for c in text):
            for m in _CJK_NAME.finditer(text):
                g = 1 if m.group(1) else 2
                out.setdefault(m.span(g), (min(1.0, self.base_score + self.context_boost), "cjk_name"))
        for rx, how in ((_FORM_LABEL, "form_label"), (_ADDRESS_LABEL_NAME, "address_label"),
                        (_HONORIFIC_NAME, "honorific"), (_CONTEXT_NAME, "context_name"), (_ACTED_ON, "acted_on")):
            if how == "form_label" and "name" not in low:
                continue
            for m in rx.finditer(text):
                start, end = clean_span(text, *m.span(1))
                if end <= start:
                    continue
                overlapping = [k for k in out if k[0] <= start < k[1] or k[0] < end <= k[1]]
                if any(out[k][0] >= self.base_score + self.context_boost for k in overlapping):
                    continue  # already a finding
                for k in overlapping:  # a weaker NER span of the same name: the cue decides now
                    del out[k]
                if how in ("context_name", "acted_on", "form_label") and any(
                        t.lower() in _NOT_NAME_WORDS for t in text[start:end].split()):
                    continue
                score = self._score(text, start, end)
                if score is None:
                    continue
                if how == "form_label" and _BARE_NAME_LABEL.match(text, m.start(), m.start(1)) and not (
                        _PERSONAL_KEY_NEARBY.search(text, max(0, m.start() - 200), min(len(text), m.end() + 200))):
                    # a bare "name:" is as often a cluster's, product's or campaign's: context decides
                    out[(start, end)] = (score, how)
                    continue
                out[(start, end)] = (min(1.0, self.base_score + self.context_boost), how)
        return [(s, e, sc, how) for (s, e), (sc, how) in out.items()]

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        ents = getattr(nlp_artifacts, "entities", None) or []
        return [
            RecognizerResult(
                entity_type="PERSON",
                start=s,
                end=e,
                score=score,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    CATEGORY_KEY: "pii",
                    "pattern": how,
                },
            )
            for s, e, score, how in self.find(text, ents)
        ]


def make(person_config: Any) -> PersonRecognizer:
    """Build from ``[person]`` of ``config/redaction.toml``."""
    return PersonRecognizer(
        base_score=person_config.base_score,
        context_boost=person_config.context_boost,
        context=person_config.third_party_context,
        own_org_context=person_config.own_org_context,
    )
