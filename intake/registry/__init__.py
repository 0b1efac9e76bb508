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

The package: ``model`` (the file's shape), ``lookups`` (the loaded, indexed registry),
``csv_import`` (CSV to TOML document) and ``toml_writer``.
"""

from intake.registry.csv_import import CSV_COLUMNS, CsvImport, merge_csv
from intake.registry.lookups import CapTable, Registry, load_registry
from intake.registry.model import (
    Component,
    EscalationContact,
    Organization,
    Product,
    Project,
    RegisteredUser,
    RegistryError,
    normalize_address,
    normalize_domain,
    organization_domain,
    public_suffix_extractor,
)
from intake.registry.toml_writer import registry_to_toml

__all__ = [
    "CSV_COLUMNS",
    "CapTable",
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
    "organization_domain",
    "public_suffix_extractor",
    "registry_to_toml",
]
