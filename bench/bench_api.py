"""The read API (``/api/v1``) on a realistic database: page latency and a full keyset walk.

    .venv/bin/python bench/bench_api.py [--tickets 5000] [--entries 5000] [--db sqlite|URL]

Seeds a fresh database (SQLite file by default) with tickets over twelve weeks (two events each)
and redaction log entries over a year, creates an operator and a compliance token, then times the
API through the real app (Starlette TestClient, in process, no network). Prints one line per figure.
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


def seed(factory, *, tickets: int, entries: int, now: dt.datetime) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from intake.store.models import Ticket, TicketEvent
    from intake.store.redaction_log import append
    from intake.web import api_tokens

    rnd = random.Random(1)
    orgs = [f"Org {i:03d}" for i in range(60)]
    states = ["open", "responded", "closed", "awaiting_customer", "deflected"]
    for lo in range(0, tickets, 1000):
        with factory.begin() as s:
            rows = []
            for i in range(lo, min(lo + 1000, tickets)):
                submitted = now - dt.timedelta(minutes=rnd.randint(10, 12 * 7 * 24 * 60))
                sev = f"S{rnd.randint(1, 4)}"
                state = rnd.choice(states)
                rows.append(Ticket(token=f"SB-{i + 1:06d}", channel=rnd.choice(["email", "slack", "web"]), state=state,
                                   requested_severity=sev, effective_severity=sev, organization=rnd.choice(orgs),
                                   subject="bench", body="bench body", sender_email="ops@acme.example",
                                   submitted_at=submitted, due_at=submitted + dt.timedelta(hours=8),
                                   initial_response_at=submitted + dt.timedelta(hours=2)
                                   if state in ("responded", "closed") else None))
            s.add_all(rows)
            s.flush()
            s.add_all([TicketEvent(ticket_id=r.id, at=r.submitted_at, kind=k, data={"effective": r.effective_severity})
                       for r in rows for k in ("opened", "assigned")])
    text = "key AKIAQ7BENCHMARK1234 pw hunter2-Secret! mail erika@example.org"
    spans = [(t, text.index(v), text.index(v) + len(v), r) for t, v, r in (
        ("AWS_ACCESS_KEY", "AKIAQ7BENCHMARK1234", "aws_access_key"), ("PASSWORD", "hunter2-Secret!", "secret_assignment"),
        ("EMAIL_ADDRESS", "erika@example.org", "email_address"))]
    start, step = now - dt.timedelta(days=365), dt.timedelta(days=365) / max(entries, 1)
    for lo in range(0, entries, 2000):
        with factory.begin() as s:
            for i in range(lo, min(lo + 2000, entries)):
                pick = rnd.sample(spans, rnd.randint(1, 3))
                append(s, key=b"bench-hmac-key-0123456789", now=start + step * i, channel=rnd.choice(["email", "slack"]),
                       message_ref=f"<{i}@customer.example>", sender_org=rnd.choice(orgs), text=text,
                       findings=[{"type": t, "start": a, "end": b, "recognizer": r, "score": 0.9} for t, a, b, r in pick])
    with factory.begin() as s:
        return {role: api_tokens.create(s, name=f"bench-{role}", role=role, now=now, actor="bench")
                for role in ("operator", "compliance")}


def timed(client, path: str, token: str, runs: int = 5) -> str:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        resp = client.get(path, headers={"Authorization": f"Bearer {token}"})
        times.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200, resp.text
    return f"median {statistics.median(times):.0f} ms, max {max(times):.0f} ms ({runs} requests)"


def walk(client, path: str, token: str) -> tuple[int, int, float]:  # type: ignore[no-untyped-def]
    items = pages = 0
    cursor = None
    t0 = time.perf_counter()
    while True:
        params = {"limit": "200", **({"cursor": cursor} if cursor else {})}
        page = client.get(path, params=params, headers={"Authorization": f"Bearer {token}"}).json()
        items += len(page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return items, pages, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--db", default="sqlite")
    args = parser.parse_args()

    from starlette.testclient import TestClient

    from intake.domain.policy import Policy
    from intake.settings import load_settings
    from intake.store.db import make_engine, session_factory, upgrade
    from intake.web.app import create_app

    tmp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    url = f"sqlite:///{tmp}/bench.db" if args.db == "sqlite" else args.db
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    now = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    tokens = seed(factory, tickets=args.tickets, entries=args.entries, now=now)
    print(f"seed: {args.tickets} tickets + {args.entries} redaction entries in {time.perf_counter() - t0:.1f} s "
          f"({engine.dialect.name})")
    settings = load_settings(data_dir=tmp, secret_key="bench-secret-key-0123456789abcdef")
    app = create_app(settings, factory=factory, policy=Policy.default(), health_checks={})
    op, co = tokens["operator"], tokens["compliance"]
    with TestClient(app) as client:
        print("tickets, first page of 50:", timed(client, "/api/v1/tickets", op))
        print("tickets, first page of 200:", timed(client, "/api/v1/tickets?limit=200", op))
        print("tickets, state+severity+org filter:",
              timed(client, "/api/v1/tickets?state=open&state=responded&severity=S1&severity=S2&organization=Org%20007", op))
        print("ticket detail:", timed(client, "/api/v1/tickets/SB-000100", op))
        items, pages, secs = walk(client, "/api/v1/tickets", op)
        print(f"tickets, full walk at 200/page: {items} tickets in {pages} pages, {secs:.2f} s ({items / secs:,.0f}/s)")
        print("redactions, first page of 200:", timed(client, "/api/v1/redactions?limit=200", co))
        print("redactions, type+org filter:", timed(client, "/api/v1/redactions?type=PASSWORD&organization=Org%20007", co))
        items, pages, secs = walk(client, "/api/v1/redactions", co)
        print(f"redactions, full walk at 200/page: {items} entries in {pages} pages, {secs:.2f} s ({items / secs:,.0f}/s)")
        print("openapi.json:", timed(client, "/api/v1/openapi.json", op))
    engine.dispose()


if __name__ == "__main__":
    main()
