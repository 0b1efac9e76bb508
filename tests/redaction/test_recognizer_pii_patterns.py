"""email_address / phone_number / postal_address / iban / credit_card / date_of_birth / ip_address tables.

(The context rules that drop the sender's own data, documentation domains and test cards are
tested on the engine, tests/redaction/test_engine_context.py.)
"""

from tests.redaction.recognizer_tables import check_table


def test_email_addresses_plain_and_obfuscated_match():
    check_table(
        "email_address",
        [("contact anna.lange@gmail.com today", "anna.lange@gmail.com"),
         ("her login is ricci.femke (at) icloud.com.", "ricci.femke (at) icloud.com"),
         ("jane [at] web [dot] de", "jane [at] web [dot] de"),
         ("<mailto:m.weber@t-online.de|m.weber@t-online.de>", "m.weber@t-online.de"),
         ("href mailto:anna@gmail.com", "anna@gmail.com")],
        ["@velora-support please look", "meet (at) 5pm", "user@localhost",
         "https://d39daf6b2c2e@o586915.ingest.sentry.io/27", "npm i @velora/sdk@4.2.1",
         "postgres://app:changeme@db.prod.acme.com/shop"],
    )


def test_phone_numbers_international_or_with_phone_context_match():
    check_table(
        "phone_number",
        [("call +49 151 23456789 please", "+49 151 23456789"), ("mobile (512) 253-4093.", "(512) 253-4093"),
         ("numbers like +33 (0)6 92 23 32 91 fail", "+33 (0)6 92 23 32 91"),
         ("Tel. 030 1234567", "030 1234567"), ("0049 (0) 155-19585985", "0049 (0) 155-19585985"),
         ("sie ist unter 0171 2345678 erreichbar", "0171 2345678")],
        ["order 100234567890", "version 2.31.4", "at 2026-11-27 09:14:03", "IP 192.168.10.14",
         "ticket #48213201", "1234567 records", "build 20261127.3", "(555) 555-0123 is fiction",
         "+1 206 430 9100, our office line", "ref 030 1234567", "order 0171 2345678"],
    )


def test_postal_addresses_with_personal_context_or_complete_match():
    check_table(
        "postal_address",
        [("she lives at Hauptstraße 5, 10115 Berlin", "Hauptstraße 5, 10115 Berlin"),
         ("shipping to 6271 Cedar Lane, Columbus, OH 43201.", "6271 Cedar Lane, Columbus, OH 43201"),
         ("It should go to:\n\nLucía Esposito\nMolenstraat 47\n3511 AB Utrecht\n", "Molenstraat 47\n3511 AB Utrecht"),
         ("SHIP TO:\nMIA WRIGHT\nPRINSENGRACHT 169\n3511 AB UTRECHT\n", "MIA WRIGHT\nPRINSENGRACHT 169\n3511 AB UTRECHT"),
         ("customer address: Am Rosengarten 3, 01309 Dresden", "Am Rosengarten 3, 01309 Dresden")],
        ["The correct address of Trailhead Sports Inc. is 1200 Pine Street, Seattle, WA 98101",
         "our warehouse at Industriestraße 12", "upgrade to 4.12 Street View", "10115 records",
         "  address: '192.168.10.14',"],
    )


def test_ibans_match_only_with_a_valid_mod97_checksum():
    check_table(
        "iban",
        [("IBAN DE44 5001 0517 5407 3249 31", "DE44 5001 0517 5407 3249 31"),
         ("refund to NL64ABNA0417164301.", "NL64ABNA0417164301"),
         ("FR7630006000011234567890189", "FR7630006000011234567890189")],
        ["DE45 5001 0517 5407 3249 31", "NL65ABNA0417164301", "DE12 3456", "SKU DE1234567890"],
    )


def test_cards_match_only_with_issuer_prefix_and_luhn():
    check_table(
        "credit_card",
        [("card 4532 0151 1283 0366", "4532 0151 1283 0366"), ("paid with 5523456789012342.", "5523456789012342"),
         ("amex 3782 822463 10005", "3782 822463 10005")],
        ["card 4532 0151 1283 0367", "order 1234567890123456", "0000 0000 0000 0000",
         "timestamp 1732700000123", "4532-0151-1283-0366-99-1"],
    )


def test_dates_count_as_birth_dates_only_with_birth_context():
    check_table(
        "date_of_birth",
        [("date of birth 01/11/1987.", "01/11/1987"), ("born on 4 March 1961", "4 March 1961"),
         ("Geburtsdatum: 04.11.1948", "04.11.1948"), ("DOB 1990-02-17", "1990-02-17")],
        ["deployed on 01/11/2026", "release 2026-11-27", "since 4 March 2025 the shop", "2026-11-27T09:14:03Z"],
    )


def test_public_ips_count_only_tied_to_a_person():
    check_table(
        "ip_address",
        [("the customer logged in from 212.229.190.11", "212.229.190.11"),
         ("Her IP according to our logs: 2a02:64c1:ce04:7f30::9d6.", "2a02:64c1:ce04:7f30::9d6")],
        ["connect ECONNREFUSED 52.28.100.7:443", "customer on 192.168.1.20", "user from 203.0.113.9 (docs)",
         "user at 10.0.0.1", "version 1.2.3.4", "customer 2001:db8::1"],
    )


def test_table_cells_under_personal_headers_are_findings():
    from redaction.recognizers.tabular_pii import find_tables

    csv = "Kundennr;Name;Geburtsdatum;Medikament\nK-1;Renate Vogel;04.11.1948;Ramipril\nK-2;Horst Neumann;17.02.1951;X"
    md = "| Name | Email | Phone |\n|---|---|---|\n| Anna Lange | anna@web.de | +49 151 2345678 |\n| n/a | x | - |"
    got = [(kind, text[s:e]) for text in (csv, md) for s, e, _score, kind, _how in find_tables(text)]
    assert got == [("PERSON", "Renate Vogel"), ("DATE_OF_BIRTH", "04.11.1948"), ("PERSON", "Horst Neumann"),
                   ("DATE_OF_BIRTH", "17.02.1951"), ("PERSON", "Anna Lange"), ("PHONE_NUMBER", "+49 151 2345678")]


def test_product_tables_and_single_lines_are_not_personal():
    from redaction.recognizers.tabular_pii import find_tables

    assert find_tables("id,name,price\n1,Trail Runner Jacket,39.90\n2,Storefront Mug,12.00") == []
    assert find_tables("Name;Geburtsdatum") == []
    assert find_tables("name: Anna Lange, born 1970") == []
