"""Throughput of parse_message + classify_inbound.

    .venv/bin/python bench/bench_mail_parse.py [--rounds 5]

Prints mails/s and MB/s over the bad-mail corpus (tests/fixtures/email-corpus, 222 mails, 8.9 MB)
and over 1,000 typical support mails (multipart/alternative + a 20 kB log attachment), plus the
per-mail p50/p99/max and the peak Python memory of one pass. Then hostile mails of 1 MiB of HTML
each (an unclosed <script>, 200,000 nested <div>, mixed deep inline/table nesting, a run of bare
"<", thousands of unclosed links) and a 2,000-deep multipart: wall and CPU seconds of one
parse_message each (goal: well under a second; the old regex + html2text took minutes).
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


MIB = 1024 * 1024


def _fill(unit: str, prefix: str = "<p>Portal down since 9:00</p>") -> str:
    return prefix + unit * ((MIB - len(prefix)) // len(unit))


def hostile() -> list[tuple[str, bytes]]:
    head = ("From: a@customer.example\nTo: support@vendor.example\nSubject: hostile\n"
            "Message-ID: <h@customer.example>\nMIME-Version: 1.0\n")
    html = {
        "unclosed <script>": _fill("a<b>", "<p>Portal down</p><script>"),
        "200k nested <div>": _fill("<div>"),
        "deep inline + tables": _fill("<b><i><span><div><p><table><tr><td>x"),
        "bare '<' run": _fill("<"),
        "unclosed links": _fill('<a href="https://x.example/">y'),
        "many paragraphs": _fill("<p>word</p>"),
    }
    out = [(f"1 MiB HTML, {name}", (head + 'Content-Type: text/html; charset="utf-8"\n\n' + body).encode())
           for name, body in html.items()]
    deep = [head]
    deep.extend(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(2000))
    deep.append("Content-Type: text/plain\n\nx\n")
    out.append(("2,000-deep multipart", "".join(deep).encode()))
    return out


def run_hostile() -> None:
    for label, raw in hostile():
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            m = parse_message(raw, time_budget=60.0)
            result = f"body {len(m.body)} chars"
        except MailParseError as exc:
            result = f"refused: {exc.reason}"
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"hostile: {label} ({len(raw) / MIB:.2f} MiB): {wall:.3f}s wall, {cpu:.3f}s CPU; {result}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--hostile-only", action="store_true")
    args = ap.parse_args()
    if not args.hostile_only:
        run("bad-mail corpus", corpus(), args.rounds)
        run("typical support mails", [typical(i) for i in range(1000)], max(1, args.rounds // 2))
    run_hostile()


if __name__ == "__main__":
    main()
