"""Benchmark: 1,000 mails waiting in Dovecot during an outage -> all decided, acknowledged and
queued; beside a bare imapclient fetch of the same mails plus redaction of their texts.

    .venv/bin/python bench/bench_mail.py [--mails 1000] [--database-url URL | --postgres URL] [--profile FILE]

One run measures SQLite (a fresh file) and, when the PostgreSQL server of ``--postgres`` is
reachable, PostgreSQL too (a scratch database, dropped afterwards); each against a baseline run
of its own, back to back on the same Dovecot.

Starts a throw-away Dovecot (sandbox/start_dovecot.sh, needs root and dovecot-imapd) on a free
loopback port, APPENDs the mails, then times:

* **baseline**: one imapclient connection, ``UID SEARCH``, ``UID FETCH BODY.PEEK[]`` in batches of
  the poller's size, stdlib parsing of the text, ``Redactor.check_many`` over the texts;
* **flow**: the worker's poller + flow (``build_worker``): parse, filter, identify, redact,
  extract, ticket + SLA + Slack row + acknowledgement row, one transaction per fetched batch, the
  batch's mails flagged on the server after its commit.

``--profile FILE`` writes a cProfile of the flow part (read it with ``python -m pstats FILE``).

Goals: flow <= 1.3 x baseline on SQLite, <= 1.5 x on PostgreSQL. The spaCy model is loaded before either timer starts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email
import email.policy
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from imapclient import IMAPClient  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from intake.portal import GateReading, record_reading  # noqa: E402
from intake.store.db import make_engine, session_factory, upgrade  # noqa: E402
from intake.store.models import InboundMessage, OutboxItem, Ticket  # noqa: E402
from intake.worker import build_worker  # noqa: E402
from redaction.engine import get_redactor  # noqa: E402
from sandbox.dovecot import DovecotServer, free_port  # noqa: E402
from tests.mail.flow_helpers import mail, make_settings  # noqa: E402

BODIES = [
    "Organization: acme\nProject: shop-eu\nSeverity: S{sev}\n\nSince {t} the checkout returns HTTP 500 for "
    "about a third of the orders. The error started after the deployment of release 4.{n}. Our logs show:\n\n"
    "  2026-11-28T10:{m:02d}:13Z ERROR PaymentService timeout after 30000 ms (order {n})\n"
    "  at com.vendor.checkout.Pay.submit(Pay.java:{n})\n\nPlease help, we are losing orders.\n\nBest regards\nAlice",
    "Organization: acme\nProject: shop-eu-staging\nProduction system: no\n\nThe backend UI shows the wrong "
    "currency on the order overview page since yesterday. Steps: open orders, filter by {t}. Expected EUR, "
    "got USD.\n\nThanks,\nBob",
    "Hello support,\n\nour storefront search is slow (about {m} seconds per query) since this morning. "
    "Organization: globex\nProject: storefront\nSeverity: S2\n\nRegards, Hank",
    "Organization: acme\nProject: shop-eu\n\nThe refund for our customer Maria Schneider "
    "(maria.schneider{n}@gmail.com, +49 151 2345{m:04d}) failed twice. Can you check?\n\nAlice",
]
SENDERS = ["Alice Anders <alice@acme.example>", "Bob Berger <bob@acme.example>", "Hank Scorpio <hank@globex.example>",
           "Dan <dan@newcustomer.example>"]


def make_mails(n: int, rng: random.Random) -> list[bytes]:
    out = []
    for i in range(n):
        kind = rng.choices(range(len(BODIES)), weights=[5, 2, 2, 1])[0]
        body = BODIES[kind].format(sev=rng.randint(1, 4), t=f"{rng.randint(0, 23):02d}:00", n=i, m=rng.randint(0, 59))
        out.append(mail(frm=SENDERS[kind if kind < 3 else rng.randint(0, 3)], subject=f"Problem report {i}",
                        body=body, message_id=f"<bench-{i}-{uuid.uuid4().hex[:6]}@customer.example>"))
    return out


def baseline(server: DovecotServer, user: str, password: str, batch: int, redactor) -> tuple[float, int, float]:
    started, cpu = time.perf_counter(), time.process_time()
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=30)
    client.login(user, password)
    client.select_folder("INBOX", readonly=True)
    uids = client.search("ALL")
    texts = []
    for i in range(0, len(uids), batch):
        for data in client.fetch(uids[i:i + batch], ["BODY.PEEK[]"]).values():
            msg = email.message_from_bytes(data[b"BODY[]"], policy=email.policy.default)
            part = msg.get_body(("plain", "html"))
            texts.append((f"Subject: {msg['Subject']}\n\n" + (part.get_content() if part else ""), None))
    decisions = redactor.check_many(texts)
    client.logout()
    return time.perf_counter() - started, sum(1 for d in decisions if not d.clean), time.process_time() - cpu


DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_scratch(admin_url: str) -> tuple[str, object] | None:
    """A fresh database on the PostgreSQL server of ``admin_url`` (None when unreachable), and its
    drop function."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        name = f"sb_bench_mail_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - no server: SQLite only, and say so
        print(f"PostgreSQL at {admin_url} not reachable ({type(exc).__name__}): SQLite only")
        return None

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def run_one(server: DovecotServer, raws: list[bytes], db_url: str, profile: str | None) -> float:
    """Baseline and flow on one database; returns flow / baseline."""
    account = server.new_account()
    t0 = time.perf_counter()
    account.append(raws)
    print(f"appended {len(raws)} mails to Dovecot in {time.perf_counter() - t0:.2f}s")
    upgrade(db_url)
    engine = make_engine(db_url)
    factory = session_factory(engine)
    settings = make_settings(db_url=db_url, imap=account, imap_batch=50, portal_refresh_seconds=3600,
                             autoreply_ack_limit=10_000, new_ticket_limit=0)  # every request a ticket
    t0 = time.perf_counter()
    redactor = get_redactor(settings.redaction_config, model=settings.spacy_model)
    print(f"redaction engine loaded in {time.perf_counter() - t0:.2f}s (not timed below)")
    with factory() as s, s.begin():  # the outage, as the clock recorded it
        record_reading(s, GateReading("down", "down", "status page: Support Portal is major_outage",
                                      dt.datetime.now(dt.UTC), "clock"))
    baseline(server, account.user, account.password, 50, redactor)  # warm-up: Dovecot's caches
    base, rejected_base, base_cpu = baseline(server, account.user, account.password, 50, redactor)
    print(f"baseline  imapclient fetch + parse + redaction of {len(raws)} mails: {base:.2f}s "
          f"({len(raws) / base:.0f} mails/s; {rejected_base} would be rejected; this process's CPU {base_cpu:.2f}s)")

    worker = build_worker(settings, factory=factory, redactor=redactor)
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0, cpu0 = time.perf_counter(), time.process_time()
    total = 0
    while True:
        n = worker.poller.poll_once()
        total += n
        if n == 0:
            break
    flow, flow_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    worker.poller.close()
    with factory() as s:
        decided = s.scalar(select(func.count()).select_from(InboundMessage).where(InboundMessage.outcome.is_not(None)))
        tickets = s.scalar(select(func.count()).select_from(Ticket))
        acks = s.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.kind == "email"))
        posts = s.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.kind == "slack"))
        outcomes = dict(s.execute(select(InboundMessage.outcome, func.count()).group_by(InboundMessage.outcome)).all())
    engine.dispose()
    print(f"flow      poll + decide + ticket/SLA/ack/Slack rows + flag, {total} mails:  {flow:.2f}s "
          f"({total / flow:.0f} mails/s; this process's CPU {flow_cpu:.2f}s)")
    print(f"          outcomes {outcomes}; {tickets} tickets, {acks} emails and {posts} Slack posts queued")
    assert decided == len(raws), f"only {decided} of {len(raws)} mails decided"
    print(f"          this process's CPU: flow / baseline = {flow_cpu / base_cpu:.2f}x (less sensitive to a busy "
          "machine; the database server's and Dovecot's CPU not included)")
    return flow / base


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mails", type=int, default=1000)
    ap.add_argument("--database-url", default=None,
                    help="only this database (default: a fresh SQLite file, then PostgreSQL when reachable)")
    ap.add_argument("--postgres", default=DEFAULT_POSTGRES,
                    help="PostgreSQL server to create a scratch database on ('' to skip); default %(default)s")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--profile", metavar="FILE", help="write a cProfile of the flow part to FILE (per database: "
                    "FILE.sqlite, FILE.postgresql)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="sb-bench-"))
    dovecot_dir = Path(tempfile.mkdtemp(prefix="sb-bench-dovecot-"))  # its own dir: start_dovecot.sh opens it up
    server = DovecotServer(dovecot_dir, free_port())
    server.start()
    server.write_users(4)
    time.sleep(1.1)
    drops = []
    try:
        raws = make_mails(args.mails, rng)
        targets: list[tuple[str, str]] = []
        if args.database_url:
            targets.append(("given", args.database_url))
        else:
            targets.append(("SQLite", f"sqlite:///{tmp}/bench.db"))
            scratch = postgres_scratch(args.postgres) if args.postgres else None
            if scratch is not None:
                targets.append(("PostgreSQL", scratch[0]))
                drops.append(scratch[1])
        goals = {"SQLite": 1.3, "PostgreSQL": 1.5, "given": 1.5}
        ratios = []
        for label, url in targets:
            print(f"--- {label}: {url.split('@')[-1]}")
            profile = f"{args.profile}.{label.lower()}" if args.profile else None
            ratios.append((label, run_one(server, raws, url, profile)))
        print("--- summary (each ratio against the baseline of its own run)")
        for label, ratio in ratios:
            goal = goals[label]
            print(f"ratio     {label:<10} flow / baseline = {ratio:.2f}x (goal <= {goal}x): "
                  f"{'OK' if ratio <= goal else 'OVER'}")
        return 0
    finally:
        server.stop()
        for drop in drops:
            drop()  # type: ignore[operator]
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(dovecot_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
