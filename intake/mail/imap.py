"""The IMAP poller: reads new mail by UID, hands each to the flow, marks it done on the server
only after its outcome is committed.

Exactly once, across crashes (a mail is decided once even if the worker dies mid-batch):

1. ``UID SEARCH`` for messages not yet marked done (``NOT KEYWORD $SupportbotDone``, or
   ``UNSEEN`` where the server has no custom keywords).
2. ``UID FETCH`` of ``RFC822.SIZE`` first (an over-size mail is quarantined without being
   downloaded), then ``BODY.PEEK[]`` + ``INTERNALDATE`` in batches; PEEK leaves ``\\Seen`` alone.
3. Per message, one DB transaction records ``(mailbox, UIDVALIDITY, UID)``, the Message-ID and the
   outcome with all its side effects (``intake.pipeline.mailbox.BatchIngest``).
4. Only then the message is flagged (and moved, if configured). A crash between 3 and 4 re-fetches
   the message; the recorded row makes that a no-op but for the flag.

``UIDVALIDITY`` is remembered per mailbox; when it changes (a mailbox recreated or migrated),
every UID is new: the poller logs it and rescans everything not marked done; the Message-ID
uniqueness turns already-processed mails into ``duplicate`` outcomes instead of new tickets.

One active reader per mailbox even with several workers: a :class:`Lease` row (claimed with a
conditional UPDATE, renewed while reading, released on a clean stop). Waiting for mail uses IDLE
(RFC 2177) when offered, polling otherwise. Every socket has an explicit timeout; connection
errors reconnect with bounded exponential backoff.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from intake.mail.parse import MailError
from intake.store.locks import process_locks
from intake.store.models import InboundMessage, Lease

__all__ = ["ImapConfig", "ImapError", "LeaseLost", "MailboxPoller", "MessageBatch", "connect", "LeaseKeeper"]

log = logging.getLogger(__name__)

_SEEN = b"\\Seen"
REJECTED_OUTCOME = "rejected_redaction"


class ImapError(MailError):
    """The IMAP server could not be used (login, select, unexpected answers). Transient."""


class LeaseLost(ImapError):
    """Another worker holds the mailbox lease."""


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int = 993
    ssl: bool = True
    user: str = ""
    password: str = ""
    mailbox: str = "INBOX"
    timeout: float = 30.0
    done_keyword: str = "$SupportbotDone"
    processed_mailbox: str | None = None
    expunge_rejected: bool = True
    idle_seconds: float = 60.0
    poll_seconds: float = 30.0
    batch: int = 50
    # A fetched batch is held in memory whole (bytes, then parsed): bound it by bytes too, so 50
    # mails of 20 MiB are not one 1 GiB batch. A mail bigger than this still goes, alone.
    batch_bytes: int = 64 * 1024 * 1024
    lease_seconds: float = 120.0
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_mail_bytes: int = 25 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Any) -> ImapConfig:
        if not settings.imap_host or not settings.imap_user:
            raise ValueError("SUPPORTBOT_IMAP_HOST and SUPPORTBOT_IMAP_USER must be set to read mail")
        return cls(
            host=settings.imap_host, port=settings.imap_port, ssl=settings.imap_ssl, user=settings.imap_user,
            password=settings.imap_password.get_secret_value() if settings.imap_password else "",
            mailbox=settings.imap_mailbox, timeout=settings.imap_timeout, done_keyword=settings.imap_done_keyword,
            processed_mailbox=settings.imap_processed_mailbox,
            expunge_rejected=settings.imap_expunge_rejected, idle_seconds=settings.imap_idle_seconds,
            poll_seconds=settings.imap_poll_seconds, batch=settings.imap_batch,
            batch_bytes=settings.imap_batch_bytes, lease_seconds=settings.imap_lease_seconds, max_mail_bytes=settings.max_mail_bytes,
        )

    @property
    def lease_name(self) -> str:
        return f"imap:{self.user}@{self.host}:{self.port}/{self.mailbox}"[:200]


def connect(config: ImapConfig) -> IMAPClient:
    """Log in (the factory seam tests may replace). Explicit socket timeout; TLS verified."""
    # imapclient logs the raw protocol (mail bodies included) at DEBUG: never let it through.
    for name in ("imapclient", "imapclient.imaplib", "imapclient.imapclient"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger(name).level))
    context = ssl.create_default_context() if config.ssl else None
    client = IMAPClient(config.host, port=config.port, ssl=config.ssl, ssl_context=context,
                        timeout=config.timeout)
    try:
        client.login(config.user, config.password)
    except BaseException:
        _close(client)
        raise
    return client


def _close(client: IMAPClient | None) -> None:
    """logout -> shutdown, never raising (house style rule 10)."""
    if client is None:
        return
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - a dead connection can fail in many ways; we are leaving anyway
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass


@dataclass(frozen=True)
class FetchedMail:
    uid: int
    raw: bytes | None  # None: not downloaded (over-size)
    size: int
    internaldate: dt.datetime | None


@dataclass(frozen=True)
class MessageBatch:
    mailbox: str
    uidvalidity: int
    mails: Sequence[FetchedMail]
    # UIDs flagged done on the server since the previous batch's commit: the handler records
    # that (``inbound_messages.server_done``) in its own transaction, saving a round trip.
    done_before: Sequence[int] = ()


class BatchHandler(Protocol):
    """Processes fetched mails; returns ``(uid, outcome)`` for each mail whose outcome is
    committed (safe to mark done on the server). Records ``batch.done_before`` as done."""

    def __call__(self, batch: MessageBatch) -> list[tuple[int, str]]: ...


class LeaseKeeper:
    """A named lease: one holder at a time.

    Where the database offers a lock that dies with its holder (``intake.store.locks``: a
    PostgreSQL advisory lock, a file lock beside SQLite), that lock decides: a restarted worker
    takes over the moment the old one is gone instead of waiting out ``ttl``. The ``leases`` row is
    still written (who reads the mailbox, for operators and metrics) and is the election itself
    where no such lock exists (in-memory SQLite): taken and renewed by conditional UPDATE, expiring
    unless renewed.
    """

    def __init__(self, factory: sessionmaker[Session], name: str, holder: str, ttl: float,
                 clock: Callable[[], dt.datetime] | None = None, *, locks: Any = "auto") -> None:
        self.factory, self.name, self.holder, self.ttl = factory, name, holder, ttl
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._locks = process_locks(factory) if locks == "auto" else locks
        self._lock_name = f"lease:{name}"

    def acquire(self) -> bool:
        """Take or renew the lease; False while another (live) holder has it."""
        if self._locks is not None:
            try:
                if not self._locks.try_lock(self._lock_name, self.holder):
                    return False
            except Exception:  # noqa: BLE001 - the lock's connection failed: fall back to the row's TTL
                log.warning("lease %s: lock unavailable; using the lease row alone", self.name, exc_info=True)
            else:
                self._write_row(force=True)  # the previous holder is gone with its lock
                return True
        return self._write_row(force=False)

    def _write_row(self, *, force: bool) -> bool:
        now = self._clock()
        until = now + dt.timedelta(seconds=self.ttl)
        with self.factory() as session, session.begin():
            cond = Lease.name == self.name
            if not force:
                cond = cond & ((Lease.holder == self.holder) | (Lease.expires_at < now))
            res = session.execute(update(Lease).where(cond).values(holder=self.holder, expires_at=until)
                                  .execution_options(synchronize_session=False))
            if res.rowcount == 1:
                return True
            if session.scalar(select(Lease.holder).where(Lease.name == self.name)) is not None:
                return False
            try:
                with session.begin_nested():
                    session.add(Lease(name=self.name, holder=self.holder, expires_at=until))
                    session.flush()
            except IntegrityError:
                return False
            return True

    def release(self) -> None:
        with self.factory() as session, session.begin():
            session.execute(delete(Lease).where(Lease.name == self.name, Lease.holder == self.holder))
        if self._locks is not None:
            self._locks.unlock(self._lock_name, self.holder)

    def holder_now(self) -> str | None:
        with self.factory() as session:
            return session.scalar(select(Lease.holder).where(Lease.name == self.name))


class MailboxPoller:
    """Reads one mailbox. ``handler`` decides and commits; the poller only moves bytes and flags."""

    def __init__(self, config: ImapConfig, *, factory: sessionmaker[Session], handler: BatchHandler,
                 worker_id: str, connect_fn: Callable[[ImapConfig], IMAPClient] = connect,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.config = config
        self.factory = factory
        self.handler = handler
        self.worker_id = worker_id
        self._connect = connect_fn
        self.client: IMAPClient | None = None
        self.uidvalidity: int | None = None
        self._renewed_at = float("-inf")  # time.monotonic() of the last lease renewal by poll_once
        self.use_keyword = True
        self.idle_supported = False
        self.lease = LeaseKeeper(factory, config.lease_name, worker_id, config.lease_seconds)
        self._sleep = sleep
        self.failures = 0
        self.processed = 0

    # -- connection ------------------------------------------------------------------------------------

    def open(self) -> IMAPClient:
        if self.client is not None:
            return self.client
        client = self._connect(self.config)
        try:
            caps = {c.upper() for c in client.capabilities()}
            self.idle_supported = b"IDLE" in caps
            target = self.config.processed_mailbox
            if target and not client.folder_exists(target):
                client.create_folder(target)
                log.info("created mailbox %s for processed mail", target)
            info = client.select_folder(self.config.mailbox)
        except BaseException:
            _close(client)
            raise
        permanent = [f.upper() for f in info.get(b"PERMANENTFLAGS", ())]
        # Custom keywords need "\*" in PERMANENTFLAGS (RFC 3501 §7.1); else fall back to \Seen.
        self.use_keyword = bool(self.config.done_keyword) and (b"\\*" in permanent
                                                               or self.config.done_keyword.encode().upper() in permanent)
        validity = int(info[b"UIDVALIDITY"])
        if self.uidvalidity is not None and validity != self.uidvalidity:
            log.warning("mailbox %s: UIDVALIDITY changed %s -> %s; rescanning every message not marked done "
                        "(Message-IDs already seen become duplicates)", self.config.mailbox, self.uidvalidity, validity)
        self.uidvalidity = validity
        self._record_uidvalidity(validity)
        self.client = client
        log.info("imap connected to %s:%s/%s (IDLE %s, done marker %s)", self.config.host, self.config.port,
                 self.config.mailbox, "yes" if self.idle_supported else "no",
                 self.config.done_keyword if self.use_keyword else "\\Seen")
        return client

    def _record_uidvalidity(self, validity: int) -> None:
        """A change since the last recorded mail of this mailbox is logged (the rescan is implicit)."""
        with self.factory() as session:
            last = session.scalar(select(InboundMessage.uidvalidity)
                                  .where(InboundMessage.mailbox == self.config.mailbox,
                                         InboundMessage.uidvalidity.is_not(None))
                                  .order_by(InboundMessage.id.desc()).limit(1))
        if last is not None and last != validity:
            log.warning("mailbox %s: UIDVALIDITY %s differs from the last recorded %s: safe rescan",
                        self.config.mailbox, validity, last)

    def close(self) -> None:
        client, self.client = self.client, None
        _close(client)

    # -- one pass ------------------------------------------------------------------------------------------

    def _done_flag(self) -> bytes:
        return self.config.done_keyword.encode() if self.use_keyword else _SEEN

    def pending_uids(self) -> list[int]:
        client = self.open()
        # Dovecot answers SEARCH from its last view of the mailbox; NOOP makes it look at new
        # arrivals first (RFC 3501 §6.1.2: NOOP is the poll for updates).
        client.noop()
        criteria: list[Any] = ["NOT", "KEYWORD", self.config.done_keyword] if self.use_keyword else ["UNSEEN"]
        return sorted(int(u) for u in client.search(criteria))

    def poll_once(self, stop: threading.Event | None = None) -> int:
        """Process every pending message (in batches); returns how many were handled."""
        client = self.open()
        uids = self.pending_uids()
        handled = 0
        flagged: list[int] = []  # done on the server, not yet recorded as such
        try:
            sizes = self._sizes(client, uids)
            for chunk in self._batches(uids, sizes):
                if stop is not None and stop.is_set():
                    break
                # Renewed when a third of its time has passed, not before every batch: a renewal
                # is a transaction of its own (three round trips on PostgreSQL).
                if time.monotonic() - self._renewed_at > self.config.lease_seconds / 3:
                    if not self.lease.acquire():
                        raise LeaseLost(f"lease {self.config.lease_name} held by {self.lease.holder_now()}")
                    self._renewed_at = time.monotonic()
                mails = self._fetch(client, chunk, sizes)
                assert self.uidvalidity is not None
                done = self.handler(MessageBatch(self.config.mailbox, self.uidvalidity, mails, tuple(flagged)))
                flagged = self._mark_done(client, [uid for uid, _ in done],
                                          expunge=[uid for uid, outcome in done if outcome == REJECTED_OUTCOME])
                handled += len(done)
        finally:
            self._record_done(flagged)
        self.processed += handled
        return handled

    def _sizes(self, client: IMAPClient, uids: list[int]) -> dict[int, dict[bytes, Any]]:
        """``RFC822.SIZE`` of every pending mail (one round trip per 500), before any body."""
        sizes: dict[int, dict[bytes, Any]] = {}
        for start in range(0, len(uids), 500):
            sizes.update(client.fetch(uids[start:start + 500], ["RFC822.SIZE"]))
        return sizes

    def _batches(self, uids: list[int], sizes: dict[int, dict[bytes, Any]]) -> list[list[int]]:
        """UIDs in batches of at most ``batch`` mails and ``batch_bytes`` of bodies to download
        (an over-size mail is never downloaded, so it weighs nothing; a single mail over
        ``batch_bytes`` makes a batch of its own)."""
        out: list[list[int]] = []
        chunk: list[int] = []
        weight = 0
        for uid in uids:
            size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
            size = size if size <= self.config.max_mail_bytes else 0
            if chunk and (len(chunk) >= self.config.batch or weight + size > self.config.batch_bytes):
                out.append(chunk)
                chunk, weight = [], 0
            chunk.append(uid)
            weight += size
        if chunk:
            out.append(chunk)
        return out

    def _fetch(self, client: IMAPClient, uids: list[int],
               sizes: dict[int, dict[bytes, Any]] | None = None) -> list[FetchedMail]:
        if sizes is None:
            sizes = client.fetch(uids, ["RFC822.SIZE"])
        small = [u for u in uids if int(sizes.get(u, {}).get(b"RFC822.SIZE", 0)) <= self.config.max_mail_bytes]
        bodies = client.fetch(small, ["BODY.PEEK[]", "INTERNALDATE"]) if small else {}
        out = []
        for uid in uids:
            size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
            if uid not in sizes:
                continue  # expunged meanwhile
            data = bodies.get(uid)
            if uid in small and data is None:
                continue  # expunged between the two fetches
            raw = data.get(b"BODY[]") if data is not None else None
            internal = data.get(b"INTERNALDATE") if data is not None else None
            if isinstance(internal, dt.datetime):
                internal = internal.astimezone(dt.UTC) if internal.tzinfo else internal.replace(tzinfo=dt.UTC)
            else:
                internal = None
            out.append(FetchedMail(uid, raw, size, internal))
        return out

    def _mark_done(self, client: IMAPClient, uids: list[int], *, expunge: Sequence[int] = ()) -> list[int]:
        """Flag (or delete) committed mails on the server; returns the UIDs to record as done."""
        if not uids:
            return []
        done = [*uids]
        caps = {c.upper() for c in client.capabilities()}
        if expunge and self.config.expunge_rejected:
            # Support terms: requests with third-party personal data or secrets "can be deleted".
            # Deleted *before* any done flag: a crash in between leaves the mail pending, so the
            # next pass (finding its outcome recorded) deletes it again instead of skipping it.
            client.delete_messages(list(expunge), silent=True)
            if b"UIDPLUS" in caps:
                client.uid_expunge(list(expunge))
            else:
                client.expunge()
            uids = [u for u in uids if u not in set(expunge)]
        if uids:
            client.add_flags(uids, [self._done_flag()], silent=True)
        if self.config.processed_mailbox and uids:
            if b"MOVE" in caps:
                client.move(uids, self.config.processed_mailbox)
            else:
                client.copy(uids, self.config.processed_mailbox)
                client.delete_messages(uids, silent=True)
                client.uid_expunge(uids) if b"UIDPLUS" in caps else client.expunge()
        return done

    def _record_done(self, uids: Sequence[int]) -> None:
        """What the last batch's handler could not record: one round trip per pass."""
        if not uids:
            return
        with self.factory() as session, session.begin():
            session.execute(update(InboundMessage).where(
                InboundMessage.mailbox == self.config.mailbox, InboundMessage.uidvalidity == self.uidvalidity,
                InboundMessage.uid.in_(list(uids))).values(server_done=True)
                .execution_options(synchronize_session=False))

    # -- waiting -------------------------------------------------------------------------------------------

    def wait_for_mail(self, stop: threading.Event, timeout: float | None = None) -> bool:
        """Block until the server reports new mail, ``timeout`` passes or ``stop`` is set.
        IDLE when offered (re-issued at most every ``idle_seconds``, far below RFC 2177's 29
        minutes), else sleep ``poll_seconds``. Returns True when the server signalled something."""
        client = self.open()
        limit = timeout if timeout is not None else (self.config.idle_seconds if self.idle_supported
                                                     else self.config.poll_seconds)
        deadline = time.monotonic() + limit
        if not self.idle_supported:
            stop.wait(limit)
            return False
        client.idle()
        try:
            while not stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                responses = client.idle_check(timeout=min(1.0, remaining))
                if any(isinstance(r, tuple) and len(r) > 1 and r[1] in (b"EXISTS", b"RECENT", b"FETCH")
                       for r in responses):
                    return True
            return False
        finally:
            client.idle_done()

    # -- the loop ------------------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Poll, wait, repeat until ``stop``; reconnect with bounded backoff on failures."""
        try:
            while not stop.is_set():
                try:
                    if not self.lease.acquire():
                        log.debug("mailbox %s read by %s; standing by", self.config.mailbox, self.lease.holder_now())
                        self.close()
                        stop.wait(min(self.config.lease_seconds / 2, self.config.poll_seconds))
                        continue
                    self.poll_once(stop)
                    self.failures = 0
                    if stop.is_set():
                        break
                    self.lease.acquire()
                    self.wait_for_mail(stop, timeout=min(self.config.idle_seconds, self.config.lease_seconds / 3))
                except LeaseLost as exc:
                    log.warning("%s; standing by", exc)
                    self.close()
                except (TimeoutError, IMAPClientError, OSError, ssl.SSLError, ImapError, SQLAlchemyError) as exc:
                    self.close()
                    self.failures += 1
                    delay = min(self.config.backoff_max, self.config.backoff_base * 2 ** (self.failures - 1))
                    delay *= random.uniform(0.8, 1.2)
                    log.warning("imap %s:%s failed (%s: %s); reconnect %d in %.1fs", self.config.host,
                                self.config.port, type(exc).__name__, str(exc)[:200], self.failures, delay)
                    stop.wait(delay)
        finally:
            self.close()
            try:
                self.lease.release()
            except Exception:  # noqa: BLE001 - the DB may be what failed; the lease expires anyway
                log.warning("could not release lease %s", self.config.lease_name)
