"""Take the screenshots in docs/screenshots/ (headless Debian Chromium through Playwright).

    .venv/bin/python docs/screenshots.py [--out docs/screenshots]

Two parts: (1) the web pages on a fresh SQLite database seeded with twelve weeks of synthetic history
(tickets, replies, breaches, redaction log entries, portal gate readings), served by the real app;
(2) the sandbox (``supportbot demo``'s machinery) driven through one scenario: portal down, a mail,
a ticket in the Slack stand-in, the reply modal, the customer's mailbox.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "screenshot-password-1"


def seed(factory, now: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    from intake import services
    from intake.domain.policy import Policy
    from intake.domain.severity import Severity
    from intake.domain.ticket import Waiver
    from intake.store.models import PortalObservation
    from intake.store.redaction_log import append
    from intake.web import auth

    rnd = random.Random(7)
    policy = Policy.default()
    key = b"screenshot-hmac-key-0123456789"
    orgs = ["ACME Retail GmbH", "Globex AG", "Initech SE", "Umbrella KG"]
    with factory.begin() as s:
        auth.add_user(s, username="clara", role="compliance", password=PASSWORD, now=now)
        auth.add_user(s, username="otto", role="operator", password=PASSWORD, now=now)
        for week in range(12, 0, -1):
            for _ in range(rnd.randint(3, 7)):
                sev = rnd.choice([Severity.S1, Severity.S2, Severity.S2, Severity.S3, Severity.S3, Severity.S4])
                submitted = now - dt.timedelta(weeks=week, hours=rnd.randint(0, 150))
                t = services.open_ticket(s, policy=policy, now=submitted, channel="email",
                                         subject=f"{sev.name}: synthetic request", body="synthetic",
                                         requested_severity=sev, sender_email="ops@acme.example",
                                         organization=rnd.choice(orgs), project="shop")
                target = policy.rule(sev).target
                factor = rnd.choice([0.2, 0.4, 0.6, 0.8, 1.3])
                services.send_reply(s, t.id, text="Looking into it.", now=submitted + target * factor, actor="U0DANA")
                services.close(s, t.id, now=submitted + target * 4, actor="U0DANA")
            text = "key AKIAQ7SCREENSHOT123 pw hunter2-Secret! mail erika@example.org iban DE89370400440532013000"
            spans = [(t, text.index(v), text.index(v) + len(v), r) for t, v, r in (
                ("AWS_ACCESS_KEY", "AKIAQ7SCREENSHOT123", "aws_access_key"), ("PASSWORD", "hunter2-Secret!", "secret_assignment"),
                ("EMAIL_ADDRESS", "erika@example.org", "email_address"), ("IBAN_CODE", "DE89370400440532013000", "iban"))]
            for _ in range(rnd.randint(1, 5)):
                pick = rnd.sample(spans, rnd.randint(1, 3))
                append(s, key=key, now=now - dt.timedelta(weeks=week, hours=rnd.randint(0, 160)),
                       channel=rnd.choice(["email", "email", "slack"]), message_ref=f"<{rnd.getrandbits(40):x}@customer.example>",
                       sender_org=rnd.choice(orgs), text=text,
                       findings=[{"type": t, "start": a, "end": b, "recognizer": r, "score": round(rnd.uniform(0.6, 1), 2)}
                                 for t, a, b, r in pick])
        for minutes, sev in ((95, Severity.S1), (40, Severity.S1), (150, Severity.S2), (20, Severity.S2),
                             (300, Severity.S3), (30, Severity.S4)):
            services.open_ticket(s, policy=policy, now=now - dt.timedelta(minutes=minutes), channel="email",
                                 subject=f"Open {sev.name} request", body="synthetic", requested_severity=sev,
                                 sender_email="ops@globex.example", organization=rnd.choice(orgs), project="shop")
        t = services.open_ticket(s, policy=policy, now=now - dt.timedelta(hours=5), channel="email",
                                 subject="Portal login broken (status page incident)", body="synthetic",
                                 requested_severity=Severity.S2, sender_email="ops@globex.example",
                                 organization="Globex AG", project="shop")
        services.waive(s, t.id, waiver=Waiver.STATUS_PAGE, ref="inc-42", now=now - dt.timedelta(hours=4), actor="U0DANA")
        at = now - dt.timedelta(days=8)
        up = True
        while at < now:
            s.add(PortalObservation(at=at, state="up" if up else "down", effective="up" if up else "down",
                                    reason="status page: Support Portal is " + ("operational" if up else "major_outage"),
                                    source="statuspage"))
            at += dt.timedelta(hours=rnd.randint(20, 50) if up else rnd.randint(1, 5))
            up = not up


def web_pages(browser, out: Path) -> None:  # type: ignore[no-untyped-def]
    from intake.domain.policy import Policy
    from intake.settings import load_settings
    from intake.store.db import make_engine, session_factory, upgrade
    from intake.web.app import create_app
    from tests.browser.conftest import free_port, serve

    directory = Path(tempfile.mkdtemp(prefix="supportbot-shots-"))
    url = f"sqlite:///{directory}/web.db"
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    seed(factory, dt.datetime.now(dt.UTC))
    app = create_app(load_settings(data_dir=directory), factory=factory, policy=Policy.default(), health_checks={})
    port = free_port()
    server, thread = serve(app, port)
    base = f"http://127.0.0.1:{port}"
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(f"{base}/signin")
    page.screenshot(path=out / "signin.png")
    page.fill("input[name=username]", "clara")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/compliance/redactions")
    page.goto(f"{base}/compliance/chain")
    page.goto(f"{base}/compliance/redactions?organization=ACME+Retail+GmbH")
    page.screenshot(path=out / "redaction-log.png", full_page=False)
    page.locator("[data-testid=entries] tbody tr a").first.click()
    page.check("input[value=confirmed]")
    page.fill("textarea[name=note]", "a live AWS key: customer told to rotate it")
    page.click(".verdict-form button[type=submit]")
    page.screenshot(path=out / "redaction-entry.png", full_page=True)
    page.goto(f"{base}/compliance/audit")
    page.screenshot(path=out / "audit-trail.png")
    page.context.clear_cookies()
    page.goto(f"{base}/signin")
    page.fill("input[name=username]", "otto")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/operator")
    page.screenshot(path=out / "operator.png", full_page=True)
    resp = page.goto(f"{base}/compliance/redactions")
    assert resp is not None and resp.status == 403
    page.screenshot(path=out / "operator-denied.png")
    page.close()
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def sandbox(browser, out: Path) -> None:  # type: ignore[no-untyped-def]
    from sandbox.demo import start_sandbox

    sb = start_sandbox()
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{sb.console_url}/")
        page.click("[data-testid=toggle-portal]")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            page.goto(f"{sb.console_url}/")
            if page.locator("[data-testid=gate]").count() and page.inner_text("[data-testid=gate]") == "down":
                break
            time.sleep(0.5)
        page.click("[data-testid=drop-1-checkout-down]")
        page.click("[data-testid=drop-3-leaked-secret]")
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and len(sb.slack.roots()) < 1:
            time.sleep(0.5)
        time.sleep(2)
        page.goto(f"{sb.console_url}/")
        page.screenshot(path=out / "sandbox-console.png", full_page=True)
        page.goto(f"{sb.console_url}/slack")
        page.screenshot(path=out / "sandbox-slack.png")
        page.click("[data-testid=ticket-message] button:has-text('Reply to customer')")
        page.locator("[data-testid=modal]").wait_for()
        page.locator("[data-testid=modal] textarea").first.fill(
            "We are on it: the payment provider's certificate expired; a fix is being deployed.")
        page.screenshot(path=out / "sandbox-reply-modal.png")
        page.locator("[data-testid=modal] button[value=submit]").click()
        page.locator("[data-testid=modal]").wait_for()
        page.locator("[data-testid=modal] button[value=submit]").click()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("payment provider" in m.summary()["text"] for m in sb.smtp.messages):
            time.sleep(0.5)
        page.goto(f"{sb.console_url}/mail")
        page.screenshot(path=out / "sandbox-mailbox.png")
        page.close()
    finally:
        sb.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--skip-sandbox", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            web_pages(browser, args.out)
            if not args.skip_sandbox:
                sandbox(browser, args.out)
        finally:
            browser.close()
    for f in sorted(args.out.glob("*.png")):
        print(f.relative_to(ROOT), f.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
