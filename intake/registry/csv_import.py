"""``merge_csv``: a CSV export (one row per user / project / product cap) merged into the registry's
TOML document, with per-row problems and their line numbers."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from intake.domain.severity import Severity
from intake.registry.lookups import Registry
from intake.registry.model import RegistryError, normalize_address, organization_domain
from intake.registry.toml_writer import plain_copy

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
    doc: dict[str, Any] = plain_copy(dict(base)) if base else {}
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


