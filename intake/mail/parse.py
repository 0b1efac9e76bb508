"""Raw mail bytes -> :class:`ParsedMail`, surviving what real mailboxes contain.

Bytes in, values out: no I/O, no settings, no clock other than the one passed in. The IMAP
poller and ``supportbot replay`` call :func:`parse_message`; the filters, sender identity,
redaction and field extraction read the :class:`ParsedMail` it returns.

Exception tree (the only exceptions :func:`parse_message` raises)::

    MailError                      base of everything raised by ``intake.mail``
     └── MailParseError            the mail cannot be turned into a ParsedMail; ``.reason`` is a
                                   stable code, ``.permanent`` says whether retrying can help
           reasons: empty, too_large, not_a_message, too_many_parts, too_deep (permanent),
                    too_slow (transient: a busy machine may have stolen the budget)

Why the stdlib ``compat32`` policy: it parses the structure about 5x faster than
``email.policy.default`` on the bad-mail corpus (``enclosed-endless.eml`` 0.12 s vs 1.1 s) and
never raises on bad headers. Headers are decoded here instead (RFC 2047 encoded words, raw 8-bit
header bytes), and every decoding step falls back instead of raising: an unknown charset
(``LookupError``) or undecodable bytes (``UnicodeError``) costs a defect note, never the mail.
"""

from __future__ import annotations

import binascii
import codecs
import hashlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesFeedParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

from intake.mail import html_text as _html_text
from intake.mail.structure import DEFAULT_MAX_NESTING, nesting_depth

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_NESTING",
    "DEFAULT_MAX_PARTS",
    "DEFAULT_MAX_TEXT_ATTACHMENT_BYTES",
    "DEFAULT_TIME_BUDGET",
    "FILTER_HEADERS",
    "Attachment",
    "MailError",
    "MailParseError",
    "ParsedMail",
    "decode_header_text",
    "parse_message",
]

DEFAULT_MAX_BYTES = 25 * 1024 * 1024  # the usual MTA message-size limit; bigger mails never arrive
DEFAULT_MAX_PARTS = 500  # a real support mail has a handful; mail bombs have thousands
DEFAULT_MAX_DEPTH = 12  # forwarded-of-forwarded chains rarely pass 4
DEFAULT_TIME_BUDGET = 5.0  # seconds of CPU-ish wall time per mail
# Text attachments are decoded for the redaction scan up to the mail's own size limit (the scan
# runs in windows: intake.mail.scan); a smaller limit leaves a "too large to scan" attachment,
# which the flow must never treat as clean.
DEFAULT_MAX_TEXT_ATTACHMENT_BYTES = DEFAULT_MAX_BYTES
_FEED_CHUNK = 64 * 1024

# Headers the filters (intake.mail.filters) look at, kept decoded on ParsedMail.filter_headers.
FILTER_HEADERS = (
    "auto-submitted",
    "precedence",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "list-id",
    "list-unsubscribe",
    "list-post",
    "mailing-list",
    "return-path",
    "x-loop",
    "x-supportbot-loop",
    "x-failed-recipients",
    "sender",
)

# Attachments whose text the redaction stage must scan (support terms: logs and configs are
# where customers paste other people's data and secrets).
_TEXT_EXTENSIONS = frozenset(
    {
        ".txt", ".log", ".json", ".yaml", ".yml", ".csv", ".tsv", ".env", ".xml", ".ini",
        ".conf", ".cfg", ".properties", ".toml", ".md", ".out", ".err", ".trace", ".sql",
        ".html", ".htm",
    }
)
_TEXT_APPLICATION_TYPES = frozenset(
    {
        "application/json", "application/xml", "application/x-yaml", "application/yaml",
        "application/csv", "application/x-ndjson", "application/toml", "application/sql",
        "application/x-sh", "application/javascript",
    }
)
# Codecs that are "text encodings" to Python but would interpret attacker-chosen escapes.
_REFUSED_CODECS = frozenset({"unicode_escape", "raw_unicode_escape", "idna", "punycode"})

# Mail clients label text with a charset and write its vendor superset (the WHATWG Encoding
# Standard makes the same substitutions): decoding with the superset keeps those characters.
_SUPERSETS = {
    "iso8859-1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
    "tis-620": "cp874",
    "iso8859-9": "cp1254",
}

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?]*?)\?=")
_MSG_ID = re.compile(r"<[^<>\s]+>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_NEWLINES = re.compile(r"\r\n?")


class MailError(Exception):
    """Base class of every error raised by ``intake.mail``."""


class MailParseError(MailError):
    """The mail cannot be parsed into a :class:`ParsedMail`.

    ``reason`` is a stable machine code (``empty``, ``too_large``, ``not_a_message``,
    ``too_many_parts``, ``too_slow``) that callers store as the quarantine reason;
    ``permanent`` is False only when a retry on a quieter machine could succeed.
    """

    def __init__(self, reason: str, detail: str = "", *, permanent: bool = True) -> None:
        self.reason = reason
        self.detail = detail
        self.permanent = permanent
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class Attachment:
    """One attachment. ``text`` is set only for text-like attachments small enough to scan;
    the bytes of any other attachment are never kept (support terms: not forwarded)."""

    filename: str
    content_type: str
    size: int
    text: str | None = None
    skipped_reason: str | None = None  # why a text-like attachment has no text

    @property
    def scannable(self) -> bool:
        return self.text is not None


@dataclass(frozen=True)
class ParsedMail:
    """What the rest of the intake reads from a mail. Addresses are lower-cased; message ids keep
    their angle brackets (``<id@host>``), as they appear in In-Reply-To/References."""

    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_addr: str | None
    from_name: str
    reply_to: tuple[str, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None
    content_type: str
    report_type: str | None
    filter_headers: dict[str, str]
    authentication_results: tuple[str, ...]
    body: str
    body_source: str  # "plain", "html", "mixed" or "none"
    attachments: tuple[Attachment, ...]
    defects: tuple[str, ...]
    size: int
    sha256: str
    part_count: int = 0
    part_types: tuple[str, ...] = field(default=())

    def header(self, name: str) -> str | None:
        """A filter header's decoded value (case-insensitive name), or None."""
        return self.filter_headers.get(name.lower())

    @property
    def scannable_texts(self) -> list[tuple[str, str]]:
        """``(label, text)`` pairs the redaction stage must scan: subject, body, text attachments."""
        out = [("subject", self.subject), ("body", self.body)]
        out.extend((f"attachment:{a.filename}", a.text) for a in self.attachments if a.text is not None)
        return out


class _Budget:
    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._deadline = clock() + seconds
        self._seconds = seconds

    def check(self, where: str) -> None:
        if self._clock() > self._deadline:
            raise MailParseError(
                "too_slow", f"parsing exceeded {self._seconds:g}s ({where})", permanent=False
            )


# --------------------------------------------------------------------------------------------
# text decoding


def _codec_for(charset: str | None) -> str | None:
    """The Python codec name for a MIME charset, or None when unknown or refused."""
    if not charset:
        return None
    cs = charset.strip().strip('"').strip().lower()
    if cs in ("unknown-8bit", "x-unknown", "unknown", "8bit", "binary", "default"):
        return None
    try:
        info = codecs.lookup(cs)
    except (LookupError, ValueError):
        if not cs.startswith("x-"):
            return None
        try:
            info = codecs.lookup(cs[2:])  # "x-sjis", "x-mac-roman", ...
        except (LookupError, ValueError):
            return None
    if info.name.replace("-", "_") in _REFUSED_CODECS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def decode_bytes(data: bytes, charset: str | None, defects: list[str] | None = None) -> str:
    """Decode ``data`` declared as ``charset``; never raises.

    Order: the declared charset (strict), UTF-8 (strict), then cp1252 with replacement, the
    mislabelled-Windows-mail case. An unknown declared charset (``LookupError``) is a defect.
    """
    codec = _codec_for(charset)
    if charset and codec is None and defects is not None:
        defects.append(f"unknown charset {charset.strip()[:40]!r}")
    candidates = [c for c in (_SUPERSETS.get(codec or ""), codec, "utf-8") if c]
    for name in candidates:
        try:
            return data.decode(name)
        except (UnicodeError, LookupError):
            continue
    if defects is not None and codec:
        defects.append(f"bytes not valid {codec}; decoded with replacement")
    try:
        fallback = "cp1252" if codec is None or codec == "ascii" else _SUPERSETS.get(codec, codec)
        return data.decode(fallback, errors="replace")
    except (UnicodeError, LookupError):  # pragma: no cover - replace never raises for these
        return data.decode("latin-1")


def _raw_header_str(value: object) -> str:
    """A raw header value as str: compat32 keeps undeclared 8-bit bytes as surrogates."""
    text = str(value)
    text = _FOLD.sub("", text)
    text = text.replace("\r", "").replace("\n", "")
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        raw = text.encode("ascii", "surrogateescape")
        text = decode_bytes(raw, None)
    return text


def _decode_word(charset: str, encoding: str, payload: str) -> bytes | None:
    try:
        if encoding in "qQ":
            return binascii.a2b_qp(payload.encode("ascii", "replace"), header=True)
        padded = payload + "=" * (-len(payload) % 4)
        return binascii.a2b_base64(padded.encode("ascii", "replace"))
    except (binascii.Error, ValueError):
        return None


def decode_header_text(value: object, defects: list[str] | None = None) -> str:
    """Decode a header value: unfold, RFC 2047 encoded words (any charset; unknown ones fall back),
    raw 8-bit bytes. Whitespace between adjacent encoded words is dropped (RFC 2047 §6.2);
    consecutive words in one charset are decoded together so split multibyte characters join."""
    text = _raw_header_str(value)
    if "=?" not in text:
        return text
    out: list[str] = []
    pending: bytearray = bytearray()
    pending_cs: str | None = None
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_cs
        if pending_cs is not None:
            out.append(decode_bytes(bytes(pending), pending_cs, defects))
        pending = bytearray()
        pending_cs = None

    for m in _ENCODED_WORD.finditer(text):
        gap = text[pos : m.start()]
        charset = m.group(1).split("*", 1)[0]  # RFC 2231 language suffix
        decoded = _decode_word(charset, m.group(2), m.group(3))
        if decoded is None:
            if defects is not None:
                defects.append("undecodable encoded word in header")
            flush()
            out.append(gap + m.group(0))
            pos = m.end()
            continue
        if gap:
            if not (gap.isspace() and pending_cs is not None):
                flush()
                out.append(gap)
        if pending_cs is not None and pending_cs.lower() != charset.lower():
            flush()
        pending_cs = charset
        pending.extend(decoded)
        pos = m.end()
    flush()
    out.append(text[pos:])
    return "".join(out)


def _clean_line(text: str) -> str:
    """One-line header text for display and reply subjects: no control characters, so nothing
    decoded from an encoded word can inject a header line into a reply."""
    return " ".join(_CONTROL.sub(" ", text).split())


# --------------------------------------------------------------------------------------------
# HTML


def html_to_text(html: str, *, check: Callable[[str], None] | None = None) -> str:
    """HTML to readable text in linear time (:mod:`intake.mail.html_text`); scripts, styles and the
    head never reach the text. ``check`` is the time budget's check, called inside the conversion."""
    return _html_text.html_to_text(html, check=check)


# --------------------------------------------------------------------------------------------
# structure walk


@dataclass
class _Walk:
    budget: _Budget
    max_parts: int
    max_depth: int
    max_text_attachment_bytes: int
    defects: list[str]
    body_parts: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    attachments: list[Attachment] = field(default_factory=list)
    parts: int = 0
    types: list[str] = field(default_factory=list)
    depth_note: bool = False


def _ctype(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001 - malformed Content-Type header
        return "text/plain"


def _charset(part: Message) -> str | None:
    try:
        cs = part.get_param("charset")
    except Exception:  # noqa: BLE001
        return None
    if isinstance(cs, tuple):  # RFC 2231 (charset, language, value)
        cs = cs[2]
    return str(cs) if cs else None


def _filename(part: Message, defects: list[str]) -> str | None:
    try:
        name: object = part.get_filename()
    except Exception:  # noqa: BLE001 - broken RFC 2231 parameters
        name = None
    if name is None:
        try:
            name = part.get_param("name")
            if isinstance(name, tuple):
                name = name[2]
        except Exception:  # noqa: BLE001
            name = None
    if not name:
        return None
    name = _clean_line(decode_header_text(str(name), defects))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return name[:255] or None


def _is_attachment(part: Message, filename: str | None) -> bool:
    disposition = str(part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    return disposition == "attachment" or filename is not None


def _raw_payload(part: Message) -> object:
    try:
        return part.get_payload()
    except Exception:  # noqa: BLE001 - e.g. an RFC 2231 charset tuple with 8-bit bytes in the text
        return part._payload  # type: ignore[attr-defined]  # the undecoded text, as stored


def _payload_bytes(part: Message, defects: list[str]) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001 - broken transfer encoding
        defects.append(f"undecodable transfer encoding ({type(exc).__name__})")
        raw = _raw_payload(part)
        return raw.encode("ascii", "surrogateescape") if isinstance(raw, str) else b""
    if payload is None:
        raw = _raw_payload(part)
        if isinstance(raw, list):
            return b"\n".join(_message_bytes(p) for p in raw)
        return b""
    return payload if isinstance(payload, bytes) else b""


def _message_bytes(part: object) -> bytes:
    """An embedded message's bytes (``str()`` of one holding 8-bit text raises UnicodeEncodeError)."""
    if not isinstance(part, Message):
        return str(part).encode("utf-8", "surrogateescape")
    try:
        return part.as_bytes(policy=compat32)
    except Exception:  # noqa: BLE001 - a broken part must not cost the mail; its text is lost to a defect
        try:
            return str(part).encode("utf-8", "surrogateescape")
        except Exception:  # noqa: BLE001
            return b""


def _is_text_like(ctype: str, filename: str | None) -> bool:
    if ctype.startswith("text/") or ctype in _TEXT_APPLICATION_TYPES:
        return True
    if ctype.startswith("message/") and ctype != "message/rfc822":
        return True  # delivery-status, disposition-notification, feedback-report
    if filename:
        dot = filename.rfind(".")
        ext = filename[dot:].lower() if dot >= 0 else ""
        return ext in _TEXT_EXTENSIONS or filename.lower() == ".env"
    return False


def _leaf_text(part: Message, ctype: str, w: _Walk) -> str:
    data = _payload_bytes(part, w.defects)
    text = decode_bytes(data, _charset(part), w.defects)
    return _NEWLINES.sub("\n", text).replace("\x00", "")


def _add_attachment(part: Message, ctype: str, filename: str | None, w: _Walk) -> None:
    name = filename or f"part-{w.parts}{'.txt' if ctype.startswith('text/') else ''}"
    data = _payload_bytes(part, w.defects)
    size = len(data)
    text: str | None = None
    skipped: str | None = None
    if _is_text_like(ctype, filename):
        if size > w.max_text_attachment_bytes:
            skipped = f"too large to scan ({size} bytes > {w.max_text_attachment_bytes})"
        elif b"\x00" in data[:8192]:
            skipped = "binary content in a text-like attachment"
        else:
            text = _NEWLINES.sub("\n", decode_bytes(data, _charset(part), w.defects))
            if ctype == "text/html":
                text = html_to_text(text, check=w.budget.check)
    w.attachments.append(Attachment(name, ctype, size, text, skipped))


def _embedded_message_text(msg: Message, w: _Walk, depth: int) -> str:
    """An attached message (message/rfc822) rendered as text so redaction scans it too."""
    lines = []
    index = _headers_index(msg)
    for name in ("From", "To", "Cc", "Date", "Subject"):
        for value in index.get(name.lower(), [])[:1]:
            lines.append(f"{name}: {_clean_line(decode_header_text(value, w.defects))}")
    sub = _Walk(w.budget, w.max_parts, w.max_depth, w.max_text_attachment_bytes, w.defects)
    sub.parts = w.parts
    _visit(msg, sub, depth)
    w.parts = sub.parts
    w.types.extend(sub.types)
    w.depth_note = w.depth_note or sub.depth_note
    w.attachments.extend(sub.attachments)
    body = _join_body(sub.body_parts, w.budget)[0]
    return "\n".join(lines) + "\n\n" + body


def _visit(part: Message, w: _Walk, depth: int) -> None:
    """Iterate the MIME tree (depth-first, document order) without Python recursion on
    multipart children, so a deeply nested mail can't exhaust the interpreter stack."""
    stack: list[tuple[Message, int]] = [(part, depth)]
    while stack:
        node, d = stack.pop()
        w.budget.check("walking parts")
        w.parts += 1
        if w.parts > w.max_parts:
            raise MailParseError("too_many_parts", f"more than {w.max_parts} MIME parts")
        ctype = _ctype(node)
        w.types.append(ctype)
        if d > w.max_depth:
            if not w.depth_note:
                w.defects.append(f"MIME nesting deeper than {w.max_depth} levels ignored")
                w.depth_note = True
            continue
        payload = _raw_payload(node)
        if ctype.startswith("multipart/") and not isinstance(payload, list):
            # a multipart without a usable boundary: the parser kept it as one text blob
            w.defects.append(f"{ctype} without parts; read as text")
            w.body_parts.append(("plain", _leaf_text(node, "text/plain", w)))
            continue
        if node.is_multipart() and isinstance(payload, list):
            if ctype == "multipart/alternative":
                _visit_alternative(node, payload, w, d)
            elif (ctype.startswith("message/") and ctype != "message/delivery-status"
                  and len(payload) == 1 and isinstance(payload[0], Message)):
                inner = payload[0]
                filename = _filename(node, w.defects)
                text = _embedded_message_text(inner, w, d + 1)
                subject = _clean_line(decode_header_text(_headers_index(inner).get("subject", [""])[0], w.defects))
                name = filename or (f"{subject[:80]}.eml" if subject else f"attached-message-{w.parts}.eml")
                w.attachments.append(Attachment(name, "message/rfc822", len(text.encode()), text, None))
            elif ctype.startswith("message/"):
                _add_attachment(node, ctype, _filename(node, w.defects), w)
            else:
                stack.extend((child, d + 1) for child in reversed(payload) if isinstance(child, Message))
            continue
        filename = _filename(node, w.defects)
        if ctype in ("text/plain", "text/html") and not _is_attachment(node, filename):
            kind = "html" if ctype == "text/html" else "plain"
            w.body_parts.append((kind, _leaf_text(node, ctype, w)))
        elif ctype.startswith("text/") and not _is_attachment(node, filename) and depth == d == 0:
            # a single-part mail in text/enriched, text/calendar, ...: its text is the body
            w.body_parts.append(("plain", _leaf_text(node, ctype, w)))
        else:
            _add_attachment(node, ctype, filename, w)


def _visit_alternative(node: Message, children: Iterable[object], w: _Walk, d: int) -> None:
    """multipart/alternative: keep the plain-text rendering when there is one (it is what the
    sender wrote; HTML-to-text is a guess), else the first usable one. Attachments of every
    alternative are still listed."""
    best: list[tuple[str, str]] | None = None
    best_rank = -1
    for child in children:
        if not isinstance(child, Message):
            continue
        sub = _Walk(w.budget, w.max_parts, w.max_depth, w.max_text_attachment_bytes, w.defects)
        sub.parts = w.parts
        _visit(child, sub, d + 1)
        w.parts = sub.parts
        w.types.extend(sub.types)
        w.depth_note = w.depth_note or sub.depth_note
        w.attachments.extend(sub.attachments)
        kinds = {k for k, t in sub.body_parts if t.strip()}
        rank = 2 if "plain" in kinds else 1 if kinds else 0
        if rank > best_rank:
            best, best_rank = sub.body_parts, rank
    if best:
        w.body_parts.extend(best)


def _join_body(parts: list[tuple[str, str]], budget: _Budget) -> tuple[str, str]:
    texts: list[str] = []
    kinds = set()
    for kind, text in parts:
        if kind == "html":
            text = html_to_text(text, check=budget.check)
        text = text.strip("\n")
        if text.strip():
            texts.append(text)
            kinds.add(kind)
    source = "none" if not kinds else kinds.pop() if len(kinds) == 1 else "mixed"
    return "\n\n".join(texts), source


# --------------------------------------------------------------------------------------------
# headers


def _addresses(values: list[str], defects: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not values:
        return out
    try:
        pairs = getaddresses([_raw_header_str(v) for v in values])
    except Exception:  # noqa: BLE001 - the stdlib address parser has raised on odd input before
        defects.append("unparseable address header")
        return out
    for name, addr in pairs:
        addr = _clean_line(addr).strip("<>").strip()
        if not addr:
            continue
        if "@" in addr:
            local, _, domain = addr.rpartition("@")
            addr = f"{local}@{domain}".lower()
        else:
            addr = addr.lower()
        out.append((_clean_line(decode_header_text(name, defects)), addr))
    return out


def _msg_ids(value: str | None) -> list[str]:
    if not value:
        return []
    return _MSG_ID.findall(value)


def _parse_date(value: str | None, defects: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append("unparseable Date header")
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:  # "-0000": the time is UTC, the zone unknown (RFC 5322 §3.3)
        dt = dt.replace(tzinfo=UTC)
    return dt


def _headers_index(msg: Message) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        index.setdefault(str(name).strip().lower(), []).append(str(value))
    return index


# --------------------------------------------------------------------------------------------


def parse_message(
    raw: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_parts: int = DEFAULT_MAX_PARTS,
    max_depth: int = DEFAULT_MAX_DEPTH,
    time_budget: float = DEFAULT_TIME_BUDGET,
    max_text_attachment_bytes: int | None = None,
    max_nesting: int = DEFAULT_MAX_NESTING,
    clock: Callable[[], float] = time.monotonic,
) -> ParsedMail:
    """Parse one RFC 5322 message. Raises only :class:`MailParseError` (see module docstring).

    Limits: ``max_bytes`` (the raw size, checked before any parsing), ``max_parts`` (MIME parts
    visited), ``max_depth`` (deeper parts are ignored with a defect), ``max_nesting`` (deeper
    structure is refused as ``too_deep`` before parsing), ``time_budget`` seconds
    measured with ``clock`` (checked while feeding the parser and between parts).
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError("parse_message takes the raw bytes of a mail")
    raw = bytes(raw)
    if len(raw) > max_bytes:
        raise MailParseError("too_large", f"{len(raw)} bytes > limit {max_bytes}")
    if not raw.strip():
        raise MailParseError("empty", "no bytes")
    budget = _Budget(time_budget, clock)
    # obsolete "Name  : value" fields first, so "From  : x" is not mistaken for an envelope line
    raw_for_parse = _normalize_obsolete_header_names(raw)
    # mbox-style "From " envelope line (saved mail, mbox exports): not a header
    if raw_for_parse.startswith(b"From "):
        raw_for_parse = raw_for_parse.split(b"\n", 1)[1] if b"\n" in raw_for_parse else b""
    # The stdlib parser recurses once per nesting level: refuse structure deeper than it can take
    # before feeding it a byte (see intake.mail.structure).
    depth = nesting_depth(raw_for_parse, max_nesting)
    if depth > max_nesting:
        raise MailParseError("too_deep", f"MIME structure nested more than {max_nesting} levels")
    parser = BytesFeedParser(policy=compat32)
    view = memoryview(raw_for_parse)
    try:
        for start in range(0, len(view), _FEED_CHUNK):
            parser.feed(view[start : start + _FEED_CHUNK].tobytes())
            budget.check("reading the message")
        msg = parser.close()
    except RecursionError as exc:  # belt and braces: a structure the pre-scan read differently
        raise MailParseError("too_deep", "MIME structure too deep for the parser") from exc
    except MailParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - the feed parser is documented not to raise; belt and braces
        raise MailParseError("not_a_message", f"parser failed: {type(exc).__name__}") from exc
    budget.check("reading the message")

    headers = _headers_index(msg)
    if not headers:
        raise MailParseError("not_a_message", "no header lines")
    if not any(h in headers for h in ("from", "sender", "to", "subject", "message-id", "date", "received")):
        raise MailParseError("not_a_message", "none of From/To/Subject/Date/Message-ID/Received present")

    defects: list[str] = []

    def first(name: str) -> str | None:
        values = headers.get(name)
        return values[0] if values else None

    subject = _clean_line(decode_header_text(first("subject") or "", defects))
    from_pairs = _addresses(headers.get("from", []), defects)
    from_name, from_addr = from_pairs[0] if from_pairs else ("", None)
    reply_to = tuple(a for _, a in _addresses(headers.get("reply-to", []), defects))
    to = tuple(a for _, a in _addresses(headers.get("to", []), defects))
    cc = tuple(a for _, a in _addresses(headers.get("cc", []), defects))

    mid_raw = first("message-id")
    mids = _msg_ids(_raw_header_str(mid_raw)) if mid_raw else []
    message_id = mids[0] if mids else (_clean_line(_raw_header_str(mid_raw)) or None if mid_raw else None)
    irt = _msg_ids(_raw_header_str(first("in-reply-to") or ""))
    refs = tuple(
        ref for value in headers.get("references", []) for ref in _msg_ids(_raw_header_str(value))
    )
    date = _parse_date(_raw_header_str(first("date") or ""), defects)

    filter_headers = {
        name: _clean_line(decode_header_text(first(name) or "", defects))
        for name in FILTER_HEADERS
        if name in headers
    }
    auth_results = tuple(_clean_line(_raw_header_str(v)) for v in headers.get("authentication-results", []))

    content_type = _ctype(msg)
    report_type: str | None = None
    if content_type == "multipart/report":
        rt = msg.get_param("report-type")
        report_type = str(rt[2] if isinstance(rt, tuple) else rt).lower() if rt else None

    text_limit = max_bytes if max_text_attachment_bytes is None else max_text_attachment_bytes
    walk = _Walk(budget, max_parts, max_depth, text_limit, defects)
    _visit(msg, walk, 0)
    body, body_source = _join_body(walk.body_parts, budget)
    budget.check("converting the body")

    for part_defect in _collect_defects(msg):
        defects.append(part_defect)

    return ParsedMail(
        message_id=message_id,
        in_reply_to=irt[0] if irt else None,
        references=refs,
        subject=subject,
        from_addr=from_addr,
        from_name=from_name,
        reply_to=reply_to,
        to=to,
        cc=cc,
        date=date,
        content_type=content_type,
        report_type=report_type,
        filter_headers=filter_headers,
        authentication_results=auth_results,
        body=body,
        body_source=body_source,
        attachments=tuple(walk.attachments),
        defects=tuple(dict.fromkeys(defects)),  # de-duplicated, order kept
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        part_count=walk.parts,
        part_types=tuple(walk.types),
    )


_OBS_HEADER_NAME = re.compile(rb"^([!-9;-~]+)[ \t]+:", re.MULTILINE)
_HEADER_END = re.compile(rb"\r?\n\r?\n")


def _normalize_obsolete_header_names(raw: bytes) -> bytes:
    """RFC 5322 §4.5 (obs-optional) allows white space between a field name and its colon
    (``Subject   : hi``); the stdlib parser does not, and would read the whole mail as body."""
    end = _HEADER_END.search(raw)
    head, rest = (raw[: end.start()], raw[end.start() :]) if end else (raw, b"")
    if not _OBS_HEADER_NAME.search(head):
        return raw
    return _OBS_HEADER_NAME.sub(rb"\1:", head) + rest


def _collect_defects(msg: Message, limit: int = 50) -> list[str]:
    out: list[str] = []
    stack = [msg]
    seen = 0
    while stack and seen < 1000:
        node = stack.pop()
        seen += 1
        for defect in getattr(node, "defects", ()):
            out.append(type(defect).__name__)
            if len(out) >= limit:
                return out
        payload = _raw_payload(node)
        if isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, Message))
    return out
