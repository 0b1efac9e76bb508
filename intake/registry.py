"""The customer registry: organizations, their registered users, projects and contract caps.

Loaded from a TOML file (``config/customers.example.toml``; the path is the ``customers_path``
setting), validated with pydantic, and indexed for the lookups the intake needs:

* ``org_for_email`` / ``user``: who is writing (support terms: priority handling only for users
  who registered beforehand);
* ``projects`` / ``find_project``: the affected project must be identified precisely;
* ``max_severity``: the contract's maximum severity per product/component (support terms:
  "a request can't rank above its component's maximum"); ``effective_max_severity`` combines it
  with the policy table, the stricter one wins.

Every organization must name its 24/7 escalation contact (support terms, "What the customer must
provide"); a file without one fails loudly. A bad file raises ``RegistryError`` naming the file,
the key and the reason. This module is pure apart from ``load_registry`` reading the file.

``merge_csv`` turns a CSV export (one row per user / project / product cap, columns below) into
the TOML document, reporting per-row problems with their line numbers.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Protocol

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from intake.domain.severity import Severity, strictest

__all__ = [
    "CSV_COLUMNS",
    "Component",
    "CsvImport",
    "EscalationContact",
    "Organization",
    "Product",
    "Project",
    "RegisteredUser",
    "Registry",
    "RegistryError",
    "load_registry",
    "merge_csv",
    "normalize_address",
    "normalize_domain",
    "registry_to_toml",
]


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


class _RegistryFile(_Model):
    organizations: tuple[Organization, ...] = ()

    @model_validator(mode="after")
    def _unique_across(self) -> _RegistryFile:
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
        import tldextract

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


# --------------------------------------------------------------------------------------------
# The loaded registry

@dataclass(frozen=True)
class Registry:
    """Validated, indexed customer registry. Build with ``load_registry`` or ``Registry.from_toml``."""

    organizations: tuple[Organization, ...]
    source: str = "<memory>"
    _orgs: dict[str, Organization] = field(init=False, repr=False, compare=False)
    _org_names: dict[str, Organization] = field(init=False, repr=False, compare=False)
    _users: dict[str, tuple[RegisteredUser, Organization]] = field(init=False, repr=False, compare=False)
    _domains: dict[str, Organization] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "_orgs", {o.id.casefold(): o for o in self.organizations})
        set_(self, "_org_names", {_loose(o.name): o for o in self.organizations})
        set_(self, "_users", {u.email: (u, o) for o in self.organizations for u in o.users})
        set_(self, "_domains", {d: o for o in self.organizations for d in o.domains})

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "<memory>") -> Registry:
        """Validate a parsed TOML document; ``RegistryError`` with every problem found."""
        try:
            parsed = _RegistryFile.model_validate(data)
        except ValidationError as exc:
            raise RegistryError(source, _problems(exc, data)) from None
        return cls(parsed.organizations, source=source)

    @classmethod
    def from_toml(cls, text: str, *, source: str = "<memory>") -> Registry:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RegistryError(source, [("(syntax)", str(exc))]) from None
        return cls.from_mapping(data, source=source)

    def to_document(self) -> dict[str, Any]:
        """The registry as a plain TOML-ready document (the file's shape)."""
        return _RegistryFile(organizations=self.organizations).model_dump(
            mode="json", exclude_none=True
        )

    # -- lookups ---------------------------------------------------------------------------
    def org(self, org_id: str | Organization | None) -> Organization | None:
        """The organization with this id (case-insensitive), or None."""
        if isinstance(org_id, Organization):
            return org_id
        if not org_id:
            return None
        return self._orgs.get(org_id.strip().casefold())

    def _resolve(self, org: str | Organization | None) -> Organization | None:
        """An organization given as object, id or name (callers hold any of them)."""
        if isinstance(org, Organization):
            return org
        return self.find_org(org)

    def find_org(self, text: str | None) -> Organization | None:
        """An organization named by id or by name (case-insensitive, spacing/punctuation-tolerant)."""
        if not text:
            return None
        return self.org(text) or self._org_names.get(_loose(text))

    def user(self, address: str | None) -> RegisteredUser | None:
        """The registered user with this email address, or None."""
        key = _try_address(address)
        hit = self._users.get(key) if key else None
        return hit[0] if hit else None

    def org_for_email(self, address: str | None) -> Organization | None:
        """The organization an address belongs to: a registered user's, else by (parent) domain."""
        key = _try_address(address)
        if key is None:
            return None
        hit = self._users.get(key)
        if hit:
            return hit[1]
        domain = key.rpartition("@")[2]
        labels = domain.split(".")
        # A customer's subdomains are the customer's (eu.acme.example is ACME's); the longest
        # registered suffix wins.
        for i in range(len(labels) - 1):
            org = self._domains.get(".".join(labels[i:]))
            if org:
                return org
        return None

    def projects(self, org: str | Organization | None) -> tuple[Project, ...]:
        found = self._resolve(org)
        return found.projects if found else ()

    def find_project(self, org: str | Organization | None, text: str | None) -> Project | None:
        """The organization's project named by id or by name, case-insensitively; None unless unique.

        Exact (case-insensitive) id or name first; then a match ignoring spacing and punctuation
        (``shop eu`` finds ``shop-eu``), accepted only when exactly one project matches.
        """
        if not text:
            return None
        projects = self.projects(org)
        key = text.strip().casefold()
        exact = [p for p in projects if key in (p.id.casefold(), p.name.casefold())]
        if len(exact) == 1:
            return exact[0]
        loose = _loose(text)
        fuzzy = [p for p in projects if loose in (_loose(p.id), _loose(p.name))]
        return fuzzy[0] if len(fuzzy) == 1 else None

    def max_severity(
        self, org: str | Organization | None, product: str | None = None, component: str | None = None
    ) -> Severity:
        """The contract's maximum severity for this product/component (S1 when uncapped).

        Component cap if the contract lists the component, else the product's, else the
        organization's default. An unknown organization has no contract cap (the policy's applies).
        """
        found = self._resolve(org)
        if found is None:
            return Severity.S1
        prod = found.product(product)
        if prod is None:
            return found.max_severity
        comp = prod.component(component)
        return comp.max_severity if comp else prod.max_severity

    def effective_max_severity(
        self,
        org: str | Organization | None,
        product: str | None = None,
        component: str | None = None,
        *,
        policy: CapTable | None = None,
    ) -> Severity:
        """The stricter (lower-ranking) of the contract's cap and the policy's cap table.

        ``policy`` is the loaded ``intake.domain.policy.Policy`` (its ``caps`` table), or None.
        """
        contract = self.max_severity(org, product, component)
        policy_cap = policy.max_severity(product, component) if policy is not None else None
        return strictest(contract, policy_cap) or contract


class CapTable(Protocol):
    """What the registry needs of the policy: its product/component cap table."""

    def max_severity(self, product: str | None, component: str | None = None) -> Severity | None: ...


def _loose(text: str) -> str:
    return " ".join(re.split(r"[\s._\-/]+", text.strip().casefold())).strip()


def _try_address(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return normalize_address(address)
    except ValueError:
        return None


def load_registry(path: str | Path) -> Registry:
    """Read and validate the registry file; ``RegistryError`` names the file, key and reason."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(source, [("(file)", f"cannot read: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise RegistryError(source, [("(file)", f"not UTF-8: {exc.reason} at byte {exc.start}")]) from None
    return Registry.from_toml(text, source=source)


_REQUIRED_HINTS = {
    "escalation_contact": "required: the support terms require one 24/7 escalation email contact "
    "per organization",
}


def _problems(exc: ValidationError, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    problems = []
    for err in exc.errors():
        loc = err["loc"]
        key = _render_loc(loc, data)
        reason = err["msg"]
        if err["type"] == "missing" and loc and str(loc[-1]) in _REQUIRED_HINTS:
            reason = _REQUIRED_HINTS[str(loc[-1])]
        elif err["type"] == "missing":
            reason = "required key is missing"
        elif err["type"] == "extra_forbidden":
            reason = "unknown key (typo?)"
        problems.append((key, reason.removeprefix("Value error, ")))
    return problems


def _render_loc(loc: tuple[int | str, ...], data: Any) -> str:
    """``organizations[1] (id=globex).users[0].email`` from pydantic's location tuple."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            try:
                node = node[part]
            except (IndexError, KeyError, TypeError):
                node = None
            if isinstance(node, Mapping):
                label = next((k for k in ("id", "email", "name") if isinstance(node.get(k), str)), None)
                if label:
                    out += f" ({label}={node[label]})"
        else:
            if part in ("function-after", "function-before") or part.startswith("function-"):
                continue
            out += ("." if out else "") + part
            node = node.get(part) if isinstance(node, Mapping) else None
    return out or "organizations"  # the file-level checks are all about the organizations list


# --------------------------------------------------------------------------------------------
# CSV import

CSV_COLUMNS: Mapping[str, str] = {
    "org_id": "organization id (required on every row)",
    "org_name": "organization name (required the first time an organization appears)",
    "domains": "email domains, separated by ';', ',' or spaces (alias: domain)",
    "escalation_email": "the 24/7 escalation contact's email (required once per organization)",
    "escalation_name": "its name (optional)",
    "escalation_phone": "its phone number (optional)",
    "user_email": "a registered user's email",
    "user_name": "the user's name (required for a new user)",
    "user_phone": "the user's phone (optional)",
    "user_role": "the user's role (optional, default member)",
    "project_id": "a project id",
    "project_name": "the project's name (default: the id)",
    "production": "is the project a production system: yes/no (required for a new project)",
    "product": "a product of the contract",
    "component": "a component of that product (optional)",
    "max_severity": "S1..S4: the contract's maximum for the component, else the product, "
    "else the organization's default",
}
_CSV_ALIASES = {"domain": "domains", "org": "org_id", "organization": "org_id", "email": "user_email"}
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"no", "n", "false", "0"}


@dataclass
class CsvImport:
    """The result of ``merge_csv``: the merged document and the per-row problems."""

    document: dict[str, Any]
    errors: list[tuple[int, str]] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def merge_csv(csv_text: str, base: Mapping[str, Any] | None = None) -> CsvImport:
    """Merge CSV rows into a registry document (a copy of ``base``, or a new one).

    Rows of one organization accumulate (users, projects, product caps). A value given twice in
    the CSV with different contents is an error of the later row; a value already in ``base``
    is updated. Errors carry the CSV line number. The merged document is validated as a whole
    at the end (e.g. an organization without an escalation contact); such problems are reported
    on the organization's first line.
    """
    doc: dict[str, Any] = _deepcopy(dict(base)) if base else {}
    orgs: list[dict[str, Any]] = doc.setdefault("organizations", [])
    result = CsvImport(document=doc)
    reader = csv.DictReader(io.StringIO(csv_text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        result.errors.append((1, f"unreadable CSV header: {exc}"))
        return result
    columns = [_CSV_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    unknown = [h for h, c in zip(header, columns, strict=True) if c not in CSV_COLUMNS]
    if unknown:
        result.errors.append((1, f"unknown column(s) {', '.join(map(repr, unknown))}; "
                                 f"known: {', '.join(CSV_COLUMNS)}"))
        return result
    if "org_id" not in columns:
        result.errors.append((1, "the org_id column is required"))
        return result
    reader.fieldnames = columns
    set_here: dict[tuple[str, ...], tuple[str, int]] = {}  # values this CSV set: key -> (value, line)
    first_line: dict[str, int] = {}
    line = 1
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # the row starts after the last one read whole (line_num lags on a broken row)
            result.errors.append((max(reader.line_num, line + 1), f"unreadable row: {exc}"))
            break
        line = reader.line_num
        result.rows += 1
        if None in raw:
            result.errors.append((line, f"more fields than the header's {len(columns)}"))
            continue
        row = {k: (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue
        for message in _merge_row(row, line, orgs, set_here, first_line):
            result.errors.append((line, message))
    if result.rows == 0:
        if not result.errors:
            result.errors.append((1, "no data rows"))
    else:
        try:
            Registry.from_mapping(doc, source="(merged)")
        except RegistryError as exc:
            for key, reason in exc.problems:
                org_line = _line_for_key(key, orgs, first_line)
                result.errors.append((org_line, f"{key}: {reason}"))
    result.errors.sort(key=lambda e: e[0])
    return result


def _line_for_key(key: str, orgs: list[dict[str, Any]], first_line: Mapping[str, int]) -> int:
    m = re.match(r"organizations\[(\d+)\]", key)
    if m and int(m.group(1)) < len(orgs):
        return first_line.get(str(orgs[int(m.group(1))].get("id", "")).casefold(), 0)
    return 0


def _merge_row(
    row: Mapping[str, str],
    line: int,
    orgs: list[dict[str, Any]],
    set_here: dict[tuple[str, ...], tuple[str, int]],
    first_line: dict[str, int],
) -> list[str]:
    errors: list[str] = []

    def assign(target: dict[str, Any], name: str, value: str, key: tuple[str, ...]) -> None:
        earlier = set_here.get(key)
        if earlier and earlier[0] != value:
            errors.append(f"{'.'.join(key)} = {value!r} conflicts with {earlier[0]!r} from line {earlier[1]}")
            return
        set_here[key] = (value, line)
        target[name] = value

    org_id = row.get("org_id", "")
    if not org_id:
        return ["org_id is empty"]
    okey = org_id.casefold()
    org = next((o for o in orgs if str(o.get("id", "")).casefold() == okey), None)
    if org is None:
        if not row.get("org_name"):
            return [f"organization {org_id!r} is new: org_name is required"]
        org = {"id": org_id}
        orgs.append(org)
    first_line.setdefault(okey, line)
    if row.get("org_name"):
        assign(org, "name", row["org_name"], (okey, "name"))
    for domain in re.split(r"[;,\s]+", row.get("domains", "")):
        if not domain:
            continue
        try:
            domain = organization_domain(domain)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        owner = next((o for o in orgs if o is not org and domain in o.get("domains", [])), None)
        if owner is not None:
            errors.append(f"domain {domain} already belongs to {owner.get('id')!r}")
            continue
        domains = org.setdefault("domains", [])
        if domain not in domains:
            domains.append(domain)
    if row.get("escalation_email"):
        contact = org.setdefault("escalation_contact", {})
        assign(contact, "email", row["escalation_email"], (okey, "escalation_contact", "email"))
        for col, name in (("escalation_name", "name"), ("escalation_phone", "phone")):
            if row.get(col):
                assign(contact, name, row[col], (okey, "escalation_contact", name))
    elif row.get("escalation_name") or row.get("escalation_phone"):
        errors.append("escalation_name/escalation_phone given without escalation_email")

    if row.get("user_email"):
        try:
            email = normalize_address(row["user_email"])
        except ValueError as exc:
            errors.append(str(exc))
        else:
            users = org.setdefault("users", [])
            user = next((u for u in users if str(u.get("email", "")).lower() == email), None)
            owner = next((o for o in orgs if o is not org
                          and any(str(u.get("email", "")).lower() == email for u in o.get("users", []))), None)
            if owner is not None:
                errors.append(f"user {email} is already registered with {owner.get('id')!r}")
            elif user is None:
                if not row.get("user_name"):
                    errors.append(f"user {email} is new: user_name is required")
                else:
                    user = {"email": email}
                    users.append(user)
            if user is not None:
                for col, name in (("user_name", "name"), ("user_phone", "phone"), ("user_role", "role")):
                    if row.get(col):
                        assign(user, name, row[col], (okey, "user", email, name))
    elif any(row.get(c) for c in ("user_name", "user_phone", "user_role")):
        errors.append("user_name/user_phone/user_role given without user_email")

    if row.get("project_id"):
        pid = row["project_id"]
        projects = org.setdefault("projects", [])
        project = next((p for p in projects if str(p.get("id", "")).casefold() == pid.casefold()), None)
        production = _csv_bool(row.get("production", ""))
        if production is _INVALID:
            errors.append(f"production must be yes or no, not {row.get('production')!r}")
        elif project is None and production is None:
            errors.append(f"project {pid!r} is new: production (yes/no) is required")
        else:
            if project is None:
                project = {"id": pid, "name": row.get("project_name") or pid}
                projects.append(project)
            if row.get("project_name"):
                assign(project, "name", row["project_name"], (okey, "project", pid.casefold(), "name"))
            if production is not None:
                key = (okey, "project", pid.casefold(), "production")
                earlier = set_here.get(key)
                if earlier and earlier[0] != str(production):
                    errors.append(f"production of {pid!r} conflicts with line {earlier[1]}")
                else:
                    set_here[key] = (str(production), line)
                    project["production"] = production
    elif row.get("project_name") or row.get("production"):
        errors.append("project_name/production given without project_id")

    severity = row.get("max_severity", "")
    if severity:
        try:
            severity = str(Severity.parse(severity))
        except ValueError as exc:
            errors.append(str(exc))
            severity = ""
    product_name = row.get("product", "")
    component_name = row.get("component", "")
    if component_name and not product_name:
        errors.append("component given without product")
    elif product_name:
        products = org.setdefault("products", [])
        product = next((p for p in products if str(p.get("name", "")).casefold() == product_name.casefold()),
                       None)
        if product is None:
            product = {"name": product_name}
            products.append(product)
        pkey = (okey, "product", product_name.casefold())
        if component_name:
            components = product.setdefault("components", [])
            comp = next((c for c in components
                         if str(c.get("name", "")).casefold() == component_name.casefold()), None)
            if comp is None:
                if not severity:
                    errors.append(f"component {component_name!r} is new: max_severity is required")
                else:
                    comp = {"name": component_name}
                    components.append(comp)
            if comp is not None and severity:
                assign(comp, "max_severity", severity, (*pkey, component_name.casefold()))
        elif severity:
            assign(product, "max_severity", severity, pkey)
    elif severity:
        assign(org, "max_severity", severity, (okey, "max_severity"))
    return errors


_INVALID: Any = object()


def _csv_bool(value: str) -> Any:
    """True/False for yes/no words, None when empty, ``_INVALID`` otherwise."""
    text = value.strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return _INVALID


def _deepcopy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deepcopy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_deepcopy(v) for v in value]
    return value


def registry_to_toml(document: Mapping[str, Any]) -> str:
    """Serialize a registry document to TOML (comments of a merged file are not kept)."""
    import tomli_w

    return tomli_w.dumps(_deepcopy(document))
