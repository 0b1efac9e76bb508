"""The labelled corpus: deterministic, exact spans, realistic formats, enough variety."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from eval.corpus import dump_jsonl, generate, load_jsonl
from eval.corpus import values as v
from eval.corpus.clean import CLEAN, HARD_CLEAN
from eval.corpus.doc import unwrap
from eval.corpus.generate import CorpusError, build
from eval.corpus.hard import HARD_DIRTY
from eval.corpus.leaks import SECRET
from eval.corpus.pii import PII


@pytest.fixture(scope="module")
def built():
    return build(seed=7, n=480)


def test_same_seed_gives_the_same_corpus_and_another_seed_a_different_one():
    assert generate(11, 120) == generate(11, 120)
    assert [i["text"] for i in generate(11, 120)] != [i["text"] for i in generate(12, 120)]


def test_every_label_span_is_exactly_the_planted_value(built):
    checked = 0
    for item, raws in built:
        text = item["text"]
        assert len(raws) == len(item["labels"])
        for lab, raw in zip(item["labels"], raws, strict=True):
            shown = text[lab["start"]:lab["end"]]
            if "\n" in shown and shown != raw:  # wrapped across lines or quoted: same value once unwrapped
                assert unwrap(shown) == unwrap(raw), (item["id"], lab)
            else:
                assert shown == raw, (item["id"], lab)
            checked += 1
    assert checked > 400


def test_labels_never_overlap_and_carry_a_category(built):
    for item, _ in built:
        spans = sorted((lab["start"], lab["end"]) for lab in item["labels"])
        for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False):
            assert e1 <= s2, item["id"]
        assert all(lab["category"] in ("pii", "secret") for lab in item["labels"])


def test_kinds_match_labels(built):
    for item, _ in built:
        cats = {lab["category"] for lab in item["labels"]}
        if item["kind"] in ("clean", "hard_clean"):
            assert not cats, item["id"]
        elif item["kind"] == "pii":
            assert cats == {"pii"}, item["id"]
        elif item["kind"] == "secret":
            assert cats == {"secret"}, item["id"]
        else:
            assert cats, item["id"]


def test_corpus_has_at_least_400_messages_across_many_templates(built):
    items = [i for i, _ in built]
    kinds = Counter(i["kind"] for i in items)
    assert len(items) == 480 and set(kinds) == {"clean", "hard_clean", "pii", "secret", "hard_dirty"}
    assert len(CLEAN) + len(HARD_CLEAN) >= 40 and len(PII) + len(SECRET) + len(HARD_DIRTY) >= 60
    assert len({i["template"] for i in items}) == len(CLEAN + HARD_CLEAN + PII + SECRET + HARD_DIRTY)
    assert len({i["text"] for i in items}) == len(items)
    assert {i["channel"] for i in items} == {"email", "slack"}


def test_sender_identity_is_not_reused_as_a_third_party(built):
    for item, raws in built:
        name = item["sender"]["name"]
        for lab, raw in zip(item["labels"], raws, strict=True):
            if lab["type"] == "PERSON":
                assert raw != name and item["sender"]["email"] not in raw, item["id"]


def test_planted_values_have_valid_checksums(built):
    ibans = cards = 0
    for item, raws in built:
        for lab, raw in zip(item["labels"], raws, strict=True):
            if lab["type"] == "IBAN_CODE":
                assert v.iban_valid(raw), raw
                ibans += 1
            elif lab["type"] == "CREDIT_CARD":
                digits = raw.replace(" ", "")
                assert v.luhn_ok(digits) and digits not in v.TEST_CARDS, raw
                cards += 1
    assert ibans and cards


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (v.aws_key_id, r"(AKIA|ASIA)[A-Z2-7]{16}"),
        (v.aws_secret, r"[A-Za-z0-9/+]{40}"),
        (v.github_fine_grained, r"github_pat_11[A-Z0-9]{20}_[A-Za-z0-9]{59}"),
        (v.gitlab_pat, r"glpat-[A-Za-z0-9_-]{20}"),
        (v.slack_bot_token, r"xoxb-\d{10,14}-\d{12,14}-[A-Za-z0-9]{24}"),
        (v.slack_webhook, r"https://hooks\.slack\.com/services/T[A-Z0-9]{8}/B[A-Z0-9]{10}/[A-Za-z0-9]{24}"),
        (v.google_api_key, r"AIza[A-Za-z0-9_-]{35}"),
        (v.sendgrid_key, r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
        (v.shopify_token, r"shp(at|ss|ca|pa)_[a-f0-9]{32}"),
        (v.npm_token, r"npm_[A-Za-z0-9]{36}"),
        (v.contentful_token, r"CFPAT-[A-Za-z0-9_-]{43}"),
        (v.jwt, r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"),
        (v.stripe_live, r"(sk|rk)_live_[A-Za-z0-9]{24,99}"),
    ],
)
def test_secret_formats_follow_the_providers_shapes(make, pattern):
    import random

    rng = random.Random(3)
    for _ in range(50):
        assert re.fullmatch(pattern, make(rng))


def test_github_classic_tokens_carry_a_crc32_checksum():
    import binascii
    import random

    rng = random.Random(5)
    for _ in range(50):
        tok = v.github_classic(rng)
        prefix, rest = tok.split("_", 1)
        assert prefix in {"ghp", "gho", "ghs", "ghu"} and len(rest) == 36
        assert rest[30:] == v._b62(binascii.crc32(rest[:30].encode()), 6)


def test_jsonl_round_trip_and_bad_files_are_rejected_with_the_line(tmp_path):
    items = generate(3, 20)
    path = tmp_path / "c.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        assert dump_jsonl(items, fh) == 20
    assert load_jsonl(path) == items
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "abc", "labels": [{"start": 2, "end": 9, "category": "pii", "type": "X"}]}) + "\n")
    with pytest.raises(CorpusError, match=r"bad.jsonl:1: bad label"):
        load_jsonl(bad)
    bad.write_text("{not json\n")
    with pytest.raises(CorpusError, match=r":1: not JSON"):
        load_jsonl(bad)
