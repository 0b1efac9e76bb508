"""pytest plugin: the SMTP peer (:class:`sandbox.smtp.SmtpSink`, the sandbox's own mailbox server).

One server per test session; ``smtp_sink`` empties it and makes it answer 250 again for each test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.smtp import ReceivedMail, SmtpSink

__all__ = ["ReceivedMail", "SmtpSink", "smtp_server", "smtp_sink"]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_sink(smtp_server: SmtpSink) -> Iterator[SmtpSink]:
    """The session's SMTP server, emptied and answering 250 again."""
    smtp_server.reset()
    yield smtp_server
    smtp_server.reset()
