"""Redaction throughput: supportbot vs vanilla Presidio vs a full spaCy pass, same texts, one process.

    .venv/bin/python bench/bench_redaction.py [--corpus mixed|generated] [--n 480] [--seed 1] [--model NAME]
                                              [--repeat 3] [--jsonl FILE] [--dump FILE]

Runs on the same messages: by default (``--corpus mixed``) our seeded corpus (English) plus the
multilingual texts we have (``tests/fixtures/redaction/multilingual.jsonl``: six languages, and the
development half of ``eval/holdout3``: German, French, Dutch, Italian, Spanish, Polish, English),
so that language detection and every routed backend (the French model, the name lexicon) are in the
figures; ``--corpus generated`` is the seeded corpus alone, ``--jsonl`` lines with a ``text`` field
replace both. ``--dump FILE`` writes the texts as JSON lines (to run an older checkout's bench on
the very same texts with ``--jsonl``).

1. **supportbot**: the ``supportbot redact --jsonl`` code path (``redaction.cli.run_jsonl``: parse,
   batch of 64, ``Redactor.check_many``, JSON out), engine built once;
2. **vanilla Presidio**: ``AnalyzerEngine()`` with the default recognizers and the same spaCy model,
   one ``analyze()`` per message (what a straightforward integration does);
3. **full nlp.pipe**: the same model with every pipe enabled, ``nlp.pipe(texts, batch_size=64)``.

Prints messages/s of each (best of ``--repeat`` runs after a warm-up), the ratios and the speed
targets (>= 5x vanilla Presidio, >= 2x the full pipe), plus the process's peak RSS after
each stage. Exit status 1 when a target is missed. Nothing here touches the network (tldextract
is pinned to its bundled snapshot first).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_VS_PRESIDIO = 5.0
TARGET_VS_PIPE = 2.0
MULTILINGUAL = (ROOT / "tests" / "fixtures" / "redaction" / "multilingual.jsonl", ROOT / "eval" / "holdout3" / "dev.jsonl")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best_rate(fn: Callable[[], object], n: int, repeat: int) -> float:
    fn()  # warm-up (lazy loads, caches)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n / best


def _jsonl_texts(path: Path | str) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


def load_texts(args: argparse.Namespace) -> list[str]:
    if args.jsonl:
        return _jsonl_texts(args.jsonl)
    from eval.corpus import generate

    texts = [item["text"] for item in generate(args.seed, args.n)]
    if args.corpus == "mixed":
        for path in MULTILINGUAL:
            if path.exists():
                texts += _jsonl_texts(path)
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=480)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", default=None, help="spaCy model (default: the config's)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jsonl", default=None, help="messages to use instead of the generated corpus")
    parser.add_argument("--corpus", choices=("mixed", "generated"), default="mixed",
                        help="the seeded corpus plus our multilingual texts (default), or the seeded corpus alone")
    parser.add_argument("--dump", default=None, help="write the texts as JSON lines to this file and go on")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # Presidio logs a line per unsupported-language recognizer

    from redaction.cli import run_jsonl
    from redaction.config import load_config
    from redaction.engine import Redactor
    from redaction.nlp import offline_tldextract

    offline_tldextract()
    texts = load_texts(args)
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as out:
            for text in texts:
                out.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    n = len(texts)
    chars = sum(len(t) for t in texts)
    import dataclasses

    from eval.corpus.vendor import VENDOR_FILE
    from redaction.config import load_vendor

    # The seeded corpus is written for its fictional vendor (eval/velora.toml).
    config = dataclasses.replace(load_config(model=args.model), vendor=load_vendor(VENDOR_FILE))
    model = config.engine.model
    print(f"{n} messages, {chars / n:.0f} characters on average, model {model}")

    # 1. supportbot, through the CLI code path (JSON lines in, JSON lines out).
    t0 = time.perf_counter()
    redactor = Redactor(config)
    build_s = time.perf_counter() - t0
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        for i, text in enumerate(texts):
            fh.write(json.dumps({"id": i, "text": text}) + "\n")
        jsonl_path = fh.name

    def ours() -> None:
        with open(jsonl_path, "rb") as stdin:
            out = io.StringIO()
            run_jsonl(redactor, stdin, out, io.StringIO(), batch=64)
        assert out.getvalue().count("\n") == n

    ours_rate = best_rate(ours, n, args.repeat)
    engine = getattr(redactor, "nlp_engine", None)
    if hasattr(engine, "detect"):  # language routing: what the texts were and which backends ran
        from collections import Counter

        from redaction.segments import layout, make_view

        views = [make_view(t) for t in texts]
        layouts = [layout(v) for v in views]
        engine.detect(views, layouts)
        langs = Counter(lay.lang for lay in layouts)
        routed = Counter(b for lay in layouts for lang in lay.prose_langs for b in engine.engine.backends(lang))
        print("languages: " + ", ".join(f"{k} {v}" for k, v in langs.most_common())
              + "; prose segments per backend: " + ", ".join(f"{k} {v}" for k, v in routed.most_common()))
    print(f"supportbot redact    {ours_rate:8.1f} messages/s   (engine built in {build_s:.1f} s; "
          f"peak RSS {peak_rss_mb():.0f} MB)")

    # 2. vanilla Presidio: default recognizers, same model, one analyze() per message.
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]})
    vanilla = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])

    def presidio() -> None:
        for text in texts:
            vanilla.analyze(text=text, language="en")

    presidio_rate = best_rate(presidio, n, args.repeat)
    print(f"vanilla Presidio     {presidio_rate:8.1f} messages/s   (peak RSS {peak_rss_mb():.0f} MB)")

    # 3. a full nlp.pipe pass of the same model.
    import spacy

    full = spacy.load(model)

    def pipe() -> None:
        for _doc in full.pipe(texts, batch_size=64):
            pass

    pipe_rate = best_rate(pipe, n, args.repeat)
    print(f"full nlp.pipe        {pipe_rate:8.1f} messages/s   (pipes: {','.join(full.pipe_names)}; "
          f"peak RSS {peak_rss_mb():.0f} MB)")

    vs_presidio = ours_rate / presidio_rate
    vs_pipe = ours_rate / pipe_rate
    ok_presidio = vs_presidio >= TARGET_VS_PRESIDIO
    ok_pipe = vs_pipe >= TARGET_VS_PIPE
    print(f"supportbot / vanilla Presidio = {vs_presidio:.2f}x  (target >= {TARGET_VS_PRESIDIO}x) "
          f"{'ok' if ok_presidio else 'MISSED'}")
    print(f"supportbot / full nlp.pipe    = {vs_pipe:.2f}x  (target >= {TARGET_VS_PIPE}x) "
          f"{'ok' if ok_pipe else 'MISSED'}")
    Path(jsonl_path).unlink(missing_ok=True)
    return 0 if ok_presidio and ok_pipe else 1


if __name__ == "__main__":
    raise SystemExit(main())
