"""Web pages under a realistic log size: page latency, export throughput, chain verification, purge.

    .venv/bin/python bench/bench_web.py [--entries 20000] [--tickets 3000] [--db sqlite|URL]

Seeds a fresh database (SQLite file by default) with redaction log entries over a year and tickets
over twelve weeks, then times the compliance and operator pages through the real app (Starlette
TestClient, in process, no network), the CSV/JSONL exports, chain verification and a retention purge.
Prints one line per figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def seed(factory, *, entries: int, tickets: int, now: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    from intake import services
    from intake.domain.policy import Policy
    from intake.domain.severity import Severity
    from intake.store.redaction_log import append
    from intake.web import auth

    rnd = random.Random(1)
    policy = Policy.default()
    text = "key AKIAQ7BENCHMARK1234 pw hunter2-Secret! mail erika@example.org iban DE89370400440532013000"
    spans = [(t, text.index(v), text.index(v) + len(v), r) for t, v, r in (
        ("AWS_ACCESS_KEY", "AKIAQ7BENCHMARK1234", "aws_access_key"), ("PASSWORD", "hunter2-Secret!", "secret_assignment"),
        ("EMAIL_ADDRESS", "erika@example.org", "email_address"), ("IBAN_CODE", "DE89370400440532013000", "iban"))]
    orgs = [f"Org {i:03d}" for i in range(60)]
    with factory.begin() as s:
        auth.add_user(s, username="clara", role="compliance", password="bench-password-1", now=now)
        auth.add_user(s, username="otto", role="operator", password="bench-password-1", now=now)
    start = now - dt.timedelta(days=365)
    step = dt.timedelta(days=365) / max(entries, 1)
    batch = 2000
    for lo in range(0, entries, batch):
        with factory.begin() as s:
            for i in range(lo, min(lo + batch, entries)):
                pick = rnd.sample(spans, rnd.randint(1, 3))
                append(s, key=b"bench-hmac-key-0123456789", now=start + step * i, channel=rnd.choice(["email", "slack"]),
                       message_ref=f"<{i}@customer.example>", sender_org=rnd.choice(orgs), text=text,
                       findings=[{"type": t, "start": a, "end": b, "recognizer": r, "score": 0.9} for t, a, b, r in pick])
    for lo in range(0, tickets, 500):
        with factory.begin() as s:
            for _ in range(lo, min(lo + 500, tickets)):
                sev = rnd.choice(list(Severity))
                submitted = now - dt.timedelta(minutes=rnd.randint(10, 12 * 7 * 24 * 60))
                t = services.open_ticket(s, policy=policy, now=submitted, channel="email", subject="bench", body="bench",
                                         requested_severity=sev, sender_email="ops@acme.example",
                                         organization=rnd.choice(orgs), project="p")
                if rnd.random() < 0.8:
                    services.send_reply(s, t.id, text="ok", now=submitted + policy.rule(sev).target * rnd.uniform(0.1, 1.5),
                                        actor="U1")
                    if rnd.random() < 0.7:
                        services.close(s, t.id, now=submitted + dt.timedelta(days=1), actor="U1")


def timed(fn, repeat: int = 5) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    values = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        values.append((time.perf_counter() - t0) * 1000)
    return statistics.median(values), max(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--db", default="sqlite")
    args = parser.parse_args()

    import re

    from starlette.testclient import TestClient

    from intake.domain.policy import Policy
    from intake.retention import chain_status, purge
    from intake.settings import load_settings
    from intake.store.db import make_engine, session_factory, upgrade
    from intake.web.app import create_app

    directory = Path(tempfile.mkdtemp(prefix="supportbot-bench-"))
    url = f"sqlite:///{directory}/bench.db" if args.db == "sqlite" else args.db
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    now = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    seed(factory, entries=args.entries, tickets=args.tickets, now=now)
    print(f"seed: {args.entries} redaction entries + {args.tickets} tickets in {time.perf_counter() - t0:.1f} s "
          f"({engine.dialect.name})")
    settings = load_settings(data_dir=directory)
    app = create_app(settings, factory=factory, policy=Policy.default(), health_checks={})
    with TestClient(app) as c:
        page = c.get("/signin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        c.post("/signin", data={"username": "clara", "password": "bench-password-1", "csrf_token": token})
        for label, path in (("redaction log, first page", "/compliance/redactions"),
                            ("redaction log, type+org filter", "/compliance/redactions?type=IBAN_CODE&organization=Org+007"),
                            ("redaction log, page 100", "/compliance/redactions?page=100"),
                            ("redaction entry detail", "/compliance/redactions/1234"),
                            ("operator dashboard", "/operator"),
                            ("metrics scrape", "/metrics")):
            med, worst = timed(lambda p=path: c.get(p).raise_for_status())
            print(f"{label}: median {med:.0f} ms, max {worst:.0f} ms (5 requests)")
        for fmt in ("csv", "jsonl"):
            t0 = time.perf_counter()
            body = c.get(f"/compliance/redactions/export.{fmt}").content
            secs = time.perf_counter() - t0
            print(f"export {fmt}: {args.entries} entries, {len(body) / 1e6:.1f} MB in {secs:.2f} s "
                  f"({args.entries / secs:,.0f} entries/s)")
    with factory() as s:
        t0 = time.perf_counter()
        status = chain_status(s)
        print(f"chain verification: {status['checked']} entries in {time.perf_counter() - t0:.2f} s (ok={status['ok']})")
    with factory.begin() as s:
        t0 = time.perf_counter()
        report = purge(s, now=now, settings=settings.model_copy(update={"retention_redaction_log_days": 180,
                                                                        "retention_closed_ticket_days": 30}))
        print(f"retention purge: {report.redaction_entries} entries + {report.tickets} tickets in "
              f"{time.perf_counter() - t0:.2f} s")
    with factory() as s:
        t0 = time.perf_counter()
        status = chain_status(s)
        print(f"chain verification after purge (anchored={status['anchored']}): {status['checked']} entries in "
              f"{time.perf_counter() - t0:.2f} s (ok={status['ok']})")
    engine.dispose()


if __name__ == "__main__":
    main()
