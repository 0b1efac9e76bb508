"""A seeded generator of labelled support messages (clean, third-party PII, secrets, hard cases).

See ``docs/corpus.md``. ``generate(seed, n)`` is the entry point; ``load_jsonl`` reads an external
corpus in the same shape for ``eval.score``.
"""

from .generate import CorpusError, dump_jsonl, generate, load_jsonl

__all__ = ["CorpusError", "dump_jsonl", "generate", "load_jsonl"]
