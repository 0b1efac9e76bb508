"""Holdout 3 (the independent hand-written multilingual set): both halves are well formed, cover the
languages and channels, and a sealed run prints aggregates only — never a text, an id or a value."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from eval.holdout3 import score

LANGS = {"de", "fr", "nl", "it", "es", "pl", "en"}


@pytest.mark.parametrize("half", ["dev", "sealed"])
def test_each_half_is_well_formed_and_covers_the_languages(half: str) -> None:
    items = score.load(half)
    assert len(items) >= 200
    assert LANGS <= {it["lang"] for it in items}
    assert {it["channel"] for it in items} == {"email", "slack"}
    kinds = Counter(it["kind"] for it in items)
    assert set(kinds) == {"clean", "hard_clean", "pii", "secret", "hard_dirty"}
    for it in items:
        spans = sorted((lb["start"], lb["end"]) for lb in it["labels"])
        assert all(0 <= a < b <= len(it["text"]) for a, b in spans), it["id"]
        assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1)), it["id"]
        assert bool(it["labels"]) == (it["kind"] in ("pii", "secret", "hard_dirty")), it["id"]
        assert {lb["category"] for lb in it["labels"]} <= {"pii", "secret"}


def test_the_halves_do_not_share_a_message() -> None:
    dev, sealed = score.load("dev"), score.load("sealed")
    assert not {it["id"] for it in dev} & {it["id"] for it in sealed}
    assert not {it["text"] for it in dev} & {it["text"] for it in sealed}


class _Flags:
    """Flags every message, with one finding over its first characters (a stand-in for our port)."""

    def check_many(self, items):  # type: ignore[no-untyped-def]
        from redaction.types import Decision, Finding

        return [Decision("resubmit", (Finding("PERSON", 0, 5, 0.9, "stub"),), {"PERSON": 1}) for _ in items]


def test_a_sealed_run_prints_aggregates_only_and_is_logged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    canary = "Zyxwvut Qqqtestcanary"
    items = [{"id": f"z-de-{i:04d}", "lang": "de", "channel": "email", "kind": kind, "hard_class": "",
              "text": f"{canary} {i} wrote this", "sender": {"name": "Sam Sender", "email": "sam@shop.example"},
              "labels": [{"type": "PERSON", "start": 0, "end": 21, "category": "pii"}] if kind == "pii" else []}
             for i, kind in enumerate(["pii", "clean", "pii", "clean"])]
    with gzip.open(tmp_path / "sealed.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(it) + "\n" for it in items)
    assert score.run("sealed", "test", directory=tmp_path, redactor=_Flags()) == 1  # flags clean ones
    out = capsys.readouterr().out
    assert canary not in out and "z-de-" not in out and "wrote this" not in out
    assert "clean false-flag" in out and "lang=de" in out
    logged = [json.loads(line) for line in (tmp_path / "sealed-runs.jsonl").read_text().splitlines()]
    assert logged[0]["all"]["n"] == 4 and logged[0]["all"]["clean_false_flag"] == 1.0
    assert canary not in json.dumps(logged)
