"""Sessions end for good at sign-out (per-user epoch); CSRF tokens are bound to the session; cookies are
``__Host-`` and ``Secure`` by default. Over real HTTP against the served app."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from intake.domain.policy import Policy
from intake.web.app import create_app
from tests.web.conftest import PASSWORDS, csrf_of, served, sign_in


@pytest.fixture
def url(web_settings, factory, clock, accounts) -> Iterator[str]:  # type: ignore[no-untyped-def]
    # Plain HTTP on loopback: the documented development opt-out (cookie attributes are tested below).
    settings = web_settings.model_copy(update={"web_cookie_secure": False})
    with served(create_app(settings, factory=factory, clock=clock, policy=Policy.default(), health_checks={})) as u:
        yield u


def test_sign_out_revokes_every_copy_of_the_session_cookie(url: str) -> None:
    with httpx.Client(base_url=url) as browser, httpx.Client(base_url=url) as thief:
        sign_in(browser, "otto")  # type: ignore[arg-type]
        stolen = browser.cookies["sb_session"]
        thief.cookies.set("sb_session", stolen)
        assert thief.get("/operator").status_code == 200
        page = browser.get("/operator")
        assert browser.post("/signout", data={"csrf_token": csrf_of(page.text)}).status_code == 303
        resp = thief.get("/operator")
        assert resp.status_code == 303 and resp.headers["location"].startswith("/signin")
        # Signing in again starts a new epoch: the new session works, the old copy still does not.
        sign_in(browser, "otto")  # type: ignore[arg-type]
        assert browser.get("/operator").status_code == 200
        thief.cookies.set("sb_session", stolen)
        assert thief.get("/operator").status_code == 303


def test_a_planted_csrf_cookie_and_its_token_do_not_work_in_someone_elses_session(url: str, entries) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=url) as attacker, httpx.Client(base_url=url) as victim:
        token = csrf_of(attacker.get("/signin").text)
        planted = attacker.cookies["sb_csrf"]
        sign_in(victim, "clara")  # type: ignore[arg-type]
        # Cookie tossing (a sibling subdomain, a plain-HTTP page): the victim's browser now holds the
        # attacker's CSRF cookie, and the attacker knows the matching token.
        victim.cookies.set("sb_csrf", planted)
        resp = victim.post(f"/compliance/redactions/{entries[0]}/verdict",
                           data={"csrf_token": token, "verdict": "false_positive"})
        assert resp.status_code == 403
        own = csrf_of(victim.get(f"/compliance/redactions/{entries[0]}").text)
        assert own != token
        assert victim.post(f"/compliance/redactions/{entries[0]}/verdict",
                           data={"csrf_token": own, "verdict": "confirmed"}).status_code == 303


def test_the_token_changes_at_sign_in_and_the_old_one_is_refused(url: str) -> None:
    with httpx.Client(base_url=url) as browser:
        before = csrf_of(browser.get("/signin").text)
        browser.post("/signin", data={"username": "otto", "password": PASSWORDS["otto"], "csrf_token": before})
        after = csrf_of(browser.get("/operator").text)
        assert after != before
        assert browser.post("/signout", data={"csrf_token": before}).status_code == 403
        assert browser.get("/operator").status_code == 200


def _set_cookies(resp: httpx.Response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in resp.headers.get_list("set-cookie")}


def test_cookies_are_host_prefixed_and_secure_by_default(web_settings, factory, clock, accounts) -> None:  # type: ignore[no-untyped-def]
    app = create_app(web_settings, factory=factory, clock=clock, policy=Policy.default(), health_checks={})
    assert web_settings.web_cookie_secure is True  # the default
    with served(app) as base, httpx.Client(base_url=base) as http:
        page = http.get("/signin")
        cookies = _set_cookies(page)
        assert set(cookies) == {"__Host-sb_csrf"}
        visitor = cookies["__Host-sb_csrf"].split(";", 1)[0].split("=", 1)[1]
        resp = http.post("/signin", data={"username": "clara", "password": PASSWORDS["clara"],
                                          "csrf_token": csrf_of(page.text)},
                         headers={"Cookie": f"__Host-sb_csrf={visitor}"})
        assert resp.status_code == 303
        cookies = _set_cookies(resp)
        assert set(cookies) == {"__Host-sb_csrf", "__Host-sb_session"}
        for header in cookies.values():
            attrs = [a.strip().lower() for a in header.split(";")[1:]]
            assert "secure" in attrs and "httponly" in attrs and "path=/" in attrs
            assert not any(a.startswith("domain") for a in attrs)


def test_the_plain_http_opt_out_drops_the_prefix_and_secure(url: str) -> None:
    with httpx.Client(base_url=url) as http:
        cookies = _set_cookies(http.get("/signin"))
    assert set(cookies) == {"sb_csrf"} and "secure" not in cookies["sb_csrf"].lower()
