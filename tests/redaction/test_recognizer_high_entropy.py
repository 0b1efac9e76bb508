"""high_entropy: random strings only with credential context, never hashes, ids or paths."""

from tests.redaction.recognizer_tables import check_table, token

RANDOM = token("", 40, seed=5)
HEX64 = token("", 64, "0123456789abcdef")


def test_random_strings_next_to_credential_words_match():
    check_table(
        "high_entropy",
        [(f"here is our API key: {RANDOM}", RANDOM), (f"the HMAC signing key is {RANDOM}", RANDOM),
         (f"secret token {HEX64}", HEX64)],
        [],
    )


def test_hashes_ids_paths_and_public_values_do_not_match():
    check_table(
        "high_entropy",
        [],
        [f"commit {HEX64}", f"cache-key: storefront-{HEX64}", "key 1bd6d282-8534-46d1-a2fb-3a141e4ce082",
         f"sha256 {RANDOM}", f"request id {RANDOM}", "key src/components/ProductListItemCard",
         "token eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9", f"recaptcha site key {RANDOM}",
         f"no context here {RANDOM}", "key getProductListByCategoryIdentifier"],
    )
