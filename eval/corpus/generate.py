"""The labelled redaction corpus: ``generate(seed, n)`` -> list of items.

Item shape (also the JSONL shape ``eval.score`` reads)::

    {"id": "...", "text": "...", "sender": {"name", "email", "org", "phone"},
     "labels": [{"type", "start", "end", "category": "pii" | "secret"}],
     "kind": "clean" | "hard_clean" | "pii" | "secret" | "hard_dirty",
     "channel": "email" | "slack", "template": "<generator template name>"}

Deterministic: the same (seed, n) gives the same items (one ``random.Random(seed)``, no other
source of randomness). Labels are exact by construction: ``text[start:end]`` is the planted value
(for values wrapped across lines or quoted, the value with its line breaks and ``> `` markers).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from . import clean, frame, hard, leaks, pii
from .context import Ctx, new_ctx
from .doc import Doc

KINDS = ("clean", "hard_clean", "pii", "secret", "hard_dirty")
# Share of each kind: half the corpus is clean (a third of it hard), half dirty.
SHARES = {"clean": 0.35, "hard_clean": 0.15, "pii": 0.20, "secret": 0.20, "hard_dirty": 0.10}
TEMPLATES = {
    "clean": clean.CLEAN,
    "hard_clean": clean.HARD_CLEAN,
    "pii": pii.PII,
    "secret": leaks.SECRET,
    "hard_dirty": hard.HARD_DIRTY,
}


def _counts(n: int) -> dict[str, int]:
    counts = {k: int(n * SHARES[k]) for k in KINDS}
    counts["clean"] += n - sum(counts.values())
    return counts


def _slack_frame(ctx: Ctx, body: Doc) -> Doc:
    """A Slack message: no greeting or signature, sometimes a mention of the support bot."""
    doc = Doc()
    doc.add(ctx.rng.choice(["", "", "@velora-support ", "Hi team, ", f"@{ctx.staff_first.lower()} "]))
    return doc.embed(body)


def _templates(rng: random.Random, kind: str) -> Iterator[Any]:
    """Every template in turn (shuffled each round), so small corpora still cover all of them."""
    pool = list(TEMPLATES[kind])
    while True:
        rng.shuffle(pool)
        yield from pool


def build(seed: int, n: int = 480) -> list[tuple[dict[str, Any], list[str]]]:
    """Items plus, per label, the raw planted value (for tests; never part of the public item)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    rng = random.Random(seed)
    counts = _counts(n)
    plan = [k for k in KINDS for _ in range(counts[k])]
    rng.shuffle(plan)
    sources = {k: _templates(rng, k) for k in KINDS}
    out: list[tuple[dict[str, Any], list[str]]] = []
    seen: set[str] = set()
    for i, kind in enumerate(plan):
        ctx = new_ctx(rng)
        template = next(sources[kind])
        body = template(ctx)
        slack = rng.random() < 0.2
        doc = _slack_frame(ctx, body) if slack else frame.frame(ctx, body, quote_vendor=rng.random() < 0.3)
        if doc.text in seen:  # a short fixed body sent twice on Slack: make the second one an email
            slack = False
            doc = frame.frame(ctx, body, quote_vendor=False)
        seen.add(doc.text)
        item = {
            "id": f"s{seed}-{i:04d}",
            "text": doc.text,
            "sender": ctx.sender(),
            "labels": [lab.public() for lab in doc.labels],
            "kind": kind,
            "channel": "slack" if slack else "email",
            "template": template.__name__,
        }
        out.append((item, [lab.raw for lab in doc.labels]))
    return out


def generate(seed: int, n: int = 480) -> list[dict[str, Any]]:
    """``n`` labelled support messages, reproducible from ``seed``."""
    return [item for item, _ in build(seed, n)]


def dump_jsonl(items: Iterable[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for item in items:
        out.write(json.dumps(item, ensure_ascii=False) + "\n")
        count += 1
    return count


class CorpusError(ValueError):
    """A labelled JSONL file is malformed (the message names the line and the reason)."""


def load_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read labelled items (the ``generate`` shape) and check them: text, labels within bounds."""
    items = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{lineno}: not JSON ({exc.msg})") from None
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise CorpusError(f"{path}:{lineno}: an item needs a string 'text'")
            item.setdefault("id", f"line-{lineno}")
            labels = item.setdefault("labels", [])
            for lab in labels:
                if not (isinstance(lab, dict) and isinstance(lab.get("start"), int) and isinstance(lab.get("end"), int)
                        and 0 <= lab["start"] < lab["end"] <= len(item["text"])):
                    raise CorpusError(f"{path}:{lineno}: bad label {lab!r} (needs 0 <= start < end <= len(text))")
                if lab.get("category") not in ("pii", "secret"):
                    raise CorpusError(f"{path}:{lineno}: label category must be 'pii' or 'secret', got {lab.get('category')!r}")
            if "kind" not in item:
                cats = {lab["category"] for lab in labels}
                item["kind"] = "secret" if "secret" in cats else "pii" if cats else "clean"
            items.append(item)
    return items


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m eval.corpus.generate", description="Write the labelled corpus as JSONL.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--n", type=int, default=480)
    parser.add_argument("--output", "-o", default="-")
    args = parser.parse_args(argv)
    items = generate(args.seed, args.n)
    if args.output == "-":
        dump_jsonl(items, sys.stdout)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            dump_jsonl(items, fh)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
