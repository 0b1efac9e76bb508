"""A real SMTP server (aiosmtpd ``Controller``) on loopback that records what it receives.

pytest plugin. One server per test session on 127.0.0.1 and a free port (aiosmtpd can't take
port 0: its readiness check connects to host:port); ``smtp_sink`` resets it for each test.
Controls::

    smtp_sink.reply = "451 4.3.0 try again later"     # answer DATA with this (None: 250 OK)
    smtp_sink.replies = ["451 ...", None]             # one per message, the last one repeats
    smtp_sink.on_message = callback(message)          # e.g. an autoresponder
    smtp_sink.messages                                # [ReceivedMail], parsed with policy.default
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage

    def header(self, name: str) -> str | None:
        value = self.message.get(name)
        return None if value is None else str(value)

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        return body.get_content() if body is not None else ""


class SmtpSink:
    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self._lock = threading.Lock()
        self.messages: list[ReceivedMail] = []
        self.replies: list[str | None] = [None]
        self.on_message: Callable[[ReceivedMail], None] | None = None
        self.attempts = 0

    @property
    def reply(self) -> str | None:
        return self.replies[0]

    @reply.setter
    def reply(self, value: str | None) -> None:
        self.replies = [value]

    def reset(self) -> None:
        with self._lock:
            self.messages = []
            self.replies = [None]
            self.on_message = None
            self.attempts = 0

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        with self._lock:
            return list(self.messages)

    # aiosmtpd handler hook
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.attempts += 1
            reply = self.replies[0]
            if len(self.replies) > 1:
                self.replies.pop(0)
        if reply is not None:
            return reply
        raw = bytes(envelope.original_content or envelope.content)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        received = ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), raw, msg)  # type: ignore[arg-type]
        with self._lock:
            self.messages.append(received)
            hook = self.on_message
        if hook is not None:
            hook(received)
        return "250 2.0.0 OK queued"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.port = port
    yield sink
    controller.stop()


@pytest.fixture
def smtp_sink(smtp_server: SmtpSink) -> Iterator[SmtpSink]:
    """The session's SMTP server, emptied and answering 250 again."""
    smtp_server.reset()
    yield smtp_server
    smtp_server.reset()
