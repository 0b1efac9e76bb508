"""Secret and false-secret classes, one should-flag / must-stay-clean table per class, in several
languages (support terms: application secrets are rejected; placeholders, masks, identifiers and
published test values are not secrets).

Values are random strings generated for these tests: nobody's credentials.
"""

from __future__ import annotations

import pytest

from redaction.placeholders import identifier_shape, placeholder_shape
from redaction.types import Sender
from tests.redaction.recognizer_tables import token
from tests.redaction.velora import get_redactor

SENDER = Sender(name="Jonas Weber", email="jonas.weber@kaufwerk.de", org="Kaufwerk GmbH")
LOWER_NUM = "abcdefghijklmnopqrstuvwxyz0123456789"
TOK = token("", 32, LOWER_NUM, seed=3)           # letters and digits, one case: no provider format
VENDOR_TOK = token("nlc_live_", 28, seed=4)       # a vendor's own token format no rule knows
DASHED = "NLC-" + "-".join(token("", 4, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", seed=i) for i in range(5))


@pytest.fixture(scope="module")
def redactor():
    return get_redactor()


def _why(redactor, text):
    return [(e.finding.type, e.finding.recognizer, e.suppressed_by, text[e.finding.start:e.finding.end])
            for e in redactor.explain(text, SENDER)]


def assert_flagged(redactor, text):
    assert redactor.check(text, SENDER).verdict == "resubmit", _why(redactor, text)


def assert_clean(redactor, text):
    assert redactor.check(text, SENDER).verdict == "clean", _why(redactor, text)


# -- 1. a token in a format no rule knows, after a label word in any language -----------------------

UNKNOWN_TOKEN_LABELLED = [
    f"Our API key: {TOK}",
    f"Hier ist unser API-Schlüssel: {VENDOR_TOK}",
    f"Der Token lautet {TOK}",
    f"Mein Schlüssel {TOK} funktioniert seit gestern nicht mehr.",
    f"Voici la clé : {TOK}",
    f"le jeton d'accès est {VENDOR_TOK}, merci de vérifier",
    f"De sleutel is {VENDOR_TOK}",
    f"La chiave API è {TOK}",
    f"Nuestra clave: {TOK}",
    f"Klucz API: {VENDOR_TOK}\nPozdrawiam",
    f"A chave de acesso: {TOK}",
    f"Token: {DASHED}",
    f"Nordlicht API token {VENDOR_TOK} (production)",
    f"Token (staging): {TOK}",
    f"API-Key für Staging -> {TOK}",
    f"Ecco il token di accesso:\n{VENDOR_TOK}",
    f"Aquí va el token:\n\n{VENDOR_TOK}\n\nGracias",
]


@pytest.mark.parametrize("text", UNKNOWN_TOKEN_LABELLED)
def test_unknown_token_after_a_label_in_any_language(redactor, text):
    assert_flagged(redactor, text)


LABEL_WITHOUT_TOKEN = [
    "Der Token ist abgelaufen, bitte um einen neuen.",
    "Token: wird per Telefon durchgegeben",
    "Schlüssel: siehe Anhang",
    "La clé est toujours valide, le problème vient d'ailleurs.",
    "De sleutel is verlopen.",
    "La chiave è scaduta ieri.",
    "Klucz: wygasł wczoraj",
    "the key of the object is user_profile_settings_v2",
    "Commit a8f93kd02kd93ld0s9d8f7g6h5j4k3l2 broke the key handling",
    "Bestellnummer 100045, Schlüssel für Lager 3",
    "Error: 401 Unauthorized - token expired (token id tok_RSIINweU9C)",  # "to" + "k_..." is no copula
    "Le token est expiré depuis hier, la clé est encore valide.",
    "Token (staging): wird gleich neu erstellt",
    "API-Key: siehe 1Password-Tresor „Shop“",
    "Schlüssel: liegt im Vault",
    "Der API-Key ist korrekt hinterlegt.",
    "Versionshash: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
]


@pytest.mark.parametrize("text", LABEL_WITHOUT_TOKEN)
def test_label_words_without_a_token_stay_clean(redactor, text):
    assert_clean(redactor, text)


# -- 2. password files: htpasswd, .pgpass, .netrc -----------------------------------------------

PASSWORD_FILE_LINES = [
    "admin:$apr1$" + token("", 8, seed=1) + "$" + token("", 22, seed=2),
    "deploy:$2y$10$" + token("", 53, seed=5),
    "stats:{SHA}" + token("", 27, seed=6) + "=",
    "root:$6$" + token("", 16, seed=7) + "$" + token("", 86, seed=8),
    "Die .htpasswd sieht so aus:\n\nshop:$2b$12$" + token("", 53, seed=9) + "\n\nWas ist falsch?",
    "db.kaufwerk.internal:5432:shop:shopuser:Wint3rSonne!",
    "Unsere ~/.pgpass:\nlocalhost:5432:*:postgres:geheim2026\n",
    "*:*:*:replicator:" + token("", 20, seed=10),
    "machine api.kaufwerk.de login deploy password Tr0mpete!",
]


@pytest.mark.parametrize("text", PASSWORD_FILE_LINES)
def test_htpasswd_pgpass_netrc_lines(redactor, text):
    assert_flagged(redactor, text)


PASSWORD_FILE_LOOKALIKES = [
    "fe80:0:0:0:1ff:fe23:4567:890a",
    "MAC 00:1a:2b:3c:4d:5e, Port 8080",
    "Die Datei liegt unter db:5432:shop:user:<passwort> (Beispiel aus der Doku)",
    "localhost:5432:*:postgres:*****",
    "admin:$apr1$...$... (gekürzt)",
    "Termin 10:30:00:00 bestätigt",
]


@pytest.mark.parametrize("text", PASSWORD_FILE_LOOKALIKES)
def test_password_file_lookalikes_stay_clean(redactor, text):
    assert_clean(redactor, text)


# -- 3. passwords after a label in any language ---------------------------------------------------

PASSWORD_LABELLED = [
    "Passwort: Alpen-2026",
    "Kennwort für den Shop-Admin: Bergsee!77",
    "Mot de passe : soleil!2026",
    "wachtwoord: Tulpen2026",
    "hasło: Wiosna2026!",
    "contraseña: Verano2026",
    "parola d'accesso: Estate2026",
    "senha: Praia2026!",
    "password: Hafen#2026",
    "Das Passwort ist jetzt Sommer2026x",
    "Le mot de passe est Pluie-2026",
    "Het wachtwoord is Molen2026!",
    "Adyen HMAC key: " + token("", 64, "0123456789ABCDEF", seed=11),
    "Mollie API-Key live_" + token("", 30, seed=12),
    "Klarna Passwort: " + token("", 16, seed=13),
    "Worldpay XML-Passwort: Kasse#2026!",
    "Identifiants : admin / Soleil_2026",
    "Credenziali del pannello: negozio / Lago#2026",
    "Inloggegevens: beheer / Kaas-2026",
    "Dane logowania: sklep / Zima2026#",
    "Zugang fürs Backend:\nBenutzer: agentur\nKennwort: Blau-Wal-2026",
]


@pytest.mark.parametrize("text", PASSWORD_LABELLED)
def test_passwords_after_a_label_in_any_language(redactor, text):
    assert_flagged(redactor, text)


PASSWORD_STATUS = [
    "Passwort: vergessen",
    "Passwort: bitte zurücksetzen",
    "Mot de passe : oublié",
    "wachtwoord: vergeten",
    "hasło: nieprawidlowe",
    "contraseña: caducada",
    "password d'accesso: scaduta",
    "senha: esquecida",
    "Password: expired",
    "Please check the login\nORD-2024-1234",
]


@pytest.mark.parametrize("text", PASSWORD_STATUS)
def test_password_labels_followed_by_a_status_stay_clean(redactor, text):
    assert_clean(redactor, text)


# -- 4. a value on the line (or Slack message) after its label ------------------------------------

NEXT_LINE = [
    "PW:\nK9#mP2$vLq",
    "User: shopadmin\nPW:\nAlpen2026!",
    "Benutzer: admin\nPasswort:\n\nAlpen2026!",
    "Hier das Passwort für den Shop-Admin:\nWinter-Sonne-77",
    "voici le mot de passe :\n> Mdp-Soleil-2026",
    "Token:\n" + VENDOR_TOK,
    "[10:02] anna: here's the pw:\n[10:03] anna: Xk9mP2vLq7",
    "anna  10:02 AM\nhier ist das Passwort:\nanna  10:03 AM\nSommer2026#x",
    "Jonas: la contraseña para staging:\nJonas: Verano2026!",
    "PW:\ngeheim2026",
    "[10:12] Pieter: wachtwoord komt hieronder\n[10:12] Pieter: Tulp-Veld-88",
    "[08:55] ania: hasło do panelu:\n[08:55] ania: Wisla2026!",
    "giulia  16:44\nti mando la password del db\ngiulia  16:44\nVesuvio_2026!",
    "Password\n=========\nNordsee2026!",
]


@pytest.mark.parametrize("text", NEXT_LINE)
def test_value_on_the_line_or_message_after_its_label(redactor, text):
    assert_flagged(redactor, text)


NEXT_LINE_NOT_A_VALUE = [
    "PW:\nvergessen",
    "Passwort:\nsiehe Passwortmanager",
    "Version:\nv2.3.1-beta",
    "Key:\nhttps://docs.kaufwerk.de/keys",
    "Token\n<redacted>",
    "Here is the new API key:\nwill send it by phone",
    "[10:02] anna: I'll send the pw later\n[10:03] anna: thanks!",
    "PIN\n1234",
    "Mein Passwort:\n[entfernt]",
    "[10:12] Pieter: wachtwoord komt hieronder\n[10:13] Pieter: laat maar, ik bel even",
    "[08:55] ania: hasło do panelu:\n[08:55] ania: (wyślę SMS-em)",
    "Password\n=========\nMust be at least 12 characters.",
]


@pytest.mark.parametrize("text", NEXT_LINE_NOT_A_VALUE)
def test_label_then_a_non_value_on_the_next_line_stays_clean(redactor, text):
    assert_clean(redactor, text)


# -- 5. placeholders in any language, masks next to account ids, UUIDs after a label ---------------

PLACEHOLDERS = [
    "Passwort: <Passwort>",
    "API_KEY=DEIN_API_KEY",
    "mot de passe: votre_mot_de_passe",
    "clave: TU_CLAVE_AQUI",
    "wachtwoord: wachtwoord_hier",
    "Passwort: [entfernt]",
    "token: xxxx",
    "klucz: TWOJ_KLUCZ",
    "chiave: LA_TUA_CHIAVE",
    "sleutel: JOUW_API_SLEUTEL",
    "API-Key: ********",
    "Passwort: •••••••",
    "token=<dein-token>",
    "clé: {{ api_key }}",
    "senha: SUA_SENHA_AQUI",
    "secret: ${NORDLICHT_SECRET}",
    "Schlüssel: __API_SCHLUESSEL__",
    "contraseña: [eliminado]",
    "hasło: (usunięte)",
]


@pytest.mark.parametrize("text", PLACEHOLDERS)
def test_placeholders_in_any_language_stay_clean(redactor, text):
    assert_clean(redactor, text)


MASKED_AND_IDS = [
    "Key sk_live_…4f2a for account acct_1Mx2Q3R4s5T6u7V8",
    "Stripe key sk_live_****************4f2a (acct_1Mx2Q3R4s5T6u7V8) was rotated",
    "Unser Schlüssel endet auf …4f2a, Konto acct_1Mx2Q3R4s5T6u7V8",
    "Mollie key live_…Q2xe, profile pfl_QkEhN94Ba",
    "Token: 123e4567-e89b-12d3-a456-426614174000",
    "API key id: 3f2a9c1e-7b4d-4e8f-9a6b-2c1d0e9f8a7b (the key itself is in the vault)",
    "Klucz: 0f8fad5b-d9cb-469f-a165-70867728950e",
    "Mandant: 7b0c3a2e-4f5d-4c6b-9a8e-1d2c3b4a5f6e, Token-ID: 1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
    "Merchant account NordlichtECOM, HMAC key ending …A7F2",
    "La clé du client cus_NffrFeUfNV2Hib ne fonctionne plus",
]


@pytest.mark.parametrize("text", MASKED_AND_IDS)
def test_masked_keys_account_ids_and_uuids_stay_clean(redactor, text):
    assert_clean(redactor, text)


@pytest.mark.parametrize("value", [
    "DEIN_API_KEY", "votre_mot_de_passe", "TU_CLAVE_AQUI", "wachtwoord_hier", "<Passwort>", "[entfernt]", "xxxx",
    "sk_live_…4f2a", "YOUR_TOKEN", "il_tuo_token", "twoj-klucz", "jouwWachtwoord", "{{secret}}", "%API_KEY%",
])
def test_placeholder_shape(value):
    assert placeholder_shape(value)


@pytest.mark.parametrize("value", [
    "Sonnenblume", "Alpen-2026", "K9#mP2$vLq", token("", 24, seed=14), "Sommer_Sonne_Strand", "nlc_live_8Hk2p9QmZx4Lw8",
    "api_org_" + token("", 34, "abcdefghijklmnopqrstuvwxyz", seed=15),
])
def test_secrets_are_not_placeholders(value):
    assert not placeholder_shape(value)


def test_identifier_shape():
    assert identifier_shape("acct_1Mx2Q3R4s5T6u7V8") and identifier_shape("123e4567-e89b-12d3-a456-426614174000")
    assert not identifier_shape("sk_live_1Mx2Q3R4s5T6u7V8") and not identifier_shape(TOK)


# -- 6. published test cards of payment providers beyond Stripe and Adyen ---------------------------

def _luhn_complete(prefix: str, length: int = 16, seed: int = 0) -> str:
    """A Luhn-valid number with a random body (not from any test list)."""
    import random

    rng = random.Random(seed)
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


PSP_TEST_CARDS = [
    "Checkout.com sandbox: 4543 4740 0224 9996 times out after 30 s",
    "Braintree 4005 5192 0000 0004 is authorised, the other one declined",
    "Mit der Adyen-Karte 4111 1111 4555 1142 kommt \"Refused\"",
    "Worldpay try environment, carte 4917 6100 0000 0000 refusée",
    "Klarna: la carta 4687 3888 8888 8881 non attiva il 3-D Secure",
    "Mastercard MPGS 5123 4500 0000 0008 werkt niet in de testomgeving",
    "en el entorno de pruebas la tarjeta 4548 8120 4940 0004 da error SIS0093",
    "karta testowa " + _luhn_complete("4", seed=1) + " nie przechodzi",
    "Testkarte " + _luhn_complete("5", seed=2) + " im Sandbox-Shop abgelehnt",
    "Visa 4444 3333 2222 1111 (test) and Mastercard 5454 5454 5454 5454",
    "4000 0000 0000 3220 asks for 3DS as expected",
]


@pytest.mark.parametrize("text", PSP_TEST_CARDS)
def test_published_and_labelled_test_cards_stay_clean(redactor, text):
    assert_clean(redactor, text)


@pytest.mark.parametrize("text", [
    "Die Kundin hat mit der Karte " + _luhn_complete("4", seed=3) + " bezahlt, bitte stornieren",
    "la tarjeta del cliente " + _luhn_complete("5", seed=4) + " fue cargada dos veces",
    "We tested the refund with the customer's card " + _luhn_complete("4", seed=5),
])
def test_real_looking_cards_outside_test_context_are_flagged(redactor, text):
    assert_flagged(redactor, text)


def test_the_test_card_file_names_a_source_per_provider():
    import tomllib

    from redaction.test_values import DATA, psp_test_cards

    providers = tomllib.loads(DATA.read_text(encoding="utf-8"))["provider"]
    assert {"checkout.com", "braintree", "paypal", "worldpay", "klarna"} <= {p["name"] for p in providers}
    assert all(p["source"].startswith("https://") and p["cards"] for p in providers)
    assert len(psp_test_cards()) >= 100


# -- 7. a vendor-prefixed token or a hex key named earlier in the sentence or thread -----------------

HEX64 = token("", 64, "0123456789abcdef", seed=21)
PREFIXED = [
    f"we moved the API token into the CI secrets; the old one in the YAML was acme_live_{token('', 28, seed=22)} and worked",
    f"Der Token aus dem Admin-Bereich (Shop Hamburg) ist übrigens shopx_{token('', 32, seed=23)}",
    f"la clé que nous utilisions avant la migration vers le nouveau compte : paybox_{token('', 26, seed=24)}",
    f"il nostro corriere ci ha dato una chiave, eccola qui sotto insieme all'utente 10442: cour_{token('', 40, '0123456789abcdef', seed=25)}",
    f"Jonas Weber  09:14\nwe copied the signing secret from the dashboard\nJonas Weber  09:15\n"
    f"here you go\nJonas Weber  09:15\nwhk_{token('', 36, seed=26)}",
    f"Den HMAC-Schlüssel haben wir aus dem Kundenbereich übernommen, dort steht {HEX64} (64 Zeichen).",
    f"El secreto de firma que configuramos en el panel de pagos es exactamente {HEX64}",
    "os dejo el usuario y la pass → Qw7zLp2sVx9k",
    "wachtwoord -> Tulp3nVeld!",
]


@pytest.mark.parametrize("text", PREFIXED)
def test_prefixed_tokens_and_hex_keys_named_before_them(redactor, text):
    assert_flagged(redactor, text)


NOT_PREFIXED_SECRETS = [
    "The key question: why does payment pi_3MtwBwLkdIwHu7ix28a3tqPa stay in requires_action?",
    "API token works, but order ord_8fKq2Lm9Xz7Vb3Np1Rt5 is stuck",
    f"Our build cache key is deps-{HEX64}, it changes on every run",
    f"Commit {HEX64[:40]} changed the token refresh, since then the key rotation fails",
    f"The API key is fine; the request id was req_{token('', 24, seed=27)}",
    f"Token ok. sha256 of the export file: {HEX64}",
    "the user_profile_settings_v2 key is missing in the translation file",
    f"Our publishable key pk_live_{token('', 40, seed=28)} is in the storefront config",
    f"env:\n  API_TOKEN: ${{{{ secrets.API_TOKEN }}}}\nrun: deploy --ref {HEX64[:40]}",
]


@pytest.mark.parametrize("text", NOT_PREFIXED_SECRETS)
def test_ids_hashes_and_names_near_secret_words_stay_clean(redactor, text):
    assert_clean(redactor, text)


@pytest.mark.parametrize("text, dirty", [
    ('~/.docker/config.json: {"auths": {"registry.kaufwerk.de": {"auth": "a2F1ZndlcmstY2k6R2VoZWltZXNXb3J0"}}}', True),
    ("npm: _auth=ZGVwbG95OlNvbW1lcjIwMjY=", True),
    ('{"auth": "<base64 von user:passwort>"}', False),
    ('{"auth": "required", "mode": "basic"}', False),
])
def test_base64_user_password_blobs(redactor, text, dirty):
    (assert_flagged if dirty else assert_clean)(redactor, text)
