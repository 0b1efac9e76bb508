"""Every mail of the bad-mail corpus (tests/fixtures/email-corpus, 222 real malformed or unusual
messages; sources in its SOURCES.md) goes through Dovecot and the whole worker flow during an
outage: each gets exactly one outcome with a reason, none crashes the worker or blocks the mailbox."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from intake.store.models import InboundMessage
from intake.worker import build_worker
from tests.mail.flow_helpers import ROOT, count, drain, inbound, make_settings

pytestmark = [pytest.mark.dovecot, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

CORPUS = ROOT / "tests" / "fixtures" / "email-corpus"


def _corpus() -> list[Path]:
    skip = {"SOURCES.md", ".gitattributes"}
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in skip
                  and not p.name.upper().startswith("LICENSE"))


def test_every_corpus_mail_gets_exactly_one_outcome_with_a_reason(db_url, factory, dovecot, smtp_sink, statuspage):
    statuspage.set_scenario("major-outage-critical")
    files = _corpus()
    assert len(files) >= 200
    raws = [p.read_bytes() for p in files]
    appended = dovecot.append([r for r in raws if r.strip()])  # Dovecot refuses to store an empty message
    worker = build_worker(make_settings(db_url=db_url, imap=dovecot, smtp=smtp_sink, statuspage=statuspage),
                          factory=factory)
    try:
        drain(worker, rounds=40)
    finally:
        worker.poller.close()
    rows = inbound(factory)
    assert len(rows) == appended == count(factory, InboundMessage)
    assert all(r.outcome and r.reason for r in rows)
    crashed = [r.reason for r in rows if "processing failed" in r.reason]
    assert crashed == []
    by_outcome = collections.Counter(r.outcome for r in rows)
    assert by_outcome["filtered"] > 0 and by_outcome["ticket"] > 0
    print("corpus outcomes:", dict(by_outcome))
    print("quarantined:", collections.Counter(r.reason.split(":")[0] for r in rows if r.outcome == "quarantined"))
    # every message marked done on the server (or expunged after a redaction rejection)
    flags = dovecot.flags()
    assert len(flags) == appended - by_outcome["rejected_redaction"]
    assert all(b"$SupportbotDone" in f for f in flags.values())
