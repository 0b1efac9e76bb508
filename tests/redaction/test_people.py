"""The relational person model: every name, email, phone and postal address is attributed to a party
(sender, colleague, vendor staff, third party, public) from the message's structure, in the
languages customers write. Table tests per failure class; each text is written for the class."""

from __future__ import annotations

from dataclasses import replace

import pytest

from redaction.config import load_config
from redaction.engine import Redactor
from redaction.people import PARTIES, PERSON_TYPES
from redaction.types import Sender
from tests.redaction.velora import get_redactor

SENDERS = {
    "de": Sender(name="Katrin Vogel", email="k.vogel@radhaus-vogel.de", org="Radhaus Vogel GmbH", phone="+49 40 6677 1200"),
    "fr": Sender(name="Camille Martin", email="camille.martin@maison-lys.fr", org="Maison Lys", phone="+33 1 42 68 53 00"),
    "nl": Sender(name="Sanne de Boer", email="sanne@fietsenhuis.nl", org="Fietsenhuis BV", phone="+31 20 555 0199"),
    "it": Sender(name="Giulia Bianchi", email="giulia.bianchi@bottegaverde.it", org="Bottega Verde Srl",
                 phone="+39 02 8734 5521"),
    "es": Sender(name="Lucía Fernández", email="lucia@tiendasol.es", org="Tienda Sol SL", phone="+34 91 432 1876"),
    "pl": Sender(name="Agnieszka Nowak", email="a.nowak@sklepzielony.pl", org="Sklep Zielony", phone="+48 22 628 1144"),
    "en": Sender(name="Oliver Grant", email="oliver@peakgear.co.uk", org="PeakGear Ltd", phone="+44 161 496 0321"),
}


@pytest.fixture(scope="module")
def redactor():
    return get_redactor()


_NORDLICHT: list[Redactor] = []


def _nordlicht_redactor() -> Redactor:
    """The engine with the vendor table of a deployment at "Nordlicht Commerce"."""
    if not _NORDLICHT:
        config = load_config()
        vendor = replace(config.vendor, name="Nordlicht", legal_name="Nordlicht Commerce GmbH",
                         domains=("nordlicht-commerce.com", "nordlicht.dev"), phones=("+49 40 3012 8800",),
                         addresses=("Großer Burstah 31",), staff=("Claire Moreau", "Jana Petersen"),
                         products=("Nordlicht", "Nordlicht Checkout"))
        _NORDLICHT.append(Redactor(replace(config, vendor=vendor)))
    return _NORDLICHT[0]


def _explain(redactor, text, sender):
    return [(e.finding.type, e.finding.score, e.suppressed_by, e.attribution, text[e.finding.start:e.finding.end])
            for e in redactor.explain(text, sender)]


def _clean(redactor, text, sender):
    decision = redactor.check(text, sender)
    assert decision.verdict == "clean", _explain(redactor, text, sender)


def _flags(redactor, text, sender, kind):
    decision = redactor.check(text, sender)
    assert kind in decision.reasons, _explain(redactor, text, sender)


def _party_of(redactor, text, sender, value):
    """The attribution of the finding (or suppressed candidate) whose text is ``value``."""
    hits = [e for e in redactor.explain(text, sender) if text[e.finding.start:e.finding.end] == value
            and e.attribution is not None]
    assert hits, _explain(redactor, text, sender)
    return hits[0].attribution


# -- the sender's own name, email and phone: never flagged, in any language --------------------------
# (lang, text): the sender's identity in the body, in a signature, in a first-person sentence and in
# a one-line signature.
OWN_IDENTITY = [
    # German
    ("de", "Hallo Nordlicht-Team,\nich bin Katrin Vogel von Radhaus Vogel, der Checkout hängt. Ruft mich bitte an "
           "unter +49 40 6677 1200.\nViele Grüße\nKatrin Vogel"),
    ("de", "Der Export bricht ab.\n\nMit freundlichen Grüßen\nKatrin Vogel\nRadhaus Vogel GmbH\nTel. +49 40 6677 1200\n"
           "k.vogel@radhaus-vogel.de"),
    ("de", "Bitte schreibt mir an k.vogel@radhaus-vogel.de oder ruft mich an unter 0171 4455667, ich bin heute erreichbar."),
    ("de", "Warenkorb leer nach Login. Katrin Vogel | Radhaus Vogel | 0171 4455667"),
    # French
    ("fr", "Bonjour,\nje suis Camille Martin de Maison Lys. Le paiement échoue, appelez-moi au 06 12 34 56 78.\n"
           "Cordialement,\nCamille Martin"),
    ("fr", "Le flux produit est vide.\n\nCordialement,\nCamille Martin\nMaison Lys\nTél. +33 1 42 68 53 00\n"
           "camille.martin@maison-lys.fr"),
    ("fr", "Vous pouvez me joindre au 06 12 34 56 78 ou m'écrire à camille.martin@maison-lys.fr."),
    ("fr", "Export bloqué. Camille Martin – Maison Lys – 06 12 34 56 78"),
    # Dutch
    ("nl", "Hoi,\nik ben Sanne de Boer van Fietsenhuis. De winkelwagen is leeg, bel me op 06 12345678.\nGroeten, Sanne"),
    ("nl", "De feed werkt niet.\n\nMet vriendelijke groet,\nSanne de Boer\nFietsenhuis BV\nTel. +31 20 555 0199"),
    ("nl", "Ik ben de hele dag bereikbaar op 06 12345678, mail mij gerust op sanne@fietsenhuis.nl."),
    ("nl", "Checkout kapot. Sanne de Boer, Fietsenhuis BV, 06 12345678"),
    # Italian
    ("it", "Buongiorno,\nsono Giulia Bianchi di Bottega Verde. Il checkout non funziona, chiamami al 347 123 4567.\n"
           "Grazie, Giulia"),
    ("it", "Il catalogo non si aggiorna.\n\nCordiali saluti,\nGiulia Bianchi\nBottega Verde Srl\nTel. +39 02 8734 5521"),
    ("it", "Sono raggiungibile al 347 123 4567, la mia email è giulia.bianchi@bottegaverde.it."),
    ("it", "Ordini bloccati. Giulia Bianchi · Bottega Verde · +39 347 123 4567"),
    # Spanish
    ("es", "Hola,\nsoy Lucía Fernández de Tienda Sol. El pago falla, llámame al 612 345 678.\nSaludos, Lucía"),
    ("es", "El feed no carga.\n\nSaludos,\nLucía Fernández\nTienda Sol SL\nTel. +34 91 432 1876\nlucia@tiendasol.es"),
    ("es", "Mi móvil es el 612 345 678, estoy disponible toda la mañana."),
    ("es", "Carrito vacío. Lucía Fernández | Tienda Sol | +34 612 345 678"),
    # Polish
    ("pl", "Dzień dobry,\nnazywam się Agnieszka Nowak ze Sklep Zielony. Koszyk nie działa, zadzwoń do mnie: "
           "512 345 678.\nPozdrawiam, Agnieszka Nowak"),
    ("pl", "Eksport nie działa.\n\nPozdrawiam\nAgnieszka Nowak\nSklep Zielony\ntel. +48 22 628 1144"),
    ("pl", "Mój numer to 512 345 678, jestem dostępna do 16:00, mój e-mail a.nowak@sklepzielony.pl."),
    ("pl", "Płatności nie działają. Agnieszka Nowak, Sklep Zielony, +48 512 345 678"),
    # English
    ("en", "Hi,\nOliver Grant from PeakGear here. S1, checkout is down, please call me on my mobile 07700 900456.\n"
           "Thanks, Oliver"),
    ("en", "Feed broken again.\n\nKind regards,\nOliver Grant\nPeakGear Ltd\nT: +44 161 496 0321"),
    ("en", "You can reach me on 07700 900456 or at oliver@peakgear.co.uk all day."),
    ("en", "Checkout 502s. Oliver Grant | PeakGear | 07700 900456"),
]


@pytest.mark.parametrize(("lang", "text"), OWN_IDENTITY)
def test_the_senders_own_name_email_and_phone_are_never_flagged(redactor, lang, text):
    _clean(redactor, text, SENDERS[lang])


@pytest.mark.parametrize(("lang", "text"), OWN_IDENTITY)
def test_the_senders_own_contact_details_are_attributed_to_the_sender_organization(redactor, lang, text):
    for e in redactor.explain(text, SENDERS[lang]):
        if e.attribution is not None:
            assert e.attribution.party in ("sender", "colleague", "public"), (e, text[e.finding.start:e.finding.end])


# -- unattributed first-person contact data is the sender's ---------------------------------------
FIRST_PERSON = [
    ("de", "Der Checkout hängt seit 9 Uhr. Ruft mich bitte an unter 0171 4455667.", "0171 4455667"),
    ("de", "Bei Rückfragen erreichen Sie mich unter 0151 23456789.", "0151 23456789"),
    ("de", "Meine Handynummer für Rückfragen: 0160 98765432", "0160 98765432"),
    ("fr", "Le paiement échoue depuis ce matin. Appelez-moi au 06 12 34 56 78 svp.", "06 12 34 56 78"),
    ("fr", "Mon portable : 07 98 76 54 32, je suis joignable toute la journée.", "07 98 76 54 32"),
    ("nl", "De winkelwagen is leeg. Bel me op 06 12345678 als je vragen hebt.", "06 12345678"),
    ("nl", "Mijn mobiele nummer is 06 87654321.", "06 87654321"),
    ("it", "Il checkout non funziona. Chiamami al 347 123 4567.", "347 123 4567"),
    ("it", "Il mio cellulare è +39 333 765 4321, sono raggiungibile fino alle 18.", "+39 333 765 4321"),
    ("es", "El pago falla. Llámame al +34 612 345 678 por favor.", "+34 612 345 678"),
    ("es", "Me pueden llamar al +34 699 112 233 cuando quieran.", "+34 699 112 233"),
    ("pl", "Koszyk nie działa. Zadzwoń do mnie: +48 512 345 678.", "+48 512 345 678"),
    ("pl", "Proszę o kontakt pod numerem +48 601 222 333.", "+48 601 222 333"),
    ("en", "S1, please call me on my mobile 07700 900456 asap.", "07700 900456"),
    ("en", "Text me at +1 415 867 5309 if the fix needs a window.", "+1 415 867 5309"),
    ("en", "I'm reachable on +44 7700 900111 until 6pm, or email me at oliver.g@gmail.com.", "oliver.g@gmail.com"),
]


@pytest.mark.parametrize(("lang", "text", "value"), FIRST_PERSON)
def test_first_person_contact_details_are_the_senders(redactor, lang, text, value):
    _clean(redactor, text, SENDERS[lang])
    assert _party_of(redactor, text, SENDERS[lang], value).party == "sender"


THIRD_PARTY_FIRST_PERSON = [
    ("de", "Die Kundin schreibt: „Bitte rufen Sie mich an unter 0171 2233445.“", "PHONE_NUMBER"),
    ("fr", "La cliente a écrit « appelez-moi au 06 55 44 33 22 » dans sa commande.", "PHONE_NUMBER"),
    ("en", "Call me about the customer: his mobile is 07700 900222.", "PHONE_NUMBER"),
    ("nl", "Bel me even terug over de klant, zijn nummer is 06 11223344.", "PHONE_NUMBER"),
]


@pytest.mark.parametrize(("lang", "text", "kind"), THIRD_PARTY_FIRST_PERSON)
def test_someone_elses_first_person_or_number_in_a_first_person_sentence_counts(redactor, lang, text, kind):
    _flags(redactor, text, SENDERS[lang], kind)


# -- a colleague handing over with their number, the store's own line ---------------------------
COLLEAGUE_AND_STORE = [
    ("en", "I'm off from tomorrow, my colleague Ben Carter takes over, you can reach him on 07700 900789.",
     "07700 900789", "colleague"),
    ("de", "Ab Montag übernimmt meine Kollegin Frau Jansen, sie ist unter 0170 5566778 erreichbar.",
     "0170 5566778", "colleague"),
    ("fr", "Pendant mon absence, ma collègue Julie Perrin reprend le dossier, joignable au 06 44 55 66 77.",
     "06 44 55 66 77", "colleague"),
    ("nl", "Mijn collega Bram Smit neemt het over, hij is bereikbaar op 06 99887766.", "06 99887766", "colleague"),
    ("it", "Da domani il mio collega Luca Ferri mi sostituisce, è raggiungibile al 348 555 1212.", "348 555 1212",
     "colleague"),
    ("de", "Mein Kollege Tim Sommer (+49 170 5566778) übernimmt ab morgen die Abstimmung.", "+49 170 5566778",
     "colleague"),
    ("de", "Filiale Altona meldet: Kasse offline seit 10 Uhr. Öffnungszeiten 9-18 Uhr, die Filiale erreicht ihr "
           "unter +49 40 3344556.", "+49 40 3344556", "sender"),
    ("en", "Our Leeds store reports the card terminal is down; the store line is +44 113 496 0123 during opening hours.",
     "+44 113 496 0123", "sender"),
]


@pytest.mark.parametrize(("lang", "text", "value", "party"), COLLEAGUE_AND_STORE)
def test_a_colleagues_handover_and_the_stores_own_line_are_not_third_parties(redactor, lang, text, value, party):
    _clean(redactor, text, SENDERS[lang])
    assert _party_of(redactor, text, SENDERS[lang], value).party == party


# -- forwarded and quoted third-party mail, in other languages -------------------------------------
FORWARDED_THIRD_PARTY = [
    ("de", "Hallo,\nanbei die Beschwerde.\n\n-----Ursprüngliche Nachricht-----\nVon: Anna Schmidt\nGesendet: Montag, "
           "1. Dezember 2026 10:12\nBetreff: Bestellung\n\nGuten Tag, meine Bestellung ist nicht angekommen.\n"
           "Viele Grüße\nAnna Schmidt\nLindenstraße 12\n20095 Hamburg\nTel. 040 1234567", "040 1234567"),
    ("de", "Siehe unten.\n\nAm 01.12.2026 um 10:12 schrieb Jens Kröger:\n> Ich warte seit zwei Wochen.\n> Jens Kröger\n"
           "> Mühlenweg 3\n> 24103 Kiel\n> 0431 556677", "0431 556677"),
    ("fr", "Bonjour,\nvoici le message.\n\nLe lun. 1 déc. 2026 à 10:12, Sophie Laurent a écrit :\n> Ma commande "
           "n'est pas arrivée.\n> Sophie Laurent\n> 12 rue des Lilas\n> 69003 Lyon\n> 04 78 12 34 56", "04 78 12 34 56"),
    ("fr", "Pour info.\n\nDe : Marc Dubois\nEnvoyé : lundi 1 décembre 2026\nObjet : colis\n\nBonjour, rien reçu.\n"
           "Marc Dubois\n8 avenue Jean Jaurès\n31000 Toulouse\n05 61 22 33 44", "05 61 22 33 44"),
    ("nl", "Zie hieronder.\n\nOp ma 1 dec 2026 om 10:12 schreef Pieter Jansen:\n> Mijn bestelling is niet aangekomen.\n"
           "> Pieter Jansen\n> Kerkstraat 5\n> 1012 AB Amsterdam\n> 020 612 3456", "020 612 3456"),
    ("nl", "Doorgestuurd.\n\nVan: Eva Visser\nVerzonden: maandag 1 december 2026\nOnderwerp: retour\n\nDe maat klopt "
           "niet.\nEva Visser\nDorpsstraat 22\n3512 JK Utrecht\n030 231 4455", "030 231 4455"),
    ("it", "Inoltro la mail.\n\nDa: Marco Esposito\nInviato: lunedì 1 dicembre 2026\nOggetto: ordine\n\nIl mio ordine "
           "non è arrivato.\nMarco Esposito\nVia Roma 12\n00184 Roma\ncell. 347 765 4321", "347 765 4321"),
    ("es", "Reenvío el correo.\n\nEl lun, 1 dic 2026 a las 10:12, Carmen Ruiz escribió:\n> No he recibido el pedido.\n"
           "> Carmen Ruiz\n> Calle Mayor 8\n> 28013 Madrid\n> 915 22 33 44", "915 22 33 44"),
    ("pl", "Przesyłam wiadomość.\n\nOd: Jan Kowalski\nWysłano: poniedziałek\nTemat: zamówienie\n\nZamówienie nie "
           "dotarło.\nJan Kowalski\nul. Długa 5\n00-238 Warszawa\ntel. 22 831 44 55", "22 831 44 55"),
    ("en", "FYI below.\n\n---------- Forwarded message ---------\nFrom: Emma Clarke\nDate: Mon, 1 Dec 2026\n"
           "Subject: refund\n\nStill no refund.\nEmma Clarke\n14 Mill Lane\nLeeds LS1 4AB\n0113 496 0555",
     "0113 496 0555"),
]


@pytest.mark.parametrize(("lang", "text", "phone"), FORWARDED_THIRD_PARTY)
def test_a_contact_block_under_a_forwarded_third_party_header_is_the_third_partys(redactor, lang, text, phone):
    _flags(redactor, text, SENDERS[lang], "PHONE_NUMBER")
    attribution = _party_of(redactor, text, SENDERS[lang], phone)
    assert attribution.party == "third_party"
    assert "forwarded or quoted" in attribution.basis


FORWARDED_OWN = [
    ("de", "Zur Info.\n\n-----Ursprüngliche Nachricht-----\nVon: Jonas Reuter <j.reuter@radhaus-vogel.de>\n"
           "Gesendet: Montag\nBetreff: Feed\n\nKatrin, der Feed ist wieder leer.\nJonas Reuter\nIT\nTel. +49 40 6677 1230"),
    ("fr", "Suite à votre réponse.\n\nLe lun. 1 déc. 2026 à 10:12, Claire Moreau <claire.moreau@nordlicht-commerce.com> "
           "a écrit :\n> Pouvez-vous réessayer ?\n> Claire Moreau\n> Nordlicht Commerce GmbH\n> +49 40 3012 8800"),
]


@pytest.mark.parametrize(("lang", "text"), FORWARDED_OWN)
def test_a_forwarded_colleagues_or_quoted_vendor_mail_is_not_a_third_party(redactor, lang, text):
    local = _nordlicht_redactor()
    _clean(local, text, SENDERS[lang])


# -- postal address blocks without a keyword ----------------------------------------------------
ADDRESS_BLOCKS = [
    ("de", "Kann jemand prüfen, warum das Paket zurückkam?\n\nJonas Weber\nLange Reihe 12\n20099 Hamburg"),
    ("de", "Bitte an diese Adresse:\nMaria Huber\nPackstation 123\nPostnummer 12345678\n80331 München"),
    ("nl", "Het pakket kwam terug van:\nLotte Bakker\nHoofdweg 17\n9712 AB Groningen"),
    ("pl", "Paczka wróciła, adres:\nPiotr Zieliński\nMarszałkowska 10\n00-590 Warszawa"),
    ("en", "EMPFÄNGER:\nLisa Brandt\nAm Kanal 7\n14467 Potsdam"),
    ("fr", "Destinataire :\nJulien Petit\n3 place Bellecour\n69002 Lyon"),
]


@pytest.mark.parametrize(("lang", "text"), ADDRESS_BLOCKS)
def test_address_blocks_without_a_keyword_are_found(redactor, lang, text):
    _flags(redactor, text, SENDERS[lang], "POSTAL_ADDRESS")


NOT_ADDRESS_BLOCKS = [
    ("de", "Release 4.2 ist raus.\nVersion 12\n10115 Berlin ist unser Standort."),
    ("en", "Our warehouse: PeakGear Ltd\nUnit 4 Mill Road\nManchester M1 2AB"),
]


@pytest.mark.parametrize(("lang", "text"), NOT_ADDRESS_BLOCKS)
def test_version_lines_and_the_organizations_own_premises_are_not(redactor, lang, text):
    _clean(redactor, text, SENDERS[lang])


# -- obfuscated and encoded contact data ------------------------------------------------------------
OBFUSCATED = [
    ("en", "Customer email is jane dot miller at gmail dot com, she cannot log in."),
    ("de", "Kontakt der Kundin: anna.berg [at] web [punkt] de wegen der Rückerstattung."),
    ("it", "La cliente scrive da maria.rossi (chiocciola) libero (punto) it e non riceve la fattura."),
    ("es", "El cliente dejó pedro.gil (arroba) hotmail (punto) es en la nota."),
    ("pl", "Klient podał adres jan.nowak (małpa) wp (kropka) pl w zamówieniu."),
    ("fr", "Le client: luc.bernard [at] orange [point] fr"),
    ("en", "Link from the reset mail: https://shop.peakgear.co.uk/reset?email=anna.berg%40gmail.com&t=1 fails"),
]


@pytest.mark.parametrize(("lang", "text"), OBFUSCATED)
def test_obfuscated_and_url_encoded_addresses_are_found(redactor, lang, text):
    _flags(redactor, text, SENDERS[lang], "EMAIL_ADDRESS")


NOT_OBFUSCATED = [
    ("en", "We looked at the dashboard dot com page and at noon it worked."),
    ("en", "Please reach me at oliver dot grant at peakgear dot co dot uk if needed."),
    ("de", "Das Meeting ist at 10 Uhr, Thema: Punkt 3 der Agenda."),
]


@pytest.mark.parametrize(("lang", "text"), NOT_OBFUSCATED)
def test_prose_with_at_and_dot_and_the_senders_own_spelled_address_are_not(redactor, lang, text):
    _clean(redactor, text, SENDERS[lang])


# -- false people ------------------------------------------------------------------------------------
NOT_PEOPLE = [
    ("de", "Hallo, Guten Tag und Viele Grüße aus Hamburg an Sie alle. Der Checkout geht nicht, die Kundin ist sauer."),
    ("fr", "Bonjour Madame, Bonne Journée à tous. Le client dit que le paiement échoue."),
    ("nl", "Goedemorgen, Beste Groeten aan het team: de klant ziet een lege winkelwagen."),
    ("it", "Buongiorno Gentile Supporto, il cliente non vede il carrello."),
    ("es", "Buenos Días, Estimado Equipo: el cliente no puede pagar."),
    ("pl", "Dzień Dobry, Szanowni Państwo, klient nie może zapłacić."),
    ("de", "Testkunde im Staging: Tel. +49 170 0000000, bitte nicht anrufen."),
    ("en", "Test persona phone +44 20 0000 0000 is used by the QA suite."),
]


@pytest.mark.parametrize(("lang", "text"), NOT_PEOPLE)
def test_greetings_and_all_zero_placeholder_phones_are_not_people(redactor, lang, text):
    _clean(redactor, text, SENDERS[lang])


# -- the attribution itself ---------------------------------------------------------------------------
def test_every_person_or_contact_finding_carries_a_party_and_a_basis(redactor):
    text = ("Hi, please call me on 07700 900456.\n\nOn Mon, 1 Dec 2026, Emma Clarke <emma.clarke@gmail.com> "
            "wrote:\n> No refund yet.\n> Emma Clarke\n> 14 Mill Lane\n> Leeds LS1 4AB\n> 0113 496 0555\n\nOliver Grant")
    explained = redactor.explain(text, SENDERS["en"])
    contact = [e for e in explained if e.finding.type in PERSON_TYPES and (e.suppressed_by or e.finding.score >= 0.5)]
    assert contact
    for e in contact:
        assert e.attribution is not None and e.attribution.party in PARTIES and e.attribution.basis
    parties = {text[e.finding.start:e.finding.end]: e.attribution.party for e in contact}
    assert parties["07700 900456"] == "sender"
    assert parties["emma.clarke@gmail.com"] == "third_party"
    assert parties["0113 496 0555"] == "third_party"


def test_secrets_and_other_types_carry_no_person_attribution(redactor):
    text = "our key ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8" + " leaked"
    for e in redactor.explain(text, SENDERS["en"]):
        assert e.attribution is None


# -- structure that names a third party where no recognizer looks -----------------------------------
STRUCTURAL_THIRD_PARTIES = [
    # review author lines and rating rows
    ("de", "Die Rezensionen erscheinen doppelt:\n★★★★☆ Passt gut\n— Ulrike Brenninger, 4 Sterne, 03.11.2026", "PERSON"),
    ("fr", "L'avis s'affiche deux fois :\n« Très joli »\n— Martine Delacroix, 12/10/2026, achat vérifié", "PERSON"),
    ("es", "La reseña sale con el nombre completo:\n\"Llegó rápido\"\nRosalía Quintana Ortiz · ★★★★★ · Compra verificada",
     "PERSON"),
    ("en", "Widget export:\n4★  \"Solid boots\"   Gareth Pembridge   11/09/2026\n2★  \"Too small\"   Niamh Costello   "
           "12/09/2026", "PERSON"),
    ("pl", "Opinie w sklepie:\n5/5 Bardzo polecam — Zbigniew Wróblewski, 2026-10-30", "PERSON"),
    # the name line above a pasted address, the phone line below it
    ("de", "So kommt das Etikett raus:\n```\nRENATE KOLBINGER\nSCHLOSSALLEE 9\n96047 BAMBERG\n```", "POSTAL_ADDRESS"),
    ("nl", "Op het label:\n\nJoris Verhaegen\nKoningin Astridlaan 12\nbus 4\n2550 Kontich", "POSTAL_ADDRESS"),
    ("de", "Korrekt wäre:\n\nWalburga Eichler\nKastanienhof 2\n3012 Bern\n031 382 44 19", "PHONE_NUMBER"),
    ("it", "Esempio: consegna a Ornella Benedetti, Contrada Larga 7, 38122 Trento, risulta in Austria.", "POSTAL_ADDRESS"),
    # a name beside a third party's contact details in a list row
    ("fr", "Deux clients sans SMS :\n- Gaëtan Morel, 06 71 22 84 19, commande 5512\n- Inès Carpentier, 07 66 30 12 48",
     "PERSON"),
    ("en", "Public list on the page:\nMorag Fraser     morag.fraser@gmail.com\nTeodor Ilić     t.ilic@yahoo.com", "PERSON"),
    ("en", "age gate blocked Callum MacInnes DOB 29/02/1988 again", "PERSON"),
    # Markdown tables in other languages, also ragged ones
    ("nl", "| order | klant | straat | postcode | plaats |\n|---|---|---|---|---|\n| 8812 | Wouter Pauwels | Molenstraat 3 "
           "| 9000 Gent |", "PERSON"),
    ("de", "Name;Straße;Telefonnummer\nBirgit Hollweg;Am Anger 4;0911 556677", "PERSON"),
    # the writer of a forwarded mail in Polish Apple Mail, named again in their signature
    ("pl", "Poniżej wiadomość klienta.\n\n> Wiadomość napisana przez Tadeusz Kaczmarek w dniu 01.12.2026, o godz. 09:10:\n"
           "> Kod rabatowy nie działa.\n> Tadeusz Kaczmarek", "PERSON"),
    # IP addresses of shoppers in other languages, also at a sentence end
    ("nl", "nep-bestellingen van vannacht kwamen allemaal vanaf 81.164.20.77.", "IP_ADDRESS"),
    ("de", "Die Polizei fragt nach der IP des Bestellers: 84.190.33.12.", "IP_ADDRESS"),
    # an address in a mailto link, HTML-entity encoded, and spelled out in French
    ("de", '<p>Rückfragen: <a href="mailto:&#114;&#46;&#104;&#97;&#98;&#101;&#114;&#64;&#103;&#109;&#120;&#46;&#100;&#101;">'
           'an Kundin</a></p>', "EMAIL_ADDRESS"),
    ("fr", "Elle m'a dicté son adresse : jeanne-marie.faure arobase laposte point net.", "EMAIL_ADDRESS"),
]


@pytest.mark.parametrize(("lang", "text", "kind"), STRUCTURAL_THIRD_PARTIES)
def test_structure_names_third_parties_in_any_language(redactor, lang, text, kind):
    _flags(redactor, text, SENDERS[lang], kind)
    assert any(e.attribution is not None and e.attribution.party == "third_party" and e.suppressed_by is None
               for e in redactor.explain(text, SENDERS[lang]) if e.finding.type == kind)


STRUCTURAL_NOT_PEOPLE = [
    # the store's own line: a store phone label, an opening-hours block
    ("nl", "De openingstijden kloppen niet:\n\nMa-vr 08:00-18:00\nZa 08:00-16:00\nTelefoon winkel: 040 211 45 90"),
    ("de", "Bitte im Profil ändern:\nMo–Fr 9:00–18:30, Sa 10:00–16:00\nTel. Filiale: 089 2345 6789"),
    ("fr", "Horaires du magasin : lun.-sam. 9h-19h, téléphone boutique : 01 42 68 53 11"),
    # JSON fixtures with localized documentation domains and fictional numbers
    ("es", '{"customer": {"name": "Pepe Prueba Pérez", "email": "pepe@ejemplo.es", "phone": "+34 600 000 000"}}'),
    ("de", '{"kunde": {"name": "Klaus Beispiel", "email": "klaus@beispiel.de", "telefon": "+49 30 0000000"}}'),
    ("en", 'Fixture: {"name": "Jane Doe", "phone": "+1 555 0142"}; the API rejects +1 555 0142 now.'),
    # shops and companies named like people, quoted product titles, sentence-start prepositions
    ("de", "Im Auftrag unseres Kunden (Holzwaren Albrecht) melde ich einen 403 der Admin-API."),
    ("nl", "Bakkerij Verschuren in Tilburg ziet de nieuwe prijzen niet."),
    ("fr", "La boutique Fromagerie Lambert n'apparaît plus dans la recherche."),
    ("es", "En la ficha del café \"Colombia Huila\" la reseña no aparece."),
    ("de", "Laut Admin ist der Cache aktiv, trotzdem lädt die Seite langsam."),
    ("fr", "Dans Admin la page Commandes reste vide depuis la mise à jour."),
]


@pytest.mark.parametrize(("lang", "text"), STRUCTURAL_NOT_PEOPLE)
def test_store_lines_fixtures_shops_and_titles_are_not_third_parties(redactor, lang, text):
    _clean(redactor, text, SENDERS[lang])


def test_a_one_word_persona_does_not_make_a_real_name_test_data(redactor):
    text = "Recent subscribers shown publicly:\nAlice Thornbury   a.thornbury@gmail.com"
    explained = redactor.explain(text, SENDERS["en"])
    assert not any(e.suppressed_by and "test record" in e.suppressed_by for e in explained), _explain(
        redactor, text, SENDERS["en"])
    _flags(redactor, text, SENDERS["en"], "PERSON")


# -- the first person with the reach word after the number, call-back requests -------------------
SELF_AFTER_OR_CALLBACK = [
    ("de", "Ich bin heute unter 0171 4455667 erreichbar, falls ihr Fragen habt.", "0171 4455667"),
    ("de", "Bitte um Rückruf unter +49 171 4455667, es eilt.", "+49 171 4455667"),
    ("nl", "Ik ben vandaag op +31 6 12345678 bereikbaar.", "+31 6 12345678"),
    ("fr", "Merci de me rappeler au 06 12 34 56 78.", "06 12 34 56 78"),
    ("en", "Please call back on 07700 900456 once you know more.", "07700 900456"),
    ("it", "Per favore richiamatemi al +39 347 123 4567.", "+39 347 123 4567"),
    ("pl", "Proszę oddzwonić na +48 512 345 678.", "+48 512 345 678"),
]


@pytest.mark.parametrize(("lang", "text", "value"), SELF_AFTER_OR_CALLBACK)
def test_a_first_person_reach_word_after_the_number_or_a_call_back_request_is_the_senders(redactor, lang, text, value):
    _clean(redactor, text, SENDERS[lang])
    assert _party_of(redactor, text, SENDERS[lang], value).party == "sender"


SOMEONE_ELSE_REACHABLE = [
    ("de", "Die Kundin bittet um Rückruf unter 0171 9988776."),
    ("de", "Der Kunde ist unter 0171 9988776 erreichbar."),
    ("en", "The buyer asked for a call back on 07700 900321."),
]


@pytest.mark.parametrize(("lang", "text"), SOMEONE_ELSE_REACHABLE)
def test_a_customer_asking_for_a_call_back_is_a_third_party(redactor, lang, text):
    _flags(redactor, text, SENDERS[lang], "PHONE_NUMBER")


# -- public figures in passing -------------------------------------------------------------------
PUBLIC_FIGURES = [
    ("de", "Wie Steve Jobs sagte: keep it simple. Unser Kunde findet den Checkout zu lang, er bricht ab."),
    ("en", "As Elon Musk says, the best part is no part. Our customers order less since the new checkout, she said."),
    ("fr", "Comme disait Antoine de Saint-Exupéry, la perfection... Le client trouve la page trop chargée, il part."),
    ("nl", "Zoals Johan Cruijff zei: elk nadeel heb z'n voordeel. De klant ziet zijn bestelling niet, hij belt steeds."),
]


@pytest.mark.parametrize(("lang", "text"), PUBLIC_FIGURES)
def test_public_figures_quoted_in_passing_are_public(redactor, lang, text):
    _clean(redactor, text, SENDERS[lang])


def test_a_customer_quoted_like_a_public_figure_is_still_a_third_party(redactor):
    _flags(redactor, "Like customer Anna Berg said, her order never arrived.", SENDERS["en"], "PERSON")


# -- mixed probes: abbreviations inside a sentence, forwarded colleague signatures, quoted titles -------
PROBES_CLEAN = [
    ("de", "Kurzes Update aus der Filiale Eppendorf: Kartenterminal geht wieder. Bei Fragen: Filiale Eppendorf, "
           "Tel. 040 4711 220, Mo–Sa 10–19 Uhr."),
    ("it", "Riepilogo: il nostro negozio di Torino (tel. 011 562 3344) è aperto lun-sab 9:30-19:30; l'orario sul sito "
           "è sbagliato."),
    ("de", "Zur Info, Mail von meinem Kollegen unten.\n\n-----Ursprüngliche Nachricht-----\nVon: Tobias Hahn "
           "<t.hahn@radhaus-vogel.de>\nGesendet: Freitag, 4. Dezember 2026 09:12\nAn: Katrin Vogel\nBetreff: Feed\n\n"
           "Der Feed ist leer.\nGruß Tobias\nTel. 040 6677 1234"),
    ("de", "Unser Produkt „Bergmann Classic“ wird in der Suche nicht gefunden, „Bergmann Sport“ schon."),
    ("es", "Hola, soy Lucía de Tienda Sol. Mi teléfono directo es el 912 345 678 por si necesitáis algo."),
    ("pl", "Dzień dobry, w razie pytań proszę dzwonić pod mój numer 22 628 11 44. Pozdrawiam, Agnieszka"),
    ("de", "Wie schon Goethe sagte: Mehr Licht! Unsere Produktbilder laden zu langsam, der Kunde beschwert sich."),
    ("de", "Bergmann Sport GmbH: kontakt@bergmann-sport.de hat die Rechnung nicht bekommen."),
    ("fr", "Le fournisseur (commandes@atelier-brun.fr) ne reçoit plus nos bons de commande."),
    ("de", "Bewertungen im Widget:\n3 Sterne Leider Kaputt, 02.12.2026\n5★ Schnelle Lieferung Super\n4/5 Sehr Gut"),
]


@pytest.mark.parametrize(("lang", "text"), PROBES_CLEAN)
def test_probes_that_must_stay_clean(redactor, lang, text):
    _clean(redactor, text, SENDERS[lang])


PROBES_DIRTY = [
    ("de", "Die Retoure von Herrn Dieter Kollmann, Am Stadtpark 3, 22303 Hamburg, ist angekommen, aber nicht gebucht.",
     "POSTAL_ADDRESS"),
    ("de", "Kundin hat sich mit falscher Mail registriert: petra.koenig(at)t-online(punkt)de – bitte zusammenführen.",
     "EMAIL_ADDRESS"),
    ("nl", "Op het pakbon staat:\nMevr. A. de Groot\nLaan van Meerdervoort 210\n2517 BH Den Haag", "POSTAL_ADDRESS"),
    ("it", "Recensione visibile con nome completo: \"Ottimo servizio\" — Francesca Lombardi, 5 stelle, 01/12/2026",
     "PERSON"),
    ("pl", "Klientka prosi o usunięcie danych: Joanna Wiśniewska, ul. Kwiatowa 12/4, 31-123 Kraków, tel. 601 234 567.",
     "POSTAL_ADDRESS"),
    ("de", "Hallo,\nweitergeleitet von unserer Kundin:\n\nVon: Lisa Marquardt <lisa.m@web.de>\nGesendet: Freitag\n"
           "Betreff: Retoure\n\nHallo, wo bleibt mein Geld?\nLisa Marquardt", "EMAIL_ADDRESS"),
]


@pytest.mark.parametrize(("lang", "text", "kind"), PROBES_DIRTY)
def test_probes_that_must_be_flagged(redactor, lang, text, kind):
    _flags(redactor, text, SENDERS[lang], kind)


BIRTH_DATES = [
    ("fr", "Client de cette semaine :\nNom : Gérald Pasquier\nDate de naissance saisie : 21.06.1979"),
    ("it", "I suoi dati dall'ordine: Sergio Malfatti, nato il 14/11/1985, viene bloccato."),
    ("es", "El cliente, nacido el 03/04/1990, no pasa la verificación de edad."),
    ("nl", "Klant met geboortedatum 12-05-1988 wordt geweigerd bij de leeftijdscheck."),
    ("pl", "Klientka (data urodzenia 07.08.1993) nie może kupić wina."),
]


@pytest.mark.parametrize(("lang", "text"), BIRTH_DATES)
def test_dates_of_birth_in_other_languages_are_found(redactor, lang, text):
    _flags(redactor, text, SENDERS[lang], "DATE_OF_BIRTH")


def test_deadlines_in_other_languages_are_not_birth_dates(redactor):
    for lang, text in (("it", "Scadenza del contratto: 02/09/2026, rinnovo automatico."),
                       ("de", "Die Lieferung ist für den 02.09.2026 geplant, Rechnung folgt."),
                       ("es", "La fecha de entrega es el 03/04/2026.")):
        decision = redactor.check(text, SENDERS[lang])
        assert "DATE_OF_BIRTH" not in decision.reasons, _explain(redactor, text, SENDERS[lang])
