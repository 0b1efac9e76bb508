"""The sign-in throttle behind a reverse proxy, per account, under a spray of user names; and the audit
rows of anonymous failures (rate-limited, unknown names as a hash). Over HTTP against the served app."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from intake.domain.policy import Policy
from intake.store.models import AuditEntry
from intake.web.app import create_app
from intake.web.throttle import WINDOW, AuditBudget, SignInThrottle, client_address
from tests.web.conftest import PASSWORDS, csrf_of, served


def _app(web_settings, factory, clock, **update):  # type: ignore[no-untyped-def]
    settings = web_settings.model_copy(update={"web_cookie_secure": False, **update})
    return create_app(settings, factory=factory, clock=clock, policy=Policy.default(), health_checks={})


def _attempt(url: str, username: str, password: str, forwarded: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    with httpx.Client(base_url=url, headers=headers) as browser:
        page = browser.get("/signin")
        return browser.post("/signin", data={"username": username, "password": password,
                                             "csrf_token": csrf_of(page.text)})


@pytest.fixture
def behind_proxy(web_settings, factory, clock, accounts) -> Iterator[str]:  # type: ignore[no-untyped-def]
    # The test client connects from 127.0.0.1: that is the reverse proxy.
    with served(_app(web_settings, factory, clock, web_trusted_proxies=["127.0.0.1"])) as url:
        yield url


def test_behind_a_trusted_proxy_an_attacker_cannot_lock_out_someone_else(behind_proxy: str) -> None:
    for _ in range(5):
        assert _attempt(behind_proxy, "otto", "guess-guess-guess", "203.0.113.9").status_code == 401
    assert _attempt(behind_proxy, "otto", PASSWORDS["otto"], "203.0.113.9").status_code == 429
    # The real otto, through the same proxy from his own address, still gets in.
    assert _attempt(behind_proxy, "otto", PASSWORDS["otto"], "198.51.100.7").status_code == 303


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(web_settings, factory, clock, accounts) -> None:  # type: ignore[no-untyped-def]
    with served(_app(web_settings, factory, clock)) as url:
        for i in range(5):  # a new made-up address each time must not reset the count
            assert _attempt(url, "otto", "guess-guess-guess", f"192.0.2.{i}").status_code == 401
        resp = _attempt(url, "otto", PASSWORDS["otto"], "192.0.2.99")
        assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0


def test_guessing_one_account_from_many_addresses_backs_off(behind_proxy: str, clock) -> None:  # type: ignore[no-untyped-def]
    for i in range(10):
        assert _attempt(behind_proxy, "clara", "guess-guess-guess", f"203.0.113.{i}").status_code == 401
    resp = _attempt(behind_proxy, "clara", PASSWORDS["clara"], "198.51.100.50")
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "2"
    clock.advance(seconds=3)
    assert _attempt(behind_proxy, "clara", PASSWORDS["clara"], "198.51.100.50").status_code == 303


def test_client_address_takes_the_rightmost_untrusted_forwarded_address() -> None:
    trusted = ["10.0.0.0/8", "127.0.0.1"]
    assert client_address("10.0.0.5", {"x-forwarded-for": "1.2.3.4, 5.6.7.8, 10.0.0.9"}, trusted) == "5.6.7.8"
    assert client_address("10.0.0.5", {}, trusted) == "10.0.0.5"
    assert client_address("10.0.0.5", {"x-forwarded-for": "not-an-ip"}, trusted) == "10.0.0.5"
    assert client_address("8.8.8.8", {"x-forwarded-for": "1.2.3.4"}, trusted) == "8.8.8.8"
    assert client_address("8.8.8.8", {"x-forwarded-for": "1.2.3.4"}, []) == "8.8.8.8"


def test_ten_thousand_junk_names_do_not_reset_anyone_s_counter() -> None:
    throttle = SignInThrottle()
    now = 1_000_000.0
    for _ in range(5):
        throttle.failure("otto", "203.0.113.9", now)
    assert throttle.check("otto", "203.0.113.9", now).wait > 0
    for i in range(10_000):  # spread over 250 addresses, 40 names each (under the per-address limit)
        throttle.failure(f"junk{i}", f"198.18.{i // 40 // 256}.{i // 40 % 256}", now + 1)
    assert throttle.check("otto", "203.0.113.9", now + 2).wait > 0
    assert throttle.check("otto", "203.0.113.10", now + 2).wait == 0


def test_a_spray_from_one_address_is_stopped_and_full_tables_evict_old_entries_first() -> None:
    throttle = SignInThrottle(max_entries=100)
    now = 1_000_000.0
    for i in range(50):
        throttle.failure(f"name{i}", "203.0.113.9", now)
    verdict = throttle.check("anyone", "203.0.113.9", now)
    assert verdict.wait > 0 and verdict.reason == "client"
    for _ in range(5):
        throttle.failure("otto", "198.51.100.7", now + WINDOW + 1)  # the spray's entries have expired
    for i in range(60):
        throttle.failure(f"late{i}", f"192.0.2.{i}", now + WINDOW + 2)
    assert len(throttle.pairs.times) <= 100
    assert throttle.check("otto", "198.51.100.7", now + WINDOW + 3).wait > 0  # live entries kept


def test_anonymous_failures_store_unknown_names_as_a_hash_and_are_rate_limited(
        web_settings, factory, clock, accounts) -> None:  # type: ignore[no-untyped-def]
    app = _app(web_settings, factory, clock)
    app.state.web.audit_budget = AuditBudget(limit=3)
    typed = "Sommer2026!Passwort"  # a password typed into the user name field
    with served(app) as url:
        assert _attempt(url, typed, "x").status_code == 401
        assert _attempt(url, "otto", "wrong-wrong-wrong").status_code == 401
        for i in range(6):
            assert _attempt(url, f"nobody{i}", "x").status_code == 401
    with factory() as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.target).order_by(AuditEntry.id)).all()
    assert [a for a, _ in rows] == ["signin_failed"] * 3 + ["signin_failures_suppressed"]
    assert rows[0].target.startswith("unknown:") and "Sommer" not in str(rows)
    assert rows[1].target == "otto"  # an existing account is named
    assert rows[2].target.startswith("unknown:") and rows[2].target != rows[0].target
