"""The sandbox end to end in a real browser: deflection while the portal is up, a ticket when it is down,
a rejected mail with a secret, a nag, and a reply from the Slack stand-in reaching the customer's mailbox.

The bot runs for real (web, worker, clock) against real Dovecot, the aiosmtpd sink and the stand-ins.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FAST_POLICY = """
[calendar]
timezone = "Europe/Berlin"
holidays = { country = "DE", subdivision = "BY" }

[severity.S1]
name = "Critical Incident"
hours = "24/7"
target = "40s"

[severity.S2]
name = "Incident"
hours = "24/7"
target = "10m"

[severity.S3]
name = "Problem"
hours = "24/7"
target = "30m"

[severity.S4]
name = "Question"
hours = "24/7"
target = "60m"
"""


@pytest.fixture
def sandbox() -> Iterator[object]:
    from sandbox.demo import DovecotImap, start_sandbox

    if not DovecotImap.available():
        reason = "the sandbox test needs Dovecot (as root): apt-get install dovecot-imapd"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    directory = Path(tempfile.mkdtemp(prefix="supportbot-sandbox-test-"))
    policy = directory / "policy.toml"
    policy.write_text(FAST_POLICY)
    sb = start_sandbox(directory, policy_path=policy)
    assert sb.imap.kind == "Dovecot"
    yield sb
    sb.stop()
    shutil.rmtree(directory, ignore_errors=True)


def _until(fn, timeout: float = 60.0, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _subjects(sb) -> list[str]:  # type: ignore[no-untyped-def]
    with sb.smtp.lock:
        return [m.summary()["subject"] for m in sb.smtp.messages]


def test_sandbox_flow_from_a_mail_to_a_reply(page, sandbox):
    sb = sandbox
    # 1. Portal up: a mail is deflected to the website, no ticket.
    page.goto(f"{sb.console_url}/")
    assert page.inner_text("[data-testid=portal-state]") == "UP"
    page.click("[data-testid=drop-1-checkout-down]")
    _until(lambda: any("support website" in s for s in _subjects(sb)), what="the deflection auto-reply")
    page.goto(f"{sb.console_url}/")
    assert "deflected" in page.inner_text("[data-testid=inbound]")

    # 2. Portal down: the same mail opens a ticket that appears in the Slack stand-in.
    page.click("[data-testid=toggle-portal]")
    assert page.inner_text("[data-testid=portal-state]") == "DOWN"

    def gate_down() -> bool:
        page.goto(f"{sb.console_url}/")
        return page.locator("[data-testid=gate]").count() > 0 and page.inner_text("[data-testid=gate]") == "down"
    _until(gate_down, what="the bot's portal gate to read down")
    page.click("[data-testid=drop-1-checkout-down]")
    page.click("[data-testid=drop-3-leaked-secret]")
    _until(lambda: any(s.startswith("[SB-000001]") for s in _subjects(sb)), what="the acknowledgement")

    # 3. The mail with a secret is rejected: resubmission asked, nothing of it in Slack.
    _until(lambda: any("resend your request" in s.lower() for s in _subjects(sb)), what="the resubmission request")
    page.goto(f"{sb.console_url}/")
    assert "rejected_redaction" in page.inner_text("[data-testid=inbound]")

    page.goto(f"{sb.console_url}/slack")
    ticket = page.locator("[data-testid=ticket-message]")
    def ticket_shown() -> bool:
        page.reload()
        return ticket.count() == 1
    _until(ticket_shown, what="the ticket message in Slack")
    text = ticket.first.inner_text()
    assert "SB-000001" in text and "Checkout fails" in text
    assert "AKIAZ7DEMO4SANDBOX2Q" not in page.content()

    # 4. A nag lands in the ticket's thread (S1 target is 40 s in this test's policy).
    def nagged() -> bool:
        page.goto(f"{sb.console_url}/slack")
        return page.locator("[data-testid=thread] .reply").count() >= 1 and any(
            re.search(r"SB-000001.*(no initial response yet|target missed)", t) for t in
            page.locator("[data-testid=thread] .reply").all_inner_texts())
    _until(nagged, timeout=90, what="a nag in the thread")

    # 5. Reply to the customer from Slack: button -> modal -> preview -> send (signed requests).
    page.click("[data-testid=ticket-message] button:has-text('Reply to customer')")
    modal = page.locator("[data-testid=modal]")
    modal.wait_for(timeout=30000)
    modal.locator("textarea").first.fill("We are on it: the payment provider's certificate expired; "
                                         "a fix is being deployed.")
    modal.locator("button[value=submit]").click()
    # The preview (the bot answered response_action=update) shows what will be sent; the compose
    # modal's typed text is a textarea value, not text content, so this waits for the preview.
    expect(modal).to_contain_text("payment provider", timeout=30000)
    modal.locator("button[value=submit]").click()
    page.wait_for_selector("[data-testid=modal]", state="detached", timeout=30000)

    def replied() -> list[dict[str, str]]:
        with sb.smtp.lock:
            return [m.summary() for m in sb.smtp.messages if "payment provider" in m.summary()["text"]]
    reply = _until(replied, what="the reply in the customer's mailbox")[0]
    assert "SB-000001" in reply["subject"] and reply["in_reply_to"]
    assert reply["auto"] in ("", "no")  # a human reply (RFC 3834), not an automated one
    page.goto(f"{sb.console_url}/mail")
    assert "payment provider" in page.inner_text("body")

    # 6. A request from Slack: the suggested severity follows the answers (block actions from the
    #    modal's radio buttons, views.update by the bot), as the support terms define S1-S4.
    page.goto(f"{sb.console_url}/slack")
    page.click("button:has-text('/support (new request)')")
    modal = page.locator("[data-testid=modal]")
    modal.wait_for(timeout=30000)
    assert "Suggested from your answers: S4" in modal.inner_text()

    def answer(block: str, value: str, expected: str) -> None:
        page.locator(f"[data-dispatch^='{block}::'] input[value={value}]").check()
        expect(page.locator("[data-testid=modal]")).to_contain_text(f"Suggested from your answers: {expected}",
                                                                   timeout=30000)

    answer("production", "yes", "S3")  # production, workaround not answered yet: S3
    answer("business_stopped", "yes", "S3")
    answer("workaround", "no", "S1")  # production + business stopped + no workaround: S1
    severity = page.locator("[data-testid=modal] select[name^='severity:']")
    assert severity.input_value() == "S1"
    assert page.locator("[data-dispatch^='production::'] input[value=yes]").is_checked()  # answers kept
    answer("business_stopped", "no", "S2")
    assert page.locator("[data-testid=modal] select[name^='severity:']").input_value() == "S2"
