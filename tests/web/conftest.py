"""Fixtures of the web tests: settings, a movable clock, the app on the real database, accounts."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from intake.domain.policy import Policy
from intake.settings import Settings, load_settings
from intake.store.models import User
from intake.web import auth
from intake.web.app import create_app

PASSWORDS = {"clara": "clara-compliance-pw", "otto": "otto-operator-pw!"}
START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)  # a Tuesday


class Clock:
    """Time for the app; tests move it instead of sleeping."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def web_settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return load_settings(data_dir=tmp_path, secret_key="test-secret-key-0123456789abcdef",
                         web_session_max_age=8 * 3600, web_session_idle=3600)


@pytest.fixture(scope="session")
def _password_hashes() -> dict[str, str]:
    # argon2 is slow by design; hash once per test session (add_user itself is tested on its own).
    return {name: auth._hasher.hash(pw) for name, pw in PASSWORDS.items()}


@pytest.fixture
def accounts(factory: sessionmaker[Session], clock: Clock, _password_hashes: dict[str, str]) -> dict[str, str]:
    with factory.begin() as s:
        for name, role in (("clara", "compliance"), ("otto", "operator")):
            s.add(User(username=name, role=role, active=True, created_at=clock.now,
                       password_hash=_password_hashes[name]))
    return PASSWORDS


@pytest.fixture
def app(web_settings: Settings, factory: sessionmaker[Session], clock: Clock, accounts: dict[str, str]):  # type: ignore[no-untyped-def]
    ok = {"ok": True, "detail": "stub", "ms": 0.0}
    return create_app(web_settings, factory=factory, clock=clock, policy=Policy.default(),
                      health_checks={"db": lambda: ok})


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        yield c


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "page has no CSRF token"
    return m.group(1)


def sign_in(client: TestClient, username: str, password: str | None = None, *, next_: str = "") -> TestClient:
    page = client.get("/signin")
    assert page.status_code == 200, page.text
    resp = client.post("/signin", data={"username": username, "password": password or PASSWORDS[username],
                                        "next": next_, "csrf_token": csrf_of(page.text)})
    assert resp.status_code == 303, resp.text
    return client


@dataclass
class Canary:
    """Raw values placed in rejected texts: they must never appear in any page or export."""

    values: tuple[str, ...] = ("AKIAQ7CANARY4EXAMPLE", "hunter2-CanaryPassw0rd!", "erika.canary@example.org",
                               "DE89370400440532013000")


HMAC_KEY = b"test-hmac-key-0123456789abcdef"


def rejected_text(canary: Canary) -> tuple[str, list[dict[str, object]]]:
    """A text holding the canary values and the findings (offsets) that point at them."""
    parts = ["Hello, our deploy fails. Key ", canary.values[0], " and password ", canary.values[1],
             " for user ", canary.values[2], ", refund to ", canary.values[3], "."]
    text, findings, pos = "", [], 0
    kinds = {1: ("AWS_ACCESS_KEY", "aws_access_key", 0.95), 3: ("PASSWORD", "secret_assignment", 0.8),
             5: ("EMAIL_ADDRESS", "email_address", 0.9), 7: ("IBAN_CODE", "iban", 1.0)}
    for i, part in enumerate(parts):
        if i in kinds:
            t, rec, score = kinds[i]
            findings.append({"type": t, "start": pos, "end": pos + len(part), "recognizer": rec, "score": score})
        text += part
        pos += len(part)
    return text, findings


@pytest.fixture
def canary() -> Canary:
    return Canary()


@pytest.fixture
def entries(factory: sessionmaker[Session], clock: Clock, canary: Canary) -> list[int]:
    """Five rejected messages over two weeks, two organizations, two channels, some types only."""
    from intake.store.redaction_log import append

    text, findings = rejected_text(canary)
    plan = [  # (days before now, channel, org, which findings)
        (10, "email", "Acme GmbH", [0, 1]),
        (8, "email", "Globex AG", [2]),
        (3, "slack", "Acme GmbH", [3]),
        (2, "email", "Acme GmbH", [0, 1, 2, 3]),
        (1, "slack", "Globex AG", [1]),
    ]
    ids = []
    with factory.begin() as s:
        for days, channel, org, which in plan:
            e = append(s, key=HMAC_KEY, now=clock.now - dt.timedelta(days=days), channel=channel,
                       message_ref=f"<msg-{days}@customer.example>", sender_org=org, text=text,
                       findings=[findings[i] for i in which])
            ids.append(e.id)
    return ids


@contextlib.contextmanager
def served(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app served by a real uvicorn on a free loopback port; yields its base URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    # proxy_headers=False as in production (run_forever): the app decides whom to believe.
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                                           proxy_headers=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
