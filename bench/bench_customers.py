"""Customer registry, sender identity and field extraction: how much they cost per mail.

    .venv/bin/python bench/bench_customers.py [--orgs 2000] [--mails 10000]

Prints the time to load/validate a registry of ``--orgs`` organizations (10 users, 3 projects,
2 products each) and the per-mail cost of ``identify_sender`` + ``extract``. They should be
negligible beside redaction (milliseconds per mail) in the 1,000-mail outage benchmark.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

from intake.mail.extract import extract
from intake.mail.identity import identify_sender
from intake.registry import Registry, registry_to_toml


def make_registry_toml(orgs: int) -> str:
    doc = {"organizations": [
        {
            "id": f"org{i}", "name": f"Organization {i}", "domains": [f"org{i}.example"],
            "escalation_contact": {"email": f"oncall@org{i}.example"},
            "users": [{"email": f"user{j}@org{i}.example", "name": f"User {j}"} for j in range(10)],
            "projects": [{"id": f"p{j}", "name": f"Project {j}", "production": j == 0} for j in range(3)],
            "products": [{"name": "Checkout", "max_severity": "S1",
                          "components": [{"name": "Vouchers", "max_severity": "S3"}]},
                         {"name": "Backend UI", "max_severity": "S3"}],
        }
        for i in range(orgs)
    ]}
    return registry_to_toml(doc)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--mails", type=int, default=10000)
    args = parser.parse_args()
    rng = random.Random(4)

    text = make_registry_toml(args.orgs)
    t0 = time.perf_counter()
    registry = Registry.from_toml(text, source="bench")
    load = time.perf_counter() - t0

    mails = []
    for _ in range(args.mails):
        i, j = rng.randrange(args.orgs), rng.randrange(12)
        auth = rng.choice([
            f"mx.vendor.example; spf=pass smtp.mailfrom=org{i}.example; dkim=pass header.d=org{i}.example "
            f"header.s=s1 header.b=abcd; dmarc=pass (p=reject) header.from=org{i}.example",
            "mx.attacker.example; dmarc=pass header.from=org{i}.example",
        ])
        body = (f"Hello,\n\nOrganization: org{i}\nProject: Project {j % 3}\nProduction system: yes\n"
                f"Core business stopped: no\nWorkaround: no\nProduct: Checkout\n\n" + "details line\n" * 40)
        mails.append((f"User {j} <user{j}@org{i}.example>", [auth], f"[S{1 + j % 4}] problem", body))

    t0 = time.perf_counter()
    eligible = 0
    for from_header, auth, subject, body in mails:
        sender = identify_sender(from_header, auth, registry=registry, authserv_ids=["mx.vendor.example"])
        got = extract(subject, body, registry=registry, sender=sender)
        eligible += sender.priority_eligible and not got.missing
    per_mail = (time.perf_counter() - t0) / len(mails)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"registry: {args.orgs} organizations ({args.orgs * 10} users) loaded and validated in {load:.2f} s")
    print(f"identify_sender + extract: {per_mail * 1e6:.0f} µs per mail over {len(mails)} mails "
          f"({eligible} priority-eligible and complete)")
    print(f"peak RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
