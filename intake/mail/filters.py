"""Which inbound mails the intake must not act on, and to which it may answer automatically.

Pure functions over a :class:`~intake.mail.parse.ParsedMail`. The rules are data
(:data:`RULES`, one line each with the standard it implements) and the tests are a table of
header sets -> verdicts (``tests/mail/test_filters.py``).

Verdicts:

* ``accept`` - a person wrote to us; go on to the portal gate, identity, redaction.
* ``drop`` - automated or our own mail (auto-replies, bulk and list mail, bounces, loops). Nothing
  is answered, nothing is kept but the outcome row and its reason.
* ``quarantine`` - we can't act on it safely (no sender address, abuse feedback report); it is
  kept for a human with the reason.

Why drop rather than answer: every auto-reply to an automated message risks a mail loop
(RFC 3834 §2, §5); every reply to a bounce goes nowhere. A person who is caught by a rule by
mistake still reaches us through the website, and the drop is logged with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from intake.mail.parse import ParsedMail

__all__ = [
    "LOOP_HEADER",
    "RULES",
    "FilterVerdict",
    "auto_reply_address",
    "classify_inbound",
    "may_auto_reply",
]

# Every mail the bot sends carries this header (intake.mail.smtp); seeing it inbound means one of
# our own mails came back to us (a forwarding rule, a list, an autoresponder quoting headers).
LOOP_HEADER = "X-Supportbot-Loop"

# Local parts that only machines send from. "noreply" senders can't read an answer anyway.
_ROBOT_LOCAL = re.compile(
    r"^(mailer[-_.]?daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|noreply[-_.].*|"
    r"bounces?([-+_.].*)?|.*[-_.+]no[-_.]?reply)$",
    re.IGNORECASE,
)
_PRECEDENCE_AUTOMATED = frozenset({"bulk", "list", "junk", "auto_reply"})
_SUPPRESS_VALUES = frozenset({"all", "oof", "autoreply"})


@dataclass(frozen=True)
class FilterVerdict:
    """The outcome of :func:`classify_inbound`: ``action`` and a stable ``code`` for metrics and
    the outcome row, plus a ``reason`` in words for the operator."""

    action: str  # "accept" | "drop" | "quarantine"
    code: str
    reason: str

    @property
    def accepted(self) -> bool:
        return self.action == "accept"


ACCEPT = FilterVerdict("accept", "accepted", "written by a person (no automation markers)")


@dataclass(frozen=True)
class _Context:
    mail: ParsedMail
    our_addresses: frozenset[str]
    our_message_id_domain: str | None


def _token(value: str | None) -> str:
    """The first token of a structured header value, lower-cased, comments and params removed:
    ``Auto-Submitted: auto-replied (vacation); x=1`` -> ``auto-replied``."""
    if not value:
        return ""
    value = re.sub(r"\([^()]*\)", " ", value)
    return value.split(";", 1)[0].strip().lower()


def _local_part(addr: str | None) -> str:
    return (addr or "").rpartition("@")[0] if addr and "@" in addr else (addr or "")


def _own_mail(c: _Context) -> str | None:
    m = c.mail
    if m.header(LOOP_HEADER) is not None:
        return f"carries our loop header {LOOP_HEADER}"
    if m.from_addr and m.from_addr in c.our_addresses:
        return f"From is our own address {m.from_addr}"
    if c.our_message_id_domain and m.message_id:
        domain = c.our_message_id_domain.lower().lstrip("@")
        if m.message_id.lower().rstrip(">").endswith("@" + domain):
            return f"Message-ID is under our domain {domain}"
    x_loop = (m.header("x-loop") or "").lower()
    if x_loop and any(a in x_loop for a in c.our_addresses):
        return "X-Loop names our own address"
    return None


def _dsn(c: _Context) -> str | None:
    m = c.mail
    if m.content_type == "multipart/report" and m.report_type in ("delivery-status", "disposition-notification"):
        return f"delivery/disposition report (multipart/report; report-type={m.report_type}, RFC 3464/8098)"
    if m.header("x-failed-recipients") is not None:
        return "bounce (X-Failed-Recipients)"
    return None


def _null_return_path(c: _Context) -> str | None:
    rp = c.mail.header("return-path")
    if rp is not None and rp.replace(" ", "") in ("<>", ""):
        return "empty Return-Path <>: a notification, never to be answered (RFC 5321 §4.5.5)"
    return None


def _robot_sender(c: _Context) -> str | None:
    local = _local_part(c.mail.from_addr)
    if local and _ROBOT_LOCAL.match(local):
        return f"sender {c.mail.from_addr} is a machine address"
    return None


def _auto_submitted(c: _Context) -> str | None:
    value = c.mail.header("auto-submitted")
    if value is None:
        return None
    token = _token(value)
    if token == "no":
        return None
    return f"Auto-Submitted: {token or '(empty)'} (RFC 3834 §5)"


def _x_autoreply(c: _Context) -> str | None:
    for name in ("x-autoreply", "x-autorespond"):
        if c.mail.header(name) is not None:
            return f"{name} header present (vacation/autoresponder software)"
    return None


def _auto_response_suppress(c: _Context) -> str | None:
    # Exchange/Outlook stamp this on messages they generate automatically (OOF, recalls, DSNs):
    # "don't auto-answer this". Interactive mail from a person does not carry it.
    value = c.mail.header("x-auto-response-suppress")
    if value is None:
        return None
    flags = {v.strip().lower() for v in value.split(",")}
    hit = flags & _SUPPRESS_VALUES
    if hit:
        return f"X-Auto-Response-Suppress: {', '.join(sorted(hit))} (Exchange automatic message)"
    return None


def _precedence(c: _Context) -> str | None:
    token = _token(c.mail.header("precedence"))
    if token in _PRECEDENCE_AUTOMATED:
        return f"Precedence: {token} (RFC 3834 §3.1.8, RFC 2076)"
    return None


def _mailing_list(c: _Context) -> str | None:
    for name in ("list-id", "list-unsubscribe", "list-post", "mailing-list"):
        if c.mail.header(name) is not None:
            return f"mailing-list mail ({name}, RFC 2369/2919)"
    return None


def _x_loop(c: _Context) -> str | None:
    if c.mail.header("x-loop") is not None:
        return "X-Loop header present (already through a list or autoresponder)"
    return None


def _feedback_report(c: _Context) -> str | None:
    if c.mail.content_type == "multipart/report" and c.mail.report_type == "feedback-report":
        return "abuse feedback report (RFC 5965): someone reported our mail; a person must look"
    return None


def _no_sender(c: _Context) -> str | None:
    if not c.mail.from_addr or "@" not in c.mail.from_addr:
        return "no usable From address"
    return None


# (action, code, check) in order; the first check that returns a reason decides.
RULES: tuple[tuple[str, str, Callable[[_Context], str | None]], ...] = (
    ("drop", "own_mail", _own_mail),
    ("quarantine", "feedback_report", _feedback_report),
    ("drop", "bounce", _dsn),
    ("drop", "null_return_path", _null_return_path),
    ("drop", "robot_sender", _robot_sender),
    ("drop", "auto_submitted", _auto_submitted),
    ("drop", "autoreply_header", _x_autoreply),
    ("drop", "auto_response_suppress", _auto_response_suppress),
    ("drop", "precedence", _precedence),
    ("drop", "mailing_list", _mailing_list),
    ("drop", "x_loop", _x_loop),
    ("quarantine", "no_sender", _no_sender),
)


def _normalise_addresses(addresses: Iterable[str]) -> frozenset[str]:
    return frozenset(a.strip().lower() for a in addresses if a and a.strip())


def classify_inbound(
    parsed: ParsedMail,
    *,
    our_addresses: Iterable[str],
    our_message_id_domain: str | None,
) -> FilterVerdict:
    """Decide whether an inbound mail is for a person to handle (``accept``), automated or our
    own (``drop``), or unusable without a human (``quarantine``). First matching rule wins."""
    ctx = _Context(parsed, _normalise_addresses(our_addresses), our_message_id_domain)
    for action, code, check in RULES:
        reason = check(ctx)
        if reason:
            return FilterVerdict(action, code, reason)
    return ACCEPT


def envelope_sender(parsed: ParsedMail) -> str | None:
    """The envelope sender, from the topmost ``Return-Path`` (written by the final delivering MTA);
    None for the null sender ``<>`` (bounces) or none at all."""
    raw = (parsed.header("return-path") or "").strip()
    addr = raw[1:-1].strip() if raw.startswith("<") and raw.endswith(">") else raw
    return addr.lower() or None if "@" in addr else None


def auto_reply_address(parsed: ParsedMail, *, trusted: bool = False) -> str | None:
    """Where an automatic answer may go. Backscatter: a forger chooses From, Reply-To and the display
    name, so an automatic answer goes only to the From address when our receiving server
    authenticated it (``trusted``: DMARC/DKIM aligned), else to the envelope sender (Return-Path,
    the address the mail system would bounce to). Never to Reply-To."""
    if trusted and parsed.from_addr:
        return parsed.from_addr
    return envelope_sender(parsed)


def may_auto_reply(
    parsed: ParsedMail,
    verdict: FilterVerdict,
    *,
    our_addresses: Iterable[str] = (),
    trusted: bool = False,
) -> bool:
    """Whether an automatic answer (acknowledgement, website pointer, registration hint) may be
    sent at all. Never to a filtered mail (RFC 3834 §2), never to ourselves, never to an address
    without ``@`` or a machine mailbox. The per-sender rate limit is the caller's job."""
    if verdict.action != "accept":
        return False
    target = auto_reply_address(parsed, trusted=trusted)
    if not target or "@" not in target:
        return False
    local, _, domain = target.rpartition("@")
    if not local or not domain or "." not in domain.strip("."):
        return False
    if any(ch in target for ch in "\r\n\t ,;<>\"") or len(target) > 254:
        return False
    ours = _normalise_addresses(our_addresses)
    if target in ours or (parsed.from_addr and parsed.from_addr in ours):
        return False
    if _ROBOT_LOCAL.match(local):
        return False
    return True
