"""A real SMTP server (aiosmtpd ``Controller``) on loopback that records what it receives: the
sandbox's customer mailbox, and the tests' SMTP peer (``tests/peers/smtp.py`` holds their fixtures).

One server on 127.0.0.1 and a free port (aiosmtpd can't take port 0: its readiness check connects
to host:port). Controls::

    smtp_sink.reply = "451 4.3.0 try again later"     # answer DATA with this (None: 250 OK)
    smtp_sink.replies = ["451 ...", None]             # one per message, the last one repeats
    smtp_sink.on_message = callback(message)          # e.g. an autoresponder
    smtp_sink.messages                                # [ReceivedMail], parsed with policy.default
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

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
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def header(self, name: str) -> str | None:
        value = self.message.get(name)
        return None if value is None else str(value)

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        return body.get_content() if body is not None else ""

    def summary(self) -> dict[str, Any]:
        """What the sandbox's mailbox page shows of the mail."""
        m = self.message
        return {"at": self.at.strftime("%H:%M:%S"), "from": str(m.get("From", "")), "to": ", ".join(self.rcpt_tos),
                "subject": str(m.get("Subject", "")), "message_id": str(m.get("Message-ID", "")),
                "in_reply_to": str(m.get("In-Reply-To", "") or ""), "auto": str(m.get("Auto-Submitted", "") or ""),
                "text": self.text}


class SmtpSink:
    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.lock = threading.Lock()
        self._controller: Controller | None = None
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
        with self.lock:
            self.messages = []
            self.replies = [None]
            self.on_message = None
            self.attempts = 0

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        with self.lock:
            return list(self.messages)

    # aiosmtpd handler hook
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.attempts += 1
            reply = self.replies[0]
            if len(self.replies) > 1:
                self.replies.pop(0)
        if reply is not None:
            return reply
        raw = bytes(envelope.original_content or envelope.content)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        received = ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), raw, msg)  # type: ignore[arg-type]
        with self.lock:
            self.messages.append(received)
            hook = self.on_message
        if hook is not None:
            hook(received)
        return "250 2.0.0 OK queued"

    def start(self, port: int | None = None) -> SmtpSink:
        """Listen on 127.0.0.1 (``port``, or a free one) until :meth:`stop`."""
        self.port = port or _free_port()
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
