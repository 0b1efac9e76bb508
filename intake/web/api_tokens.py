"""Bearer tokens of the read API (``/api/v1``): created, listed and revoked from the command line.

A token is shown once, at creation; the database keeps only its SHA-256 (``api_tokens.token_hash``).
A plain hash is enough here, unlike passwords: the token is 256 random bits, so there is nothing to
guess from the hash, and the lookup is one indexed equality on it. Creation and revocation are
audited (``audit_log``); use marks ``last_used_at`` at most once a minute, so a polling client does
not turn every read into a write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.store.models import ApiToken, AuditEntry

ROLES = ("operator", "compliance")
PREFIX = "sbt_"  # recognisable in a leaked-secret scan, and by our own redaction rules
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,199}")
_TOUCH_EVERY = dt.timedelta(minutes=1)


class TokenError(ValueError):
    """A token operation that cannot be done (bad name or role, unknown or duplicate name)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(session: Session, *, name: str, role: str, now: dt.datetime, actor: str) -> str:
    """Add a token and return it: the only time it is ever visible. The caller commits."""
    if not _NAME.fullmatch(name):
        raise TokenError("token name must be 1-200 characters: letters, digits, '.', '_', '@', '-' "
                         "(starting with a letter or digit)")
    if role not in ROLES:
        raise TokenError(f"role must be one of {', '.join(ROLES)}")
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise TokenError(f"a token named {name!r} exists (revoked tokens keep their name for the audit trail)")
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, role=role, token_hash=token_hash(token), created_at=now))
    session.add(AuditEntry(at=now, username=actor, action="api_token_created", target=f"api_token:{name}",
                           data={"role": role}))
    session.flush()
    return token


def revoke(session: Session, *, name: str, now: dt.datetime, actor: str) -> ApiToken:
    """Revoke a token by name; it is refused from its next request on. Revoking twice is an error."""
    row = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if row is None:
        raise TokenError(f"no token named {name!r}")
    if row.revoked_at is not None:
        raise TokenError(f"token {name!r} was already revoked at {row.revoked_at:%Y-%m-%dT%H:%M:%SZ}")
    row.revoked_at = now
    session.add(AuditEntry(at=now, username=actor, action="api_token_revoked", target=f"api_token:{name}",
                           data={"role": row.role}))
    return row


def all_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.name)).all())


def authenticate(session: Session, presented: str, *, now: dt.datetime) -> ApiToken | None:
    """The live token ``presented`` stands for, or None (unknown or revoked). Marks its use."""
    if not presented.startswith(PREFIX) or len(presented) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(presented)))
    if row is None or row.revoked_at is not None:
        return None
    if row.last_used_at is None or now - row.last_used_at >= _TOUCH_EVERY:
        row.last_used_at = now
    return row
