"""Issue 3 targets on our labelled corpus, with the real engine and the real spaCy model.

Secret recall >= 0.99, third-party PII recall >= 0.95, clean false-flag rate <= 0.03 (message
level), and the sender's own identity never flagged. Two seeds: the one the engine was tuned
against is not the only one that counts.
"""

from __future__ import annotations

import pytest

from eval.corpus import generate
from eval.score import format_table, score


@pytest.fixture(scope="session")
def redactor():
    from tests.redaction.velora import get_redactor

    return get_redactor()


@pytest.fixture(scope="module", params=[1, 2027])
def result(request, redactor):
    return score(redactor, generate(request.param, 480))


def test_secret_bearing_messages_are_resubmitted(result):
    assert result["secret_recall"] >= 0.99, format_table(result)


def test_messages_with_third_party_personal_data_are_resubmitted(result):
    assert result["pii_recall"] >= 0.95, format_table(result)


def test_clean_messages_are_rarely_flagged(result):
    assert result["clean_false_flag"] <= 0.03, format_table(result)


def test_the_senders_own_identity_is_never_flagged(result):
    assert result["sender_identity_flags"] == 0, format_table(result)
