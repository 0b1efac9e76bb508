"""Benchmark: peak memory of the worker under a burst of 50 mails of 20 MiB each.

    .venv/bin/python bench/bench_mail_burst.py [--mails 50] [--mib 20]

Starts a throw-away Dovecot (sandbox/start_dovecot.sh, needs root and dovecot-imapd), appends the
burst (each mail: a short request + a binary attachment, 20 MiB on the wire), then runs the
worker's poller over it in a fresh process per setting and prints that process's peak RSS
(``ru_maxrss``), its RSS before polling (Python, SQLAlchemy and the spaCy model loaded) and the
batches it took:

* ``imap_batch_bytes`` unbounded (the old behaviour: one batch of 50 mails, ~1 GiB of bodies
  fetched, then parsed, before any is processed);
* ``imap_batch_bytes`` = 64 MiB (the default): batches of 3 mails.

Goal: the bounded run's peak stays under ~0.6 GiB (model + 3 mails in flight), whatever the burst.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIB = 1024 * 1024


def burst_mail(i: int, mib: int) -> bytes:
    payload = os.urandom(int(mib * MIB * 0.74))  # base64 adds a third: ~``mib`` MiB on the wire
    b64 = base64.encodebytes(payload).decode()
    head = (f"From: Alice Anders <alice@acme.example>\r\nTo: support@vendor.example\r\n"
            f"Subject: Export fails, dump {i} attached\r\nMessage-ID: <burst-{i}-{time.time_ns()}@acme.example>\r\n"
            "Authentication-Results: mx.vendor.example; dmarc=pass header.from=acme.example\r\n"
            'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
            "--b\r\nContent-Type: text/plain\r\n\r\nOrganization: acme\r\nProject: shop-eu\r\nSeverity: S3\r\n\r\n"
            "The export fails; the dump is attached.\r\n"
            '--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n'
            f'Content-Disposition: attachment; filename="dump-{i}.bin"\r\n\r\n')
    return head.encode() + b64.replace("\n", "\r\n").encode() + b"\r\n--b--\r\n"


def child(args: argparse.Namespace) -> None:
    """One worker process: poll the burst, report its own memory."""
    from types import SimpleNamespace

    from intake.portal import GateReading, record_reading
    from intake.store.db import make_engine, session_factory, upgrade
    from intake.worker import build_worker
    from redaction.engine import get_redactor
    from tests.mail.flow_helpers import make_settings

    account = SimpleNamespace(host=args.host, port=args.port, user=args.user, password=args.password)
    upgrade(args.db)
    factory = session_factory(make_engine(args.db))
    settings = make_settings(db_url=args.db, imap=account, imap_batch=50, imap_batch_bytes=args.batch_bytes,
                             portal_refresh_seconds=3600, autoreply_ack_limit=10_000,
                             new_ticket_limit=0)  # every request a ticket, as measured before
    redactor = get_redactor(settings.redaction_config, model=settings.spacy_model)
    with factory() as s, s.begin():
        record_reading(s, GateReading("down", "down", "status page: Support Portal is major_outage",
                                      dt.datetime.now(dt.UTC), "clock"))
    worker = build_worker(settings, factory=factory, redactor=redactor)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    batches = []
    handler = worker.poller.handler

    def counting(batch):  # type: ignore[no-untyped-def]
        batches.append(len(batch.mails))
        return handler(batch)

    worker.poller.handler = counting
    t0 = time.perf_counter()
    total = 0
    while (n := worker.poller.poll_once()) > 0:
        total += n
    elapsed = time.perf_counter() - t0
    worker.poller.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"before_kib": before, "peak_kib": peak, "mails": total, "batches": batches,
                      "seconds": round(elapsed, 1)}))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mails", type=int, default=50)
    ap.add_argument("--mib", type=int, default=20)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    for name in ("--host", "--user", "--password", "--db"):
        ap.add_argument(name, help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--batch-bytes", type=int, default=64 * MIB, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return 0

    from sandbox.dovecot import DovecotServer, free_port

    tmp = Path(tempfile.mkdtemp(prefix="sb-burst-"))
    dovecot_dir = Path(tempfile.mkdtemp(prefix="sb-burst-dovecot-"))
    server = DovecotServer(dovecot_dir, free_port())
    server.start()
    server.write_users(2)
    time.sleep(1.1)
    try:
        account = server.new_account()
        t0 = time.perf_counter()
        size = 0
        for i in range(args.mails):
            raw = burst_mail(i, args.mib)
            size += len(raw)
            account.append(raw)
        print(f"appended {args.mails} mails of {size / args.mails / MIB:.1f} MiB ({size / MIB:.0f} MiB) "
              f"in {time.perf_counter() - t0:.1f}s")
        for label, limit in (("unbounded (old)", 1 << 62), ("64 MiB (default)", 64 * MIB)):
            account.remove_flag("$SupportbotDone")
            db = f"sqlite:///{tmp}/burst-{limit}.db"
            out = subprocess.run([sys.executable, __file__, "--child", "--host", account.host, "--port",
                                  str(account.port), "--user", account.user, "--password", account.password,
                                  "--db", db, "--batch-bytes", str(limit)],
                                 capture_output=True, text=True, cwd=ROOT, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"imap_batch_bytes {label:<17}: peak RSS {r['peak_kib'] / 1024:.0f} MiB "
                  f"(before polling {r['before_kib'] / 1024:.0f} MiB; +{(r['peak_kib'] - r['before_kib']) / 1024:.0f} MiB "
                  f"for the burst); {r['mails']} mails in {len(r['batches'])} batches {r['batches']}; {r['seconds']}s")
        return 0
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(dovecot_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
