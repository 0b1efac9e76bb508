"""Sign-in, sessions (expiry with an injected clock), CSRF, roles, the SSO proxy mode, the users CLI."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from intake.store.models import AuditEntry, User
from intake.web import auth
from intake.web.app import create_app
from tests.web.conftest import PASSWORDS, csrf_of, sign_in


def test_anonymous_visitor_is_sent_to_sign_in_with_the_page_to_return_to(client):
    resp = client.get("/compliance/redactions?channel=email")
    assert resp.status_code == 303
    assert resp.headers["location"] == "/signin?next=%2Fcompliance%2Fredactions%3Fchannel%3Demail"


def test_compliance_officer_signs_in_and_returns_to_the_requested_page(client, factory):
    sign_in(client, "clara", next_="/compliance/audit")
    page = client.get("/compliance/audit")
    assert page.status_code == 200
    assert "clara (compliance)" in page.text
    with factory() as s:
        assert s.scalar(select(User.last_login_at).where(User.username == "clara")) is not None


def test_sign_in_then_redirects_to_the_next_page_but_never_off_site(client):
    page = client.get("/signin")
    resp = client.post("/signin", data={"username": "clara", "password": PASSWORDS["clara"],
                                        "next": "//evil.example/x", "csrf_token": csrf_of(page.text)})
    assert resp.status_code == 303
    assert resp.headers["location"] == "/compliance/redactions"


def test_wrong_password_is_refused_and_recorded_in_the_audit_trail(client, factory):
    page = client.get("/signin")
    resp = client.post("/signin", data={"username": "clara", "password": "not-the-password",
                                        "csrf_token": csrf_of(page.text)})
    assert resp.status_code == 401
    assert "wrong password" in resp.text
    assert client.get("/compliance/redactions").status_code == 303
    with factory() as s:
        actions = s.scalars(select(AuditEntry.action)).all()
    assert "signin_failed" in actions and "signin" not in actions


def test_sign_in_is_throttled_after_five_failures_even_with_the_right_password(client):
    for _ in range(5):
        page = client.get("/signin")
        client.post("/signin", data={"username": "otto", "password": "wrong-wrong-wrong",
                                     "csrf_token": csrf_of(page.text)})
    page = client.get("/signin")
    resp = client.post("/signin", data={"username": "otto", "password": PASSWORDS["otto"],
                                        "csrf_token": csrf_of(page.text)})
    assert resp.status_code == 429


def test_sign_in_form_without_the_csrf_token_is_refused(client):
    client.get("/signin")
    resp = client.post("/signin", data={"username": "clara", "password": PASSWORDS["clara"]})
    assert resp.status_code == 403
    assert client.get("/operator").status_code == 303


def test_session_expires_after_an_hour_idle(client, clock):
    sign_in(client, "otto")
    clock.advance(minutes=59)
    assert client.get("/operator").status_code == 200  # activity slides the idle window
    clock.advance(minutes=59)
    assert client.get("/operator").status_code == 200
    clock.advance(minutes=61)
    resp = client.get("/operator")
    assert resp.status_code == 303 and resp.headers["location"].startswith("/signin")


def test_session_expires_after_eight_hours_however_active(client, clock):
    sign_in(client, "otto")
    for _ in range(15):  # 7.5 hours of activity every 30 minutes
        clock.advance(minutes=30)
        assert client.get("/operator").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/operator").status_code == 303


def test_a_forged_or_foreign_session_cookie_is_ignored(client, web_settings, clock):
    other = auth.SessionCodec(b"another-key-0123456789abcdef", max_age=3600, idle=3600)
    name = auth.CookieNames.for_settings(web_settings).session
    client.cookies.set(name, other.issue("clara", now=clock.now, epoch=0))
    assert client.get("/compliance/redactions").status_code == 303
    client.cookies.set(name, "eyJ1IjoiY2xhcmEifQ.forged")
    assert client.get("/compliance/redactions").status_code == 303


def test_disabling_a_user_ends_their_session_at_the_next_request(client, factory):
    sign_in(client, "otto")
    assert client.get("/operator").status_code == 200
    with factory.begin() as s:
        auth.set_active(s, username="otto", active=False)
    assert client.get("/operator").status_code == 303


def test_sign_out_needs_the_csrf_token_and_ends_the_session(client):
    sign_in(client, "otto")
    page = client.get("/operator")
    assert client.post("/signout", data={}).status_code == 403
    assert client.get("/operator").status_code == 200
    resp = client.post("/signout", data={"csrf_token": csrf_of(page.text)})
    assert resp.status_code == 303
    assert client.get("/operator").status_code == 303


def test_passwords_are_stored_as_argon2_hashes(factory, accounts):
    with factory() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "clara"))
    assert stored.startswith("$argon2id$") and PASSWORDS["clara"] not in stored


def test_short_passwords_and_unknown_roles_are_refused(factory, clock):
    import pytest

    with factory() as s:
        with pytest.raises(auth.AuthError, match="at least 12"):
            auth.add_user(s, username="x", role="operator", password="short", now=clock.now)
        with pytest.raises(auth.AuthError, match="unknown role"):
            auth.add_user(s, username="x", role="admin", password="long-enough-password", now=clock.now)


def _proxy_app(web_settings, factory, clock, *, trusted):
    settings = web_settings.model_copy(update={
        "web_proxy_user_header": "X-Forwarded-User", "web_trusted_proxies": trusted,
        "web_proxy_secret": __import__("pydantic").SecretStr("proxy-shared-secret")})
    from intake.domain.policy import Policy

    return create_app(settings, factory=factory, clock=clock, policy=Policy.default(), health_checks={})


def test_trusted_proxy_header_signs_in_a_known_user_only_from_the_proxy_with_its_secret(
        web_settings, factory, clock, accounts):
    good = {"X-Forwarded-User": "clara", auth.PROXY_SECRET_HEADER: "proxy-shared-secret"}
    # TestClient connects from the host "testclient".
    with TestClient(_proxy_app(web_settings, factory, clock, trusted=["testclient"]), follow_redirects=False) as c:
        assert c.get("/compliance/redactions", headers=good).status_code == 200
        assert c.get("/compliance/redactions", headers={**good, auth.PROXY_SECRET_HEADER: "guess"}).status_code == 303
        assert c.get("/compliance/redactions", headers={**good, "X-Forwarded-User": "mallory"}).status_code == 303
        # The role is ours, not the proxy's: an operator asserted by the proxy is still an operator.
        assert c.get("/compliance/redactions", headers={**good, "X-Forwarded-User": "otto"}).status_code == 403
    with TestClient(_proxy_app(web_settings, factory, clock, trusted=["10.0.0.5"]), follow_redirects=False) as c:
        assert c.get("/compliance/redactions", headers=good).status_code == 303


def test_users_cli_adds_lists_and_disables_accounts(db_url, engine, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from intake.cli import main
    from intake.settings import get_settings

    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        added = runner.invoke(main, ["users", "add", "rita", "--role", "compliance", "--password-stdin"],
                              input="a-long-enough-password\n")
        assert added.exit_code == 0, added.output
        again = runner.invoke(main, ["users", "add", "rita", "--role", "operator", "--password-stdin"],
                              input="a-long-enough-password\n")
        assert again.exit_code == 1 and "exists" in again.output
        bad = runner.invoke(main, ["users", "add", "sam", "--role", "root", "--password-stdin"], input="x" * 20)
        assert bad.exit_code == 2
        assert runner.invoke(main, ["users", "disable", "rita"]).exit_code == 0
        listed = runner.invoke(main, ["users", "list"])
        assert "rita\tcompliance\tdisabled" in listed.output
        assert runner.invoke(main, ["users", "disable", "nobody"]).exit_code == 1
    finally:
        get_settings.cache_clear()


def test_add_user_hashes_the_password_and_authenticate_checks_it(factory, clock):
    with factory.begin() as s:
        auth.add_user(s, username="nina", role="operator", password="nina-password-123", now=clock.now)
    with factory.begin() as s:
        assert auth.authenticate(s, username="nina", password="nina-password-124", now=clock.now) is None
        user = auth.authenticate(s, username="nina", password="nina-password-123", now=clock.now)
        assert user is not None and user.role == "operator" and user.last_login_at == clock.now
