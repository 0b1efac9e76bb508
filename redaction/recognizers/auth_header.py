"""HTTP credentials in pasted requests, curl commands and logs: ``Authorization:`` values (Bearer,
Basic, Token, ...), bare ``Bearer <token>``, API-key headers, ``curl -u user:password``, and session
cookies (``Cookie:``/``Set-Cookie:`` values of session/auth cookies)."""

import re

from redaction.recognizers.base import PatternSpec, Rule, char_classes

_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+|[A-Z][a-z]+(?:[A-Z][a-z]+)+")

_COOKIE_NAMES = (
    r"session(?:id|_id|_token)?|sess|sid|phpsessid|jsessionid|asp\.net_sessionid|connect\.sid|laravel_session"
    r"|_[a-z_]*_session|remember_token|remember_me|auth(?:_token)?|access_token|refresh_token|id_token"
    r"|csrftoken|xsrf-token|_shopify_s|__secure-[a-z0-9\-_.]+|__host-[a-z0-9\-_.]+|[a-z_]*session[a-z_]*"
)


def _token_like(value: str, text: str, start: int, end: int) -> bool:
    # "Authorization: required" or "Bearer authentication" are prose, not credentials.
    return char_classes(value) >= 2 and not _WORD.fullmatch(value)


RULE = Rule(
    entity="AUTH_HEADER",
    category="secret",
    patterns=(
        PatternSpec(
            "authorization",
            r"(?i:\bauthorization)[\"']?\s*[:=]\s*[\"']?\s*"
            r"(?i:(?:bearer|basic|token|bot|digest|apikey|api-key|ssws|key|jwt|oauth|sharedaccesssignature)\s+)?"
            r"([A-Za-z0-9\-._~+/=:,]{8,})",
            0.9,
            group=1,
        ),
        PatternSpec("bearer", r"(?i:\bbearer)\s+([A-Za-z0-9\-._~+/]{16,}=*)", 0.85, group=1),
        PatternSpec(
            "api_key_header",
            r"(?i:\b(?:x-api-key|x-auth-token|x-api-token|api-key|apikey|x-access-token|private-token|"
            r"x-shopify-access-token|ocp-apim-subscription-key|x-algolia-api-key|x-velora-token|x-velora-api-key))"
            r"[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9\-._~+/=]{12,})",
            0.85,
            group=1,
        ),
        PatternSpec(
            "cli_login_password",
            r"\b(?:docker|podman|helm|buildah|skopeo|oras|nerdctl|crane)\s+(?:registry\s+)?login\b[^\n]*?\s(?:-p|--password)(?:\s+|=)[\"']?([^\s\"']{4,})",
            0.9,
            group=1,
        ),
        PatternSpec("cli_password_flag", r"(?<![\w-])--password(?:\s+|=)[\"']?([^\s\"'-][^\s\"']{3,})", 0.85, group=1),
        PatternSpec("mysql_inline_password", r"\bmysql(?:dump|admin)?\b[^\n]*?\s-p([^\s\"']{4,})", 0.85, group=1),
        PatternSpec("curl_user", r"(?:\s-u|--user)\s+[\"']?[^\s:\"']+:([^\s\"']{3,})", 0.9, group=1),
        PatternSpec(
            "session_cookie",
            r"(?<![A-Za-z0-9_\-])(?i:" + _COOKIE_NAMES + r")\s*=\s*([A-Za-z0-9%._\-+/=:|]{16,})",
            0.55,
            group=1,
        ),
        # HAR and Postman exports: {"name": "session_id", "value": "..."} in cookies/headers arrays.
        PatternSpec(
            "name_value_pair",
            r"[\"']name[\"']\s*:\s*[\"'](?i:" + _COOKIE_NAMES + r"|authorization|x-api-key|x-auth-token|api-key|apikey"
            r"|x-access-token|private-token|x-csrf-token|password|passwd|secret|client_secret|token)[\"']\s*,\s*"
            r"[\"']value[\"']\s*:\s*[\"'](?:(?i:bearer|basic|token)\s+)?([A-Za-z0-9%._\-+/=:|!@#$^&*~]{8,})[\"']",
            0.85,
            group=1,
        ),
    ),
    context=("cookie", "set-cookie", "session", "header", "curl"),
    window=120,
    context_boost=0.3,
    validator=_token_like,
    prefilter=("auth", "bearer", "key", "token", "-u", "--user", "session", "sess", "sid", "cookie", "remember",
               "-p", "--password", "name"),
)
