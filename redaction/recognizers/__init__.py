"""Recognizers, one per module: ``RULE`` (patterns + context + validator) or, for person names,
a recognizer class over the NER output. ``available()`` lists them; ``build()`` instantiates."""

from __future__ import annotations

import importlib
from functools import cache

from presidio_analyzer import EntityRecognizer

_MODULES = (
    "aws_access_key", "aws_secret_key", "github_token", "gitlab_token", "slack_token", "webhook_url",
    "stripe_key", "google_api_key", "openai_key", "sendgrid_key", "twilio_key", "shopify_token",
    "npm_token", "contentful_token", "provider_token", "gitleaks_rules", "jwt", "private_key", "connection_string",
    "auth_header", "secret_assignment", "credential_lines", "high_entropy",
    "email_address", "phone_number", "postal_address", "iban", "credit_card", "date_of_birth",
    "ip_address", "person", "tabular_pii", "tabular_secret",
)


@cache
def available() -> tuple[str, ...]:
    return _MODULES


def build(names: tuple[str, ...], *, person_config: object | None = None) -> list[EntityRecognizer]:
    """Instantiate the named recognizers (names as in ``config/redaction.toml``)."""
    from redaction.recognizers.base import RuleRecognizer

    out: list[EntityRecognizer] = []
    for name in names:
        module = importlib.import_module(f"redaction.recognizers.{name}")
        if hasattr(module, "RULE"):
            out.append(RuleRecognizer(module.RULE, name=name))
        else:
            out.append(module.make(person_config))
    return out
