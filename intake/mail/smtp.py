"""The SMTP transport of the outbox: one email payload -> one SMTP transaction.

Payload (written by ``intake.pipeline.apply`` and ``intake.services.send_reply``)::

    {"to": [addr], "from": addr, "subject": str, "text": str, "message_id": "<...>",
     "in_reply_to": "<...>" | None, "references": ["<...>"], "headers": {"Auto-Submitted": ...},
     "envelope_from": ""}            # optional; "" is the null reverse-path <>

Verdicts (house style rule 8): a 4xx reply, a dropped connection, a timeout or a refused
connection is **transient** (the dispatcher retries with backoff); a 5xx reply, a bad payload, a
server that can't do the STARTTLS or AUTH we are configured for is **permanent** (parked for an
operator with the reason). Every connection has an explicit timeout and is closed with QUIT.

Every mail carries ``X-Supportbot-Loop`` (our loop marker, see ``intake.mail.filters``) and the
payload's ``Message-ID``: the id is fixed when the item is enqueued, so a retried delivery is the
same message to the receiver, and customers' replies thread back to the ticket.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from intake.mail.filters import LOOP_HEADER
from intake.outbox import DeliveryError
from intake.timeutil import utcnow

__all__ = ["SmtpConfig", "SmtpTransport", "build_message"]

log = logging.getLogger(__name__)

# Headers a payload may set; everything else is ours (From/To/Subject/ids/Date).
_ALLOWED_EXTRA = frozenset({
    "auto-submitted", "x-auto-response-suppress", "precedence", "reply-to", "x-supportbot-kind",
    "x-supportbot-ticket", "x-supportbot-loop", "content-language",
})


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    starttls: bool = True
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    loop_marker: str = "supportbot"

    @classmethod
    def from_settings(cls, settings: Any) -> SmtpConfig:
        if not settings.smtp_host:
            raise ValueError("SUPPORTBOT_SMTP_HOST is not set: the email transport has no server")
        return cls(
            host=settings.smtp_host, port=settings.smtp_port, starttls=settings.smtp_starttls,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout=settings.smtp_timeout, loop_marker=settings.support_address,
        )


def _clean_header(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise DeliveryError(f"payload header {name} contains a line break", transient=False)
    return value


def _address(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DeliveryError(f"payload {what} is missing", transient=False)
    _clean_header(what, value)
    name, addr = parseaddr(value)
    if "@" not in addr or any(c in addr for c in " ,;<>\""):
        raise DeliveryError(f"payload {what} is not one email address", transient=False)
    return formataddr((name, addr)) if name else addr


def build_message(payload: Mapping[str, Any], *, loop_marker: str, now_header: str | None = None) -> EmailMessage:
    """The RFC 5322 message for an outbox payload; raises a permanent DeliveryError when malformed."""
    to = payload.get("to")
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not to:
        raise DeliveryError("payload has no recipient", transient=False)
    recipients = [_address(a, "to") for a in to]
    sender = _address(payload.get("from"), "from")
    message_id = payload.get("message_id")
    if not isinstance(message_id, str) or not (message_id.startswith("<") and message_id.endswith(">")):
        raise DeliveryError("payload has no Message-ID <...>", transient=False)
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = _clean_header("subject", str(payload.get("subject") or "(no subject)"))
    msg["Date"] = now_header or format_datetime(utcnow(), usegmt=True)
    msg["Message-ID"] = _clean_header("message_id", message_id)
    irt = payload.get("in_reply_to")
    if irt:
        msg["In-Reply-To"] = _clean_header("in_reply_to", str(irt))
    refs = [str(r) for r in payload.get("references") or [] if r]
    if irt and str(irt) not in refs:
        refs.append(str(irt))
    if refs:
        # RFC 5322 §3.6.4: References = the parent's References + the parent's Message-ID.
        msg["References"] = _clean_header("references", " ".join(dict.fromkeys(refs)))
    for name, value in (payload.get("headers") or {}).items():
        if name.lower() not in _ALLOWED_EXTRA:
            raise DeliveryError(f"payload header {name!r} is not allowed", transient=False)
        msg[name] = _clean_header(name, str(value))
    if msg[LOOP_HEADER] is None:
        msg[LOOP_HEADER] = loop_marker
    msg.set_content(str(payload.get("text") or ""), charset="utf-8")
    return msg




def _verdict(code: int, what: str, message: bytes | str | None) -> DeliveryError:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else (message or "")
    reason = f"SMTP {code} at {what}: {' '.join(text.split())[:300]}"
    # RFC 5321 §4.2.1: 4yz transient negative completion, 5yz permanent.
    return DeliveryError(reason, transient=400 <= code < 500)


class SmtpTransport:
    """Outbox transport for ``kind="email"`` (``intake.outbox.Transport``)."""

    def __init__(self, config: SmtpConfig, *,
                 connect: Callable[[SmtpConfig], smtplib.SMTP] | None = None,
                 before_data: Callable[[Any], None] | None = None) -> None:
        self.config = config
        self._connect = connect or _connect
        # Called with the item right before DATA: the point after which the receiver may have the
        # mail (intake.outbox.record_phase). A crash before it is safely sent again; after it, the
        # item is parked as "delivery unknown". If it raises, DATA is not sent.
        self._before_data = before_data

    def deliver(self, item: Any) -> dict[str, Any]:
        payload = item.payload if hasattr(item, "payload") else item
        msg = build_message(payload, loop_marker=self.config.loop_marker)
        envelope_from = payload.get("envelope_from")
        if envelope_from is None:
            envelope_from = parseaddr(str(msg["From"]))[1]
        rcpts = [parseaddr(a)[1] for a in str(msg["To"]).split(",")]
        try:
            client = self._connect(self.config)
        except (smtplib.SMTPConnectError, smtplib.SMTPHeloError) as exc:
            raise _verdict(exc.smtp_code, "connect", exc.smtp_error) from None
        except TimeoutError as exc:
            raise DeliveryError(f"SMTP connect timed out after {self.config.timeout:g}s", transient=True) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"SMTP server lacks a configured feature: {exc}", transient=False) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise _verdict(exc.smtp_code, "AUTH", exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP connect failed: {type(exc).__name__}: {exc}", transient=True) from None
        if self._before_data is not None and hasattr(item, "id"):
            send_data = client.data

            def data_after_note(content: Any) -> Any:
                assert self._before_data is not None
                self._before_data(item)
                return send_data(content)

            client.data = data_after_note  # type: ignore[method-assign]
        try:
            refused = client.send_message(msg, from_addr=envelope_from, to_addrs=rcpts)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            transient = any(400 <= c < 500 for c in codes)
            raise DeliveryError(f"SMTP refused every recipient ({', '.join(map(str, codes))})",
                                transient=transient) from None
        except smtplib.SMTPSenderRefused as exc:
            raise _verdict(exc.smtp_code, "MAIL FROM", exc.smtp_error) from None
        except smtplib.SMTPDataError as exc:
            raise _verdict(exc.smtp_code, "DATA", exc.smtp_error) from None
        except smtplib.SMTPResponseException as exc:
            raise _verdict(exc.smtp_code, "send", exc.smtp_error) from None
        except TimeoutError as exc:
            raise DeliveryError(f"SMTP timed out after {self.config.timeout:g}s", transient=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP send failed: {type(exc).__name__}", transient=True) from None
        finally:
            _quit(client)
        log.info("email %s sent to %d recipient(s)", msg["Message-ID"], len(rcpts) - len(refused))
        return {"message_id": str(msg["Message-ID"]),
                "refused": {k: v[0] for k, v in refused.items()} if refused else {}}


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    """Open a session: explicit timeout, STARTTLS and AUTH as configured (never AUTH in clear
    unless the operator turned STARTTLS off, e.g. a loopback relay)."""
    client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    try:
        client.ehlo()
        if config.starttls:
            if not client.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError("STARTTLS configured but not offered by the server")
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if config.user:
            client.login(config.user, config.password or "")
    except BaseException:
        _quit(client)
        raise
    return client


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()
