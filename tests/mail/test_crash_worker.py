"""Crash test: ``kill -9`` the real worker process at random moments during a 300-mail burst,
restart it, and check that every mail has exactly one outcome, no ticket is duplicated and no
customer receives the same mail twice.

The worker runs as ``supportbot worker`` (a subprocess, configured through the environment like
production) against the session's Dovecot, the in-process aiosmtpd sink and the local
Statuspage (in outage). The database is a fresh SQLite file (the embedded default).
"""

from __future__ import annotations

import collections
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from intake.store.db import make_engine, session_factory, upgrade
from intake.store.models import InboundMessage, OutboxItem, Ticket
from tests.mail.flow_helpers import AUTHSERV, ROOT, SUPPORT, mail

pytestmark = [pytest.mark.dovecot, pytest.mark.slow]

BURST = 300
KILLS = 3  # each restart reloads the spaCy model (~3-10 s on a busy 2-core machine)
SUPPORTBOT = Path(sys.executable).with_name("supportbot")


def _burst(rng: random.Random) -> tuple[list[bytes], dict[str, str]]:
    """300 mails: new requests from 60 registered-domain senders (several each), some carrying a
    secret (rejected), some automated (filtered). Returns the raws and Message-ID -> kind."""
    raws, kinds = [], {}
    for i in range(BURST):
        mid = f"<burst-{i}-{uuid.uuid4().hex[:8]}@acme.example>"
        sender = f"User {i % 60} <user{i % 60}@acme.example>"
        roll = rng.random()
        if roll < 0.08:
            raws.append(mail(frm=sender, message_id=mid, subject=f"Out of office {i}",
                             headers={"Auto-Submitted": "auto-replied"}))
            kinds[mid] = "filtered"
        elif roll < 0.16:
            raws.append(mail(frm=sender, message_id=mid, subject=f"Login problem {i}",
                             body=f"Organization: acme\nProject: shop-eu\n\nOur password: Zq{uuid.uuid4().hex}\n"))
            kinds[mid] = "rejected_redaction"
        else:
            raws.append(mail(frm=sender, message_id=mid, subject=f"Checkout problem {i}",
                             body=f"Organization: acme\nProject: shop-eu\nSeverity: S{1 + i % 4}\n\nOrder {i} fails.\n"))
            kinds[mid] = "ticket"
    return raws, kinds


def _env(dovecot, smtp_sink, statuspage, db_url: str, data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPPORTBOT_", "SLACK_"))}
    env.update({
        "SUPPORTBOT_DATABASE_URL": db_url,
        "SUPPORTBOT_DATA_DIR": data_dir,
        "SUPPORTBOT_IMAP_HOST": dovecot.host, "SUPPORTBOT_IMAP_PORT": str(dovecot.port),
        "SUPPORTBOT_IMAP_SSL": "false", "SUPPORTBOT_IMAP_USER": dovecot.user,
        "SUPPORTBOT_IMAP_PASSWORD": dovecot.password, "SUPPORTBOT_IMAP_BATCH": "10",
        "SUPPORTBOT_IMAP_IDLE_SECONDS": "1", "SUPPORTBOT_IMAP_TIMEOUT": "10",
        "SUPPORTBOT_IMAP_LEASE_SECONDS": "2",  # a killed reader's lease expires fast
        "SUPPORTBOT_SMTP_HOST": smtp_sink.host, "SUPPORTBOT_SMTP_PORT": str(smtp_sink.port),
        "SUPPORTBOT_SMTP_STARTTLS": "false", "SUPPORTBOT_SMTP_TIMEOUT": "5",
        "SUPPORTBOT_OUTBOX_CLAIM_TTL": "3",  # a killed sender's claim is stale after 3 s
        "SUPPORTBOT_STATUSPAGE_URL": statuspage.base_url,
        "SUPPORTBOT_STATUSPAGE_COMPONENT": "Support Portal",
        "SUPPORTBOT_PORTAL_REFRESH_SECONDS": "5",
        "SUPPORTBOT_SUPPORT_ADDRESS": SUPPORT, "SUPPORTBOT_AUTHSERV_IDS": AUTHSERV,
        "SUPPORTBOT_REDACTION_HMAC_KEY": "c" * 64,
        "SUPPORTBOT_CUSTOMERS": str(ROOT / "config" / "customers.example.toml"),
        "SUPPORTBOT_AUTOREPLY_ACK_LIMIT": "50",
        "SUPPORTBOT_NEW_TICKET_LIMIT": "0",  # several new requests per sender (the limit: test_flow_follow_up_guard)
        "SUPPORTBOT_LOG_LEVEL": "INFO",
    })
    return env


def _start(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child, closed with it
    return subprocess.Popen([str(SUPPORTBOT), "worker"], env=env, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=log, cwd=str(ROOT))


def _wait_ready(proc: subprocess.Popen[bytes], log_path: Path, seen: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log_path.read_text(errors="replace").count("worker ready") > seen:
            return
        if proc.poll() is not None:
            raise AssertionError(f"worker exited early:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)
    raise AssertionError(f"worker not ready:\n{log_path.read_text(errors='replace')[-3000:]}")


def test_kill_9_during_a_300_mail_burst_loses_nothing_and_duplicates_nothing(dovecot, smtp_sink, statuspage):
    rng = random.Random(int(os.environ.get("CRASH_SEED", time.time())))
    statuspage.set_scenario("major-outage-critical")
    data_dir = tempfile.mkdtemp(prefix="sb-crash-")
    db_url = f"sqlite:///{data_dir}/crash.db"
    upgrade(db_url)
    engine = make_engine(db_url)
    factory = session_factory(engine)
    raws, kinds = _burst(rng)
    dovecot.append(raws)
    env = _env(dovecot, smtp_sink, statuspage, db_url, data_dir)
    log_path = Path(data_dir) / "worker.log"
    started = time.monotonic()
    timings = []

    def processed() -> int:
        with factory() as s:
            return int(s.scalar(select(func.count()).select_from(InboundMessage)) or 0)

    kills = 0
    for round_ in range(KILLS):
        t0 = time.monotonic()
        proc = _start(env, log_path)
        _wait_ready(proc, log_path, round_)
        timings.append(round(time.monotonic() - t0, 1))
        before = processed()
        time.sleep(rng.uniform(0.05, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        kills += 1
        if processed() >= BURST:
            break
        assert processed() >= before  # commits survive kill -9
    # Final run: let it finish, then stop it politely (SIGTERM finishes the current item).
    proc = _start(env, log_path)
    _wait_ready(proc, log_path, kills)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with factory() as s:
            busy = s.scalar(select(func.count()).select_from(OutboxItem).where(
                OutboxItem.kind == "email", OutboxItem.state.in_(("pending", "sending"))))
        if processed() >= BURST and busy == 0:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, log_path.read_text(errors="replace")[-3000:]
    elapsed = time.monotonic() - started

    with factory() as s:
        rows = list(s.scalars(select(InboundMessage)))
        tickets = list(s.scalars(select(Ticket)))
        emails = list(s.scalars(select(OutboxItem).where(OutboxItem.kind == "email")))
        posts = list(s.scalars(select(OutboxItem).where(OutboxItem.kind == "slack")))
    # every mail: exactly one outcome, the expected one
    assert len(rows) == BURST and sorted(r.uid for r in rows) == list(range(1, BURST + 1))
    assert all(r.outcome for r in rows)
    assert {r.message_id: r.outcome for r in rows} == kinds
    # no duplicate ticket, one Slack post each
    assert len(tickets) == sum(1 for k in kinds.values() if k == "ticket")
    assert len({t.root_message_id for t in tickets}) == len(tickets)
    post_counts = collections.Counter(p.payload["ticket_id"] for p in posts if p.payload.get("op") == "post_ticket")
    assert set(post_counts) == {t.id for t in tickets} and set(post_counts.values()) == {1}
    # no duplicate customer mail: each Message-ID, and each answered customer mail, at most once
    received = smtp_sink.messages
    ids = collections.Counter(m.header("Message-ID") for m in received)
    answered = collections.Counter(m.header("In-Reply-To") for m in received)
    assert max(ids.values()) == 1 and max(answered.values()) == 1
    # every queued email was delivered, or parked as "delivery unknown" (at most once, never twice)
    states = collections.Counter(e.state for e in emails)
    assert set(states) <= {"done", "parked"}
    # A kill between the SMTP server's "250" and our commit leaves an item "sending": it is parked
    # as "delivery unknown" (never re-sent), so the sink may hold it although it is not "done".
    assert states["done"] <= len(received) <= states["done"] + states["parked"]
    assert all("dispatcher stopped while sending" in (e.last_error or "") for e in emails if e.state == "parked")
    assert len(emails) == sum(1 for k in kinds.values() if k in ("ticket", "rejected_redaction"))
    # every mail marked done on the server (rejected ones expunged)
    flags = dovecot.flags()
    assert len(flags) == sum(1 for k in kinds.values() if k != "rejected_redaction")
    assert all(b"$SupportbotDone" in f for f in flags.values())
    engine.dispose()
    shutil.rmtree(data_dir, ignore_errors=True)  # kept only when an assertion failed (the worker log is there)
    print(f"crash test: {kills} kills, {len(tickets)} tickets, {states['done']} mails sent, "
          f"{states['parked']} parked as unknown, {elapsed:.1f}s (start-up times {timings})")
