"""The pipeline's ``decide`` on raw mail bytes: the decision order as a table (no peers, a recording
fake redactor and fake lookups: house style "fakes over mocks")."""

from __future__ import annotations

import datetime as dt

import pytest

from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.pipeline import Context, IntakeConfig, IntakeDeps, MailMessage, NoLookups, ThreadRef, decide
from intake.portal import GateReading
from intake.registry import load_registry
from redaction.types import Decision, Finding
from tests.mail.flow_helpers import AUTHSERV, ROOT, SUPPORT, mail

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
UP = GateReading("up", "up", "status page: Support Portal is operational", NOW)
DOWN = GateReading("down", "down", "status page: Support Portal is major_outage", NOW)
CONFIG = IntakeConfig(support_address=SUPPORT, our_addresses=(SUPPORT,), message_id_domain="vendor.example",
                    authserv_ids=(AUTHSERV,))
REGISTRY = load_registry(ROOT / "config" / "customers.example.toml")
POLICY = Policy.load(ROOT / "config" / "policy.toml")


class FakeRedactor:
    """Flags the word SECRET as a password; records what it was asked."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def check(self, text, sender=None):
        self.calls.append(text)
        at = text.find("SECRET")
        if at < 0:
            return Decision("clean")
        return Decision("resubmit", (Finding("PASSWORD", at, at + 6, 0.9, "fake", "secret"),), {"PASSWORD": 1})


class Threads(NoLookups):
    """The store as far as threading goes: every mail refers to ``thread``."""

    def __init__(self, thread):
        self.thread = thread

    def thread_for(self, *, in_reply_to, references, subject):
        return self.thread


def _decide(raw: bytes, gate=DOWN, thread=None):
    redactor = FakeRedactor()
    deps = IntakeDeps(CONFIG, REGISTRY, POLICY, redactor)
    message = MailMessage.from_bytes(raw, max_bytes=CONFIG.max_mail_bytes)
    outcome = decide(message, Context(deps, NOW, gate, Threads(thread)))
    return outcome, redactor


OPEN = ThreadRef(7, "SB-000007", "open")
CLOSED = ThreadRef(8, "SB-000008", "closed")


@pytest.mark.parametrize("raw, gate, thread, kind, reply, redacted", [
    (mail(headers={"Auto-Submitted": "auto-replied"}), DOWN, None, "filtered", None, False),
    (mail(headers={"Precedence": "bulk"}), UP, None, "filtered", None, False),
    (mail(frm="noreply@acme.example"), DOWN, None, "filtered", None, False),
    (mail(frm="Support <support@vendor.example>"), DOWN, None, "filtered", None, False),
    (mail(), UP, None, "deflected", "deflection", False),
    (mail(body="SECRET inside"), UP, None, "deflected", "deflection", False),  # nothing read, nothing kept
    (mail(body="more info"), UP, OPEN, "follow_up", None, True),  # threads even while the website is up
    (mail(body="SECRET again"), DOWN, OPEN, "rejected_redaction", "resubmission", True),
    (mail(body="Organization: acme\nProject: shop-eu\n\nback again"), DOWN, CLOSED, "ticket", "acknowledgement", True),
    (mail(body="Our SECRET is x"), DOWN, None, "rejected_redaction", "resubmission", True),
    (mail(subject="SECRET in the subject", body="fine"), DOWN, None, "rejected_redaction", "resubmission", True),
    (mail(), DOWN, None, "ticket", "acknowledgement", True),
])
def test_decision_order(raw, gate, thread, kind, reply, redacted):
    outcome, redactor = _decide(raw, gate, thread)
    assert outcome.kind == kind
    assert outcome.reply == reply
    assert bool(redactor.calls) is redacted
    assert outcome.reason


def test_no_sender_is_quarantined_for_a_person():
    raw = b"Subject: hello\r\nTo: support@vendor.example\r\nMessage-ID: <x@y>\r\n\r\nbody\r\n"
    outcome, _ = _decide(raw)
    assert outcome.kind == "quarantined" and "no_sender" in outcome.reason


def test_a_closed_ticket_reference_becomes_a_new_request_and_says_so():
    outcome, _ = _decide(mail(), DOWN, CLOSED)
    assert outcome.kind == "ticket" and "SB-000008, which is closed" in outcome.reason


def test_requested_severity_is_capped_by_the_contract_and_priority_needs_org_and_project():
    body = "Organization: acme\nProject: shop-eu\nSeverity: S1\nProduct: Checkout\nComponent: Vouchers\n\nbroken\n"
    outcome, _ = _decide(mail(body=body))
    d = outcome.draft
    assert (d.requested_severity, d.severity, d.max_severity) == (Severity.S1, Severity.S3, Severity.S3)
    assert d.priority_eligible and d.missing == ()
    assert "capped to S3" in outcome.reason

    outcome, _ = _decide(mail(body="Severity: S2\n\nno project named\n"))
    assert not outcome.draft.priority_eligible and "project" in outcome.draft.missing


def test_an_unauthenticated_sender_gets_no_priority_whatever_they_claim():
    outcome, _ = _decide(mail(authenticated=False))
    assert outcome.kind == "ticket" and not outcome.draft.priority_eligible
    assert outcome.draft.reason_code == "unauthenticated" and not outcome.draft.sender_trusted


def test_a_sender_that_may_not_be_auto_answered_gets_no_reply_target():
    outcome, _ = _decide(mail(authenticated=False, envelope_from=None))  # no envelope sender to answer
    assert outcome.kind == "ticket" and outcome.reply_to is None
    outcome, _ = _decide(mail(authenticated=False, headers={"Return-Path": "<>"}, envelope_from=None))
    assert outcome.kind == "filtered"  # the null sender: a bounce, never answered


def test_automatic_answers_never_go_to_reply_to_nor_repeat_what_an_unauthenticated_sender_wrote():
    outcome, _ = _decide(mail(frm="Win A Prize <alice@acme.example>", subject="CHEAP PILLS http://spam.example",
                              headers={"Reply-To": "victim@elsewhere.example"}))
    assert outcome.reply_to == "alice@acme.example"  # authenticated From
    assert outcome.echo_subject and outcome.greeting is not None
    forged, _ = _decide(mail(frm="Win A Prize <ceo@acme.example>", subject="CHEAP PILLS http://spam.example",
                             authenticated=False, headers={"Reply-To": "victim@elsewhere.example"},
                             envelope_from="promo@spam.example"))
    assert forged.reply_to == "promo@spam.example"  # the envelope sender, never Reply-To
    assert not forged.echo_subject and forged.greeting is None


BY_TOKEN = ThreadRef(9, "SB-000009", "open", by="subject", sender_email="alice@acme.example", organization="acme")


@pytest.mark.parametrize("raw, gate, kind", [
    (mail(frm="Mallory <mallory@evil.example>", body="pay to my account"), DOWN, "ticket"),
    (mail(frm="Mallory <mallory@evil.example>", body="pay to my account"), UP, "deflected"),
    (mail(frm="Bob Berger <bob@acme.example>", authenticated=False), DOWN, "ticket"),  # domain, unauthenticated
    (mail(frm="Bob Berger <bob@acme.example>"), UP, "follow_up"),  # an authenticated member of the organization
    (mail(frm="Alice Anders <alice@acme.example>", authenticated=False), UP, "follow_up"),  # the ticket's sender
])
def test_a_subject_token_threads_only_the_tickets_sender_or_an_authenticated_member(raw, gate, kind):
    outcome, _ = _decide(raw, gate, BY_TOKEN)
    assert outcome.kind == kind
    if kind != "follow_up":
        assert "subject names SB-000009" in outcome.reason
    else:
        assert outcome.thread == BY_TOKEN and outcome.text.startswith(f"From {outcome.sender} (")


def test_a_header_match_threads_anyone_and_says_whether_they_were_verified():
    outcome, _ = _decide(mail(frm="Dave <dave@partner.example>", authenticated=False), UP, OPEN)
    assert outcome.kind == "follow_up" and not outcome.verified
    assert outcome.text.startswith("From dave@partner.example (not verified")


class Opened(NoLookups):
    """A sender who opened ``count`` tickets within the window, the latest still open."""

    def __init__(self, count):
        self.count = count
        self.asked = []

    def recent_tickets(self, sender, since):
        self.asked.append((sender, since))
        return self.count, OPEN


@pytest.mark.parametrize("count, kind", [(2, "ticket"), (3, "follow_up"), (7, "follow_up")])
def test_new_tickets_past_the_senders_limit_fold_into_their_open_ticket(count, kind):
    deps = IntakeDeps(CONFIG, REGISTRY, POLICY, FakeRedactor())
    lookups = Opened(count)
    message = MailMessage.from_bytes(mail(subject="We received your message"), max_bytes=CONFIG.max_mail_bytes)
    outcome = decide(message, Context(deps, NOW, DOWN, lookups))
    assert lookups.asked == [("alice@acme.example", NOW - CONFIG.new_ticket_window)]
    assert outcome.kind == kind
    if kind == "follow_up":  # no acknowledgement
        assert outcome.reply is None and outcome.folded and outcome.thread == OPEN
        assert f"folded into {OPEN.token}" in outcome.reason and f"opened {count} new tickets" in outcome.reason
        assert "Subject: We received your message" in outcome.text
