"""The customer registry: loading, validation errors that name file/key/reason, lookups, caps."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.registry import Registry, RegistryError, load_registry, registry_to_toml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "customers.example.toml"


@pytest.fixture(scope="module")
def example_doc() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(EXAMPLE)


def test_the_example_registry_loads_with_every_organization(registry: Registry) -> None:
    assert [o.id for o in registry.organizations] == ["acme", "globex"]
    acme = registry.org("acme")
    assert acme is not None
    assert acme.escalation_contact.email == "oncall@acme.example"
    assert acme.domains == ("acme.example", "acme-shop.example")


@pytest.mark.parametrize(
    ("address", "org_id"),
    [
        ("alice@acme.example", "acme"),
        ("Alice@ACME.Example", "acme"),  # addresses compare case-insensitively
        ("<bob@acme.example>", "acme"),
        ("someone.new@acme.example", "acme"),  # by domain, though not registered
        ("ops@eu.acme.example", "acme"),  # a subdomain of a customer's domain is the customer's
        ("x@acme-shop.example", "acme"),
        ("carol.contractor@gmail.com", "acme"),  # registered individually on a shared provider
        ("other@gmail.com", None),
        ("hank@globex.example", "globex"),
        ("x@notacme.example", None),  # a suffix match must respect label boundaries
        ("x@acme.example.evil.example", None),
        ("not an address", None),
        ("", None),
        (None, None),
    ],
)
def test_org_for_email_finds_registered_users_then_domains(
    registry: Registry, address: str | None, org_id: str | None
) -> None:
    org = registry.org_for_email(address)
    assert (org.id if org else None) == org_id


@pytest.mark.parametrize(
    ("address", "registered"),
    [
        ("alice@acme.example", True),
        ("ALICE@acme.example", True),
        ("someone.new@acme.example", False),
        ("carol.contractor@gmail.com", True),
        ("hank@globex.example", True),
        ("hank@acme.example", False),
    ],
)
def test_user_is_found_only_for_registered_addresses(registry: Registry, address: str, registered: bool) -> None:
    assert (registry.user(address) is not None) is registered


@pytest.mark.parametrize(
    ("org", "text", "project_id"),
    [
        ("acme", "shop-eu", "shop-eu"),
        ("acme", "SHOP-EU", "shop-eu"),
        ("acme", "Shop EU", "shop-eu"),
        ("acme", "shop eu", "shop-eu"),  # spacing/punctuation-tolerant when unique
        ("acme", "  shop-eu-staging ", "shop-eu-staging"),
        ("acme", "Shop EU Staging", "shop-eu-staging"),
        ("acme", "shop", None),  # no prefix guessing
        ("acme", "storefront", None),  # another organization's project
        ("globex", "Globex Storefront", "storefront"),
        ("GLOBEX", "storefront", "storefront"),
        ("nobody", "shop-eu", None),
        ("acme", "", None),
    ],
)
def test_find_project_by_id_or_name_case_insensitively(
    registry: Registry, org: str, text: str, project_id: str | None
) -> None:
    project = registry.find_project(org, text)
    assert (project.id if project else None) == project_id


def test_projects_lists_an_organizations_projects_with_production_flag(registry: Registry) -> None:
    assert [(p.id, p.production) for p in registry.projects("acme")] == [
        ("shop-eu", True), ("shop-eu-staging", False)]
    assert registry.projects("nobody") == ()


@pytest.mark.parametrize(
    ("text", "org_id"),
    [("acme", "acme"), ("ACME", "acme"), ("ACME Retail GmbH", "acme"), ("acme retail  gmbh", "acme"),
     ("Globex Corporation", "globex"), ("Globex Corp", None), ("", None)],
)
def test_find_org_by_id_or_name(registry: Registry, text: str, org_id: str | None) -> None:
    org = registry.find_org(text)
    assert (org.id if org else None) == org_id


@pytest.mark.parametrize(
    ("org", "product", "component", "cap"),
    [
        ("acme", "Checkout", "Payments", Severity.S1),
        ("acme", "checkout", "vouchers", Severity.S3),  # component cap
        ("acme", "Checkout", "Unknown", Severity.S1),  # unlisted component: the product's cap
        ("acme", "Backend UI", None, Severity.S3),
        ("acme", "Unlisted", None, Severity.S1),  # acme's contract adds no default cap
        ("globex", "Unlisted", None, Severity.S2),  # globex's contract: nothing above S2 unless listed
        ("globex", None, None, Severity.S2),
        ("globex", "Checkout", None, Severity.S1),
        ("nobody", "Checkout", None, Severity.S1),
    ],
)
def test_contract_max_severity_per_product_and_component(
    registry: Registry, org: str, product: str | None, component: str | None, cap: Severity
) -> None:
    assert registry.max_severity(org, product, component) is cap


@pytest.mark.parametrize(
    ("org", "product", "component", "caps", "expected"),
    [
        # the stricter of contract and policy wins, whichever it is
        ("acme", "Checkout", "Payments", {"Checkout/Payments": "S2"}, Severity.S2),
        ("acme", "Checkout", "Vouchers", {"Checkout": "S1"}, Severity.S3),
        ("acme", "Documentation", None, {"Documentation": "S4"}, Severity.S4),
        ("globex", "Checkout", None, {}, Severity.S1),
        ("globex", "Storefront", None, {"Storefront": "S1"}, Severity.S2),
    ],
)
def test_effective_cap_is_the_stricter_of_contract_and_policy(
    registry: Registry, org: str, product: str, component: str | None, caps: dict[str, str], expected: Severity
) -> None:
    policy = Policy(calendar=Policy.default().calendar, rules=Policy.default().rules,
                    caps={k.casefold(): Severity.parse(v) for k, v in caps.items()})
    assert registry.effective_max_severity(org, product, component, policy=policy) is expected
    assert registry.effective_max_severity(org, product, component) is registry.max_severity(org, product, component)


def test_the_shipped_policy_caps_combine_with_the_example_contract(registry: Registry) -> None:
    policy = Policy.load(ROOT / "config" / "policy.toml")
    assert registry.effective_max_severity("acme", "Backend UI", policy=policy) is Severity.S3
    assert registry.effective_max_severity("acme", "Checkout", "Vouchers", policy=policy) is Severity.S3


def _break(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``doc`` with ``path`` (``organizations.0.users.0.email``) set, or deleted if value is ...."""
    out = copy.deepcopy(doc)
    node: Any = out
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last: Any = int(parts[-1]) if parts[-1].isdigit() else parts[-1]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return out


@pytest.mark.parametrize(
    ("path", "value", "key", "reason"),
    [
        ("organizations.1.escalation_contact", ..., "organizations[1] (id=globex).escalation_contact",
         "24/7 escalation"),
        ("organizations.0.escalation_contact.email", "not-an-email",
         "organizations[0] (id=acme).escalation_contact.email", "not a valid email address"),
        ("organizations.0.users.0.emial", "x", "organizations[0] (id=acme).users[0] (email=alice@acme.example).emial", "unknown key"),
        ("organizations.0.users.1.name", ..., "organizations[0] (id=acme).users[1] (email=bob@acme.example).name", "missing"),
        ("organizations.0.projects.0.production", "maybe",
         "organizations[0] (id=acme).projects[0] (id=shop-eu).production", "valid boolean"),
        ("organizations.0.products.0.components.1.max_severity", "S9",
         "organizations[0] (id=acme).products[0] (name=Checkout).components[1] (name=Vouchers).max_severity",
         "not a severity"),
        ("organizations.0.products.0.max_severity", "S2", "organizations[0] (id=acme).products[0] (name=Checkout)",
         "ranks above its product's max_severity S2"),
        ("organizations.0.domains", ["acme.example", "gmail.com"], "organizations[0] (id=acme).domains",
         "shared mailbox provider"),
        ("organizations.0.domains", ["co.uk"], "organizations[0] (id=acme).domains", "public suffix"),
        ("organizations.0.domains", ["not a domain"], "organizations[0] (id=acme).domains", "not a valid domain"),
        ("organizations.1.domains", ["globex.example", "ACME.example"], "organizations", "belongs to both"),
        ("organizations.1.id", "ACME", "organizations", "organization id 'acme' is listed twice"),
        ("organizations.1.users.0.email", "alice@acme.example", "organizations",
         "registered with both 'acme' and 'globex'"),
        ("organizations.0.projects.1.id", "Shop-EU", "organizations[0] (id=acme)", "project id"),
        ("organizations.0.id", "bad id!", "organizations[0] (id=bad id!).id", "pattern"),
        ("organizations", [], "organizations", "no [[organizations]]"),
    ],
)
def test_a_bad_registry_fails_loudly_naming_file_key_and_reason(
    example_doc: dict[str, Any], path: str, value: Any, key: str, reason: str
) -> None:
    with pytest.raises(RegistryError) as info:
        Registry.from_mapping(_break(example_doc, path, value), source="customers.toml")
    err = info.value
    assert err.source == "customers.toml"
    assert "customers.toml" in str(err)
    assert any(k == key and reason in r for k, r in err.problems), err.problems


def test_every_problem_of_a_file_is_reported_at_once(example_doc: dict[str, Any]) -> None:
    doc = _break(example_doc, "organizations.1.escalation_contact", ...)
    doc = _break(doc, "organizations.0.users.0.email", "nope")
    with pytest.raises(RegistryError) as info:
        Registry.from_mapping(doc, source="x.toml")
    assert len(info.value.problems) == 2


def test_a_toml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "customers.toml"
    path.write_text('[[organizations]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    assert str(path) in str(info.value)
    assert "line 1" in str(info.value)


def test_a_missing_file_is_a_registry_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry(tmp_path / "absent.toml")


def test_a_registry_round_trips_through_toml(registry: Registry) -> None:
    again = Registry.from_toml(registry_to_toml(registry.to_document()), source="round-trip")
    assert again.organizations == registry.organizations


def test_lookups_taking_an_organization_accept_its_object_id_or_name(registry: Registry) -> None:
    acme = registry.org("acme")
    for ref in (acme, "acme", "ACME", "ACME Retail GmbH"):
        assert registry.max_severity(ref, "Checkout", "Vouchers") is Severity.S3
        assert [p.id for p in registry.projects(ref)] == ["shop-eu", "shop-eu-staging"]
        assert registry.find_project(ref, "Shop EU").id == "shop-eu"  # type: ignore[union-attr]
