"""secret_assignment: secrets assigned to secret-named keys, and passwords in prose."""

from tests.redaction.recognizer_tables import check_table

SHOULD_MATCH = [
    ("DB_PASSWORD=Sup3rS3cret!x", "Sup3rS3cret!x"),
    ('"apiKey": "a8F3kQ9zLm2P"', "a8F3kQ9zLm2P"),
    ("client_secret = 'Xy7$kLm2Pq'", "Xy7$kLm2Pq"),
    ("password: hunter22", "hunter22"),
    ("PGPASSWORD='RxBRZtFQWRs0qp3Tb3OBa' psql -h db", "RxBRZtFQWRs0qp3Tb3OBa"),
    ("https://shop/api?access_token=f00Ba7Ba2z&x=1", "f00Ba7Ba2z"),
    ("Kennwort: B&S-Sync_2025!", "B&S-Sync_2025!"),
    ("the password is Summer2024!", "Summer2024!"),
    ("Passwort Alpenrad!Staging2026. Bitte", "Alpenrad!Staging2026"),
    ("password for the test account is Cobalt2026!wholesale (user x)", "Cobalt2026!wholesale"),
    ("my login is tom@shop.example / Northwind!Jackets26 if", "Northwind!Jackets26"),
    ('<input name="api_password" value="maple-orange-piano20">', "maple-orange-piano20"),
]
MUST_NOT_MATCH = [
    "password: ${DB_PASSWORD}",
    "token = os.environ['TOKEN']",
    "api_key: process.env.API_KEY",
    "password: null",
    "the password is incorrect",
    "token_url: https://auth.example.com/token",
    "tokenizer: bert-base",
    "bypass: abcdef12",
    "Preview URL pattern: https://preview.velora.io/{slug}",
    "apiToken:\n    secretKeyRef:",
    "password reset for anna@example.com failed",
    "password policy: min 12 chars, 1 digit",
    "the password must be 20-character long",
    "we use 1Password for sharing",
    "login: tom.becker@northwind.example",
]


def test_secret_assignments_and_passwords_in_prose_match():
    check_table("secret_assignment", SHOULD_MATCH, [])


def test_references_placeholders_and_benign_keys_do_not_match():
    check_table("secret_assignment", [], MUST_NOT_MATCH)
