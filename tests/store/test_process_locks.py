"""Locks that die with their holder (a PostgreSQL advisory lock, a file lock beside SQLite): a
worker killed with ``kill -9`` frees the IMAP lease and its outbox claims at once, and an email it
was sending is resent if it died before SMTP DATA, parked as "delivery unknown" after."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from intake.mail.imap import LeaseKeeper
from intake.mail.smtp import SmtpConfig, SmtpTransport
from intake.outbox import Dispatcher, RetryPolicy, enqueue, record_phase
from intake.store.locks import process_locks
from intake.store.models import OutboxItem
from tests.paths import ROOT

CHILD_LEASE = """
import sys, time
from intake.store.db import make_engine, session_factory
from intake.mail.imap import LeaseKeeper
factory = session_factory(make_engine(sys.argv[1]))
assert LeaseKeeper(factory, "imap:test/INBOX", "child-worker", 120).acquire()
print("ready", flush=True)
time.sleep(600)
"""

CHILD_SENDER = """
import datetime as dt, sys, time
from intake.store.db import make_engine, session_factory
from intake.mail.smtp import SmtpConfig, SmtpTransport
from intake.outbox import Dispatcher, RetryPolicy, record_phase
url, host, port, stop_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
factory = session_factory(make_engine(url))

def hang(where):
    print(where, flush=True)
    time.sleep(600)

class Connect:  # stops before connecting: nothing has left the process
    def __call__(self, config):
        if stop_at == "connect":
            hang("at-connect")
        from intake.mail.smtp import _connect
        return _connect(config)

def before_data(item):
    record_phase(factory, item.id, "data", worker_id="child-worker")
    hang("at-data")

transport = SmtpTransport(SmtpConfig(host=host, port=port, starttls=False, timeout=5), connect=Connect(),
                          before_data=before_data)
d = Dispatcher(factory, {"email": transport}, worker_id="child-worker", stale_policy={"email": "park"},
               retry=RetryPolicy(claim_ttl=300))
d.dispatch_once(now=dt.datetime.now(dt.UTC))
"""


@pytest.fixture
def spawn(db_url: str) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    children: list[subprocess.Popen[str]] = []

    def start(code: str, *args: str, wait_for: str) -> subprocess.Popen[str]:
        child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), db_url, *args], cwd=ROOT,
                                 stdout=subprocess.PIPE, text=True)
        children.append(child)
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        assert line == wait_for, f"child said {line!r}"
        return child

    yield start
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait()


def kill9(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait()


def eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Poll ``check``: the database notices a dead client's closed socket in a moment, not at a TTL."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_the_process_locks_exist_for_file_sqlite_and_postgres(factory: sessionmaker[Session]) -> None:
    locks = process_locks(factory)
    assert locks is not None
    assert locks.try_lock("x", "a") and locks.try_lock("x", "a")  # re-taking is renewing
    assert not locks.try_lock("x", "b")  # another holder in this process is excluded too
    assert not locks.is_free("x")
    locks.unlock("x", "a")
    assert locks.is_free("x") and locks.try_lock("x", "b")
    locks.unlock("x", "b")


def test_a_killed_readers_mailbox_lease_is_taken_over_at_once(factory: sessionmaker[Session], spawn) -> None:
    child = spawn(CHILD_LEASE, wait_for="ready")
    standby = LeaseKeeper(factory, "imap:test/INBOX", "new-worker", ttl=120)
    assert not standby.acquire()  # the reader is alive
    kill9(child)
    # its lease row says another 120 s; the lock says it's gone
    assert eventually(standby.acquire)
    assert standby.holder_now() == "new-worker"
    standby.release()


def _email(factory: sessionmaker[Session]) -> int:
    with factory() as s, s.begin():
        item = enqueue(s, kind="email", dedupe_key="ack-1", now=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
                       payload={"to": ["carol@customer.example"], "from": "support@vendor.example",
                                "subject": "Your request", "text": "Received.", "message_id": "<ack-1@vendor.example>"})
        return item.id


def _new_dispatcher(factory: sessionmaker[Session], smtp_sink) -> Dispatcher:
    transport = SmtpTransport(SmtpConfig(host=smtp_sink.host, port=smtp_sink.port, starttls=False, timeout=5),
                              before_data=lambda item: record_phase(factory, item.id, "data"))
    return Dispatcher(factory, {"email": transport}, worker_id="new-worker", stale_policy={"email": "park"},
                      retry=RetryPolicy(claim_ttl=300))


def _state(factory: sessionmaker[Session], item_id: int) -> OutboxItem:
    with factory() as s:
        item = s.get(OutboxItem, item_id)
        assert item is not None
        return item


def test_an_email_whose_sender_died_before_smtp_data_is_sent_at_once(factory, spawn, smtp_sink) -> None:
    item_id = _email(factory)
    child = spawn(CHILD_SENDER, smtp_sink.host, str(smtp_sink.port), "connect", wait_for="at-connect")
    assert _state(factory, item_id).state == "sending"
    kill9(child)
    d = _new_dispatcher(factory, smtp_sink)
    assert eventually(lambda: d.dispatch_once(now=dt.datetime.now(dt.UTC)).sent == 1)
    assert _state(factory, item_id).state == "done"
    [received] = smtp_sink.wait_for(1)
    assert received.header("Message-ID") == "<ack-1@vendor.example>"
    d.close()


def test_an_email_whose_sender_died_in_smtp_data_is_parked_as_delivery_unknown(factory, spawn, smtp_sink) -> None:
    item_id = _email(factory)
    child = spawn(CHILD_SENDER, smtp_sink.host, str(smtp_sink.port), "data", wait_for="at-data")
    kill9(child)
    d = _new_dispatcher(factory, smtp_sink)

    def parked() -> bool:
        d.dispatch_once(now=dt.datetime.now(dt.UTC))
        return _state(factory, item_id).state == "parked"

    assert eventually(parked)  # at once, not after the 300 s claim
    item = _state(factory, item_id)
    assert "delivery unknown" in (item.last_error or "") and "phase data" in (item.last_error or "")
    time.sleep(0.5)
    assert smtp_sink.messages == []
    with factory() as s:
        assert s.scalar(select(OutboxItem.state).where(OutboxItem.id == item_id)) == "parked"
    d.close()
