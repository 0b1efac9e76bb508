"""Placeholders, masks and identifiers by the *shape* of a value, in any language.

A support mail quotes configuration with the secret left out: ``DEIN_API_KEY``,
``votre_mot_de_passe``, ``TU_CLAVE_AQUI``, ``wachtwoord_hier``, ``<Passwort>``, ``[entfernt]``,
``sk_live_…4f2a``, ``xxxx``. None of that is a secret, and an English word list (``your-api-key``,
``changeme``) misses most of it. The checks here look at the value only:

- **template syntax**: ``<…>``, ``[…]``, ``{…}``, ``{{…}}``, ``${…}``, ``%…%``, ``__X__``, ``@X@``;
- **filler**: runs of mask characters (``x``, ``*``, ``•``, ``#``, ``.``, ``…``, ``_``, ``0``) or a
  value mostly made of one character;
- **words, not randomness**: a value made only of letters and separators (no digit) that is
  all capitals with two or more parts (an environment-variable name standing for the value), or
  that holds a word of a small multilingual placeholder lexicon (possessives, "here", "insert",
  "example", "removed", the label words themselves) in EN/DE/FR/NL/IT/ES/PL/PT.

:func:`identifier_shape` recognises values that identify rather than authenticate: UUIDs and
payment-provider object ids (``acct_…``, ``cus_…``, ``pi_…``, Mollie ``tr_…``).
"""

from __future__ import annotations

import re
import unicodedata

# Possessives and "here" (your key here), verbs of filling in, example/placeholder nouns, "removed",
# and the label words themselves (``password: PASSWORT``), in EN, DE, FR, NL, IT, ES, PL, PT.
LEXICON = frozenset("""
your yours you my dein deine deinen deiner ihr ihre ihren euer eure votre vos ton ta tes tu tus su sus vuestro
vuestra jouw je uw jullie il tuo tua tuoi vostro vostra twoj twoja twoje wasz wasza seu sua
here hier ici aqui qui qua tutaj
insert enter replace paste fill put einfugen eintragen einsetzen ersetzen eingeben inserer remplacer saisir
coller insertar reemplazar introducir pegar inserire sostituire inserisci incolla invoegen vervangen invullen
plakken wstaw wpisz wklej zastap inserir substituir colar
placeholder platzhalter example beispiel exemple ejemplo esempio voorbeeld przyklad exemplo sample muster
dummy fake beispielwert
redacted removed hidden masked omitted censored entfernt geschwarzt geloscht verborgen zensiert ausgeblendet
supprime masque cache caviarde retire eliminado borrado oculto ocultado rimosso oscurato nascosto omesso
verwijderd weggelaten verborgen usuniety ukryty zamaskowany removido
password passwort kennwort wachtwoord contrasena haslo senha mot passe motdepasse parola accesso
token key api apikey secret schlussel cle clef clave chiave sleutel klucz chave jeton secreto segreto sekret
geheimnis value wert valeur valor valore waarde wartosc
""".split())

_TEMPLATE = re.compile(
    r"^(?:<[^<>]{1,60}>|\[[^\[\]]{1,60}\]|\{\{?[^{}]{1,60}\}?\}|\$\{[^}]{1,60}\}|%[^%\s]{1,40}%|__[A-Za-z_]+__"
    r"|@[A-Za-z_]+@|«[^»]{1,60}»|‹[^›]{1,60}›|\(\([^()]{1,60}\)\))$"
)
_FILLER_RUN = re.compile(r"(?i)x{4,}|[*•●·∙]{3,}|#{4,}|\.{3,}|…|_{4,}|0{8,}|\?{3,}")
_PARTS = re.compile(r"[_\-.\s/]+|(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])")
_LETTERS = re.compile(r"^[^\W\d_]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Payment providers' object ids: they name an account, customer, payment or event, they grant
# nothing (Stripe acct_/cus_/pi_/ch_/evt_/..., Mollie tr_/ord_/cst_/mdt_/sub_, Adyen/PayPal ids).
_PSP_OBJECT_ID = re.compile(
    r"^(?:acct|cus|pi|ch|py|evt|prod|price|sub|si|in|ii|txn|po|re|pm|seti|src|tok|card|ba|btok|cs|pl|plink|prc"
    r"|tr|ord|cst|mdt|stl|chb|rfnd|shp|pfl|org|mrch|payout|dp|du|file|link|cn|il|sli|tax|txr|cbtxn|ich|iauth"
    r"|ipi|req)_[A-Za-z0-9]{6,40}$"
)


def fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.replace("ł", "l").replace("Ł", "L").replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def parts(value: str) -> list[str]:
    return [p for p in _PARTS.split(value.strip()) if p]


def placeholder_shape(value: str) -> bool:
    """Is ``value`` a placeholder or a masked value by its shape (any language)?"""
    v = value.strip().strip("\"'`“”‘’„")
    if not v:
        return True
    if _TEMPLATE.match(v) or _FILLER_RUN.search(v):
        return True
    core = re.sub(r"[^A-Za-z0-9]", "", v)
    if len(core) >= 4 and max(core.count(c) for c in set(core)) / len(core) >= 0.6:
        return True  # aaaaaaaa, 11111111, sk_test_0000000000a
    segs = parts(v)
    if not segs or not all(_LETTERS.match(s) for s in segs):
        return False  # digits or symbols: random material, not words
    if any(len(s) > 16 for s in segs):
        return False  # api_org_lhzzzjezegbqcjcusldchvexseg: a random letter body, not a word
    if len(segs) >= 2 and all(s.isupper() for s in segs):
        return True  # DEIN_API_KEY, TU_CLAVE_AQUI, API_TOKEN_PROD
    return any(fold(s) in LEXICON for s in segs)


def identifier_shape(value: str) -> bool:
    """A UUID or a payment provider's object id: identifies, does not authenticate."""
    v = value.strip().strip("\"'`")
    return bool(_UUID.match(v) or _PSP_OBJECT_ID.match(v))


# What follows a password/token label when no value is given: "Passwort: vergessen", "clé : expirée",
# "token: invalid". EN, DE, FR, NL, IT, ES, PL, PT (accents folded).
STATUS_WORDS = frozenset("""
forgotten forgot expired invalid wrong incorrect unknown missing changed reset unchanged same attached sent
required empty none valid correct ok yes no see below above pending revoked rotated
vergessen abgelaufen ungultig falsch unbekannt fehlt geandert zuruckgesetzt unverandert gleich anbei angehangt
geschickt gesendet erforderlich leer keins gultig korrekt ja nein siehe unten oben gesperrt
oublie expire expiree invalide errone inconnu manquant change changee reinitialise inchange meme joint envoye
requis vide aucun valide correct oui non voir dessous dessus bloque
vergeten verlopen ongeldig fout onbekend ontbreekt gewijzigd gereset ongewijzigd zelfde bijgevoegd verstuurd
vereist leeg geen geldig juist nee zie hieronder geblokkeerd
dimenticato dimenticata scaduto scaduta sbagliato sbagliata sconosciuto mancante cambiato cambiata
reimpostato invariato stesso allegato inviato obbligatorio vuoto nessuno corretto vedi sotto sopra bloccato
olvidado olvidada caducado caducada expirado incorrecto desconocido falta cambiado restablecido mismo
adjunto enviado obligatorio vacio ninguno correcto ver abajo arriba bloqueado
zapomniane zapomnialem wygaslo wygasl nieprawidlowe bledne nieznane brak zmienione zresetowane
zalaczone wyslane wymagane pusty poprawne tak nie patrz ponizej zablokowane
esquecido esquecida errado desconhecido alterado redefinido anexo obrigatorio vazio nenhum certo sim nao
""".split())
