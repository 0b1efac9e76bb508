"""``/healthz``: can this process reach what it depends on? Short timeouts, checks run in parallel.

Each check returns ``{"ok": bool, "detail": str, "ms": float}``; a peer that is not configured is
reported as ``{"ok": true, "detail": "not configured"}`` and does not fail the probe. Details never
carry credentials (only host:port or the API host).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from intake.settings import Settings

Check = Callable[[], dict[str, Any]]


def _timed(fn: Callable[[], str]) -> dict[str, Any]:
    started = time.monotonic()
    try:
        detail = fn()
        ok = True
    except Exception as exc:  # a probe reports every failure as data, whatever its class
        ok, detail = False, f"{type(exc).__name__}: {exc}"[:300]
    return {"ok": ok, "detail": detail, "ms": round((time.monotonic() - started) * 1000, 1)}


def db_check(factory: sessionmaker[Session]) -> Check:
    def probe() -> str:
        with factory() as s:
            s.execute(text("SELECT 1"))
        return "SELECT 1 ok"
    return lambda: _timed(probe)


def imap_check(settings: Settings, timeout: float) -> Check:
    """Connects and reads the IMAP greeting (``* OK``); no login, so no credentials travel."""
    def probe() -> str:
        host, port = settings.imap_host, settings.imap_port
        assert host is not None
        with socket.create_connection((host, port), timeout=timeout) as raw:
            sock: socket.socket = raw
            if settings.imap_ssl:
                sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
            sock.settimeout(timeout)
            greeting = sock.recv(512).decode("ascii", "replace")
            if not greeting.startswith("* OK") and not greeting.startswith("* PREAUTH"):
                raise ConnectionError(f"unexpected greeting {greeting[:60]!r}")
            try:
                sock.sendall(b"h1 LOGOUT\r\n")
            except OSError:
                pass
        return f"{host}:{port} greeting ok"
    if not settings.imap_host:
        return lambda: {"ok": True, "detail": "not configured", "ms": 0.0}
    return lambda: _timed(probe)


def slack_check(settings: Settings, timeout: float) -> Check:
    """Calls ``api.test`` on the configured Web API base (the real Slack or the sandbox stand-in)."""
    def probe() -> str:
        url = urllib.parse.urljoin(settings.slack_api_url.rstrip("/") + "/", "api.test")
        req = urllib.request.Request(url, data=b"", method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - configured https/loopback URL
            body = json.loads(resp.read(65536) or b"{}")
        if not body.get("ok"):
            raise ConnectionError(f"api.test answered ok=false ({body.get('error')})")
        return f"{urllib.parse.urlsplit(url).netloc} api.test ok"
    if settings.slack_bot_token is None:
        return lambda: {"ok": True, "detail": "not configured", "ms": 0.0}
    return lambda: _timed(probe)


def default_checks(settings: Settings, factory: sessionmaker[Session]) -> dict[str, Check]:
    timeout = settings.healthz_timeout
    return {"db": db_check(factory), "imap": imap_check(settings, timeout), "slack": slack_check(settings, timeout)}


def run_checks(checks: dict[str, Check], *, timeout: float) -> tuple[bool, dict[str, Any]]:
    """Run all checks in parallel; a check still running after ``timeout`` counts as failed."""
    results: dict[str, Any] = {}
    # Not a ``with`` block: its exit would wait for a hung check; the probes have their own timeouts.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(len(checks), 1), thread_name_prefix="healthz")
    try:
        futures = {name: pool.submit(fn) for name, fn in checks.items()}
        deadline = time.monotonic() + timeout
        for name, fut in futures.items():
            try:
                results[name] = fut.result(timeout=max(deadline - time.monotonic(), 0.01))
            except concurrent.futures.TimeoutError:
                results[name] = {"ok": False, "detail": f"no answer within {timeout:g} s", "ms": timeout * 1000}
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return all(r["ok"] for r in results.values()), results


class CachedHealth:
    """The checks' result, reused for ``ttl`` seconds: a probe every second from each of several load
    balancers (or anyone on the internet) costs one round of connections per ``ttl``, not one per call.
    One caller runs the checks; callers arriving meanwhile wait for that result."""

    def __init__(self, checks: dict[str, Check], *, timeout: float, ttl: float) -> None:
        self.checks = checks
        self.timeout = timeout
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cached: tuple[bool, dict[str, Any], dt.datetime] | None = None

    def result(self, now: dt.datetime) -> tuple[bool, dict[str, Any], dt.datetime]:
        """``(ok, results, when they were taken)``."""
        with self._lock:
            cached = self._cached
            if cached is not None and 0 <= (now - cached[2]).total_seconds() < self.ttl:
                return cached
            ok, results = run_checks(self.checks, timeout=self.timeout)
            self._cached = (ok, results, now)
            return self._cached
