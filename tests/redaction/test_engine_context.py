"""Context rules: the sender's identity, the vendor, placeholders, documentation examples, test data."""

from __future__ import annotations

import pytest

from redaction.types import Sender
from tests.redaction.recognizer_tables import token
from tests.redaction.velora import get_redactor

SENDER = Sender(name="Peter Miller", email="peter.miller@acme-shop.de", org="Acme Shop GmbH",
                phone="+49 30 1234 5678")


@pytest.fixture(scope="module")
def redactor():
    return get_redactor()


CLEAN = {
    "own signature": "Hi,\n\nthe cart is empty after login.\n\nThanks,\nPeter Miller\nAcme Shop GmbH\n"
                     "Hauptstraße 5, 10115 Berlin\nTel. +49 30 1234 5678\npeter.miller@acme-shop.de",
    "own signature without closing line": "Hi,\n\ncart is empty.\n\nPeter Miller | Head of E-Commerce | Acme Shop GmbH\n"
                                          "+49 30 1234 5678",
    "own email and phone in prose": "Call me on +49 30 1234 5678 or write to peter.miller@acme-shop.de.",
    "colleague at the organization's domain": "Please add anna.lange@acme-shop.de to the project.",
    "colleague named with role": "My colleague Anna Lange (anna.lange@acme-shop.de, +49 30 1234 5679) takes over.",
    "registered org address": "Our imprint shows Acme Shop GmbH, Hauptstraße 5, 10115 Berlin twice.",
    "vendor staff and domain": "Hi Sarah Klein,\n\nsupport@velora.io answered, thanks Tobias Wagner!",
    "vendor phone": "I called +49 89 2154 7700 yesterday.",
    "placeholder token": "set STRIPE_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx in .env",
    "masked secret": "password: ********",
    "redacted": 'api_key: "<redacted>"',
    "env reference": "DB_PASSWORD=${DB_PASSWORD}",
    "template": 'Authorization: Bearer {{token}}',
    "your-api-key": "curl -H 'X-API-Key: your-api-key-here' https://api.velora.io",
    "aws documentation key": "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = "
                             "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "documentation email": "e.g. jane.smith@example.com or test@shop.test",
    "documentation ip": "the customer IP 203.0.113.42 (from your docs)",
    "stripe test card": "paid with 4242 4242 4242 4242, exp 12/34",
    "labelled test card": "3DS test card 4000 0027 6000 3184 fails",
    "test persona record": "Test persona: Jane Doe, jane.doe@example.com, Musterstraße 1, 12345 Berlin",
    "ssh public key": "please add ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + token("", 43) + " deploy@acme",
    "public key pem": "-----BEGIN PUBLIC KEY-----\n" + token("", 64) + "\n-----END PUBLIC KEY-----",
    "jwt.io example": "the docs use eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ikpv"
                      "aG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "publishable key": "pk_live_" + token("", 24) + " is in our frontend",
    "role mailbox": "mails to orders@some-other-shop.com bounce",
    "service account": "our service account velora-insights@acme-analytics.iam.gserviceaccount.com",
    "office line": "our PagerDuty (phone +1 206 430 9100, our office line)",
}
DIRTY = {
    "third-party email": ("customer anna.schmidt@gmail.com cannot log in", "EMAIL_ADDRESS"),
    "third-party phone": ("the buyer's mobile is +49 151 23456789", "PHONE_NUMBER"),
    "iban": ("refund to DE44 5001 0517 5407 3249 31 please", "IBAN_CODE"),
    "card": ("customer paid with 4532 0151 1283 0366", "CREDIT_CARD"),
    "birth date": ("her date of birth is 04.11.1948", "DATE_OF_BIRTH"),
    "real secret next to a placeholder": ("API_KEY=your-key-here\nAPI_KEY_PROD=" + token("sk_live_", 24),
                                          "STRIPE_KEY"),
    "quoted third party in a forward": ("---------- Forwarded message ---------\nFrom: Jane Roe <jane.roe@web.de>\n"
                                        "> my card 4532 0151 1283 0366 was charged twice", "CREDIT_CARD"),
}


@pytest.mark.parametrize("case", list(CLEAN))
def test_own_identity_vendor_placeholders_and_examples_are_not_findings(redactor, case):
    text = CLEAN[case]
    decision = redactor.check(text, SENDER)
    assert decision.verdict == "clean", [(f.type, text[f.start:f.end]) for f in decision.findings]


@pytest.mark.parametrize("case", list(DIRTY))
def test_third_party_data_and_real_secrets_are_findings(redactor, case):
    text, kind = DIRTY[case]
    decision = redactor.check(text, SENDER)
    assert kind in decision.reasons, [(e.finding.type, e.suppressed_by) for e in redactor.explain(text, SENDER)]


def test_without_a_sender_a_signature_block_is_still_the_senders(redactor):
    text = "Hi,\n\ncart is empty.\n\nBest regards,\nPeter Miller\n+49 30 1234 5678\npeter.miller@acme-shop.de"
    assert redactor.check(text, None).verdict == "clean"


def test_a_trailing_third_party_block_is_not_mistaken_for_the_signature(redactor):
    text = "Hallo,\n\nlaut Bestellung:\n\nJürgen Bäumler\nAm Rosengarten 3, 01309 Dresden"
    assert redactor.check(text, SENDER).verdict == "resubmit"
