"""Field extraction: form-style lines → organization / project / severity, resolved against the registry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from intake.domain.severity import Severity
from intake.mail.extract import extract, parse_form, parse_severity, suggest_severity
from intake.registry import Registry, load_registry

ROOT = Path(__file__).resolve().parents[2]
S1, S2, S3, S4 = Severity.S1, Severity.S2, Severity.S3, Severity.S4


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "config" / "customers.example.toml")


@dataclass
class Sender:
    org_id: str | None
    trusted: bool


# -- severity values ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "severity"),
    [
        ("S1", S1), ("s2", S2), ("S 3", S3), ("S4", S4), ("Sev1", S1), ("sev 2", S2), ("Severity 3", S3),
        ("2", S2), ("1 (critical)", S1), ("S1 - Critical Incident", S1), ("S2 (Incident)", S2),
        ("Critical", S1), ("critical incident", S1), ("Incident", S2), ("Problem", S3), ("Question", S4),
        ("Question / suggestion / other", S4), ("S2.", S2),
        # conservative: nothing the support terms do not name, nothing ambiguous
        ("high", None), ("urgent!!!", None), ("P1", None), ("S1/S2", None), ("S1 or S2", None),
        ("S5", None), ("S12", None), ("0", None), ("prio 2 of 5", None), ("", None), ("very critical", None),
    ],
)
def test_severity_values(value: str, severity: Severity | None) -> None:
    assert parse_severity(value) is severity


# -- the suggestion from the intake questions (support terms' definitions) -----------------------------

@pytest.mark.parametrize(
    ("production", "stopped", "workaround", "severity"),
    [
        (True, True, False, S1),  # production, core business stopped, no acceptable workaround
        (True, False, False, S2),  # production impacted, no workaround
        (True, True, True, S3),  # an acceptable workaround makes it S3
        (True, False, True, S3),
        (False, True, False, S3),  # non-production: at most S3
        (False, False, True, S3),
    ],
)
def test_suggest_severity_follows_the_support_terms(
    production: bool, stopped: bool, workaround: bool, severity: Severity
) -> None:
    assert suggest_severity(production=production, business_stopped=stopped, workaround=workaround) is severity


def test_a_question_is_s4() -> None:
    assert suggest_severity(production=True, business_stopped=True, workaround=False, question=True) is S4


# -- reading the form ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "raw"),
    [
        ("Organization: ACME\nProject: shop-eu\nSeverity: S2\n",
         {"organization": "ACME", "project": "shop-eu", "severity": "S2"}),
        ("Organisation = ACME\n", {"organization": "ACME"}),
        ("  - Company:   ACME Retail GmbH  \n", {"organization": "ACME Retail GmbH"}),
        ("**Project:** Shop EU\n", {"project": "Shop EU"}),
        ("* Product: Checkout\n* Component: Payments\n", {"product": "Checkout", "component": "Payments"}),
        ("Is this a production system? yes\n", {"production": "yes"}),
        ("Production system : yes\r\nCore business stopped: no\r\nWorkaround: yes\r\n",
         {"production": "yes", "business_stopped": "no", "workaround": "yes"}),
        # prose, URLs and times are not form lines
        ("Our organization is ACME and the project shop-eu is down since 10:30.\nSee https://x.example/a\n", {}),
        ("Time: 10:30\nProject:\n", {}),
        # quoted text of an earlier mail, signatures and forwarded parts are not read
        ("Project: shop-eu\n> Severity: S1\n>> Organization: Globex\n", {"project": "shop-eu"}),
        ("Project: shop-eu\n-- \nAlice\nSeverity: S1\n", {"project": "shop-eu"}),
        ("Hi\n\nOn Mon, 1 Dec 2026 at 10:00, Support <support@vendor.example> wrote:\nSeverity: S1\n", {}),
        ("Hi\n-----Original Message-----\nSeverity: S1\n", {}),
        ("Hi\n________________________________\nFrom: x\nSeverity: S1\n", {}),
        # the same answer twice is fine; two different answers make the field unknown
        ("Severity: S2\nSeverity: s2\n", {"severity": "S2"}),
        ("Severity: S2\nSeverity: S1\n", {}),
    ],
)
def test_form_lines_table(body: str, raw: dict[str, str]) -> None:
    assert dict(parse_form("", body).raw) == raw


@pytest.mark.parametrize(
    ("subject", "body", "severity", "problems"),
    [
        ("[S1] Shop down", "", S1, ()),
        ("Re: [Sev 2] slow checkout", "", S2, ()),
        ("S1: checkout broken", "", S1, ()),
        ("AW: S2 - checkout slow", "", S2, ()),
        ("Checkout slow (severity: S3)", "", S3, ()),
        ("Checkout slow", "", None, ()),
        ("Upgrade S1 to S2 firmware", "", None, ()),  # words in prose are not tags
        ("[S1] [S2] which?", "", None, ()),
        ("[S1] Shop down", "Severity: S3\n", S3, ()),  # the form line wins over the subject
        ("", "Severity: high\n", None, ("unclear_severity",)),
        ("[S1] x", "Severity: S1\nSeverity: S2\n", None, ("conflicting_severity",)),
        ("", "Production: maybe\n", None, ("unclear_production",)),
    ],
)
def test_severity_from_subject_and_body(
    subject: str, body: str, severity: Severity | None, problems: tuple[str, ...]
) -> None:
    form = parse_form(subject, body)
    assert form.severity is severity
    assert form.problems == problems


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("Production system: yes", True), ("Production system: Yes, the live shop", True),
        ("Production system: no", False), ("Production system: No - staging only", False),
        ("Production: true", True), ("Production: N", False),
        ("Workaround: none", False), ("Workaround: no workaround", False), ("Workaround: available", True),
        ("Workaround: restart it every hour", None),  # whether it is acceptable is for triage to judge
        ("Production: maybe", None),
    ],
)
def test_yes_no_answers(line: str, answer: bool | None) -> None:
    field = "workaround" if line.startswith("Workaround") else "production"
    assert parse_form("", line).answers[field] is answer


def test_a_huge_pasted_log_does_not_hide_or_slow_the_form() -> None:
    body = "Organization: ACME\nProject: shop-eu\n" + "ERROR at line 1: Severity: S1\n" * 50_000
    form = parse_form("", body)
    assert form.raw["project"] == "shop-eu"
    assert form.severity is None  # "ERROR at line 1: Severity: S1" is not a form line


# -- resolved against the registry -------------------------------------------------------------------------

FULL_FORM = (
    "Hello support,\n\n"
    "Organization: ACME\nProject: Shop EU\nProduct: checkout\nComponent: payments\n"
    "Production system: yes\nCore business stopped: yes\nWorkaround: no\n\n"
    "The shop takes no orders since 10:00.\n-- \nAlice\n"
)


@pytest.mark.parametrize(
    ("subject", "body", "sender", "expected"),
    [
        # a complete form from a trusted registered user
        ("Shop down", FULL_FORM, Sender("acme", True),
         dict(org="acme", project="shop-eu", product="Checkout", component="Payments", requested_severity=None,
              suggested_severity=S1, severity=S1, missing=[], flags=[])),
        # the trusted sender's organization wins over what the mail claims; the difference is flagged
        ("x", "Organization: Globex\nProject: shop-eu\nSeverity: S2\n", Sender("acme", True),
         dict(org="acme", project="shop-eu", requested_severity=S2, missing=[], flags=["claimed_org_differs"])),
        # untrusted sender: the claim is used (if known), the sender's domain is only a fallback
        ("x", "Organization: Globex\nProject: storefront\nSeverity: S2\n", Sender("acme", False),
         dict(org="globex", project="storefront", missing=[], flags=["claimed_org_differs"])),
        ("x", "Project: shop-eu\nSeverity: S3\n", Sender("acme", False),
         dict(org="acme", project="shop-eu", missing=[], flags=[])),
        # an organization the registry does not know: asked for
        ("x", "Organization: Initech\nProject: tps\nSeverity: S2\n", None,
         dict(org=None, project=None, missing=["organization", "project"], flags=["unknown_organization"])),
        ("x", "Organization: Initech\nSeverity: S2\n", Sender("acme", True),
         dict(org="acme", flags=["unknown_organization", "claimed_org_differs"], missing=["project"])),
        # nothing given: ask for everything
        ("Help", "Our shop is broken, please call me.", None,
         dict(org=None, project=None, requested_severity=None, suggested_severity=None,
              missing=["organization", "project", "severity"])),
        ("Help", "Our shop is broken.", Sender("globex", True),
         dict(org="globex", missing=["project", "severity"])),
        # a project of another organization is not accepted
        ("x", "Project: storefront\nSeverity: S3\n", Sender("acme", True),
         dict(project=None, missing=["project"], flags=["unknown_project"])),
        # severity from the subject tag
        ("[S2] checkout slow", "Project: shop-eu\n", Sender("acme", True),
         dict(requested_severity=S2, severity=S2, missing=[])),
        # answers that do not decide the level leave severity missing
        ("x", "Project: shop-eu\nProduction system: yes\n", Sender("acme", True),
         dict(suggested_severity=None, missing=["severity"])),
        ("x", "Project: shop-eu\nProduction system: yes\nWorkaround: no\n", Sender("acme", True),
         dict(suggested_severity=None, missing=["severity"])),
        ("x", "Project: shop-eu-staging\nProduction system: no\n", Sender("acme", True),
         dict(project="shop-eu-staging", suggested_severity=S3, severity=S3, missing=[])),
        # a request above what its own answers support is flagged for triage (the vendor sets the level)
        ("x", "Project: shop-eu\nSeverity: S1\nProduction system: yes\nWorkaround: yes\n", Sender("acme", True),
         dict(requested_severity=S1, suggested_severity=S3, severity=S1, flags=["requested_above_answers"])),
        ("x", "Project: shop-eu-staging\nProduction system: yes\nSeverity: S3\n", Sender("acme", True),
         dict(flags=["production_claim_for_non_production_project"])),
        # products/components: canonical names when the contract lists them, flagged otherwise
        ("x", "Project: shop-eu\nSeverity: S3\nProduct: Frobnicator\n", Sender("acme", True),
         dict(product="Frobnicator", component=None, flags=["unknown_product"])),
        ("x", "Project: shop-eu\nSeverity: S3\nProduct: CHECKOUT\nComponent: Gift cards\n", Sender("acme", True),
         dict(product="Checkout", component="Gift cards", flags=["unknown_component"])),
        # unclear answers are reported, not guessed
        ("x", "Project: shop-eu\nSeverity: urgent\n", Sender("acme", True),
         dict(requested_severity=None, missing=["severity"], flags=["unclear_severity"])),
    ],
)
def test_extraction_table(
    registry: Registry, subject: str, body: str, sender: Sender | None, expected: dict[str, object]
) -> None:
    got = extract(subject, body, registry=registry, sender=sender)
    for key, value in expected.items():
        assert getattr(got, key) == value, (key, got)


def test_the_cap_is_applied_by_the_caller_with_the_registry(registry: Registry) -> None:
    got = extract("[S1] vouchers broken", "Project: shop-eu\nProduct: Checkout\nComponent: Vouchers\n",
                  registry=registry, sender=Sender("acme", True))
    assert got.severity is S1
    cap = registry.effective_max_severity(got.org, got.product, got.component)
    assert got.severity.capped(cap) is S3


def test_a_real_identity_plugs_into_extraction(registry: Registry) -> None:
    from intake.mail.identity import identify_sender

    sender = identify_sender("Alice <alice@acme.example>",
                             ["mx.vendor.example; dmarc=pass header.from=acme.example"],
                             registry=registry, authserv_ids=["mx.vendor.example"])
    got = extract("[S2] slow", "Project: shop-eu\n", registry=registry, sender=sender)
    assert (got.org, got.project, got.severity, got.missing) == ("acme", "shop-eu", S2, [])


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(max_size=60), st.text(max_size=400))
def test_arbitrary_text_never_crashes_extraction(registry: Registry, subject: str, body: str) -> None:
    got = extract(subject, body, registry=registry, sender=None)
    assert set(got.missing) <= {"organization", "project", "severity"}
    assert (got.org is None) == ("organization" in got.missing)
