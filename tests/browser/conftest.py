"""Headless Chromium (Debian ``chromium``) driven by Playwright against the web app served by uvicorn.

In CI (``CI=true``) a missing Chromium fails the run; elsewhere these tests skip with the reason.
``.ci/install_chromium.sh`` installs it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SUPPORTBOT_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        reason = f"Chromium not found at {CHROMIUM} (run .ci/install_chromium.sh)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, tmp_path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    pg = context.new_page()
    yield pg
    context.close()


@dataclass
class LiveServer:
    url: str
    factory: object
    settings: object


def serve(app, port: int) -> tuple[object, threading.Thread]:  # type: ignore[no-untyped-def]
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return server, thread


@pytest.fixture
def live_server() -> Iterator[LiveServer]:
    """The web app on a fresh SQLite database with two accounts and five redaction log entries."""
    from intake.domain.policy import Policy
    from intake.settings import load_settings
    from intake.store.db import make_engine, session_factory, upgrade
    from intake.web import auth
    from intake.web.app import create_app
    from tests.web.conftest import PASSWORDS, Canary, rejected_text

    directory = Path(tempfile.mkdtemp(prefix="supportbot-browser-"))
    url = f"sqlite:///{directory}/web.db"
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    settings = load_settings(data_dir=directory, secret_key="browser-test-secret-0123456789abcdef",
                             web_cookie_secure=False)  # plain HTTP on 127.0.0.1
    now = dt.datetime.now(dt.UTC)
    from intake.store.redaction_log import append

    text, findings = rejected_text(Canary())
    with factory.begin() as s:
        auth.add_user(s, username="clara", role="compliance", password=PASSWORDS["clara"], now=now)
        auth.add_user(s, username="otto", role="operator", password=PASSWORDS["otto"], now=now)
        for days, channel, org, which in [(6, "email", "Acme GmbH", [0, 1]), (4, "email", "Globex AG", [2]),
                                          (2, "slack", "Acme GmbH", [3]), (1, "email", "Acme GmbH", [0, 3])]:
            append(s, key=b"browser-hmac-key-0123456789", now=now - dt.timedelta(days=days), channel=channel,
                   message_ref=f"<b{days}@customer.example>", sender_org=org, text=text,
                   findings=[findings[i] for i in which])
    app = create_app(settings, factory=factory, policy=Policy.default(), health_checks={})
    port = free_port()
    server, thread = serve(app, port)
    yield LiveServer(f"http://127.0.0.1:{port}", factory, settings)
    server.should_exit = True  # type: ignore[attr-defined]
    thread.join(timeout=10)
    engine.dispose()
    shutil.rmtree(directory, ignore_errors=True)
