"""Issue 3 targets on the second independent holdout (tests/fixtures/redaction/holdout2.jsonl).

Hand-written apart from the engine, its config, its corpus and the first holdout (see
``make_holdout2.py``). Real engine, real spaCy model, one session-scoped ``Redactor``. These tests
fail while the engine is below target: that is their job. Never tune rules on these texts; the
failure classes are in docs/redaction-holdout2.md.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from eval.score import identity_spans
from redaction.types import Decision, Sender
from tests.redaction.velora import get_redactor

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "redaction"
HOLDOUT2 = FIXTURES / "holdout2.jsonl"
TARGETS = {"secret_recall": 0.99, "pii_recall": 0.95, "clean_false_flag": 0.03}


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_holdout2", FIXTURES / "make_holdout2.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def holdout2() -> list[dict]:
    with open(HOLDOUT2, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="session")
def holdout2_decisions(holdout2: list[dict]) -> dict[str, Decision]:
    redactor = get_redactor()
    items = [(m["text"], Sender(**m["sender"])) for m in holdout2]
    return {m["id"]: d for m, d in zip(holdout2, redactor.check_many(items), strict=True)}


def _rate(holdout2: list[dict], decisions: dict[str, Decision], kind: str) -> tuple[float, list[str]]:
    """Share of ``kind`` messages flagged ``resubmit``, and the ids on the wrong side of the target."""
    msgs = [m for m in holdout2 if m["kind"] == kind]
    flagged = [m["id"] for m in msgs if decisions[m["id"]].verdict == "resubmit"]
    wrong = flagged if kind == "clean" else sorted({m["id"] for m in msgs} - set(flagged))
    return len(flagged) / len(msgs), wrong


def test_holdout2_file_is_exactly_what_its_generator_writes(holdout2: list[dict]) -> None:
    assert _load_generator().build() == holdout2


def test_holdout2_has_enough_messages_of_each_kind_with_exact_labels(holdout2: list[dict]) -> None:
    assert len(holdout2) >= 200
    kinds = {k: sum(1 for m in holdout2 if m["kind"] == k) / len(holdout2) for k in ("clean", "pii", "secret")}
    assert 0.40 <= kinds["clean"] <= 0.50 and 0.20 <= kinds["pii"] <= 0.30 and 0.25 <= kinds["secret"] <= 0.35
    assert len({m["id"] for m in holdout2}) == len(holdout2)
    for m in holdout2:
        assert bool(m["labels"]) == (m["kind"] != "clean"), m["id"]
        for lab in m["labels"]:
            value = m["text"][lab["start"]:lab["end"]]
            assert value and value == value.strip() and lab["category"] == m["kind"], (m["id"], lab)


def test_holdout2_secret_messages_are_caught(holdout2: list[dict], holdout2_decisions: dict[str, Decision]) -> None:
    recall, missed = _rate(holdout2, holdout2_decisions, "secret")
    assert recall >= TARGETS["secret_recall"], f"secret recall {recall:.3f}; missed {missed}"


def test_holdout2_third_party_pii_messages_are_caught(
    holdout2: list[dict], holdout2_decisions: dict[str, Decision]
) -> None:
    recall, missed = _rate(holdout2, holdout2_decisions, "pii")
    assert recall >= TARGETS["pii_recall"], f"PII recall {recall:.3f}; missed {missed}"


def test_holdout2_clean_messages_are_rarely_bounced(
    holdout2: list[dict], holdout2_decisions: dict[str, Decision]
) -> None:
    rate, flagged = _rate(holdout2, holdout2_decisions, "clean")
    assert rate <= TARGETS["clean_false_flag"], f"clean false-flag {rate:.3f}; flagged {flagged}"


def test_holdout2_sender_own_name_email_and_phone_are_never_findings(
    holdout2: list[dict], holdout2_decisions: dict[str, Decision]
) -> None:
    hits = [
        (m["id"], f.type)
        for m in holdout2
        for f in holdout2_decisions[m["id"]].findings
        for s, e in identity_spans(m["text"], m["sender"])
        if f.start < e and s < f.end
    ]
    assert not hits
