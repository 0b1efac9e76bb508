"""The IMAP poller against a real Dovecot: UID + PEEK, flags after commit, UIDVALIDITY rescan,
the single-reader lease, IDLE, reconnect with backoff."""

from __future__ import annotations

import threading
import time

import pytest
from imapclient import IMAPClient

from intake.mail.imap import ImapConfig, LeaseKeeper, MailboxPoller, connect
from intake.store.models import InboundMessage, Ticket
from intake.worker import build_worker
from tests.mail.flow_helpers import count, drain, inbound, mail, make_settings

pytestmark = [pytest.mark.dovecot, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def _config(account, **over) -> ImapConfig:
    values = dict(host=account.host, port=account.port, ssl=False, user=account.user, password=account.password,
                  timeout=10.0, idle_seconds=2.0, poll_seconds=0.2, batch=3, lease_seconds=5.0,
                  backoff_base=0.05, backoff_max=0.2)
    values.update(over)
    return ImapConfig(**values)


class Recorder:
    """A handler that records what it is given and commits nothing."""

    def __init__(self) -> None:
        self.batches = []

    def __call__(self, batch):
        self.batches.append(batch)
        return [(m.uid, "recorded") for m in batch.mails]


def test_mail_is_fetched_by_uid_without_setting_seen_and_flagged_only_when_committed(factory, dovecot):
    dovecot.append([mail(subject=f"m{i}") for i in range(7)])
    handler = Recorder()
    poller = MailboxPoller(_config(dovecot), factory=factory, handler=handler, worker_id="w1")
    try:
        assert poller.poll_once() == 7
    finally:
        poller.close()
    assert [len(b.mails) for b in handler.batches] == [3, 3, 1]  # batches of imap_batch
    uids = [m.uid for b in handler.batches for m in b.mails]
    assert uids == list(range(1, 8))
    assert all(m.raw and m.raw.startswith((b"Return-Path:", b"From:")) and m.internaldate is not None for b in handler.batches
               for m in b.mails)
    flags = dovecot.flags()
    assert all(b"$SupportbotDone" in f and b"\\Seen" not in f for f in flags.values())


def test_a_handler_failure_leaves_the_mail_unflagged_for_the_next_pass(factory, dovecot):
    dovecot.append(mail())

    def failing(batch):
        raise RuntimeError("database down")

    poller = MailboxPoller(_config(dovecot), factory=factory, handler=failing, worker_id="w1")
    try:
        with pytest.raises(RuntimeError):
            poller.poll_once()
        assert b"$SupportbotDone" not in dovecot.flags()[1]
        poller.handler = Recorder()
        assert poller.poll_once() == 1
    finally:
        poller.close()
    assert b"$SupportbotDone" in dovecot.flags()[1]


def test_uidvalidity_change_rescans_and_turns_seen_message_ids_into_duplicates(db_url, factory, dovecot, smtp_sink,
                                                                               statuspage):
    statuspage.set_scenario("major-outage-critical")
    worker = build_worker(make_settings(db_url=db_url, imap=dovecot, smtp=smtp_sink, statuspage=statuspage),
                          factory=factory)
    try:
        dovecot.append([mail(), mail(frm="Bob Berger <bob@acme.example>")])
        drain(worker)
        old = worker.poller.uidvalidity
        worker.poller.close()
        # The mailbox is "migrated": new UIDVALIDITY, and the server lost our flags.
        dovecot.set_uidvalidity(old + 1000)
        dovecot.remove_flag("$SupportbotDone")
        drain(worker)
    finally:
        worker.poller.close()
    rows = inbound(factory)
    assert worker.poller.uidvalidity == old + 1000
    assert [r.outcome for r in rows] == ["ticket", "ticket", "duplicate", "duplicate"]
    assert {r.uidvalidity for r in rows[2:]} == {old + 1000}
    assert count(factory, Ticket) == 2 and len(smtp_sink.messages) == 2
    assert all(b"$SupportbotDone" in f for f in dovecot.flags().values())


def test_only_one_worker_reads_a_mailbox_until_its_lease_expires(factory, dovecot):
    # without a process lock (an in-memory database): the lease row's TTL elects the reader
    config = _config(dovecot, lease_seconds=0.5)
    first = LeaseKeeper(factory, config.lease_name, "worker-a", config.lease_seconds, locks=None)
    second = LeaseKeeper(factory, config.lease_name, "worker-b", config.lease_seconds, locks=None)
    assert first.acquire() and not second.acquire()
    assert first.acquire()  # renewal
    time.sleep(0.6)  # worker-a died without renewing
    assert second.acquire() and not first.acquire()
    second.release()
    assert first.acquire()


def test_with_a_process_lock_the_reader_keeps_the_mailbox_until_it_is_gone(factory, dovecot):
    config = _config(dovecot, lease_seconds=0.5)
    first = LeaseKeeper(factory, config.lease_name, "worker-a", config.lease_seconds)
    second = LeaseKeeper(factory, config.lease_name, "worker-b", config.lease_seconds)
    assert first.acquire() and not second.acquire()
    time.sleep(0.6)  # a slow renewal: the row expired, but worker-a is alive and keeps its lock
    assert not second.acquire()
    first.release()  # gone (a kill -9 is tested in tests/store/test_process_locks.py)
    assert second.acquire() and not first.acquire()
    second.release()


def test_a_standby_worker_does_not_read_while_the_lease_is_held(factory, dovecot):
    dovecot.append(mail())
    config = _config(dovecot, lease_seconds=30)
    LeaseKeeper(factory, config.lease_name, "other-worker", 30).acquire()
    handler = Recorder()
    poller = MailboxPoller(config, factory=factory, handler=handler, worker_id="standby")
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,))
    thread.start()
    time.sleep(0.8)
    stop.set()
    thread.join(10)
    assert handler.batches == [] and b"$SupportbotDone" not in dovecot.flags()[1]


def test_idle_wakes_the_poller_when_mail_arrives(factory, dovecot):
    poller = MailboxPoller(_config(dovecot, idle_seconds=10), factory=factory, handler=Recorder(), worker_id="w")
    try:
        poller.open()
        assert poller.idle_supported
        stop = threading.Event()
        threading.Timer(0.3, lambda: dovecot.append(mail())).start()
        started = time.monotonic()
        assert poller.wait_for_mail(stop, timeout=8) is True
        assert time.monotonic() - started < 5
        assert poller.poll_once() == 1
    finally:
        poller.close()


def test_connection_failures_reconnect_with_bounded_backoff(factory, dovecot):
    dovecot.append(mail())
    attempts = []

    def flaky(config: ImapConfig) -> IMAPClient:
        attempts.append(time.monotonic())
        if len(attempts) <= 3:
            raise ConnectionRefusedError("server restarting")
        return connect(config)

    handler = Recorder()
    poller = MailboxPoller(_config(dovecot), factory=factory, handler=handler, worker_id="w", connect_fn=flaky)
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,))
    thread.start()
    deadline = time.monotonic() + 10
    while not handler.batches and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(10)
    assert handler.batches and len(attempts) >= 4
    gaps = [b - a for a, b in zip(attempts, attempts[1:4], strict=False)]
    assert all(0.03 <= g <= 0.5 for g in gaps)  # backoff_base 0.05 doubling, capped at backoff_max 0.2 (+jitter)
    assert count(factory, InboundMessage) == 0  # the recorder commits nothing; the poller never does


def test_wrong_password_is_an_error_the_loop_survives(factory, dovecot):
    poller = MailboxPoller(_config(dovecot, password="wrong", backoff_base=5), factory=factory, handler=Recorder(),
                           worker_id="w")
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,))
    thread.start()
    deadline = time.monotonic() + 8
    while poller.failures == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(10)
    assert poller.failures >= 1 and not thread.is_alive()


def test_processed_mail_can_be_moved_to_a_folder_created_on_first_use(factory, dovecot):
    dovecot.append([mail(), mail()])
    poller = MailboxPoller(_config(dovecot, processed_mailbox="Processed"), factory=factory, handler=Recorder(),
                           worker_id="w")
    try:
        assert poller.poll_once() == 2
    finally:
        poller.close()
    assert dovecot.flags() == {}
    moved = dovecot.flags("Processed")
    assert len(moved) == 2 and all(b"$SupportbotDone" in f for f in moved.values())


def test_a_batch_is_bounded_by_bytes_as_well_as_by_count(factory, dovecot):
    big = ("x" * 79 + "\n") * 5_000  # ~400 kB each (short lines: no transfer encoding): two fit in 1 MiB
    dovecot.append([mail(subject=f"big {i}", body=big) for i in range(5)] + [mail(subject="small")])
    handler = Recorder()
    poller = MailboxPoller(_config(dovecot, batch=50, batch_bytes=1024 * 1024), factory=factory, handler=handler,
                           worker_id="w1")
    try:
        assert poller.poll_once() == 6
    finally:
        poller.close()
    assert [len(b.mails) for b in handler.batches] == [2, 2, 2]
    assert all(sum(len(m.raw) for m in b.mails) <= 1024 * 1024 for b in handler.batches)
    # one mail bigger than the bound still goes, alone
    dovecot.append(mail(subject="huge", body=("y" * 79 + "\n") * 19_000))
    handler2 = Recorder()
    poller = MailboxPoller(_config(dovecot, batch=50, batch_bytes=1024 * 1024), factory=factory, handler=handler2,
                           worker_id="w1")
    try:
        assert poller.poll_once() == 1
    finally:
        poller.close()
