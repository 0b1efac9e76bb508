"""The engine as a whole: one analyzer per process, NER-only pipeline, batching, views, decisions."""

from __future__ import annotations

import pytest

from redaction.config import RedactionConfigError, load_config
from redaction.engine import Redactor
from redaction.nlp import ModelNotInstalled, load_ner
from redaction.types import Sender
from tests.redaction.recognizer_tables import token
from tests.redaction.velora import get_redactor

SENDER = Sender(name="Peter Miller", email="peter.miller@acme-shop.de", org="Acme Shop GmbH")
GHP = token("ghp_", 36)
STRIPE = token("sk_live_", 24)


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return get_redactor()


def _values(text: str, decision) -> list[str]:
    return [text[f.start:f.end] for f in decision.findings]


def test_the_redactor_and_its_spacy_model_are_built_once_per_process(redactor):
    assert get_redactor() is redactor
    assert load_ner(redactor.config.engine.model) is load_ner(redactor.config.engine.model)


def test_only_the_pipes_ner_needs_are_enabled(redactor):
    nlp = load_ner(redactor.config.engine.model)
    assert nlp.pipe_names == ["ner"]  # en_core_web_sm's ner has its own embedding layer
    # what NER never listens to is not even loaded; the shared tok2vec is loaded but disabled
    assert not {"parser", "tagger", "lemmatizer", "attribute_ruler"} & set(nlp.component_names)
    assert "tok2vec" in nlp.disabled


def test_an_unknown_model_fails_with_install_instructions():
    with pytest.raises(ModelNotInstalled, match="not installed"):
        Redactor.from_config(model="en_core_web_nonexistent")


def test_batched_decisions_equal_one_by_one_decisions(redactor):
    texts = [
        "Hi, the checkout is slow since 4.12.1.",
        f"token: {GHP}",
        "Our customer Anna Lange (anna.lange@gmail.com) cannot log in.",
        "Stack:\n  at com.acme.Cart.add(Cart.java:12)\n",
    ] * 20
    batched = redactor.check_many([(t, SENDER) for t in texts])
    assert batched == [redactor.check(t, SENDER) for t in texts]


def test_a_decision_names_types_and_counts_never_values(redactor):
    text = f"Use {GHP} and {STRIPE}; customer anna.lange@gmail.com"
    decision = redactor.check(text, SENDER)
    assert decision.verdict == "resubmit"
    assert decision.reasons == {"EMAIL_ADDRESS": 1, "GITHUB_TOKEN": 1, "STRIPE_KEY": 1}
    assert GHP not in repr(decision) and "anna.lange" not in repr(decision)
    assert sorted(_values(text, decision)) == sorted([GHP, STRIPE, "anna.lange@gmail.com"])


def test_a_realistic_clean_support_mail_is_clean(redactor):
    text = (
        "Hi Sarah,\n\nsince the deploy of Velora Storefront 4.12.1 (commit 8520b8d94e8f5e183d2b2e0552c89667a822be15)"
        " the checkout returns 502 for order ORD-2026-118204. Request id 1bd6d282-8534-46d1-a2fb-3a141e4ce082.\n\n"
        "```\n2026-11-27T09:14:03Z ERROR checkout-api upstream timeout host=10.0.3.17 duration_ms=30012\n"
        "Traceback (most recent call last):\n  File \"/app/checkout.py\", line 88, in submit\n"
        "TimeoutError: upstream timed out\n```\n\nSee https://status.velora.io/incidents/abc123 and "
        "https://velora.io/docs/checkout#timeouts. Config: API_KEY=${VELORA_API_KEY}, password: <redacted>.\n\n"
        "Best regards,\nPeter Miller\nHead of E-Commerce, Acme Shop GmbH\nHauptstraße 5, 10115 Berlin\n"
        "+49 30 1234 5678\npeter.miller@acme-shop.de\n"
    )
    decision = redactor.check(text, SENDER)
    assert decision.verdict == "clean", _values(text, decision)


@pytest.mark.parametrize(
    "text,secret",
    [
        ("> my old mail:\n> export GITHUB_TOKEN=" + GHP + "\n", GHP),
        ("<p>our key:</p><pre><code>" + STRIPE + "</code></pre>", STRIPE),
        ("key &quot;" + STRIPE + "&quot; in the config", STRIPE),
    ],
    ids=["quoted-reply", "html", "html-entities"],
)
def test_secrets_in_quoted_replies_and_html_are_found_at_their_original_offsets(redactor, text, secret):
    decision = redactor.check(text, SENDER)
    assert secret in _values(text, decision)


def test_a_token_wrapped_across_lines_is_found(redactor):
    hook = "https://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/" + token("", 24)
    text = f"the webhook is:\n\n{hook[:21]}\n{hook[21:]}\n\nand it fails."
    decision = redactor.check(text, SENDER)
    assert decision.reasons == {"WEBHOOK_URL": 1}
    finding = decision.findings[0]
    assert text[finding.start:finding.end].replace("\n", "") == hook


def test_a_wrapped_token_in_a_quoted_reply_is_found(redactor):
    pat = token("glpat-", 20)
    text = f"> see our CI token {pat[:12]}\n> {pat[12:]} please rotate"
    assert redactor.check(text, SENDER).reasons == {"GITLAB_TOKEN": 1}


def test_prose_lines_are_not_glued_into_secrets(redactor):
    text = ("We rotated the token yesterday afternoon_and_now_everything\nworks again as expected, thanks\n"
            "for the quick help with our configuration_management_pipeline\nBest,\nPeter")
    assert redactor.check(text, SENDER).verdict == "clean"


def test_non_string_input_is_rejected_clearly(redactor):
    with pytest.raises(TypeError, match="text must be str"):
        redactor.check(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sender"):
        redactor.check("text", {"name": "x"})  # type: ignore[arg-type]


def test_bad_configuration_fails_loudly_naming_file_and_key(tmp_path):
    bad = tmp_path / "redaction.toml"
    bad.write_text("[engine]\nthreshhold = 0.5\n")
    with pytest.raises(RedactionConfigError, match=r"redaction.toml.*\[engine\] unknown key 'threshhold'"):
        load_config(bad)
    bad.write_text('[recognizers]\nenabled = ["email_address", "no_such_recognizer"]\n')
    with pytest.raises(RedactionConfigError, match="no_such_recognizer"):
        load_config(bad)
    bad.write_text('[allow]\nplaceholder_patterns = ["(unclosed"]\n')
    with pytest.raises(RedactionConfigError, match=r"placeholder_patterns\[0\]: invalid regex"):
        load_config(bad)
    bad.write_text("[engine]\nthreshold = 2.0\n")
    with pytest.raises(RedactionConfigError, match="threshold"):
        load_config(bad)
    with pytest.raises(RedactionConfigError, match="file not found"):
        load_config(tmp_path / "missing.toml")


def test_a_regex_only_configuration_never_loads_spacy(tmp_path):
    cfg = tmp_path / "redaction.toml"
    cfg.write_text('[engine]\nmodel = "en_core_web_nonexistent"\n[recognizers]\nenabled = ["github_token"]\n')
    redactor = Redactor.from_config(cfg)
    assert redactor.check(f"x {GHP}").reasons == {"GITHUB_TOKEN": 1}
    assert redactor.check("Our customer Anna Lange called").verdict == "clean"
