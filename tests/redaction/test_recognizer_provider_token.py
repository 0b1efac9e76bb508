"""provider_token: the long tail of prefixed provider tokens."""

import pytest

from tests.redaction.recognizer_tables import check_table, token

HEX = "0123456789abcdef"
CASES = [
    token("dckr_pat_", 27),
    token("hf_", 34, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    token("dop_v1_", 64, HEX),
    token("hvs.", 90),
    token("lin_api_", 40),
    "PMAK-" + token("", 24, HEX) + "-" + token("", 34, HEX),
    token("key-", 32, HEX),
    token("", 32, HEX) + "-us14",
    token("NRAK-", 27, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    token("sk-ant-api03-", 93),
    token("glc_", 40),
    "123456789:AA" + token("", 33),
]


@pytest.mark.parametrize("value", CASES, ids=[c[:8] for c in CASES])
def test_prefixed_provider_tokens_match(value):
    check_table("provider_token", [(f"our token is {value} for prod", value)], [])


def test_prefix_words_alone_or_in_urls_do_not_match():
    check_table(
        "provider_token",
        [],
        ["the hf_ prefix", "docker login uses dckr_pat_ tokens", "PMAK- keys", "https://huggingface.co/bert",
         f"md5 {token('', 32, HEX)}", "key-value store", "call 123456789:AA"],
    )
