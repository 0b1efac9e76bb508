"""jwt / private_key / connection_string / auth_header tables."""

import base64
import json

from tests.redaction.recognizer_tables import check_table, token


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


JWT = _b64({"alg": "RS256", "typ": "JWT"}) + "." + _b64({"sub": "42", "exp": 1900000000}) + "." + token("", 43)
BODY = "\n".join(token("", 64, seed=i) for i in range(4))


def test_jwts_match_only_with_a_json_header():
    not_json = "eyJ" + token("", 20) + "." + "eyJ" + token("", 20) + "." + token("", 20)
    check_table(
        "jwt",
        [(f"Authorization: Bearer {JWT}", JWT), (f"id_token={JWT}&state=1", JWT)],
        [not_json, _b64({"alg": "HS256"}) + " (only the header)"],
    )


def test_private_key_blocks_match_public_keys_and_certificates_dont():
    rsa = f"-----BEGIN RSA PRIVATE KEY-----\n{BODY}\n-----END RSA PRIVATE KEY-----"
    openssh = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{BODY}\n-----END OPENSSH PRIVATE KEY-----"
    escaped = "-----BEGIN PRIVATE KEY-----\\n" + BODY.replace("\n", "\\n") + "\\n-----END PRIVATE KEY-----\\n"
    quoted = "> -----BEGIN EC PRIVATE KEY-----\n> " + BODY.replace("\n", "\n> ")
    check_table(
        "private_key",
        [(f"key:\n{rsa}\n", rsa), (openssh, openssh), ('"private_key": "' + escaped, escaped[:-2]),
         (quoted, quoted[2:])],
        [f"-----BEGIN PUBLIC KEY-----\n{BODY}\n-----END PUBLIC KEY-----",
         f"-----BEGIN CERTIFICATE-----\n{BODY}\n-----END CERTIFICATE-----",
         "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
         "paste your -----BEGIN PRIVATE KEY----- block here"],
    )


def test_connection_string_passwords_match_urls_without_passwords_dont():
    check_table(
        "connection_string",
        [("DATABASE_URL=postgres://shop:Xk9#pQ2vL7@db.internal:5432/shop", "Xk9#pQ2vL7"),
         ("redis://:s3cr3tRedis@cache:6379/0", "s3cr3tRedis"),
         ("DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=" + token("", 86) + "==;",
          token("", 86) + "=="),
         ("Server=db;Database=shop;User Id=sa;Password=Hunter2Pass;", "Hunter2Pass")],
        ["https://velora.io/docs", "git@github.com:org/repo.git", "postgres://db.internal:5432/shop",
         "ssh://deploy@host"],
    )


def test_auth_headers_cookies_and_cli_credentials_match():
    bearer = token("", 40)
    session = token("", 32)
    check_table(
        "auth_header",
        [(f"Authorization: Bearer {bearer}", bearer), ("Authorization: Basic dXNlcjpwYXNzd29yZA==",
                                                      "dXNlcjpwYXNzd29yZA=="),
         (f"curl -H 'X-API-Key: {bearer}'", bearer), (f"Cookie: sessionid={session}; theme=dark", session),
         ("curl -u admin:Sup3rS3cret https://shop/api", "Sup3rS3cret"),
         ("docker login registry.velora.io -u shop -p ernoWjiXnbkFx2ldY", "ernoWjiXnbkFx2ldY"),
         ("mysql -h db -u root -pTopSecret99 shop", "TopSecret99")],
        ["Authorization: required", "Bearer authentication is supported", "the session expired",
         "docker run -p 8080:80 image", "Cookie: theme=dark"],
    )
