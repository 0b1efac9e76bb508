"""Who may see the web pages: local accounts, signed session cookies, CSRF tokens, roles.

- Local accounts live in ``users`` with argon2id hashes (``supportbot users add --role ...``).
- Optional SSO: a trusted reverse proxy authenticates and passes the user name in a header
  (``SUPPORTBOT_WEB_PROXY_USER_HEADER``). The header is honoured only when the request comes from one
  of ``SUPPORTBOT_WEB_TRUSTED_PROXIES`` AND carries ``X-Supportbot-Proxy-Secret`` equal to
  ``SUPPORTBOT_WEB_PROXY_SECRET``; the user must still exist locally (the role is ours, not the proxy's).
- Sessions are signed cookies (itsdangerous) holding user name, issue time and last-seen time; they
  expire after an absolute lifetime and after an idle period. Time is a parameter (``now``) so tests
  move the clock instead of sleeping. Every request re-reads the user row, so disabling an account
  or changing its role takes effect at once.
- CSRF: a token derived from the session id (or, before sign-in, from a random visitor id in a signed
  cookie); every POST carries it in the form and is refused (403) without a match. Cookies are
  ``__Host-`` prefixed and ``Secure`` unless ``SUPPORTBOT_WEB_COOKIE_SECURE=false`` (plain-HTTP
  development on loopback).
- Sign-out bumps the user's ``session_epoch``: every cookie issued before stops working.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.keys import check_key, load_or_create
from intake.settings import Settings
from intake.store.models import User

ROLES = ("compliance", "operator")
SESSION_COOKIE = "sb_session"
CSRF_COOKIE = "sb_csrf"
CSRF_FIELD = "csrf_token"
PROXY_SECRET_HEADER = "X-Supportbot-Proxy-Secret"

_hasher = PasswordHasher()
# Verifying against this keeps the time of "no such user" close to "wrong password".
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AuthError(ValueError):
    """A bad account operation (unknown user, bad role, weak password)."""


@dataclass(frozen=True)
class Principal:
    """The signed-in user of one request."""

    username: str
    role: str
    via: str  # "session" | "proxy"


# -- accounts ------------------------------------------------------------------------------------------

def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return role


def add_user(session: Session, *, username: str, role: str, password: str | None, now: dt.datetime) -> User:
    """Create an account. ``password=None`` makes a proxy-only account (no local sign-in)."""
    username = username.strip()
    if not username or len(username) > 200 or any(c.isspace() for c in username):
        raise AuthError("user name must be 1-200 characters without spaces")
    _check_role(role)
    if password is not None and len(password) < 12:
        raise AuthError("password must be at least 12 characters")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise AuthError(f"user {username!r} exists")
    user = User(username=username, role=role, active=True, created_at=now,
                password_hash=_hasher.hash(password) if password is not None else None)
    session.add(user)
    session.flush()
    return user


def set_active(session: Session, *, username: str, active: bool) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AuthError(f"no user {username!r}")
    user.active = active
    return user


def authenticate(session: Session, *, username: str, password: str, now: dt.datetime) -> User | None:
    """The active user with this password, or None. Rehashes when argon2 parameters changed."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not user.password_hash:
        try:
            _hasher.verify(_DUMMY_HASH, password + "x")
        except VerificationError:
            pass
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    return user


def end_sessions(session: Session, username: str) -> None:
    """Revoke every session cookie of this user (sign-out): cookies carry the epoch they were issued in."""
    user = session.scalar(select(User).where(User.username == username))
    if user is not None:
        user.session_epoch = (user.session_epoch or 0) + 1


def active_user(session: Session, username: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    return user if user is not None and user.active else None


# -- signing key -------------------------------------------------------------------------------------------

def secret_key(settings: Settings) -> bytes:
    """``SUPPORTBOT_SECRET_KEY``, else a key generated once under the data dir (atomically, 0600).

    Either must have at least 32 bytes: an empty key file (a crash between create and write) would
    otherwise sign cookies with ``b""``. :class:`intake.keys.KeyFileError` refuses to start."""
    if settings.secret_key is not None:
        return check_key(settings.secret_key.get_secret_value().encode(), source="SUPPORTBOT_SECRET_KEY")
    return load_or_create(Path(settings.data_dir) / "web-secret.key")


# -- sessions and CSRF ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CookieNames:
    """``__Host-`` names when cookies are Secure: the browser then refuses them from a subdomain or a
    plain-HTTP page (no cookie tossing), and requires ``Secure``, ``Path=/`` and no ``Domain``."""

    session: str
    csrf: str

    @classmethod
    def for_settings(cls, settings: Settings) -> CookieNames:
        prefix = "__Host-" if settings.web_cookie_secure else ""
        return cls(prefix + SESSION_COOKIE, prefix + CSRF_COOKIE)


class SessionCodec:
    """Signs and checks the session and CSRF cookies. ``now`` is always passed in.

    A session cookie holds the user name, issue and last-seen times, the user's session epoch when it
    was issued (``e``) and a random session id (``sid``). The CSRF token is not stored anywhere: it is
    an HMAC of the session id (signed-in visitors) or of a random visitor id kept in a signed cookie
    (before sign-in), so a token is only good for the session it was derived from."""

    def __init__(self, key: bytes, *, max_age: int, idle: int) -> None:
        self._session = URLSafeSerializer(key, salt="supportbot.session")
        self._csrf = URLSafeSerializer(key, salt="supportbot.csrf")
        self._csrf_key = hmac.new(key, b"supportbot.csrf-token", "sha256").digest()
        self.max_age = max_age
        self.idle = idle

    def issue(self, username: str, *, now: dt.datetime, epoch: int, issued: float | None = None,
              sid: str | None = None) -> str:
        ts = now.timestamp()
        return self._session.dumps({"u": username, "iat": issued if issued is not None else ts, "seen": ts,
                                    "e": epoch, "sid": sid or secrets.token_urlsafe(18)})

    def _signed(self, cookie: str | None) -> dict[str, Any] | None:
        if not cookie:
            return None
        try:
            data = self._session.loads(cookie)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("u"), str) or not isinstance(data.get("sid"), str):
            return None
        if not isinstance(data.get("e"), int):
            return None
        return data

    def load(self, cookie: str | None, *, now: dt.datetime) -> dict[str, Any] | None:
        """The session data, or None when missing, forged, past its lifetime, or idle too long.
        The caller compares ``data["e"]`` with the user's current session epoch."""
        data = self._signed(cookie)
        if data is None:
            return None
        ts = now.timestamp()
        try:
            iat, seen = float(data["iat"]), float(data["seen"])
        except (KeyError, TypeError, ValueError):
            return None
        if ts - iat > self.max_age or ts - seen > self.idle or iat > ts + 60:
            return None
        return data

    def session_id(self, cookie: str | None) -> str | None:
        """The id of the session this cookie names (signature checked, expiry not: a page rendered for
        an expired session and its POST derive the same token, and the POST is refused for the session)."""
        data = self._signed(cookie)
        return str(data["sid"]) if data is not None else None

    def new_visitor(self) -> tuple[str, str]:
        """A fresh visitor id (before sign-in) and its signed cookie value."""
        visitor = secrets.token_urlsafe(18)
        return visitor, self._csrf.dumps(visitor)

    def visitor_from_cookie(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            visitor = self._csrf.loads(cookie)
        except BadSignature:
            return None
        return visitor if isinstance(visitor, str) else None

    def csrf_token(self, *, sid: str | None, visitor: str | None) -> str:
        """The form token: bound to the session when there is one, else to the visitor id."""
        basis = f"session:{sid}" if sid else f"visitor:{visitor or ''}"
        return hmac.new(self._csrf_key, basis.encode(), "sha256").hexdigest()[:43]

    @staticmethod
    def csrf_matches(expected: str | None, given: str | None) -> bool:
        return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def proxy_username(settings: Settings, *, client_host: str | None, headers: Any) -> str | None:
    """The user name asserted by a trusted reverse proxy, or None when this request is not from one."""
    header = settings.web_proxy_user_header
    if not header or settings.web_proxy_secret is None or not settings.web_trusted_proxies:
        return None
    if client_host not in settings.web_trusted_proxies:
        return None
    given = headers.get(PROXY_SECRET_HEADER) or ""
    if not hmac.compare_digest(given.encode(), settings.web_proxy_secret.get_secret_value().encode()):
        return None
    name = (headers.get(header) or "").strip()
    return name or None
