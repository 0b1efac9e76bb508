"""person: third-party names from NER plus context, form labels and honorifics (real spaCy model)."""

import pytest

from redaction.types import Sender

SENDER = Sender(name="Peter Miller", email="peter.miller@acme-shop.de", org="Acme Shop GmbH")



@pytest.fixture(scope="module")
def redactor():
    from tests.redaction.velora import get_redactor

    return get_redactor()


SHOULD_FLAG = [
    ("Our customer Maria Gonzalez cannot check out since Monday.", "Maria Gonzalez"),
    ("Can you unlock the account of Sophie Turnbull? She is locked out.", "Sophie Turnbull"),
    ("ValueError: invalid postcode for customer 'Declan Ricci'", "Declan Ricci"),
    ("Customer name: Lars Lefèvre\nOrder: 1234", "Lars Lefèvre"),
    ("Dr. Rossi called twice because her order never arrived.", "Rossi"),
    ("the order was placed by Siobhan Kamiński yesterday", "Siobhan Kamiński"),
]
MUST_NOT_FLAG = [
    "Hi Sarah,\n\nthe checkout is slow.\n\nBest regards,\nPeter Miller\nAcme Shop GmbH",
    "My colleague Tom Becker will join the call.",
    "Our marketing lead, Charlotte Hughes, would like a demo.",
    "Test with John Doe and Max Mustermann please.",
    "The brand facets \"Tommy Hilfiger\" and \"Ralph Lauren\" return 0 products.",
    "Velora Studio and Page Builder crash in Google Chrome.",
    "our B2B customer Schneider Elektrotechnik GmbH orders via punchout",
    "  at com.acme.Checkout.submitOrder(Checkout.java:42)\n  at Anna.Lange.run(Main.java:7)",
    "Thanks Tobias Wagner for the quick fix!",
    "Unser Kollege Jürgen Weiß übernimmt; der Kunde hat angerufen. Könnten Sie das prüfen?",
]


@pytest.mark.parametrize("text,name", SHOULD_FLAG)
def test_third_party_names_are_flagged(redactor, text, name):
    flagged = [text[e.finding.start:e.finding.end] for e in redactor.explain(text, SENDER)
               if e.finding.type == "PERSON" and e.suppressed_by is None and e.finding.score >= 0.5]
    assert name in flagged, redactor.explain(text, SENDER)


@pytest.mark.parametrize("text", MUST_NOT_FLAG)
def test_sender_colleagues_staff_personas_brands_and_code_are_not_flagged(redactor, text):
    flagged = [text[e.finding.start:e.finding.end] for e in redactor.explain(text, SENDER)
               if e.finding.type == "PERSON" and e.suppressed_by is None and e.finding.score >= 0.5]
    assert not flagged
