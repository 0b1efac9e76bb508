"""Shared fixtures of the email-flow tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from intake.worker import build_worker
from tests.mail.flow_helpers import make_settings


@pytest.fixture
def outage_worker(db_url, factory, dovecot, smtp_sink, statuspage) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """The real worker (Dovecot, aiosmtpd, the Statuspage stand-in) while the website is down."""
    statuspage.set_scenario("major-outage-critical")
    settings = make_settings(db_url=db_url, imap=dovecot, smtp=smtp_sink, statuspage=statuspage)
    built = build_worker(settings, factory=factory)
    yield built
    built.poller.close()
    for close in built.closers:
        close()
