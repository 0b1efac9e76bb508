"""The loaded registry, indexed for the intake's lookups (who is writing, which project, which cap),
and ``load_registry`` that reads and validates the file."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import (
    ValidationError,
)

from intake.domain.severity import Severity, strictest
from intake.registry.model import (
    Organization,
    Project,
    RegisteredUser,
    RegistryError,
    RegistryFile,
    normalize_address,
)

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
            parsed = RegistryFile.model_validate(data)
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
        return RegistryFile(organizations=self.organizations).model_dump(
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


