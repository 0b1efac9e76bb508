"""Score the redaction engine on the independent holdout corpus and list every miss and false flag.

    .venv/bin/python bench/eval_holdout.py [--jsonl FILE] [--config FILE] [--model NAME] [--spans] [--json]

Prints the redaction quality figures (message-level secret recall, PII recall, clean false-flag rate, sender
identity flags), then every missed dirty message (id, kind, label types and values), every false
flag on a clean message (id, finding type, recognizer, flagged text) and every finding on the
sender's own identity. ``--spans`` also lists labelled spans no finding overlapped in messages
that were resubmitted anyway (rules that only pass thanks to another finding).

The holdout is synthetic (tests/fixtures/redaction/make_holdout.py): values are printed because
none of them belong to anybody. Never point this script at real support data.
Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.score import format_table, identity_spans, score_decisions, sender_of  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "redaction"
HOLDOUT = FIXTURES / "holdout.jsonl"
sys.path.insert(0, str(FIXTURES))

from holdout_senders import identity_of  # noqa: E402


def own_identity_spans(item: dict) -> list[tuple[int, int]]:
    """Where the sender's name, email, phone and postal address (signature) occur in the text."""
    ident = identity_of(item.get("sender"))
    spans = identity_spans(item["text"], ident)
    address = ident.get("address")
    if address:
        start = item["text"].find(address)
        while start >= 0:
            spans.append((start, start + len(address)))
            start = item["text"].find(address, start + 1)
    return spans


def identity_flags(items: list[dict], decisions: list) -> list[dict]:
    """Findings on the sender's own identity (the scorer's check, plus signature phone and address)."""
    rows = []
    for item, dec in zip(items, decisions, strict=True):
        spans = own_identity_spans(item)
        for f in dec.findings:
            if any(f.start < e and s < f.end for s, e in spans):
                rows.append({"id": item["id"], "type": f.type, "start": f.start, "end": f.end,
                             "recognizer": f.recognizer})
    return rows


def load(path: Path) -> list[dict]:
    items = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise SystemExit(f"{path}:{n}: not JSON: {exc}") from exc
    return items


def _show(text: str, start: int, end: int, limit: int = 70) -> str:
    value = text[start:end].replace("\n", "\\n")
    return value if len(value) <= limit else value[: limit - 3] + "..."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jsonl", type=Path, default=HOLDOUT)
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--model", default=None)
    parser.add_argument("--spans", action="store_true", help="also list unmatched labels in resubmitted messages")
    parser.add_argument("--json", action="store_true", help="print the scorer's full result as JSON")
    args = parser.parse_args(argv)

    from redaction.engine import Redactor

    items = load(args.jsonl)
    t0 = time.perf_counter()
    redactor = Redactor.from_config(args.config, model=args.model)
    t1 = time.perf_counter()
    decisions = redactor.check_many([(it["text"], sender_of(it)) for it in items])
    t2 = time.perf_counter()
    result = score_decisions(items, decisions)
    # The JSON sender has no phone/address: count signature phone and address flags as well.
    result["identity_flags"] = identity_flags(items, decisions)
    result["sender_identity_flags"] = len(result["identity_flags"])
    result["targets_met"]["sender_identity_flags"] = not result["identity_flags"]
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0 if all(result["targets_met"].values()) else 1

    print(format_table(result, show=0))
    by_id = {it["id"]: (it, dec) for it, dec in zip(items, decisions, strict=True)}

    print(f"\nMISSED dirty messages ({len(result['missed'])}):")
    for row in result["missed"]:
        item, _ = by_id[row["id"]]
        labels = ", ".join(f"{lab['type']}={_show(item['text'], lab['start'], lab['end'], 50)!r}"
                           for lab in item["labels"])
        print(f"  {row['id']:<8} {item['kind']:<6} {labels}")

    print(f"\nFALSE FLAGS on clean messages ({len(result['false_flags'])}):")
    for row in result["false_flags"]:
        item, dec = by_id[row["id"]]
        for f in dec.findings:
            print(f"  {row['id']:<8} {f.type:<18} {f.recognizer:<26} {f.score:.2f} {_show(item['text'], f.start, f.end)!r}")

    print(f"\nSENDER IDENTITY flags ({len(result['identity_flags'])}):")
    for row in result["identity_flags"]:
        item, _ = by_id[row["id"]]
        print(f"  {row['id']:<8} {row['type']:<18} {row['recognizer']:<26} {_show(item['text'], row['start'], row['end'])!r}")

    if args.spans:
        print("\nUNMATCHED labels in resubmitted messages:")
        for item, dec in zip(items, decisions, strict=True):
            if dec.verdict != "resubmit":
                continue
            for lab in item["labels"]:
                if not any(f.start < lab["end"] and lab["start"] < f.end for f in dec.findings):
                    print(f"  {item['id']:<8} {lab['type']:<18} {_show(item['text'], lab['start'], lab['end'])!r}")

    print(f"\nengine built in {t1 - t0:.1f} s; {len(items)} messages checked in {t2 - t1:.2f} s "
          f"({len(items) / (t2 - t1):.0f} messages/s)")
    return 0 if all(result["targets_met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
