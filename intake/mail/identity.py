"""Who sent a mail, and whether we believe it: ``Authentication-Results`` (RFC 8601) + the registry.

A From header is trivially forged, so a sender is **trusted** only when the receiving server
(identified by its *authserv-id*, the ``authserv_ids`` setting) reports either

* ``dmarc=pass`` with ``header.from`` equal to the From domain, or
* ``dkim=pass`` with a signing domain (``header.d``, else the domain of ``header.i``) aligned with
  the From domain in DMARC's relaxed mode (RFC 7489 §3.1.1: same organizational domain).

``Authentication-Results`` headers carrying any other authserv-id are ignored: anyone can write
them (RFC 8601 §5 and §7.1). Of those carrying ours, only the topmost ``own_headers`` (the
``authserv_headers`` setting: how many our server adds, e.g. 2 when OpenDKIM and OpenDMARC each add
one) count: a header with our id below them was already in the mail when it arrived. That same section obliges the border MTA to remove headers that claim
*its* authserv-id from incoming mail; the deployment must make sure it does (docs/customers.md).
As defence in depth, a ``dmarc=fail`` in any header bearing our id vetoes trust.

Priority handling requires a trusted sender who is a registered user (support terms: "eligible for
priority handling only if its filer registered beforehand"); everyone else gets normal handling and
a reply explaining how to register, keyed by ``SenderIdentity.reason_code``.

Pure: values in, values out. Organizational domains come from tldextract's bundled public-suffix
snapshot; it never downloads anything.
"""

from __future__ import annotations

import email.errors
import email.message
import email.utils
import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from types import MappingProxyType
from typing import Protocol

from intake.registry import Registry, normalize_address, normalize_domain, public_suffix_extractor

__all__ = [
    "AuthResult",
    "AuthResultsSyntaxError",
    "AuthenticationResults",
    "ReasonCode",
    "SenderIdentity",
    "authenticate",
    "authserv_id_of",
    "identify_address",
    "identify_message",
    "identify_parsed",
    "identify_sender",
    "organizational_domain",
    "parse_authentication_results",
]


class AuthResultsSyntaxError(ValueError):
    """An ``Authentication-Results`` header value that does not follow RFC 8601."""


class ReasonCode(enum.StrEnum):
    """Why a sender does (not) get priority handling; selects the reply template."""

    PRIORITY = "priority"  # trusted, registered user of an organization
    UNREGISTERED = "unregistered"  # authenticated, but not a registered user
    UNAUTHENTICATED = "unauthenticated"  # From not vouched for by our receiving server
    INVALID_FROM = "invalid_from"  # no, several or an unparsable From address


@dataclass(frozen=True, slots=True)
class AuthResult:
    """One ``method=result`` clause with its properties (``header.d`` -> ``acme.example``)."""

    method: str
    result: str
    reason: str | None = None
    properties: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def prop(self, name: str) -> str | None:
        return self.properties.get(name)


@dataclass(frozen=True, slots=True)
class AuthenticationResults:
    authserv_id: str
    version: int | None
    results: tuple[AuthResult, ...]


@dataclass(frozen=True, slots=True)
class SenderIdentity:
    """The sender of a mail as far as we can vouch for it."""

    address: str | None
    name: str
    domain: str | None
    trusted: bool
    auth_reason: str
    org_id: str | None
    registered_user: bool
    priority_eligible: bool
    reason_code: ReasonCode


# --------------------------------------------------------------------------------------------
# RFC 8601 parsing

def _strip_comments(text: str) -> str:
    """Remove (nested) CFWS comments outside quoted strings; whitespace stays a separator."""
    out: list[str] = []
    depth = 0
    quoted = False
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if quoted:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                quoted = False
        elif depth:
            if c == "\\":
                i += 1
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if not depth:
                    out.append(" ")
        elif c == '"':
            quoted = True
            out.append(c)
        elif c == "(":
            depth = 1
        else:
            out.append(c)
        i += 1
    if quoted:
        raise AuthResultsSyntaxError("unterminated quoted string")
    if depth:
        raise AuthResultsSyntaxError("unterminated comment")
    return "".join(out)


def _split_semicolons(text: str) -> list[str]:
    parts: list[str] = []
    buf: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        c = text[i]
        if quoted and c == "\\" and i + 1 < len(text):
            buf.append(c + text[i + 1])
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        if c == ";" and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(c)
        i += 1
    parts.append("".join(buf))
    return parts


_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_WS = re.compile(r"[ \t\r\n]+")


def _read_value(text: str, pos: int) -> tuple[str, int]:
    m = _QUOTED.match(text, pos)
    if m:
        return re.sub(r"\\(.)", r"\1", m.group(1)), m.end()
    m = re.compile(r"[^ \t\r\n]+").match(text, pos)
    if not m:
        raise AuthResultsSyntaxError(f"value expected at {text[pos:pos + 20]!r}")
    return m.group(0), m.end()


def _pairs(segment: str) -> list[tuple[str, str]]:
    """``key = value`` pairs of one result clause (spaces around ``=`` allowed, values may hold ``=``)."""
    pairs: list[tuple[str, str]] = []
    pos = 0
    key_re = re.compile(r"[^ \t\r\n=\"]+")
    while True:
        m = _WS.match(segment, pos)
        if m:
            pos = m.end()
        if pos >= len(segment):
            return pairs
        km = key_re.match(segment, pos)
        if not km:
            raise AuthResultsSyntaxError(f"property name expected at {segment[pos:pos + 20]!r}")
        key = km.group(0)
        pos = km.end()
        m = _WS.match(segment, pos)
        if m:
            pos = m.end()
        if pos >= len(segment) or segment[pos] != "=":
            raise AuthResultsSyntaxError(f"'=' expected after {key!r}")
        pos += 1
        m = _WS.match(segment, pos)
        if m:
            pos = m.end()
        value, pos = _read_value(segment, pos)
        pairs.append((key, value))


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", value).replace("\r", " ").replace("\n", " ")


def authserv_id_of(value: str) -> str | None:
    """The authserv-id of an ``Authentication-Results`` value, lower-cased; None if unreadable."""
    try:
        text = _strip_comments(_unfold(str(value))).strip()
        head = _split_semicolons(text)[0].strip()
        if not head:
            return None
        ident, _ = _read_value(head, 0)
    except AuthResultsSyntaxError:
        # Broken later on (e.g. an unterminated comment): still tell whose header it claims to be,
        # so a malformed header of ours is reported as such rather than as someone else's.
        m = re.match(r'\s*"?([^\s;"()]+)', str(value))
        return m.group(1).lower() if m else None
    return ident.strip().lower() or None


def parse_authentication_results(value: str) -> AuthenticationResults:
    """Parse one header value (RFC 8601 §2.2); ``AuthResultsSyntaxError`` if malformed.

    Lenient where real servers deviate harmlessly (properties without a ptype such as Microsoft's
    ``action=none``, unquoted values holding ``=``); strict about structure.
    """
    text = _strip_comments(_unfold(str(value)))
    segments = _split_semicolons(text)
    head = segments[0].strip()
    if not head:
        raise AuthResultsSyntaxError("missing authserv-id")
    ident, pos = _read_value(head, 0)
    rest = head[pos:].strip()
    version: int | None = None
    if rest:
        if not rest.isdigit():
            raise AuthResultsSyntaxError(f"unexpected {rest[:20]!r} after authserv-id")
        version = int(rest)
        if version != 1:
            # RFC 8601 §2.2: an unknown version means the header cannot be interpreted.
            raise AuthResultsSyntaxError(f"unsupported version {version}")
    if "=" in ident:
        raise AuthResultsSyntaxError("missing authserv-id (starts with a result)")
    results: list[AuthResult] = []
    clauses = [s for s in segments[1:] if s.strip()]
    if len(clauses) == 1 and clauses[0].strip().lower() == "none":
        return AuthenticationResults(ident.lower(), version, ())
    for clause in clauses:
        pairs = _pairs(clause)
        if not pairs:
            continue
        method, result = pairs[0]
        method = method.split("/", 1)[0].strip().lower()
        reason: str | None = None
        props: dict[str, str] = {}
        for key, val in pairs[1:]:
            k = key.lower()
            if k == "reason" and reason is None:
                reason = val
            else:
                props.setdefault(k, val)
        results.append(AuthResult(method, result.lower(), reason, MappingProxyType(props)))
    return AuthenticationResults(ident.lower(), version, tuple(results))


# --------------------------------------------------------------------------------------------
# Alignment and trust

def organizational_domain(domain: str) -> str:
    """The registrable ("organizational", RFC 7489 §3.2) domain, from the bundled public-suffix list.

    A name under no listed suffix falls under the list's default rule ``*``: its last label is the
    suffix, so ``mail.acme.example`` → ``acme.example``.
    """
    host = normalize_domain(domain)
    parts = public_suffix_extractor()(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    labels = host.split(".")
    if parts.suffix:  # the name is itself a public suffix
        return host
    return ".".join(labels[-2:])


def _domain_of(value: str | None) -> str | None:
    if not value:
        return None
    text = value.strip().strip("<>")
    if "@" in text:
        text = text.rpartition("@")[2]
    try:
        return normalize_domain(text)
    except ValueError:
        return None


def _aligned(signer: str, from_domain: str) -> bool:
    try:
        return organizational_domain(signer) == organizational_domain(from_domain)
    except ValueError:
        return False


def authenticate(
    from_domain: str, auth_results: Iterable[str], *, authserv_ids: Iterable[str], own_headers: int = 1
) -> tuple[bool, str]:
    """Decide whether the receiving server vouches for ``from_domain``: ``(trusted, reason)``.

    ``auth_results`` in header order, topmost first. Only headers whose authserv-id is one of
    ``authserv_ids`` count, and of those only the topmost ``own_headers`` in one unbroken run (the
    ones our server added: it prepends them, so they sit above everything the sender wrote; RFC 8601
    §5 and §7.1). A header naming our authserv-id further down was in the mail when it arrived: a
    forgery, ignored for trust (only its ``dmarc=fail`` still vetoes, which can hurt no one but the
    forger). The reason is a short text for logs and the ticket (no personal data).
    """
    ours = {a.strip().lower() for a in authserv_ids if a.strip()}
    from_domain = normalize_domain(from_domain)
    mine: list[AuthenticationResults] = []
    below: list[AuthenticationResults] = []  # our id, but under the headers our server added
    foreign = 0
    malformed = 0
    taken = 0  # our headers seen in the topmost run
    run_over = False
    for value in auth_results:
        ident = authserv_id_of(value)
        if ident not in ours:
            foreign += 1
            run_over = run_over or taken > 0
            continue
        top = not run_over and taken < max(own_headers, 1)
        if top:
            taken += 1
        else:
            run_over = True
        try:
            (mine if top else below).append(parse_authentication_results(value))
        except AuthResultsSyntaxError:
            malformed += 1
    forged = len(below) + (malformed if run_over else 0)
    if not mine:
        why = f"no Authentication-Results from {', '.join(sorted(ours)) or '(none configured)'}"
        notes = [f"{foreign} from other servers ignored" if foreign else "",
                 f"{malformed} malformed" if malformed else ""]
        notes = [n for n in notes if n]
        return False, why + (f" ({'; '.join(notes)})" if notes else "")
    for header in below:  # a forged fail only ever hurts the forger
        for res in header.results:
            if res.method == "dmarc" and res.result == "fail" and _domain_of(res.prop("header.from")) in (
                    None, from_domain):
                return False, f"dmarc=fail for {from_domain}"

    dmarc_pass = dkim_pass = None
    dmarc_fail = None
    unaligned: list[str] = []
    other_from: list[str] = []
    for header in mine:
        for res in header.results:
            if res.method == "dmarc":
                hdr_from = _domain_of(res.prop("header.from"))
                if res.result == "pass":
                    if hdr_from == from_domain:
                        dmarc_pass = dmarc_pass or f"dmarc=pass header.from={hdr_from}"
                    else:
                        other_from.append(hdr_from or "(none)")
                elif res.result == "fail" and hdr_from in (None, from_domain):
                    dmarc_fail = dmarc_fail or "dmarc=fail"
            elif res.method == "dkim" and res.result == "pass":
                signer = _domain_of(res.prop("header.d")) or _domain_of(res.prop("header.i"))
                if signer and _aligned(signer, from_domain):
                    dkim_pass = dkim_pass or f"dkim=pass header.d={signer} aligned with {from_domain}"
                elif signer:
                    unaligned.append(signer)
    if dmarc_fail:
        return False, f"{dmarc_fail} for {from_domain}"
    note = f" ({forged} lower header(s) claiming our authserv-id ignored)" if forged else ""
    if dmarc_pass:
        return True, dmarc_pass + note
    if dkim_pass:
        return True, dkim_pass + note
    if unaligned:
        return False, (f"dkim=pass only for {', '.join(sorted(set(unaligned)))}, not aligned with {from_domain}"
                       + note)
    if other_from:
        return False, f"dmarc=pass only for {', '.join(sorted(set(other_from)))}, not {from_domain}" + note
    methods = sorted({f"{r.method}={r.result}" for h in mine for r in h.results})
    return False, "no dmarc or dkim pass" + (f" ({', '.join(methods)})" if methods else "") + note


# --------------------------------------------------------------------------------------------
# The sender

def _decode(value: str) -> str:
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        return value


def _from_address(from_header: str | None) -> tuple[str | None, str]:
    if not from_header:
        return None, ""
    text = _unfold(str(from_header))
    try:
        addresses = [(n, a) for n, a in email.utils.getaddresses([text]) if a or n]
    except Exception:  # noqa: BLE001 - the stdlib address parser has raised on odd input before
        return None, ""
    if len(addresses) != 1:
        return None, ""
    name, addr = addresses[0]
    try:
        return normalize_address(addr), _decode(name).strip()
    except ValueError:
        return None, _decode(name).strip()


def identify_sender(
    from_header: str | None,
    auth_results: Sequence[str],
    *,
    registry: Registry,
    authserv_ids: Iterable[str],
    own_headers: int = 1,
) -> SenderIdentity:
    """Combine the From header, our server's ``Authentication-Results`` and the registry."""
    address, name = _from_address(from_header)
    return identify_address(address, name, auth_results, registry=registry, authserv_ids=authserv_ids,
                            own_headers=own_headers)


def identify_address(
    address: str | None,
    name: str,
    auth_results: Sequence[str],
    *,
    registry: Registry,
    authserv_ids: Iterable[str],
    own_headers: int = 1,
) -> SenderIdentity:
    """``identify_sender`` for an already parsed From: one address (None if missing/ambiguous)."""
    if address is not None:
        try:
            address = normalize_address(address)
        except ValueError:
            address = None
    if address is None:
        return SenderIdentity(
            address=None, name=name, domain=None, trusted=False,
            auth_reason="From must hold exactly one valid address", org_id=None,
            registered_user=False, priority_eligible=False, reason_code=ReasonCode.INVALID_FROM,
        )
    domain = address.rpartition("@")[2]
    trusted, reason = authenticate(domain, auth_results, authserv_ids=authserv_ids, own_headers=own_headers)
    org = registry.org_for_email(address)
    registered = registry.user(address) is not None
    eligible = trusted and registered and org is not None
    if eligible:
        code = ReasonCode.PRIORITY
    elif not trusted:
        code = ReasonCode.UNAUTHENTICATED
    else:
        code = ReasonCode.UNREGISTERED
    return SenderIdentity(
        address=address, name=name, domain=domain, trusted=trusted, auth_reason=reason,
        org_id=org.id if org else None, registered_user=registered, priority_eligible=eligible,
        reason_code=code,
    )


class ParsedSender(Protocol):
    """What ``identify_parsed`` needs of ``intake.mail.parse.ParsedMail``."""

    from_addr: str | None
    from_name: str
    authentication_results: tuple[str, ...]


def identify_parsed(
    mail: ParsedSender, *, registry: Registry, authserv_ids: Iterable[str], own_headers: int = 1
) -> SenderIdentity:
    """``identify_sender`` for a ``ParsedMail`` (its first From address and its auth headers).

    A ``ParsedMail`` exposing ``from_count`` (number of From addresses) > 1 is treated as an
    invalid From, as ``identify_message`` does.
    """
    address = mail.from_addr
    if getattr(mail, "from_count", 1) != 1:
        address = None
    return identify_address(address, mail.from_name or "", tuple(mail.authentication_results),
                            registry=registry, authserv_ids=authserv_ids, own_headers=own_headers)


def identify_message(
    message: email.message.Message, *, registry: Registry, authserv_ids: Iterable[str], own_headers: int = 1
) -> SenderIdentity:
    """``identify_sender`` for a parsed message (every ``Authentication-Results`` header counts)."""
    from_values = message.get_all("From") or []
    from_header = str(from_values[0]) if len(from_values) == 1 else None
    auth = [str(v) for v in (message.get_all("Authentication-Results") or [])]
    return identify_sender(from_header, auth, registry=registry, authserv_ids=authserv_ids,
                           own_headers=own_headers)
