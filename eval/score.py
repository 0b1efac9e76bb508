"""Score a redactor on a labelled corpus (ours from ``eval.corpus`` or any JSONL in its shape).

Message level (what the support terms care about: a request is rejected or accepted whole):

- **secret recall**: messages holding at least one secret label that were resubmitted;
- **PII recall**: messages holding at least one third-party PII label that were resubmitted;
- **clean false-flag rate**: messages without any label that were resubmitted;
- **sender identity flags**: findings overlapping the sender's own name, email or phone.

Span level, independent of the engine's type names (ours and the engine's vocabularies differ):
per label type, the share of labelled spans overlapped by some finding (recall); per finding type,
the share of findings overlapping some labelled span (precision).

``python -m eval.score [--seed N] [--n N] [--jsonl FILE] [--config FILE] [--model NAME]``
prints a table and exits 1 when a target is missed.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from redaction.types import Decision, Sender

# The redaction stage's quality targets: message-level secret and PII recall, clean false flags, sender flags.
TARGETS = {"secret_recall": 0.99, "pii_recall": 0.95, "clean_false_flag": 0.03, "sender_identity_flags": 0}


class SupportsCheckMany(Protocol):
    def check_many(self, items: Iterable[tuple[str, Sender | None]]) -> list[Decision]: ...


def sender_of(item: dict[str, Any]) -> Sender | None:
    s = item.get("sender") or None
    if not s:
        return None
    return Sender(name=s.get("name"), email=s.get("email"), org=s.get("org"), phone=s.get("phone"),
                  org_domains=tuple(s.get("org_domains") or ()), org_users=tuple(s.get("org_users") or ()))


_PHONEISH = re.compile(r"\+?\(?\d[\d\s()./-]{5,}\d")


def identity_spans(text: str, sender: dict[str, Any] | None) -> list[tuple[int, int]]:
    """Where the sender's own name (and its parts), email and phone occur in ``text``."""
    if not sender:
        return []
    spans: list[tuple[int, int]] = []
    name = (sender.get("name") or "").strip()
    needles = [name] + [p for p in name.split() if len(p) >= 3] if name else []
    for needle in needles:
        for m in re.finditer(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", text):
            spans.append((m.start(), m.end()))
    email = (sender.get("email") or "").strip()
    if email:
        for m in re.finditer(re.escape(email), text, re.IGNORECASE):
            spans.append((m.start(), m.end()))
    digits = re.sub(r"\D", "", sender.get("phone") or "")
    if len(digits) >= 6:
        for m in _PHONEISH.finditer(text):
            if re.sub(r"\D", "", m.group()) == digits:
                spans.append((m.start(), m.end()))
    return spans


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def score_decisions(items: Sequence[dict[str, Any]], decisions: Sequence[Decision]) -> dict[str, Any]:
    """The metrics for ``decisions`` (one per item, same order). Pure: no engine needed."""
    if len(items) != len(decisions):
        raise ValueError(f"{len(items)} items but {len(decisions)} decisions")
    secret_msgs = secret_hit = pii_msgs = pii_hit = clean_msgs = clean_flag = 0
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # kind -> [messages, resubmitted]
    label_total: Counter[str] = Counter()
    label_found: Counter[str] = Counter()
    finding_total: Counter[str] = Counter()
    finding_ok: Counter[str] = Counter()
    identity_flags: list[dict[str, Any]] = []
    missed: list[dict[str, Any]] = []
    false_flags: list[dict[str, Any]] = []
    for item, dec in zip(items, decisions, strict=True):
        labels = item.get("labels") or []
        cats = {lab["category"] for lab in labels}
        flagged = dec.verdict == "resubmit"
        kind = item.get("kind") or ("secret" if "secret" in cats else "pii" if cats else "clean")
        by_kind[kind][0] += 1
        by_kind[kind][1] += flagged
        if "secret" in cats:
            secret_msgs += 1
            secret_hit += flagged
        if "pii" in cats:
            pii_msgs += 1
            pii_hit += flagged
        if not cats:
            clean_msgs += 1
            clean_flag += flagged
            if flagged:
                false_flags.append({"id": item["id"], "template": item.get("template"),
                                    "findings": [(f.type, f.start, f.end, f.recognizer) for f in dec.findings]})
        elif not flagged:
            missed.append({"id": item["id"], "template": item.get("template"),
                           "labels": [(lab["type"], lab["start"], lab["end"]) for lab in labels]})
        spans = [(lab["start"], lab["end"]) for lab in labels]
        for lab in labels:
            label_total[lab["type"]] += 1
            if any(_overlaps((lab["start"], lab["end"]), (f.start, f.end)) for f in dec.findings):
                label_found[lab["type"]] += 1
        # An identity occurrence inside a labelled span is part of third-party data (the sender
        # "Hugo" and the street "rue Victor Hugo"): flagging it there is right.
        ident = [sp for sp in identity_spans(item["text"], item.get("sender"))
                 if not any(s <= sp[0] and sp[1] <= e for s, e in spans)]
        for f in dec.findings:
            finding_total[f.type] += 1
            if any(_overlaps((f.start, f.end), s) for s in spans):
                finding_ok[f.type] += 1
            if any(_overlaps((f.start, f.end), s) for s in ident):
                identity_flags.append({"id": item["id"], "type": f.type, "start": f.start, "end": f.end,
                                       "recognizer": f.recognizer})
    result: dict[str, Any] = {
        "messages": len(items),
        "secret_messages": secret_msgs,
        "pii_messages": pii_msgs,
        "clean_messages": clean_msgs,
        "secret_recall": _ratio(secret_hit, secret_msgs),
        "pii_recall": _ratio(pii_hit, pii_msgs),
        "clean_false_flag": _ratio(clean_flag, clean_msgs),
        "sender_identity_flags": len(identity_flags),
        "by_kind": {k: {"messages": m, "resubmitted": r} for k, (m, r) in sorted(by_kind.items())},
        "span_recall": {t: {"labels": n, "found": label_found[t], "recall": label_found[t] / n}
                        for t, n in sorted(label_total.items())},
        "span_precision": {t: {"findings": n, "on_label": finding_ok[t], "precision": finding_ok[t] / n}
                           for t, n in sorted(finding_total.items())},
        "span_recall_overall": _ratio(sum(label_found.values()), sum(label_total.values())),
        "span_precision_overall": _ratio(sum(finding_ok.values()), sum(finding_total.values())),
        "missed": missed,
        "false_flags": false_flags,
        "identity_flags": identity_flags,
    }
    result["targets_met"] = targets_met(result)
    return result


def targets_met(result: dict[str, Any]) -> dict[str, bool]:
    def ge(key: str) -> bool:
        return result[key] is None or result[key] >= TARGETS[key]

    return {
        "secret_recall": ge("secret_recall"),
        "pii_recall": ge("pii_recall"),
        "clean_false_flag": result["clean_false_flag"] is None or result["clean_false_flag"] <= TARGETS["clean_false_flag"],
        "sender_identity_flags": result["sender_identity_flags"] <= TARGETS["sender_identity_flags"],
    }


def score(redactor: SupportsCheckMany, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Run ``redactor.check_many`` over ``items`` (one batch) and score the decisions."""
    decisions = redactor.check_many([(item["text"], sender_of(item)) for item in items])
    return score_decisions(items, decisions)


def _pct(x: float | None) -> str:
    return "   n/a" if x is None else f"{x * 100:6.2f}%"


def format_table(result: dict[str, Any], *, show: int = 10) -> str:
    met = result["targets_met"]
    lines = [
        f"messages: {result['messages']}  (secret-bearing {result['secret_messages']}, PII-bearing {result['pii_messages']}, "
        f"clean {result['clean_messages']})",
        "",
        f"{'metric':<28}{'value':>9}  {'target':>8}  ok",
        f"{'secret recall':<28}{_pct(result['secret_recall']):>9}  {'>= 99%':>8}  {'yes' if met['secret_recall'] else 'NO'}",
        f"{'PII recall':<28}{_pct(result['pii_recall']):>9}  {'>= 95%':>8}  {'yes' if met['pii_recall'] else 'NO'}",
        f"{'clean false-flag rate':<28}{_pct(result['clean_false_flag']):>9}  {'<= 3%':>8}  {'yes' if met['clean_false_flag'] else 'NO'}",
        f"{'sender identity flags':<28}{result['sender_identity_flags']:>9}  {'0':>8}  {'yes' if met['sender_identity_flags'] else 'NO'}",
        f"{'span recall (all labels)':<28}{_pct(result['span_recall_overall']):>9}",
        f"{'span precision (all)':<28}{_pct(result['span_precision_overall']):>9}",
        "",
        f"{'kind':<14}{'messages':>9}{'resubmitted':>13}",
    ]
    for kind, row in result["by_kind"].items():
        lines.append(f"{kind:<14}{row['messages']:>9}{row['resubmitted']:>13}")
    lines += ["", f"{'label type':<24}{'labels':>7}{'found':>7}{'recall':>9}"]
    for t, row in result["span_recall"].items():
        lines.append(f"{t:<24}{row['labels']:>7}{row['found']:>7}{_pct(row['recall']):>9}")
    lines += ["", f"{'finding type':<24}{'found':>7}{'on label':>9}{'precision':>10}"]
    for t, row in result["span_precision"].items():
        lines.append(f"{t:<24}{row['findings']:>7}{row['on_label']:>9}{_pct(row['precision']):>10}")
    for title, key in (("missed dirty messages", "missed"), ("false flags on clean messages", "false_flags"),
                       ("sender identity flags", "identity_flags")):
        rows = result[key]
        if rows:
            lines += ["", f"{title} ({len(rows)}, first {min(show, len(rows))}):"]
            lines += [f"  {row}" for row in rows[:show]]
    return "\n".join(lines)


def velora_redactor(path: Any = None, *, model: str | None = None) -> Any:
    """The engine for the corpus's own (fictional) vendor: the given config, or the shipped one with
    the ``[vendor]`` of ``eval/velora.toml`` (the corpus quotes Velora's staff, domains, products)."""
    import dataclasses

    from eval.corpus.vendor import VENDOR_FILE
    from redaction.config import load_config, load_vendor
    from redaction.engine import Redactor

    config = load_config(path, model=model)
    if path is None:
        config = dataclasses.replace(config, vendor=load_vendor(VENDOR_FILE))
    return Redactor(config)


def main(argv: list[str] | None = None, *, make_redactor: Any = None) -> int:
    """The command; ``make_redactor(config_path, model)`` replaces the engine factory in tests."""
    import argparse
    import json
    import time

    from eval.corpus import generate, load_jsonl

    parser = argparse.ArgumentParser(prog="python -m eval.score", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--n", type=int, default=480, help="corpus size (default 480)")
    parser.add_argument("--jsonl", help="score this labelled JSONL file instead of a generated corpus")
    parser.add_argument("--config", help="redaction config (default config/redaction.toml)")
    parser.add_argument("--model", help="spaCy model name (default from the config)")
    parser.add_argument("--show", type=int, default=10, help="how many misses/false flags to list")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = parser.parse_args(argv)

    from pathlib import Path

    if make_redactor is None:
        make_redactor = velora_redactor
    items = load_jsonl(args.jsonl) if args.jsonl else generate(args.seed, args.n)
    redactor = make_redactor(Path(args.config) if args.config else None, model=args.model)
    started = time.perf_counter()
    result = score(redactor, items)
    elapsed = time.perf_counter() - started
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(format_table(result, show=args.show))
        print(f"\nscored {len(items)} messages in {elapsed:.2f} s ({len(items) / elapsed:.0f} messages/s)")
    return 0 if all(result["targets_met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
