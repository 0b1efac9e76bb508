"""The customer registry file's shape: organizations, registered users, projects, contract caps,
validated with pydantic; and the address/domain normalization shared with the sender identity."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

import tldextract
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from intake.domain.severity import Severity


class RegistryError(ValueError):
    """The customer registry file is unusable. ``problems`` holds ``(key, reason)`` pairs."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = [f"customer registry {source}: {len(self.problems)} problem(s)"]
        lines += [f"  {key}: {reason}" for key, reason in self.problems]
        super().__init__("\n".join(lines))


# --------------------------------------------------------------------------------------------
# Normalization shared with the sender identity (intake/mail/identity.py)

_EMAIL_RE = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+$")
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalize_domain(domain: str) -> str:
    """Lower-case a domain, drop a trailing dot and convert internationalized names to A-labels.

    Raises ``ValueError`` if the result is not a syntactically valid host name with a dot.
    """
    text = domain.strip().rstrip(".").lower()
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"not a valid domain: {domain!r}") from exc
    labels = text.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels):
        raise ValueError(f"not a valid domain: {domain!r}")
    return text


def normalize_address(address: str) -> str:
    """Lower-case an email address (``local@domain``) and normalize its domain; ``ValueError`` if invalid.

    Local parts are compared case-insensitively: every real mail provider treats them so, and a
    registry lookup that missed ``Alice@`` vs ``alice@`` would silently drop priority handling.
    """
    text = address.strip().strip("<>").strip()
    if not _EMAIL_RE.match(text):
        raise ValueError(f"not a valid email address: {address!r}")
    local, _, domain = text.rpartition("@")
    return f"{local.lower()}@{normalize_domain(domain)}"


def _parse_severity(value: Any) -> Severity:
    if isinstance(value, Severity):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"not a severity: {value!r} (expected S1, S2, S3 or S4)")
    return Severity.parse(value)


SeverityField = Annotated[Severity, BeforeValidator(_parse_severity), PlainSerializer(str, return_type=str)]

# Shared mailbox providers: registering one as an organization's domain would make every one of
# their users look like that customer.
_SHARED_PROVIDERS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
    "icloud.com", "me.com", "aol.com", "gmx.de", "gmx.net", "web.de", "t-online.de", "proton.me",
    "protonmail.com", "mail.com", "yandex.ru", "zoho.com",
})


# --------------------------------------------------------------------------------------------
# The file's shape

class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class EscalationContact(_Model):
    """The organization's email contact reachable 24/7 (support terms)."""

    email: str
    name: str | None = None
    phone: str | None = None

    @field_validator("email")
    @classmethod
    def _normalize_email(cls, value: str) -> str:
        return normalize_address(value)


class RegisteredUser(_Model):
    """A user who registered beforehand and may therefore get priority handling."""

    email: str
    name: str = Field(min_length=1)
    phone: str | None = None
    role: str = Field(default="member", min_length=1)

    @field_validator("email")
    @classmethod
    def _normalize_email(cls, value: str) -> str:
        return normalize_address(value)


class Project(_Model):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1)
    production: bool


class Component(_Model):
    name: str = Field(min_length=1)
    max_severity: SeverityField


class Product(_Model):
    name: str = Field(min_length=1)
    max_severity: SeverityField = Severity.S1
    components: tuple[Component, ...] = ()

    @model_validator(mode="after")
    def _components_within_product(self) -> Product:
        seen: set[str] = set()
        for comp in self.components:
            key = comp.name.casefold()
            if key in seen:
                raise ValueError(f"component {comp.name!r} is listed twice")
            seen.add(key)
            if comp.max_severity.is_higher_than(self.max_severity):
                raise ValueError(
                    f"component {comp.name!r} max_severity {comp.max_severity} ranks above its "
                    f"product's max_severity {self.max_severity}"
                )
        return self

    def component(self, name: str | None) -> Component | None:
        if not name:
            return None
        key = name.strip().casefold()
        return next((c for c in self.components if c.name.casefold() == key), None)


class Organization(_Model):
    """A customer organization as its contract and registration define it."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1)
    domains: tuple[str, ...] = ()
    escalation_contact: EscalationContact
    # Cap for products the contract does not list (S1: the contract adds no cap of its own).
    max_severity: SeverityField = Severity.S1
    users: tuple[RegisteredUser, ...] = ()
    projects: tuple[Project, ...] = ()
    products: tuple[Product, ...] = ()

    @field_validator("domains", mode="before")
    @classmethod
    def _domains(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            return value
        out: list[str] = []
        for raw in value:
            if not isinstance(raw, str):
                raise ValueError(f"domain {raw!r} is not a string")
            domain = organization_domain(raw)
            if domain not in out:
                out.append(domain)
        return out

    @model_validator(mode="after")
    def _unique_children(self) -> Organization:
        _require_unique((u.email for u in self.users), "user email")
        _require_unique((p.id.casefold() for p in self.projects), "project id")
        _require_unique((p.name.casefold() for p in self.projects), "project name")
        _require_unique((p.name.casefold() for p in self.products), "product name")
        return self

    def product(self, name: str | None) -> Product | None:
        if not name:
            return None
        key = name.strip().casefold()
        return next((p for p in self.products if p.name.casefold() == key), None)


class RegistryFile(_Model):
    organizations: tuple[Organization, ...] = ()

    @model_validator(mode="after")
    def _unique_across(self) -> RegistryFile:
        if not self.organizations:
            raise ValueError("no [[organizations]] defined")
        _require_unique((o.id.casefold() for o in self.organizations), "organization id")
        owners: dict[str, str] = {}
        for org in self.organizations:
            for domain in org.domains:
                if domain in owners:
                    raise ValueError(f"domain {domain} belongs to both {owners[domain]!r} and {org.id!r}")
                owners[domain] = org.id
        members: dict[str, str] = {}
        for org in self.organizations:
            for user in org.users:
                if user.email in members:
                    raise ValueError(
                        f"user {user.email} is registered with both {members[user.email]!r} and {org.id!r}"
                    )
                members[user.email] = org.id
        return self


def _require_unique(values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} is listed twice")
        seen.add(value)


_TLD_EXTRACT: Any = None


def public_suffix_extractor() -> Any:
    """tldextract with its bundled public-suffix snapshot only: no download, no cache on disk.

    The bot never reaches out on its own (docs/customers.md, ../shared/MODELS.md).
    """
    global _TLD_EXTRACT
    if _TLD_EXTRACT is None:
        _TLD_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
    return _TLD_EXTRACT


def organization_domain(raw: str) -> str:
    """A normalized domain that may belong to one organization; ``ValueError`` if it cannot."""
    domain = normalize_domain(raw)
    if domain in _SHARED_PROVIDERS:
        raise ValueError(f"{domain} is a shared mailbox provider; register its users individually instead")
    if _is_public_suffix(domain):
        raise ValueError(f"{domain} is a public suffix, not an organization's domain")
    return domain


def _is_public_suffix(domain: str) -> bool:
    parts = public_suffix_extractor()(domain)
    return bool(parts.suffix) and not parts.domain


