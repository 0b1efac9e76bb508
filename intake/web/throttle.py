"""Sign-in throttling and the audit rows of anonymous failures, bounded in memory.

- **Who is the client**: the peer address, or, when the peer is one of ``SUPPORTBOT_WEB_TRUSTED_PROXIES``
  (addresses or networks), the right-most ``X-Forwarded-For`` address that is not itself a trusted
  proxy. A forwarded header from anyone else is ignored (it would let a client pick its own address).
- **Three counters** over a 15-minute window: per (account, client) pair (5 failures block the pair),
  per client (50 failures block the client for any account: a spray of user names from one address),
  and per account from any address, which backs off instead of locking: from the 10th failure each
  further attempt waits 2, 4, 8 ... seconds (at most 5 minutes) after the last one. Nobody can lock
  an account out from their own address, and guessing across many addresses slows to a crawl.
- **Bounded tables**: each holds at most ``max_entries`` keys; a full table first drops the keys whose
  window has passed, then the least recently failed ones. The table is never cleared wholesale (which
  10,000 junk user names used to do, resetting every counter).
- **Audit rows** of anonymous failures are rate-limited (``AuditBudget``) and name unknown users only
  by an HMAC: a mistyped password typed into the user name field must not be stored.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import threading
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

WINDOW = 900.0


def client_address(peer: str | None, headers: Mapping[str, str], trusted: Iterable[str]) -> str:
    """The client's address: the peer, or what a trusted proxy says the client was."""
    networks = _networks(trusted)
    if peer is None:
        return "?"
    if not networks or not _in(peer, networks):
        return peer
    forwarded = [a.strip() for a in (headers.get("x-forwarded-for") or "").split(",") if a.strip()]
    for address in reversed(forwarded):  # appended by each proxy in turn: the right-most are ours
        try:
            ipaddress.ip_address(address)
        except ValueError:
            return peer  # garbage in the header: count the proxy, not a made-up client
        if not _in(address, networks):
            return address
    return peer


def _networks(trusted: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    out = []
    for item in trusted:
        try:
            out.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue  # a host name (the SSO check compares those literally)
    return out


def _in(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


class _Counter:
    """Failure times per key within the window, at most ``max_entries`` keys."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.times: OrderedDict[str, deque[float]] = OrderedDict()

    def recent(self, key: str, now: float) -> deque[float]:
        times = self.times.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= WINDOW:
            times.popleft()
        if not times:
            del self.times[key]
        return times

    def add(self, key: str, now: float) -> None:
        times = self.recent(key, now)
        times.append(now)
        self.times[key] = times
        self.times.move_to_end(key)  # least recently failed first
        if len(self.times) > self.max_entries:
            self._evict(now)

    def drop(self, key: str) -> None:
        self.times.pop(key, None)

    def _evict(self, now: float) -> None:
        # Keys whose last failure left the window first (they are at the front), then the oldest live ones.
        while len(self.times) > self.max_entries:
            key, times = next(iter(self.times.items()))
            del self.times[key]
            if times and now - times[-1] < WINDOW:
                continue  # a live entry had to go: the table is full of recent failures


@dataclass(frozen=True)
class Verdict:
    wait: float  # seconds; 0 = go ahead
    reason: str = ""


class SignInThrottle:
    def __init__(self, *, pair_limit: int = 5, client_limit: int = 50, account_free: int = 10,
                 max_delay: float = 300.0, max_entries: int = 50_000) -> None:
        self.pair_limit, self.client_limit = pair_limit, client_limit
        self.account_free, self.max_delay = account_free, max_delay
        self.pairs, self.clients, self.accounts = (_Counter(max_entries), _Counter(max_entries),
                                                   _Counter(max_entries))
        self._lock = threading.Lock()

    @staticmethod
    def _pair(account: str, client: str) -> str:
        return f"{account}|{client}"

    def check(self, account: str, client: str, now: float) -> Verdict:
        account = account.lower()
        with self._lock:
            pair = self.pairs.recent(self._pair(account, client), now)
            if len(pair) >= self.pair_limit:
                return Verdict(pair[0] + WINDOW - now, "pair")
            by_client = self.clients.recent(client, now)
            if len(by_client) >= self.client_limit:
                return Verdict(by_client[0] + WINDOW - now, "client")
            by_account = self.accounts.recent(account, now)
            if len(by_account) >= self.account_free:
                delay = min(2.0 ** (len(by_account) - self.account_free + 1), self.max_delay)
                wait = by_account[-1] + delay - now
                if wait > 0:
                    return Verdict(wait, "account")
        return Verdict(0.0)

    def failure(self, account: str, client: str, now: float) -> None:
        account = account.lower()
        with self._lock:
            self.pairs.add(self._pair(account, client), now)
            self.clients.add(client, now)
            self.accounts.add(account, now)

    def success(self, account: str, client: str) -> None:
        with self._lock:
            self.pairs.drop(self._pair(account.lower(), client))


class AuditBudget:
    """At most ``limit`` audit rows of anonymous sign-in failures per window (per process); the first
    refusal in a window is itself recorded once, so the trail says that rows were left out."""

    def __init__(self, limit: int = 100) -> None:
        self.limit = limit
        self._window_start = float("-inf")
        self._used = 0
        self._lock = threading.Lock()

    def take(self, now: float) -> str:
        """``"row"``: write the row; ``"note"``: write one 'suppressed' row instead; ``"skip"``."""
        with self._lock:
            if now - self._window_start >= WINDOW:
                self._window_start, self._used = now, 0
            self._used += 1
            if self._used <= self.limit:
                return "row"
            return "note" if self._used == self.limit + 1 else "skip"


def name_digest(key: bytes, username: str) -> str:
    """How an unknown user name appears in the audit trail: an HMAC, never the text (often a password)."""
    mac = hmac.new(hashlib.sha256(b"supportbot.audit-name" + key).digest(), username.lower().encode(), "sha256")
    return "unknown:" + mac.hexdigest()[:16]
