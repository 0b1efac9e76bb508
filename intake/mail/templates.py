"""Email templates (Jinja2, plain text) from ``config/templates/`` (setting ``templates_dir``).

Each template file starts with a ``Subject: ...`` line, then a blank line, then the body; files
whose names start with ``_`` are partials (footer, registration, missing fields) included by the
others. Templates are data: operators reword them without touching code.

Rendering is strict (:class:`jinja2.StrictUndefined`): a template naming a variable the code does
not pass fails at start-up (:meth:`Templates.check`, run by ``supportbot check`` and the worker)
instead of mailing a customer a blank. Templates never receive a redaction finding's value, only
its type (``finding_labels``), and never the text of a rejected mail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

__all__ = [
    "FIELD_LABELS",
    "TEMPLATE_NAMES",
    "Rendered",
    "TemplateError",
    "Templates",
    "finding_label",
    "window_words",
]

# Every template the code renders, with the variables each needs beyond the common ones.
TEMPLATE_NAMES = (
    "acknowledgement",
    "deflection",
    "resubmission",
    "registration",
    "missing_fields",
    "out_of_scope",
    "reply_footer",
)

FIELD_LABELS: Mapping[str, str] = {
    "organization": "Organization",
    "project": "Project",
    "severity": "Severity (S1, S2, S3 or S4)",
    "product": "Product",
    "component": "Component",
}

# Redaction entity types in words (support terms: name the types found, never the values).
_TYPE_WORDS: Mapping[str, str] = {
    "PERSON": "names of people (personal data of third parties)",
    "EMAIL_ADDRESS": "email addresses of third parties",
    "PHONE_NUMBER": "phone numbers",
    "IBAN_CODE": "bank account numbers (IBAN)",
    "CREDIT_CARD": "payment card numbers",
    "IP_ADDRESS": "IP addresses",
    "LOCATION": "postal addresses or locations of third parties",
    "DATE_OF_BIRTH": "dates of birth",
    "PASSWORD": "passwords",
    "PRIVATE_KEY": "private keys",
    "JWT": "access tokens (JWT)",
    "AUTH_HEADER": "authorization headers with credentials",
    "CONNECTION_STRING": "connection strings with credentials",
    "SECRET_ASSIGNMENT": "secrets or passwords assigned in configuration",
    "HIGH_ENTROPY_SECRET": "secret-looking tokens",
    "WEBHOOK_URL": "webhook URLs carrying a secret",
}


def finding_label(entity_type: str) -> str:
    """A finding's type in words: ``AWS_ACCESS_KEY`` -> ``credentials: aws access key``."""
    key = entity_type.upper()
    if key in _TYPE_WORDS:
        return _TYPE_WORDS[key]
    words = key.replace("_", " ").lower()
    if any(w in key for w in ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL")):
        return f"credentials: {words}"
    return words


def window_words(seconds: int) -> str:
    delta = dt.timedelta(seconds=seconds)
    if delta % dt.timedelta(days=1) == dt.timedelta(0) and delta.days:
        return f"{delta.days} day{'s' if delta.days != 1 else ''}"
    hours = seconds / 3600
    if hours >= 1:
        return f"{hours:g} hour{'s' if hours != 1 else ''}"
    return f"{seconds // 60} minutes"


class TemplateError(ValueError):
    """A template is missing, malformed or needs a variable the code does not give."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


class Templates:
    """Loads and renders the email templates of one directory."""

    def __init__(self, directory: str | Path, *, common: Mapping[str, Any] | None = None) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise TemplateError(f"{self.directory}: templates directory not found")
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.directory)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # plain-text mail  # noqa: S701
            keep_trailing_newline=True,
            trim_blocks=False,
        )
        self.common: dict[str, Any] = dict(common or {})

    def render(self, name: str, **context: Any) -> Rendered:
        """Render ``name.txt``; returns the subject line and the body text."""
        values = {"field_labels": FIELD_LABELS, "automated": True, **self.common, **context}
        try:
            template = self._env.get_template(f"{name}.txt")
            text = template.render(**values)
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"{self.directory}/{name}.txt: template not found ({exc.name})") from None
        except jinja2.UndefinedError as exc:
            raise TemplateError(f"{self.directory}/{name}.txt: {exc.message}") from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{exc.filename or name}:{exc.lineno}: {exc.message}") from None
        first, _, rest = text.partition("\n")
        if not first.startswith("Subject:"):
            if name.startswith("_") or name == "reply_footer":
                return Rendered("", text)
            raise TemplateError(f"{self.directory}/{name}.txt: the first line must be 'Subject: ...'")
        subject = " ".join(first[len("Subject:"):].split())
        body = rest[1:] if rest.startswith("\n") else rest
        return Rendered(subject, _tidy(body))

    def check(self, names: Iterable[str] = TEMPLATE_NAMES) -> list[str]:
        """Render every template with sample values; raise :class:`TemplateError` on the first bad one."""
        rendered = []
        for name in names:
            self.render(name, **_SAMPLE)
            rendered.append(name)
        return rendered


def _tidy(text: str) -> str:
    """No runs of more than one blank line, no trailing spaces, one final newline."""
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    # keep the RFC 3676 signature separator "-- " intact
    return "\n".join("-- " if line == "--" else line for line in out) + "\n"


_SAMPLE: dict[str, Any] = {
    "vendor_name": "Vendor", "website_url": "https://support.example", "status_url": "https://status.example",
    "expert_services_url": "https://example/expert-services", "sender_name": "Alex", "sender_address": "a@b.example",
    "token": "SB-000001", "subject": "Checkout fails", "severity": "S2", "severity_name": "Incident",
    "due_at": "2026-01-01 10:00 UTC", "organization": "acme", "project": "shop", "missing": ["project", "severity"],
    "show_registration": True, "reason_code": "unregistered", "finding_labels": ["passwords"],
    "window_words": "1 day", "note": "",
}
