"""The vendor's identity, shared by the corpus generator and (if it wishes) the engine config.

The vendor sells a frontend management platform (shops, storefront, CMS, checkout, APIs) to
business customers. Its own staff, domains and product names are never third-party personal
data (the support terms' "context rules"). The identity itself (name, legal name, domains, phone)
is read from ``eval/velora.toml`` (the fictional Velora; the shipped ``config/redaction.toml`` is the
worked example of a real vendor); the rest is the corpus's own world. No imports from the rest of
the project.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

VENDOR_FILE = Path(__file__).resolve().parents[1] / "velora.toml"
_VENDOR = tomllib.loads(VENDOR_FILE.read_text(encoding="utf-8"))["vendor"]

VENDOR_NAME: str = _VENDOR["name"]
VENDOR_LEGAL_NAME: str = _VENDOR["legal_name"]
VENDOR_DOMAINS: tuple[str, ...] = tuple(_VENDOR["domains"])
SUPPORT_EMAIL = "support@velora.io"
VENDOR_ADDRESS = "Velora Systems GmbH, Leopoldstraße 120, 80802 München, Germany"
VENDOR_PHONE: str = _VENDOR["phones"][0]

# Product and component names (may look like names of people or places to an NER model).
PRODUCTS = (
    "Velora Studio",
    "Velora Storefront",
    "Velora Checkout",
    "Velora Commerce API",
    "Velora Edge",
    "Velora Connect",
    "Velora Search",
    "Velora Insights",
)
# Short component names used in product UIs, logs and tickets.
COMPONENTS = (
    "Studio",
    "Storefront",
    "Checkout",
    "Commerce API",
    "Edge",
    "Connect",
    "Search",
    "Insights",
    "Frontastic Bridge",
    "Page Builder",
    "Asset Manager",
    "Preview Service",
)

# Support staff and account managers of the vendor (first name, last name).
STAFF = (
    ("Sarah", "Klein"),
    ("Tobias", "Wagner"),
    ("Priya", "Raman"),
    ("Lukas", "Brandt"),
    ("Elena", "Petrova"),
    ("Marco", "Bianchi"),
    ("Hannah", "Vogel"),
    ("Daniel", "Okafor"),
)


def staff_email(first: str, last: str) -> str:
    """Vendor staff address, e.g. ``sarah.klein@velora.io``."""
    return f"{first.lower()}.{last.lower()}@{VENDOR_DOMAINS[0]}"


# Well-known test personas: placeholders, not people.
TEST_PERSONAS = (
    "John Doe",
    "Jane Doe",
    "Max Mustermann",
    "Erika Mustermann",
    "Test User",
)
