"""Failure classes found on unseen text, each fixed by a general rule; a should-match / must-not-match
table per rule (support terms: third parties' personal data and application secrets are rejected;
the sender, colleagues, vendor staff, placeholders and documentation/test values are not)."""

from __future__ import annotations

import pytest

from redaction.context import signature_gap
from redaction.engine import get_redactor
from redaction.types import Sender

TOM = Sender(name="Tom Fischer", email="tom@acme.example", org="ACME")
MIA = Sender(name="Mia Hartmann", email="mia.hartmann@kaufwerk.de", org="Kaufwerk GmbH")
LENA = Sender(name="Lena Vogt", email="lena.vogt@fjordhome.dk", org="Fjord Home ApS")


@pytest.fixture(scope="module")
def redactor():
    return get_redactor()


def _flags(redactor, text, sender):
    return [(e.finding.type, e.finding.score, e.suppressed_by, text[e.finding.start:e.finding.end])
            for e in redactor.explain(text, sender)]


def _assert_clean(redactor, text, sender):
    decision = redactor.check(text, sender)
    assert decision.verdict == "clean", _flags(redactor, text, sender)


def _assert_flags(redactor, text, sender, kind):
    decision = redactor.check(text, sender)
    assert kind in decision.reasons, _flags(redactor, text, sender)


# -- 1. the sender's own contact details, in any signature layout -----------------------------------

SIGNATURE_GAPS_OWN = [", ACME GmbH, ", " | Lead Dev | ACME GmbH | tel ", "\nHead of E-Commerce\nACME GmbH\nMobil ",
                      " (ACME) ", " – Maison Lumière SARL – 12 rue de la Paix, ", "\nSr. Manager - IT\nPh: ",
                      " (24/7 reachable) ", "\n"]
SIGNATURE_GAPS_NOT = [". PS: the buyer Tom Becker (", " here, please call our shop owner at ",
                      ", ACME GmbH. The affected customer's mobile: ", "\n\nPS: please contact ",
                      " asked me to forward her number ", "x" * 200]


@pytest.mark.parametrize("gap", SIGNATURE_GAPS_OWN)
def test_titles_companies_separators_and_labels_are_a_signature_gap(gap):
    assert signature_gap(gap)


@pytest.mark.parametrize("gap", SIGNATURE_GAPS_NOT)
def test_a_sentence_or_someone_else_breaks_a_signature_gap(gap):
    assert not signature_gap(gap)


OWN_SIGNATURES = [
    (TOM, "Hello, the checkout fails since 10:00 with error 502. Stack: at com.acme.Pay(Pay.java:12). "
          "Regards, Tom Fischer, ACME GmbH, +49 89 1234567"),
    (TOM, "cart empty after login; Tom Fischer | ACME | Leopoldweg 3, 80331 München | tel +49 89 1234567"),
    (TOM, "Could you advise, Tom Fischer, ACME, +49 89 1234567"),
    (TOM, "Build red since the update.\n--\nTom Fischer · ACME GmbH · +49 171 2233445"),
    (TOM, "Thanks, Tom | +49 171 2233445"),
    (TOM, "Feed broken.\n\nMit freundlichen Grüßen\nTom Fischer\nACME GmbH\nTel.: 089 1234567"),
    (TOM, "<p>Best,</p><table><tr><td>Tom Fischer</td><td>ACME GmbH</td></tr><tr><td>Phone</td>"
          "<td>+49 89 1234567</td></tr></table>"),
    (TOM, "Still failing.\n\nCheers, Tom Fischer (ACME) +49 89 1234567\n\nOn Mon, 23 Nov 2026 Sarah Klein "
          "<sarah.klein@velora.io> wrote:\n> please retry"),
    (LENA, "Images broken on iOS. Best, Lena Vogt, Fjord Home ApS, Strandvejen 12, 2100 København Ø, +45 22 81 47 90"),
    (MIA, "FYI, forwarded from my colleague.\n\n---------- Forwarded message ---------\nFrom: Jonas Reuter "
          "<jonas.reuter@kaufwerk.de>\n\nHi Mia, feed broken again.\nJonas Reuter\nIT\n+49 40 3344 5570"),
]
THIRD_PARTY_CONTACT = [
    (TOM, "Hi, please call our customer Tom Berg at +49 89 7654321 about the refund.", "PHONE_NUMBER"),
    (TOM, "Regards, Tom Fischer. PS: the buyer Tom Becker (+49 30 5550123) wants his money back", "PHONE_NUMBER"),
    (TOM, "Checkout broken. Tom Fischer, ACME GmbH. The affected customer's mobile: 0171 2345678", "PHONE_NUMBER"),
    (TOM, "Tom Fischer here: the shopper who complained left +44 7700 218441 in the order note", "PHONE_NUMBER"),
    (TOM, "Best, Tom Fischer\n\nPS: customer anna.berger@gmx.de never got her invoice", "EMAIL_ADDRESS"),
    (TOM, "customer jana wolf moved, shipping to 7 Elm Road, Leeds LS1 4AP.\n\nBest regards,\nTom Fischer",
     "POSTAL_ADDRESS"),
]


@pytest.mark.parametrize(("sender", "text"), OWN_SIGNATURES)
def test_contact_details_next_to_the_senders_name_or_org_are_theirs(redactor, sender, text):
    _assert_clean(redactor, text, sender)


@pytest.mark.parametrize(("sender", "text", "kind"), THIRD_PARTY_CONTACT)
def test_a_third_partys_contact_details_near_the_sender_still_count(redactor, sender, text, kind):
    _assert_flags(redactor, text, sender, kind)


# -- 2. colleagues ----------------------------------------------------------------------------------

COLLEAGUES = [
    "Hi,\nCC’ing Jonas Reuter who maintains our account and his team will test the order flow.\nThanks, Mia",
    "Hi,\nlooping in Jonas Reuter, he has admin rights on our account and can check the orders.",
    "Jonas Reuter (in CC) can answer questions about his order import.",
    "adding Jonas Reuter from our side, he owns the account settings.",
    "Please give Jonas Reuter access to the project (jreuter@kaufwerk.de), his account is locked.",
    "CC: Dana Whitfield <dana.whitfield@kaufwerk.de>; she placed the test order yesterday",
    "Chat log:\n[10:01] Customer: where is my parcel?\n[10:03] Agent Grace Liu: sorry, checking\n"
    "[10:04] Agent Grace Liu: the order shows a delay for the customer",
]
NOT_COLLEAGUES = [
    ("please reset the account of Jonas Reuter, he is our customer and cannot log in.", "PERSON"),
    ("CC'ing our customer Jonas Reuter <jonas.reuter@gmail.com> who lost his order", "EMAIL_ADDRESS"),
    ("Chat log:\n[10:01] Customer Paula Reyes: my order never arrived\n[10:03] Agent Grace Liu: checking",
     "PERSON"),
]


@pytest.mark.parametrize("text", COLLEAGUES)
def test_colleagues_are_not_third_parties(redactor, text):
    _assert_clean(redactor, text, MIA)


@pytest.mark.parametrize(("text", "kind"), NOT_COLLEAGUES)
def test_customers_next_to_colleague_cues_still_count(redactor, text, kind):
    _assert_flags(redactor, text, MIA, kind)
