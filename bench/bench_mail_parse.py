"""Throughput of parse_message + classify_inbound.

    .venv/bin/python bench/bench_mail_parse.py [--rounds 5]

Prints mails/s and MB/s over the bad-mail corpus (tests/fixtures/email-corpus, 222 mails, 8.9 MB)
and over 1,000 typical support mails (multipart/alternative + a 20 kB log attachment), plus the
per-mail p50/p99/max and the peak Python memory of one pass.
"""

from __future__ import annotations

import argparse
import mailbox
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intake.mail.filters import classify_inbound  # noqa: E402
from intake.mail.parse import MailParseError, parse_message  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "email-corpus"
NOT_MAIL = {"SOURCES.md", "LICENSE", "LICENSE.txt", "MIT-LICENSE", "LICENSE-PSF.txt", ".gitattributes"}


def corpus() -> list[bytes]:
    out = []
    for p in sorted(CORPUS.rglob("*")):
        if not p.is_file() or p.name in NOT_MAIL:
            continue
        if p.suffix == ".mbox":
            box = mailbox.mbox(p, create=False)
            out.extend(box.get_bytes(k) for k in box.keys())
            box.close()
        else:
            out.append(p.read_bytes())
    return out


def typical(i: int) -> bytes:
    log = "".join(f"2026-01-15T08:{i % 60:02d}:{j % 60:02d}Z ERROR request {j} failed: upstream 502\n"
                  for j in range(300))
    return (
        f"From: Customer {i} <user{i}@customer{i % 50}.example>\r\n"
        f"To: support@vendor.example\r\nSubject: =?utf-8?q?Portal_down_=E2=80=93_ticket_{i}?=\r\n"
        f"Message-ID: <m{i}@customer.example>\r\nDate: Thu, 15 Jan 2026 09:12:00 +0100\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
        f"--B\r\nContent-Type: multipart/alternative; boundary=\"A\"\r\n\r\n"
        f"--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOrganization: Customer {i}\r\n"
        f"Project: P-{i}\r\nSeverity: S2\r\n\r\nThe portal returns 502 since 08:00.\r\n"
        f"--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>The portal returns 502 since 08:00.</p>\r\n"
        f"--A--\r\n--B\r\nContent-Type: text/plain; name=app.log\r\n"
        f"Content-Disposition: attachment; filename=app.log\r\n\r\n{log}\r\n--B--\r\n"
    ).encode()


def run(label: str, mails: list[bytes], rounds: int) -> None:
    size = sum(len(m) for m in mails)
    per_mail: list[float] = []
    errors = 0
    started = time.perf_counter()
    for _ in range(rounds):
        for raw in mails:
            t = time.perf_counter()
            try:
                p = parse_message(raw)
                classify_inbound(p, our_addresses=["support@vendor.example"], our_message_id_domain="vendor.example")
            except MailParseError:
                errors += 1
            per_mail.append(time.perf_counter() - t)
    total = time.perf_counter() - started
    n = len(mails) * rounds
    q = statistics.quantiles(per_mail, n=100)
    tracemalloc.start()
    for raw in mails:
        try:
            parse_message(raw)
        except MailParseError:
            pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label}: {n} mails ({size * rounds / 1e6:.1f} MB) in {total:.2f}s = {n / total:.0f} mails/s, "
          f"{size * rounds / 1e6 / total:.1f} MB/s; per mail p50 {q[49] * 1000:.2f} ms, "
          f"p99 {q[98] * 1000:.2f} ms, max {max(per_mail) * 1000:.1f} ms; refused {errors // rounds}/{len(mails)}; "
          f"peak traced memory {peak / 1e6:.1f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    run("bad-mail corpus", corpus(), args.rounds)
    run("typical support mails", [typical(i) for i in range(1000)], max(1, args.rounds // 2))


if __name__ == "__main__":
    main()
