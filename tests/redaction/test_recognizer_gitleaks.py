"""gitleaks_rules: the vendored gitleaks rule set (data), its RE2 translation, keywords, entropy
floors and allowlists, and what it adds to the engine in mails of several languages."""

from __future__ import annotations

import re

import pytest

from redaction.recognizers.gitleaks_rules import DATA, EXCLUDED, go_regex, load_rules, make
from tests.redaction.recognizer_tables import token
from tests.redaction.velora import get_redactor

HEX = "0123456789abcdef"
LOWER_NUM = "abcdefghijklmnopqrstuvwxyz0123456789"
AGE = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"


def _found(text: str) -> list[tuple[str, str]]:
    return [(rid, text[s:e]) for s, e, _score, rid in make().find(text)]


# -- the data and its translation -----------------------------------------------------------------

def test_the_vendored_file_names_its_source_commit_and_licence():
    head = DATA.read_text(encoding="utf-8")[:800]
    assert "github.com/gitleaks/gitleaks" in head and "licence: MIT" in head
    assert re.search(r"commit:\s+[0-9a-f]{40}", head)
    assert (DATA.parent / "gitleaks.LICENSE").read_text().startswith("MIT License")
    rules = load_rules()
    assert rules.commit and len(rules.rules) >= 190
    assert set(EXCLUDED) <= set(rules.excluded)


@pytest.mark.parametrize("go, py", [
    (r"dp\.pt\.(?i)[a-z0-9]{43}", r"dp\.pt\.(?i:[a-z0-9]{43})"),
    (r"\b(p8e-(?i)[a-z0-9]{32})(?:;|$)", r"\b(p8e-(?i:[a-z0-9]{32}))(?:;|$)"),
    (r"(x(?i)ab|cd)", r"(x(?i:ab)|(?i:cd))"),
    (r"(?i)abc", r"(?i)abc"),
    (r"[(?i)]x", r"[(?i)]x"),
    (r"pat[[:alnum:]]{14}", r"pat[a-zA-Z0-9]{14}"),
    (r"a(?:[^\w-]|\z)", r"a(?:[^\w-]|\Z)"),
])
def test_go_regex_translation(go, py):
    assert go_regex(go) == py
    re.compile(py)


def test_mid_pattern_flag_is_scoped_like_re2():
    rx = re.compile(go_regex(r"LTAI(?i)[a-z0-9]{4}"))
    assert rx.fullmatch("LTAIaB3d") and not rx.fullmatch("ltaiaB3d")


# -- what it finds ---------------------------------------------------------------------------------

GITLEAKS_ONLY = [  # formats the hand-written recognizers did not know
    ("age-secret-key", "AGE-SECRET-KEY-1" + token("", 58, AGE)),
    ("duffel-api-token", token("duffel_live_", 43)),
    ("easypost-api-token", token("EZAK", 54)),
    ("shippo-api-token", token("shippo_live_", 40, HEX)),
    ("flutterwave-secret-key", "FLWSECK_TEST-" + token("", 32, "abcdefgh0123456789") + "-X"),
    ("sendinblue-api-token", "xkeysib-" + token("", 64, HEX) + "-" + token("", 16)),
    ("dynatrace-api-token", "dt0c01." + token("", 24, LOWER_NUM.upper()) + "." + token("", 64, LOWER_NUM.upper())),
    ("pulumi-api-token", token("pul-", 40, HEX)),
    ("rubygems-api-token", token("rubygems_", 48, HEX)),
    ("prefect-api-token", token("pnu_", 36)),
    ("planetscale-api-token", token("pscale_tkn_", 43)),
    ("readme-api-token", token("rdme_", 70, LOWER_NUM)),
]

SENTENCES = [  # the token in prose, code and at a sentence end, in several languages
    "Our key is {v}",
    "Hier ist unser Schlüssel: {v}. Danke!",
    "Voici la clé {v} (production).",
    "De sleutel staat in de config: TOKEN={v}",
    "La chiave è \"{v}\", puoi controllare?",
    "Usamos esta clave: '{v}'",
    "Klucz API: {v}\nPozdrawiam",
]


@pytest.mark.parametrize("rule_id, value", GITLEAKS_ONLY, ids=[r for r, _ in GITLEAKS_ONLY])
@pytest.mark.parametrize("sentence", SENTENCES)
def test_provider_formats_gitleaks_adds(rule_id, value, sentence):
    text = sentence.format(v=value)
    assert (rule_id, value) in _found(text), _found(text)


@pytest.mark.parametrize("text", [
    "Key id AKIAIOSFODNN7EXAMPLE from the AWS docs",              # rule allowlist: ...EXAMPLE
    "vault token s.abcdefghijklmnopqrstuvwx",                     # rule allowlist: letters only
    "shippo_live_0000000000000000000000000000000000000000",       # entropy floor
    "the xkeysib- prefix is Brevo's, see their docs",             # keyword without a token
    "adobe client id: " + token("", 32, HEX),                     # client ids are excluded
    "AGE-SECRET-KEY-1 keys are 58 characters after the prefix",
    "Bitte die Bestellung 4711 prüfen, Danke",                    # no keyword: no rule runs
])
def test_allowlists_entropy_and_exclusions(text):
    assert _found(text) == []


def test_only_rules_whose_keyword_is_present_run(monkeypatch):
    recognizer = make()
    ran: list[str] = []
    rules = recognizer.ruleset.rules

    class Spy:
        def __init__(self, rule):
            self.rule = rule

        def finditer(self, text):
            ran.append(self.rule.id)
            return self.rule.regex.finditer(text)

    import dataclasses

    spied = tuple(dataclasses.replace(r, regex=Spy(r)) for r in rules)  # type: ignore[arg-type]
    monkeypatch.setattr(recognizer, "ruleset", dataclasses.replace(recognizer.ruleset, rules=spied))
    recognizer.find("Hallo, die Lieferung kam nicht an. Grüße")
    assert ran == []
    recognizer.find("pulumi says pul-" + "a" * 40)
    assert "pulumi-api-token" in ran and len(ran) < 10


# -- in the engine ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def redactor():
    return get_redactor()


@pytest.mark.parametrize("rule_id, value", GITLEAKS_ONLY[:6], ids=[r for r, _ in GITLEAKS_ONLY[:6]])
def test_engine_resubmits_gitleaks_only_formats(redactor, rule_id, value):
    text = f"Hallo,\n\nunser Export bricht ab. In der .env steht:\n\n{value}\n\nViele Grüße\nMia"
    decision = redactor.check(text)
    assert decision.verdict == "resubmit" and decision.findings, rule_id


@pytest.mark.parametrize("text", [
    "Bonjour, le paiement échoue depuis ce matin (commande 100045). Merci de vérifier.",
    "Hoi, de sleutel `sk_live_...4f2a` hebben we gisteren geroteerd.",
    "Ciao, il token è scaduto ieri, ne abbiamo generato uno nuovo nella console.",
    "Hola, ¿podéis revisar el webhook? La clave ya está en el panel.",
])
def test_engine_leaves_clean_mails_clean(redactor, text):
    assert redactor.check(text).verdict == "clean"
