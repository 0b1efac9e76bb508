"""Helpers for the recognizer table tests: run one recognizer (as configured) on a text."""

from __future__ import annotations

import importlib
import random
import string

from redaction.recognizers.base import RuleRecognizer

THRESHOLD = 0.5  # config/redaction.toml [engine] threshold


def found(name: str, text: str) -> list[str]:
    """Values the recognizer ``name`` reports at or above the threshold."""
    module = importlib.import_module(f"redaction.recognizers.{name}")
    recognizer = RuleRecognizer(module.RULE, name=name)
    return [text[s:e] for s, e, score, _ in recognizer.find(text) if score >= THRESHOLD]


def token(prefix: str, n: int, alphabet: str = string.ascii_letters + string.digits, seed: int = 7) -> str:
    """A deterministic random-looking token (never a real credential)."""
    rng = random.Random(f"{prefix}{n}{seed}")
    return prefix + "".join(rng.choice(alphabet) for _ in range(n))


def check_table(name: str, should_match: list[tuple[str, str]], must_not_match: list[str]) -> None:
    for text, value in should_match:
        hits = found(name, text)
        assert value in hits, f"{name} should find {value!r} in {text!r}, found {hits}"
    for text in must_not_match:
        hits = found(name, text)
        assert not hits, f"{name} must not match {text!r}, found {hits}"

