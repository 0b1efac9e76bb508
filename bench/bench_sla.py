"""Benchmark: due_at computations per second for S3/S4 (goal >= 50,000/s on a 2-core machine).

Run: .venv/bin/python bench/bench_sla.py [--n 200000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from intake.domain.policy import Policy  # noqa: E402
from intake.domain.severity import Severity  # noqa: E402
from intake.domain.sla import due_at  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--policy", default=str(Path(__file__).resolve().parent.parent / "config" / "policy.toml"))
    args = parser.parse_args()
    policy = Policy.load(args.policy)
    rng = random.Random(42)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    span = 3 * 365 * 86400
    inputs = [(rng.choice((Severity.S3, Severity.S4)), start + dt.timedelta(seconds=rng.randrange(span)))
              for _ in range(args.n)]
    # Warm the per-year holiday cache as a long-running process would have it.
    for sev, sub in inputs[:1000]:
        due_at(sev, sub, policy)
    t0 = time.perf_counter()
    for sev, sub in inputs:
        due_at(sev, sub, policy)
    elapsed = time.perf_counter() - t0
    rate = args.n / elapsed
    print(f"due_at S3/S4: {args.n} computations in {elapsed:.3f} s = {rate:,.0f}/s (goal >= 50,000/s) "
          f"{'OK' if rate >= 50_000 else 'BELOW GOAL'}")


if __name__ == "__main__":
    main()
