"""Failure classes found on unseen text, each fixed by a general rule; a should-match / must-not-match
table per rule (support terms: third parties' personal data and application secrets are rejected;
the sender, colleagues, vendor staff, placeholders and documentation/test values are not)."""

from __future__ import annotations

import pytest

from redaction.context import signature_gap
from redaction.types import Sender
from tests.redaction.recognizer_tables import token
from tests.redaction.velora import get_redactor

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
    (TOM, "the buyer wrote from anna.berger@gmx.de. Thanks, Tom Fischer", "EMAIL_ADDRESS"),
    (TOM, "refund goes to jan.nowak@wp.pl! Best, Tom", "EMAIL_ADDRESS"),
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


# -- 3. a bare random value right after a secret word, in prose ---------------------------------------

B64 = token("", 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", seed=51)
BARE_SECRETS = [
    f"we verify the webhook with secret {B64} (HMAC-SHA256) and it fails",
    f"signing key {B64} - rotated last week, still 401",
    f"the api key {token('', 32, seed=52)} works in staging only",
    f"Our token {token('', 28, seed=53)} was accepted yesterday (SHA-1 signature though).",
    "the HMAC signing key for the signed URLs is wh4/kYBvwxpyxqcnJRzJqWMBgRxXUAYzueTDyB/3b6oe - 403 since rotation",
]
NOT_BARE_SECRETS = [
    f"commit {token('', 40, '0123456789abcdef', 54)} broke the build",
    f"sha256 {B64} does not match the bundle",
    f"request id {token('', 28, seed=55)} (HMAC-SHA256 verification failed)",
    "the secret rotation policy (HMAC-SHA256) is documented in the portal",
    "the key src/components/ProductListItemCard/index2.tsx is imported twice",
    "token path api/v2/OrderLineItems/2026Q4/export failed",
]


@pytest.mark.parametrize("text", BARE_SECRETS)
def test_random_value_after_a_secret_word_is_a_secret(redactor, text):
    decision = redactor.check(text, TOM)
    assert any(f.category == "secret" for f in decision.findings), _flags(redactor, text, TOM)


@pytest.mark.parametrize("text", NOT_BARE_SECRETS)
def test_hashes_and_ids_are_not_secrets_even_with_an_algorithm_after(redactor, text):
    _assert_clean(redactor, text, TOM)


# -- 4. filler after a provider prefix is a placeholder -------------------------------------------------

FILLER = [
    "STRIPE_SECRET_KEY=sk_test_xxx", "STRIPE_SECRET_KEY=sk_live_...", "webhook_secret: whsec_***",
    "API_TOKEN=xxx", "SHOPIFY_TOKEN=shpat_000000", "PASSWORD=your_password", "OPENAI_API_KEY=sk-paste-here",
    "token: TOKEN_HERE", "DB_PASSWORD=fill-me",
]
NOT_FILLER = [
    ("STRIPE_SECRET_KEY=" + token("sk_live_", 24, seed=56), "STRIPE_KEY"),
    ("STRIPE_SECRET_KEY=" + token("sk_test_", 24, seed=57), "STRIPE_KEY"),  # a test-mode key still grants access
    ("DB_PASSWORD=Xq7!here2026", "SECRET_ASSIGNMENT"),
]


@pytest.mark.parametrize("text", FILLER)
def test_filler_values_are_placeholders(redactor, text):
    _assert_clean(redactor, text, TOM)


@pytest.mark.parametrize(("text", "kind"), NOT_FILLER)
def test_real_values_next_to_filler_shapes_still_count(redactor, text, kind):
    _assert_flags(redactor, text, TOM, kind)


# -- 5. HAR / Postman name-value pairs ---------------------------------------------------------------

HEX40 = token("", 40, "0123456789abcdef", seed=58)
NAME_VALUE_SECRETS = [
    '"cookies": [{"name": "session_id", "value": "' + HEX40 + '", "httpOnly": true}]',
    '{"name": "JSESSIONID", "value": "' + token("", 32, seed=59) + '"}',
    '"headers": [{"name": "X-Api-Key", "value": "' + token("", 32, seed=60) + '"}]',
    "{'name': 'password', 'value': 'Wint3r!Sale'}",
    '{"name": "Authorization", "value": "Bearer ' + token("", 40, seed=61) + '"}',
]
NAME_VALUE_CLEAN = [
    '{"name": "session_id", "value": "<redacted>"}',
    '{"name": "Accept-Language", "value": "de-DE,de;q=0.9,en;q=0.8"}',
    '{"name": "session_timeout", "value": "1800"}',
    '"cookies": [{"name": "_ga", "value": "GA1.2.1234567890.1700000000"}]',
    '{"name": "token", "value": "${TOKEN}"}',
]


@pytest.mark.parametrize("text", NAME_VALUE_SECRETS)
def test_credential_values_in_har_name_value_pairs_are_secrets(redactor, text):
    decision = redactor.check(text, TOM)
    assert any(f.category == "secret" for f in decision.findings), _flags(redactor, text, TOM)


@pytest.mark.parametrize("text", NAME_VALUE_CLEAN)
def test_other_har_pairs_and_masked_values_are_not(redactor, text):
    _assert_clean(redactor, text, TOM)


# -- 6. names in structured fields, acted-on names, CJK names; multilingual customer words ----------

STRUCTURED_NAMES = [
    '{"order": 1042, "firstName": "Chukwuemeka", "lastName": "Obi", "tier": "gold"}',
    '2026-11-28 10:01:02 WARN checkout failed name="Carlos Eduardo Souza" email=carlos.souza@gmail.com',
    '"body": {"recipient": "Grace Liu", "template": "order-shipped"}',
    "INSERT INTO customers (first_name, last_name, city) VALUES ('Amara', 'Diallo', 'Dakar'), ('Jan', 'Nowak', 'Łódź');",
    "we blocked Chukwuemeka Obi coming from a Lagos proxy",
    "please add loyalty points for Carlos Eduardo Souza, the import skipped him",
    "顾客张伟的订单没有发货, can you check?",
    "お客様 田中 says the coupon fails",
    "La clienta María López no recibe el pedido.",
    "Le client Étienne Marchal n'arrive pas à payer.",
    "shipping_name: Aoife Brennan\norder: 100234",
    '{"order": 123, "billing": {"name": "Ingrid Svensson", "city": "Malmö"}}',
]
STRUCTURED_NOT_NAMES = [
    "metadata:\n  name: Production Cluster\n  labels:\n    app: storefront",
    '{"name": "Summer Sale", "type": "campaign", "discount": 20}',
    "INSERT INTO products (name, sku, price) VALUES ('Summer Sale Shirt', 'A-100', 19.99);",
    '{"customer": {"firstName": "Max", "lastName": "Mustermann", "email": "max@example.com"}}',
    "Stripe charged Visa cards twice and blocked Google Chrome users",
    "we shipped to Velora Edge yesterday and refunded Black Friday orders",
    '{"displayName": "Storefront Bot", "userName": "ci-bot"}',
    '{"order": 123, "items": [{"name": "Summer Dress Blue", "qty": 1}, {"name": "Leather Belt", "qty": 2}]}',
    '{"shipping": {"method": "DHL Express", "name": "Standard Shipping", "price": 4.9}}',
    "customer_groups:\n  - name: Gold Members\n    discount: 10",
]


@pytest.mark.parametrize("text", STRUCTURED_NAMES)
def test_names_in_person_fields_and_acted_on_names_are_third_parties(redactor, text):
    _assert_flags(redactor, text, TOM, "PERSON")


@pytest.mark.parametrize("text", STRUCTURED_NOT_NAMES)
def test_product_campaign_and_persona_fields_are_not_people(redactor, text):
    _assert_clean(redactor, text, TOM)


# -- 7. international address shapes -------------------------------------------------------------------

ADDRESSES = [
    "La clienta vive en Calle Mayor 10, 3º B, 28013 Madrid y no recibe el pedido.",
    "parcel for ul. Marszałkowska 84/92 m. 15, 00-514 Warszawa came back",
    "the buyer lives at 742 Evergreen Terrace, Apt 4B, Springfield, OR 97477",
    "Lieferadresse des Kunden: Lindenstraße 8, Whg 3, 04109 Leipzig",
    "customer address Rua Augusta 120, 1100-053 Lisboa",
]


@pytest.mark.parametrize("text", ADDRESSES)
def test_addresses_with_units_and_foreign_postcodes_are_found(redactor, text):
    _assert_flags(redactor, text, TOM, "POSTAL_ADDRESS")


# -- 8. card numbers need their issuer's length -----------------------------------------------------

def test_a_luhn_valid_number_of_the_wrong_length_for_its_issuer_is_not_a_card():
    from tests.redaction.recognizer_tables import check_table

    check_table(
        "credit_card",
        [("paid with 4532 0151 1283 0366", "4532 0151 1283 0366"), ("card 378734493671000", "378734493671000"),
         ("card 5425233430109903 charged twice", "5425233430109903")],
        ["Meta pixel 275539251971151 fires twice", "number 542523343010990 here", "ref 37873449367100"],
    )


# -- 9. writers of forwarded mail and transcript speakers ------------------------------------------

SPEAKERS_THIRD_PARTY = [
    "see below\n\n> From: Amina Yusuf <amina.yusuf@yahoo.com>\n> my parcel never arrived",
    "Chat export:\n[14:01] Amina Yusuf: my order 5512 never arrived, I want a refund\n[14:02] Agent Grace Liu: checking",
    "we blocked Chukwuemeka Obi coming from a Lagos proxy after three chargebacks",
]
SPEAKERS_OWN = [
    "[10:02] Jonas Weber: deploy failed again\n[10:03] Priya Raman: checking the build logs",
    "> From: Sarah Klein <sarah.klein@velora.io>\n> please retry the deployment",
    "> From: Jonas Reuter <jonas.reuter@kaufwerk.de>\n> the feed is broken again",
]


@pytest.mark.parametrize("text", SPEAKERS_THIRD_PARTY)
def test_customers_writing_or_speaking_are_third_parties(redactor, text):
    _assert_flags(redactor, text, MIA, "PERSON")


@pytest.mark.parametrize("text", SPEAKERS_OWN)
def test_colleagues_and_vendor_staff_writing_or_speaking_are_not(redactor, text):
    _assert_clean(redactor, text, MIA)


# -- 10. machines, tools, places, ticket roles and colleagues named by role -----------------------

NOT_THIRD_PARTIES = [
    "---------- Forwarded message ---------\nFrom: Google Cloud Billing <billing-noreply@google.com>\n\nYour invoice is ready.",
    "[09:12] Deploy Bot: build #455 failed\n[09:15] Payment Service: order 1234 failed with 502",
    "From: Jira Cloud <jira@acme.atlassian.net>\n\nAssignee: Jonas Weber\nReporter: Tom Fischer\nOrder import fails",
    "orders shipped to San Francisco and Los Angeles are delayed; delivered to New York fine",
    "our PM Laura Fernández Ortiz will join the call; the order sync for Black Friday is broken",
    "Thanks!\n\n> I am out of office until 2 Dec. For urgent matters contact my colleague Lisa Brandt, +49 89 1234568.",
    "The blog post by Martin Fowler about refactoring describes this order pattern",
    "mails from do-not-reply@shop-mailer.net and shop.orders@acme-partner.de bounce",
]
STILL_THIRD_PARTIES = [
    ("For urgent matters contact my colleague Lisa Brandt; the customer Jana Berg is on +49 171 5556667", "PHONE_NUMBER"),
    ("please refund Jana Berg, she was charged twice (order 5512)", "PERSON"),
    ("mails from jana.berg.shop@gmail.com bounce", "EMAIL_ADDRESS"),
]


@pytest.mark.parametrize("text", NOT_THIRD_PARTIES)
def test_machines_tools_places_and_the_organizations_people_are_not_third_parties(redactor, text):
    _assert_clean(redactor, text, TOM)


@pytest.mark.parametrize(("text", "kind"), STILL_THIRD_PARTIES)
def test_customers_next_to_those_still_count(redactor, text, kind):
    _assert_flags(redactor, text, TOM, kind)


# -- 11. key/value as call arguments, signed URLs, "the secret for X is Y" ------------------------------

def test_secret_keys_as_arguments_signed_urls_and_long_prose_forms_match():
    from tests.redaction.recognizer_tables import check_table

    sig = token("", 43, seed=62)
    check_table(
        "secret_assignment",
        [("define('DB_PASSWORD', 'Sh0p!2026pw');", "Sh0p!2026pw"),
         ('os.Setenv("API_KEY", "' + token("", 32, seed=63) + '")', token("", 32, seed=63)),
         ("https://acmeshop.blob.core.windows.net/m?sv=2022-11-02&sp=r&sig=" + sig + "%3D", sig + "%3D"),
         ("the 2FA secret for the admin account is JBSWY3DPEHPK3PXPJBSWY3DP", "JBSWY3DPEHPK3PXPJBSWY3DP"),
         ("the password for our staging shop was Tannen!baum77", "Tannen!baum77")],
        ["define('DB_HOST', 'localhost');", "define('DB_PASSWORD', getenv('DB_PASSWORD'));",
         "https://cdn.acme.de/img.png?w=400&format=webp", "the secret for a fast shop is caching",
         "the password for the admin account is required", "the token for the webhook is rotated"],
    )


# -- 12. phone words in more languages, as whole words -------------------------------------------------

def test_calling_verbs_are_phone_context_only_as_whole_words():
    from tests.redaction.recognizer_tables import check_table

    check_table(
        "phone_number",
        [("buyer rang from 07700 918 441 about the parcel", "07700 918 441"),
         ("Kunde rief von 0911 97 55 210 an", "0911 97 55 210"),
         ("le client a appelé du 01 42 68 53 00", "01 42 68 53 00")],
        ["a string of 0911 97 55 210 digits", "the orange range 0911 97 55 210", "a radial 0911 97 55 210 blur"],
    )


# -- 13. the organization's own premises ------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "The store locator shows our Berlin store (Friedrichstraße 68, 10117 Berlin) twice.",
    "our warehouse at Industriestraße 12, 85748 Garching sends the stock feed hourly",
    "unser Lager in der Hafenstraße 3, 20457 Hamburg ist umgezogen",
])
def test_the_organizations_own_premises_are_not_personal_addresses(redactor, text):
    _assert_clean(redactor, text, TOM)


@pytest.mark.parametrize("text", [
    "our store shipped the parcel to the customer at Lindenweg 3, 04109 Leipzig but it came back",
    "our shop's customer lives at Bahnhofstr. 7a, 90402 Nürnberg and never got the parcel",
])
def test_a_customers_address_near_our_store_still_counts(redactor, text):
    _assert_flags(redactor, text, TOM, "POSTAL_ADDRESS")


# -- 14. credentials in pasted tables ------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "| user | password |\n|---|---|\n| admin | Adm1n!2026 |\n| editor | Ed1tor#77 |",
    "system;login;pwd\nshopware;admin;Sh0pw4re!\n",
    "name\tapi key\nstaging\t" + token("", 32, seed=64) + "\n",
])
def test_values_under_a_credential_column_are_secrets(redactor, text):
    decision = redactor.check(text, TOM)
    assert any(f.category == "secret" for f in decision.findings), _flags(redactor, text, TOM)


@pytest.mark.parametrize("text", [
    "| user | password |\n|---|---|\n| admin | ******** |\n| editor | <redacted> |",
    "| field | password |\n|---|---|\n| required | yes |\n| min length | 12 |",
    "setting;token\nrotation;monthly\nscope;read_orders\n",
])
def test_masked_values_and_words_under_a_credential_column_are_not(redactor, text):
    _assert_clean(redactor, text, TOM)


# -- 15. a customer's mail pasted at the end is signed by the customer -------------------------------

PASTED_THIRD_PARTY = [
    "Hi Velora,\n\nour customer wrote this, can you check the order?\n\n\"Hello, my order 5512 is missing.\n"
    "Best regards\nJana Berg\nLindenweg 3, 04109 Leipzig\n+49 171 5556667\"",
    "Customer complaint below:\n\nI never got my parcel!!\nThanks,\nJana Berg\n+49 171 5556667",
]
OWN_CLOSINGS = [
    "Hi,\n\nour customer wrote that checkout fails.\n\nThanks,\nTom Fischer\nLeopoldweg 3, 80331 München\n+49 171 2233445",
    "A customer says the cart is empty.\n\nThanks,\nThe ACME Team\n+49 89 1234567",
    "A customer complained about the cart.\n\nBest,\nTom\n+49 171 2233445",
    "customer mail below is wrong, ignore it.\n\nCheers,\nThomas Fischer\n+49 171 2233445",
]


@pytest.mark.parametrize("text", PASTED_THIRD_PARTY)
def test_a_pasted_customer_mail_signed_by_the_customer_is_third_party_data(redactor, text):
    _assert_flags(redactor, text, TOM, "PHONE_NUMBER")


@pytest.mark.parametrize("text", OWN_CLOSINGS)
def test_the_senders_own_closing_after_customer_words_stays_theirs(redactor, text):
    _assert_clean(redactor, text, TOM)


# -- 16. a person named as the organization's, and their address and phone -------------------------

def test_the_address_and_phone_of_someone_named_as_ours_are_not_third_party_data(redactor):
    _assert_clean(redactor, "Our developer Ana Ruiz from the agency will join: ana.ruiz@pixelwerk.de, +34 612 987 654.",
                  TOM)


@pytest.mark.parametrize("text", [
    "Our customer Ana Ruiz will write to you: ana.ruiz@gmail.com, +34 612 987 654.",
    "my colleague Ana Ruiz asked about the customer jana.berg@gmx.de",
])
def test_a_customers_address_next_to_a_colleague_still_counts(redactor, text):
    _assert_flags(redactor, text, TOM, "EMAIL_ADDRESS")
