"""The operator page's outbox in a real browser: a parked reply is found (parked first, with its error
and ticket), retried with a click and delivered to a real SMTP server; a discard needs a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from intake import services
from intake.domain.severity import Severity
from intake.mail.smtp import SmtpConfig, SmtpTransport
from intake.outbox import Dispatcher
from intake.store.models import AuditEntry, OutboxItem
from tests.clock.helpers import POLICY
from tests.web.conftest import PASSWORDS

pytestmark = pytest.mark.browser


def _parked_reply(factory, subject: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.UTC)
    with factory.begin() as s:
        t = services.open_ticket(s, policy=POLICY, now=now, channel="email", subject=subject, body="b",
                                 requested_severity=Severity.S2, sender_email="ops@shop.example")
        services.send_reply(s, t.id, text="We are on it.", now=now, actor="U1")
    with factory.begin() as s:
        items = s.scalars(select(OutboxItem).where(OutboxItem.ticket_id == t.id).order_by(OutboxItem.id)).all()
        reply = next(i for i in items if i.kind == "email")
        for item in items:
            item.state = "done"  # the triage post and its updates went out; only the reply is stuck
        reply.state = "parked"
        reply.last_error = "SMTP 550 5.7.1 relay denied"
        return reply.id, t.token


def _sign_in_operator(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/signin")
    page.fill("input[name=username]", "otto")
    page.fill("input[name=password]", PASSWORDS["otto"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/operator")


def test_a_parked_item_is_found_retried_and_delivered_from_the_operator_page(page, live_server, smtp_sink):
    item_id, token = _parked_reply(live_server.factory, "Checkout down")
    _sign_in_operator(page, live_server.url)
    first = page.locator("[data-testid=outbox] tbody tr").first
    assert first.get_attribute("data-outbox-id") == str(item_id)
    row_text = first.inner_text()
    assert "parked" in row_text and token in row_text and "relay denied" in row_text and "ops@shop.example" in row_text

    first.locator("[data-testid=retry]").click()
    page.wait_for_url(f"{live_server.url}/operator?outbox=retried#outbox")
    assert "Queued again" in page.inner_text("[data-testid=outbox-notice]")
    transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=smtp_sink.port, starttls=False))
    Dispatcher(live_server.factory, {"email": transport}, worker_id="t").dispatch_once(now=dt.datetime.now(dt.UTC))
    assert [m.rcpt_tos for m in smtp_sink.wait_for(1)] == [["ops@shop.example"]]
    page.reload()
    assert page.locator(f"[data-outbox-id='{item_id}']").count() == 0
    with live_server.factory() as s:
        assert s.get(OutboxItem, item_id).state == "done"
        assert s.scalars(select(AuditEntry.username).where(AuditEntry.action == "outbox_retry")).all() == ["otto"]


def test_discarding_from_the_page_needs_a_reason(page, live_server):
    item_id, _token = _parked_reply(live_server.factory, "Typo")
    _sign_in_operator(page, live_server.url)
    row = page.locator(f"[data-outbox-id='{item_id}']")
    row.locator("[data-testid=discard]").click()  # the browser refuses the empty required field
    assert page.url.endswith("/operator")
    row.locator("input[name=reason]").fill("answered by phone")
    row.locator("[data-testid=discard]").click()
    page.wait_for_url(f"{live_server.url}/operator?outbox=discarded#outbox")
    assert page.locator(f"[data-outbox-id='{item_id}']").count() == 0
    with live_server.factory() as s:
        item = s.get(OutboxItem, item_id)
        assert item.state == "discarded" and "answered by phone" in item.last_error
