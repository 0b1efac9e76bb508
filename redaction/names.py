"""Person-name candidates without a statistical model: given-name lexicons plus name structure.

No spaCy NER pipeline for German, Dutch, Italian or Polish is published where this project can
install from (Spanish only for spaCy 3.1, under the GPL), so prose in those languages gets this
backend (``"lexicon"`` in ``[engine.ner]``): a *known given name* followed, on the same line, by an
optional second given name or name particle and a *surname-shaped* word ("Anna Berger", "Jan van
der Berg", "Anna-Lena Müller", "Zofia Wiśniewska"). What makes a given name known is Faker's person
providers (MIT licence, maintained since 2012, one list per locale written by native speakers):
the given names of the European locales customers write from, and of the countries their
customers come from. Their surname lists make a surname certain; otherwise it has to look like one
(capitalized, not a stop word of the language, no German/Dutch noun ending, not a weekday, month,
greeting or closing word).

Like an NER span, a candidate is not a finding by itself: the person recognizer scores it below
the threshold unless third-party context lifts it, and the context rules drop the sender, their
colleagues and the vendor's staff. The measured gain per language is in docs/redaction.md.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

# Faker person locales whose given names count (Latin script only).
LOCALES = (
    "de_DE", "de_AT", "de_CH", "nl_NL", "nl_BE", "fr_FR", "fr_BE", "fr_CH", "it_IT", "es_ES", "pl_PL",
    "pt_PT", "pt_BR", "en_US", "en_GB", "en_IE", "en_IN", "ga_IE", "es_MX", "es_AR", "tr_TR", "sv_SE", "da_DK", "no_NO", "fi_FI", "cs_CZ",
    "sk_SK", "hr_HR", "sl_SI", "ro_RO", "hu_HU", "lt_LT", "lv_LV", "et_EE",
)
# spaCy's stop-word lists (shipped with spaCy itself, no model needed) per language.
_STOP_LANGS = ("de", "nl", "fr", "it", "es", "pl", "en", "pt")
_PARTICLES = frozenset(
    "van von de der den del della di da dos das du la le ter ten zu vom van't d' o'".split()
)
# Words that follow a given name in prose but are no surname, in the languages customers write.
_NOT_SURNAME = frozenset(w.lower() for w in (
    # weekdays and months
    "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Januar Februar März April Mai Juni Juli "
    "August September Oktober November Dezember Maandag Dinsdag Woensdag Donderdag Vrijdag Zaterdag Zondag "
    "Lundi Mardi Mercredi Jeudi Vendredi Samedi Dimanche Lunedì Martedì Mercoledì Giovedì Venerdì Sabato "
    "Domenica Lunes Martes Miércoles Jueves Viernes Sábado Domingo Poniedziałek Wtorek Środa Czwartek Piątek "
    "Sobota Niedziela Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March May "
    "June July October December "
    # greetings, closings, thanks, politeness
    "Hallo Hi Hey Hello Danke Dank Bitte Gruß Grüße Gruss Grüsse Viele Liebe Lieber Beste Besten Bonjour "
    "Merci Salut Cordialement Grazie Ciao Saluti Gracias Hola Saludos Dziękuję Pozdrawiam Bedankt Groeten "
    "Thanks Regards Cheers Sorry Okay Ok Ja Nein Yes No "
    # roles and words that follow a first name in support mail
    "Support Team Service Kundenservice Kundendienst Shop Store Admin Kunde Kundin Kollege Kollegin "
    "Collega Collègue Compañero Compañera Kolega Koleżanka "
    # organization words that start a shop's or firm's name
    "Firma Sklep Hotel Restaurant Apotheke Praxis Studio Atelier Boutique Tienda Negozio Winkel Bakkerij"
).split())
_NOUN_ENDING = regex.compile(
    r"(?:ung|heit|keit|schaft|tion|sion|ität|ismus|nis|ment|ness|ship|age|teur|eur|isch|lich|weise|zeit|tag)$"
)
_WORD = regex.compile(r"\p{L}[\p{L}'’\-]*")
_TITLE = regex.compile(r"^\p{Lu}\p{Ll}+(?:[\-'’]\p{Lu}?\p{Ll}+)*$")
# Surnames may have an inner capital after a prefix: MacLeod, McKenzie, DiMaggio, O'Brien, LeBlanc.
_SURNAME = regex.compile(r"^(?:Mac|Mc|Di|De|Da|Le|La|Van|Von|Fitz|O['’]|D['’])?\p{Lu}\p{Ll}+(?:[\-'’]\p{Lu}?\p{Ll}+)*$")
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Lexicon:
    given: frozenset[str]
    surnames: frozenset[str]
    stop: frozenset[str]


def _stop_words(lang: str) -> set[str]:
    """spaCy's stop words of ``lang``, read from the data module alone: importing the language
    package would build its tokenizer exceptions (seconds for French)."""
    spec = importlib.util.find_spec("spacy")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / lang / "stop_words.py"
    module_spec = importlib.util.spec_from_file_location(f"_supportbot_stop_words_{lang}", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return set(module.STOP_WORDS)


def _names(provider: object, kinds: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for attr in dir(provider):
        if attr.startswith("_") or not any(k in attr for k in kinds) or attr.endswith(("_name", "_name_male",
                                                                                          "_name_female")):
            continue
        value = getattr(provider, attr, None)
        if isinstance(value, dict):
            value = list(value)
        if isinstance(value, list | tuple):
            out.update(v for v in value if isinstance(v, str))
    return out


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Given names and surnames of :data:`LOCALES`, stop words of the customers' languages."""
    with _LOCK:
        given: set[str] = set()
        surnames: set[str] = set()
        for locale in LOCALES:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
            given |= _names(provider, ("first_names",))
            surnames |= _names(provider, ("last_names",))
        stop: set[str] = set()
        for lang in _STOP_LANGS:
            stop |= {w.lower() for w in _stop_words(lang)}
        # A given name that is also a stop word ("Will", "Else", "Hier") never starts a name.
        given_ok = {g for g in given if _TITLE.match(g) and len(g) >= 3 and g.lower() not in stop
                    and g.lower() not in _NOT_SURNAME}
        return Lexicon(frozenset(given_ok), frozenset(s for s in surnames if _TITLE.match(s)), frozenset(stop))


def _surname_shaped(word: str, lex: Lexicon) -> bool:
    if word in lex.surnames:
        return True
    low = word.lower()
    return bool(_SURNAME.match(word)) and len(word) >= 2 and low not in lex.stop and low not in _NOT_SURNAME \
        and not _NOUN_ENDING.search(low)


# Particles that make "Capitalized particle Capitalized" a name on their own, per language ("" = any):
# "van"/"von" are name particles wherever they stand; "de" only in Dutch ("Gare de Lyon", "Hotel de
# Madrid" are places).
_STRUCTURE_PARTICLES: dict[str, frozenset[str]] = {
    "": frozenset({"van", "von", "ter", "ten", "zu", "der", "den"}),
    "nl": frozenset({"van", "von", "ter", "ten", "der", "den", "de", "het"}),
}
# Polish (and Czech/Slovak) surname endings, nominative and declined: -ski/-ska/-cki/-dzka, -wicz, -czyk.
_SLAVIC_SURNAME = regex.compile(
    r"(?:[sc]k|dzk)(?:i|a|iego|iej|iemu|im|ą|ę)$|(?:wicz|czyk|ewicz)(?:a|owi|em|u)?$|(?:ová|ský|cký)$"
)

# Slavic languages decline given names ("zamówienie Krzysztofa", "dla Anny", "z Tomaszem"): the
# nominative is found by undoing the common case endings.
_INFLECTING = frozenset({"pl", "cs", "sk", "hr", "sl"})
_CASE_ENDINGS = (("owi", ""), ("em", ""), ("ie", ""), ("a", ""), ("y", "a"), ("ę", "a"), ("ą", "a"),
                 ("i", "a"), ("ie", "a"))


def _given(word: str, lex: Lexicon, inflecting: bool) -> bool:
    if word in lex.given:
        return True
    if "-" in word:  # Pierre-Alain, Anna-Lena, Jan-Willem: every part a given name
        parts = word.split("-")
        return len(parts) == 2 and all(p in lex.given for p in parts)
    if inflecting:
        return any(word.endswith(end) and len(word) - len(end) >= 3 and word[:-len(end)] + nom in lex.given
                   for end, nom in _CASE_ENDINGS)
    return False


def name_spans(text: str, lang: str = "") -> list[tuple[int, int]]:
    """Spans of ``text`` that read as a person's name: known given name(s) + surname on one line.

    ``lang`` is the text's language: in Polish (and other Slavic languages) a given name is also
    known in its declined forms.
    """
    lex = lexicon()
    inflecting = lang in _INFLECTING
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    out: list[tuple[int, int]] = []
    i = 0
    n = len(words)

    def adjacent(a: int, b: int) -> bool:  # one run of spaces/tabs between words a and b
        gap = text[words[a][1]:words[b][0]]
        return 0 < len(gap) <= 2 and gap.strip(" \t") == ""

    def first_name_shaped(word: str) -> bool:  # an unknown given name: capitalized, not a common word
        low = word.lower()
        return bool(_TITLE.match(word)) and len(word) >= 3 and low not in lex.stop and low not in _NOT_SURNAME \
            and not _NOUN_ENDING.search(low)

    while i < n:
        start, _end, word = words[i]
        if start > 0 and text[start - 1] in "@.#/_\\-":
            i += 1
            continue
        known = _given(word, lex, inflecting)
        if not known:
            # Structure alone, for names no list knows: "Annemiek van Dijk" (a Dutch/German
            # particle between two capitalized words), "Grażyna Wiśniewska" (a Polish surname ending).
            k = i + 1
            while k < n and words[k][2].lower() in _STRUCTURE_PARTICLES.get(lang, _STRUCTURE_PARTICLES[""]) \
                    and adjacent(k - 1, k) and k - i <= 2:
                k += 1
            if k < n and adjacent(k - 1, k) and first_name_shaped(word) and _surname_shaped(words[k][2], lex) and (
                    k > i + 1 or _SLAVIC_SURNAME.search(words[k][2])) and not (k == i + 1 and words[k][2] in lex.given):
                end = words[k][1]
                if not (end < len(text) and text[end] == "@"):
                    out.append((start, end))
                    i = k + 1
                    continue
            i += 1
            continue
        j = i + 1
        # a second given name ("Anna Maria Berger", "Jean Pierre Martin")
        if j + 1 < n and _given(words[j][2], lex, inflecting) and adjacent(j - 1, j) and adjacent(j, j + 1) \
                and _TITLE.match(words[j + 1][2]):
            j += 1
        # particles ("Jan van der Berg", "Luca di Stefano")
        k = j
        while k < n and words[k][2].lower() in _PARTICLES and adjacent(k - 1, k) and k - j < 2:
            k += 1
        if k < n and adjacent(k - 1, k) and _surname_shaped(words[k][2], lex):
            end = words[k][1]
            if end < len(text) and text[end] == "@":  # a mailbox, not prose
                i += 1
                continue
            out.append((start, end))
            i = k + 1
            continue
        i += 1
    return out
