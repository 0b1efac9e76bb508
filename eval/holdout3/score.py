"""Score the redaction stage on the independent hand-written set (holdout 3).

    python -m eval.holdout3.score --half dev      # the development half: figures and the misses' ids
    python -m eval.holdout3.score --half sealed   # the sealed half: aggregates only, run once a round

The set belongs to a vendor that is not ours ("Nordlicht Commerce", ``vendor.toml``): it is scored
as that vendor deploys supportbot, with the shipped ``config/redaction.toml`` and its ``[vendor]``
table replaced. Message level, as the support terms decide (a request is accepted or rejected whole):
secret recall, PII recall, clean false-flag rate, and how often the sender's own name, email or
phone was a finding. Rows per language, kind and channel.

The sealed half never prints a text, an id or a finding: only counts and rates. Each sealed run is
appended to ``sealed-runs.jsonl`` (date, commit, figures), so the record shows how often it was
looked at.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gzip
import json
import subprocess
import sys
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from eval.score import identity_spans, sender_of

HERE = Path(__file__).resolve().parent
TARGETS = {"secret_recall": 0.98, "pii_recall": 0.95, "clean_false_flag": 0.03}


def load(half: str, directory: Path = HERE) -> list[dict[str, Any]]:
    if half == "dev":
        lines = (directory / "dev.jsonl").read_text("utf-8").splitlines()
    else:
        with gzip.open(directory / "sealed.jsonl.gz", "rt", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def redactor_for_vendor(vendor_file: Path = HERE / "vendor.toml") -> Any:
    """The shipped redaction config with its [vendor] table replaced by the set's vendor."""
    from redaction.config import VendorConfig, load_config
    from redaction.engine import Redactor

    table = tomllib.loads(vendor_file.read_text("utf-8"))["vendor"]
    known = {f.name for f in dataclasses.fields(VendorConfig)}
    vendor = VendorConfig(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in table.items() if k in known})
    config = dataclasses.replace(load_config(), vendor=vendor)
    return Redactor(config)


class Tally:
    def __init__(self) -> None:
        self.n = self.secret = self.secret_hit = self.pii = self.pii_hit = self.clean = self.clean_flag = 0
        self.identity_flags = 0

    def add(self, item: dict[str, Any], decision: Any) -> None:
        flagged = decision.verdict == "resubmit"
        cats = {label["category"] for label in item["labels"]}
        self.n += 1
        if "secret" in cats:
            self.secret += 1
            self.secret_hit += flagged
        if "pii" in cats:
            self.pii += 1
            self.pii_hit += flagged
        if not cats:
            self.clean += 1
            self.clean_flag += flagged
        ids = identity_spans(item["text"], item.get("sender"))
        self.identity_flags += sum(
            1 for f in decision.findings if any(f.start < e and s < f.end for s, e in ids)
        )

    def figures(self) -> dict[str, Any]:
        def rate(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None

        return {
            "n": self.n,
            "secret_recall": rate(self.secret_hit, self.secret), "secret_n": self.secret,
            "pii_recall": rate(self.pii_hit, self.pii), "pii_n": self.pii,
            "clean_false_flag": rate(self.clean_flag, self.clean), "clean_n": self.clean,
            "sender_identity_flags": self.identity_flags,
        }


def score(items: Sequence[dict[str, Any]], decisions: Sequence[Any]) -> dict[str, Any]:
    rows: dict[str, dict[str, Tally]] = {"all": defaultdict(Tally), "lang": defaultdict(Tally),
                                         "kind": defaultdict(Tally), "channel": defaultdict(Tally)}
    for item, decision in zip(items, decisions, strict=True):
        rows["all"]["all"].add(item, decision)
        for dim in ("lang", "kind", "channel"):
            rows[dim][str(item.get(dim, "?"))].add(item, decision)
    return {dim: {k: t.figures() for k, t in sorted(group.items())} for dim, group in rows.items()}


def misses(items: Sequence[dict[str, Any]], decisions: Sequence[Any]) -> list[str]:
    out = []
    for item, decision in zip(items, decisions, strict=True):
        flagged = decision.verdict == "resubmit"
        dirty = bool(item["labels"])
        if flagged != dirty:
            what = "missed" if dirty else "false flag"
            types = sorted({f.type for f in decision.findings}) if flagged else sorted({lb["type"] for lb in item["labels"]})
            out.append(f"{what:10} {item['id']:14} {item['kind']:10} {','.join(types)}")
    return out


def _fmt(v: Any) -> str:
    return "  -  " if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))


def render(result: dict[str, Any]) -> str:
    head = f"{'row':16} {'n':>4} {'secret recall':>16} {'PII recall':>14} {'clean false-flag':>18} {'id flags':>8}"
    lines = [head, "-" * len(head)]
    for dim in ("all", "lang", "kind", "channel"):
        for key, f in result[dim].items():
            label = key if dim == "all" else f"{dim}={key}"
            lines.append(
                f"{label:16} {f['n']:>4} {_fmt(f['secret_recall']):>9} ({f['secret_n']:>3}) "
                f"{_fmt(f['pii_recall']):>7} ({f['pii_n']:>3}) {_fmt(f['clean_false_flag']):>11} ({f['clean_n']:>3}) "
                f"{f['sender_identity_flags']:>8}"
            )
    return "\n".join(lines)


def meets_targets(overall: dict[str, Any]) -> bool:
    return (
        (overall["secret_recall"] or 0) >= TARGETS["secret_recall"]
        and (overall["pii_recall"] or 0) >= TARGETS["pii_recall"]
        and (overall["clean_false_flag"] or 0) <= TARGETS["clean_false_flag"]
        and overall["sender_identity_flags"] == 0
    )


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=HERE, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run(half: str, argv_note: str = "", *, directory: Path = HERE, redactor: Any = None) -> int:
    items = load(half, directory)
    redactor = redactor or redactor_for_vendor()
    decisions = redactor.check_many((it["text"], sender_of(it)) for it in items)
    result = score(items, decisions)
    print(f"holdout 3, {half} half: {len(items)} messages (vendor: Nordlicht Commerce)")
    print(render(result))
    overall = result["all"]["all"]
    ok = meets_targets(overall)
    print("targets (secret >= 0.98, PII >= 0.95, clean false-flag <= 0.03, 0 identity flags):",
          "met" if ok else "NOT met")
    if half == "dev":
        for line in misses(items, decisions):
            print(line)
    else:
        record = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "commit": _commit(),
                  "note": argv_note, "all": overall, "lang": result["lang"]}
        with open(directory / "sealed-runs.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
    return 0 if ok else 1


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.holdout3.score", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--half", choices=("dev", "sealed"), required=True)
    ap.add_argument("--note", default="", help="sealed runs: a word on why this round ran it")
    args = ap.parse_args(list(argv) if argv is not None else None)
    return run(args.half, args.note)


if __name__ == "__main__":
    sys.exit(main())
