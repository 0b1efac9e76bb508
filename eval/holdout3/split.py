"""Split the independent hand-written set into a development half and a sealed half.

The set was written by two authors who never saw the redaction rules (helper sessions with no
access to ``redaction/``), from a brief of label rules and hard-case classes only. The split is
stratified by (language, kind, channel) with a fixed seed, so both halves have the same mix.

    python eval/holdout3/split.py A.jsonl B.jsonl --dev dev.jsonl --sealed sealed.jsonl.gz

The sealed half is stored gzip-compressed so that no grep or editor search over the repository
shows its texts; it is read only by ``eval/holdout3/score.py --half sealed``, which prints aggregates.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from collections import defaultdict
from pathlib import Path

SEED = 20261206


def split(items: list[dict]) -> tuple[list[dict], list[dict]]:
    strata: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for item in items:
        strata[(item["lang"], item["kind"], item["channel"])].append(item)
    rng = random.Random(SEED)
    dev: list[dict] = []
    sealed: list[dict] = []
    carry = 0  # odd strata alternate which half gets the extra message
    for key in sorted(strata):
        group = sorted(strata[key], key=lambda it: it["id"])
        rng.shuffle(group)
        half = len(group) // 2
        if len(group) % 2:
            half += carry
            carry ^= 1
        dev.extend(group[:half])
        sealed.extend(group[half:])
    return sorted(dev, key=lambda it: it["id"]), sorted(sealed, key=lambda it: it["id"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", type=Path)
    ap.add_argument("--dev", type=Path, required=True)
    ap.add_argument("--sealed", type=Path, required=True)
    args = ap.parse_args()
    items = [json.loads(line) for path in args.inputs for line in path.read_text("utf-8").splitlines() if line.strip()]
    ids = [it["id"] for it in items]
    if len(ids) != len(set(ids)):
        raise SystemExit("duplicate ids across inputs")
    dev, sealed = split(items)
    args.dev.write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in dev), "utf-8")
    with gzip.open(args.sealed, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(it, ensure_ascii=False) + "\n" for it in sealed)
    print(f"{len(items)} messages: dev {len(dev)}, sealed {len(sealed)}")


if __name__ == "__main__":
    main()
