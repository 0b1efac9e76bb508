"""aws_access_key / aws_secret_key: should-match and must-not-match tables."""

from tests.redaction.recognizer_tables import check_table, token

KEY_ID = token("AKIA", 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
TEMP_ID = token("ASIA", 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
SECRET = token("", 38) + "/+"


def test_aws_access_key_ids_are_matched_by_format():
    check_table(
        "aws_access_key",
        [(f"aws_access_key_id = {KEY_ID}", KEY_ID), (f"creds: {TEMP_ID} (temporary)", TEMP_ID),
         (f"<code>{KEY_ID}</code>", KEY_ID)],
        ["AKIA is the prefix of access keys", f"X{KEY_ID}", "AIDAJQABLZS4A3QDU576Q is a user id",
         "AKIA1234567890123456 has digits outside base32"],
    )


def test_aws_secret_keys_need_aws_context():
    check_table(
        "aws_secret_key",
        [(f"aws_secret_access_key = {SECRET}", SECRET), (f"AWS secret key: {SECRET}", SECRET)],
        [f"checksum {SECRET}", "aws_secret_access_key = " + "a" * 40, "aws secret: " + "abcdefghij" * 4],
    )
