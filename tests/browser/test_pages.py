"""The web pages in a real browser: sign-in, role denial, anonymous redirect, filtering and export."""

from __future__ import annotations

import csv
import json

import pytest

from tests.web.conftest import PASSWORDS, Canary

pytestmark = pytest.mark.browser


def _sign_in(page, base: str, user: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/signin")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORDS[user])
    page.click("button[type=submit]")


def test_anonymous_visitor_lands_on_sign_in_and_returns_to_the_page_after_it(page, live_server):
    page.goto(f"{live_server.url}/compliance/audit")
    assert page.url.startswith(f"{live_server.url}/signin?next=")
    page.fill("input[name=username]", "clara")
    page.fill("input[name=password]", PASSWORDS["clara"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/compliance/audit")
    assert page.inner_text("[data-testid=who]") == "clara (compliance)"


def test_a_wrong_password_shows_an_error_and_no_session(page, live_server):
    page.goto(f"{live_server.url}/signin")
    page.fill("input[name=username]", "clara")
    page.fill("input[name=password]", "not-her-password")
    page.click("button[type=submit]")
    assert "wrong password" in page.inner_text("[role=alert]")
    page.goto(f"{live_server.url}/compliance/redactions")
    assert "/signin" in page.url


def test_an_operator_is_refused_the_compliance_pages_with_403(page, live_server):
    _sign_in(page, live_server.url, "otto")
    page.wait_for_url(f"{live_server.url}/operator")
    assert page.locator("svg.chart").count() == 4
    assert "Redaction log" not in page.inner_text("header nav")
    for path in ("/compliance/redactions", "/compliance/redactions/1", "/compliance/audit"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 403
        assert "does not give access" in page.inner_text("[data-testid=error-message]")
    response = page.goto(f"{live_server.url}/compliance/redactions/export.csv")
    assert response.status == 403


def test_compliance_filters_the_log_exports_it_and_records_a_verdict(page, live_server, tmp_path):
    _sign_in(page, live_server.url, "clara")
    page.wait_for_url(f"{live_server.url}/compliance/redactions")
    rows = page.locator("[data-testid=entries] tbody tr")
    assert rows.count() == 4
    page.select_option("select[name=organization]", "Acme GmbH")
    page.select_option("select[name=type]", "IBAN_CODE")
    page.click("[data-testid=filters] button[type=submit]")
    page.wait_for_url("**/compliance/redactions?*organization=Acme+GmbH*")
    assert rows.count() == 2
    assert "2 entries match" in page.inner_text(".exports")

    with page.expect_download() as info:
        page.click("[data-testid=export-csv]")
    path = tmp_path / "export.csv"
    info.value.save_as(path)
    exported = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(exported) == 2 and all(r["sender_org"] == "Acme GmbH" for r in exported)
    with page.expect_download() as info:
        page.click("[data-testid=export-jsonl]")
    jpath = tmp_path / "export.jsonl"
    info.value.save_as(jpath)
    lines = [json.loads(line) for line in jpath.read_text().splitlines()]
    assert all("IBAN_CODE" in d["entity_types"] for d in lines) and len(lines) == 2
    raw = path.read_text() + jpath.read_text()
    for value in Canary().values:
        assert value not in raw

    page.locator("[data-testid=entries] tbody tr a").first.click()
    page.check("input[value=false_positive]")
    page.fill("textarea[name=note]", "test data from the customer's staging system")
    page.click(".verdict-form button[type=submit]")
    assert "false positive" in page.inner_text("[data-testid=verdict]")
    page.goto(f"{live_server.url}/compliance/chain")
    assert "Intact" in page.inner_text("[data-testid=chain-result]")
    page.goto(f"{live_server.url}/compliance/audit")
    trail = page.inner_text("[data-testid=audit]")
    for action in ("export_csv", "export_jsonl", "set_verdict", "view_redaction_entry", "signin"):
        assert action in trail


def test_signing_out_ends_the_session(page, live_server):
    _sign_in(page, live_server.url, "otto")
    page.wait_for_url(f"{live_server.url}/operator")
    page.click(".signout button")
    page.wait_for_url(f"{live_server.url}/signin")
    page.goto(f"{live_server.url}/operator")
    assert "/signin" in page.url
