"""Email, Slack requests and customer follow-ups run through the same ``decide``/``apply``.

Not by mocking them: each test swaps one rule in the pipeline's dependencies (the redaction engine,
the severity cap, the follow-up text limit) and watches every channel's real adapter honour it,
through the real store (SQLite and PostgreSQL). The email channel is the IMAP poller's batch
handler fed fetched mails; Slack is ``bot.actions.submit_request``, what the request modal's
listener calls; a follow-up is a mail that threads onto a ticket.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import actions, views
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.mail.imap import FetchedMail, MessageBatch
from intake.mail.templates import Templates
from intake.pipeline import IntakeConfig, IntakeDeps, Rules
from intake.pipeline.mailbox import BatchIngest
from intake.portal import GateReading
from intake.registry import load_registry
from intake.store.models import InboundMessage, OutboxItem, RedactionLogEntry, Ticket
from redaction.types import Decision, Finding, Sender
from tests.mail.flow_helpers import AUTHSERV, ROOT, SUPPORT, mail

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
DOWN = GateReading("down", "down", "status page: Support Portal is major_outage", NOW)
POLICY = Policy.load(ROOT / "config" / "policy.toml")
REGISTRY = load_registry(ROOT / "config" / "customers.example.toml")
KEY = b"k" * 32


class CanaryRedactor:
    """A redaction engine whose one rule is the word CANARY (a secret); records every text it saw."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Sender | None]] = []

    def check(self, text: str, sender: Sender | None = None) -> Decision:
        self.seen.append((text, sender))
        at = text.find("CANARY")
        if at < 0:
            return Decision("clean")
        return Decision("resubmit", (Finding("TEST_SECRET", at, at + 6, 0.99, "canary", "secret"),),
                        {"TEST_SECRET": 1})


def _deps(redactor: CanaryRedactor, rules: Rules | None = None) -> IntakeDeps:
    config = IntakeConfig(support_address=SUPPORT, our_addresses=(SUPPORT,), message_id_domain="vendor.example",
                          authserv_ids=(AUTHSERV,))
    return IntakeDeps(config, REGISTRY, POLICY, redactor, Templates(ROOT / "config" / "templates"), KEY,
                      rules or Rules())


class Channels:
    """The three channels' adapters, all handed the same pipeline dependencies."""

    def __init__(self, factory: sessionmaker[Session], deps: IntakeDeps) -> None:
        self.factory = factory
        self.deps = deps
        self.email = BatchIngest(factory, deps, gate=lambda: DOWN, clock=lambda: NOW)
        self.bot = actions.BotDeps(factory=factory, policy=deps.policy, registry=deps.registry,
                                   support_address=SUPPORT, redactor=lambda: deps.redactor,
                                   hmac_key=lambda: deps.hmac_key, clock=lambda: NOW, rules=deps.rules)
        self.uid = 0

    def send_mail(self, raw: bytes) -> str:
        self.uid += 1
        batch = MessageBatch("INBOX", 1, [FetchedMail(self.uid, raw, len(raw), NOW)])
        [(uid, outcome)] = self.email(batch)
        assert uid == self.uid
        return outcome

    def slack_request(self, description: str, severity: Severity = Severity.S2) -> actions.RequestOutcome:
        request = views.Request(answers=views.RequestAnswers(org="acme", project="shop-eu", production=True,
                                                             business_stopped=False, workaround=True),
                                severity=severity, summary="Checkout slow", description=description)
        return actions.submit_request(self.bot, request, user="U0CUSTMR01", user_name="Carla")


def test_a_redaction_rule_swapped_in_is_honoured_by_email_slack_and_follow_ups(
        factory: sessionmaker[Session]) -> None:
    redactor = CanaryRedactor()
    ch = Channels(factory, _deps(redactor))

    # email: a clean request opens a ticket; one carrying the canary is rejected
    assert ch.send_mail(mail(message_id="<root-1@acme.example>")) == "ticket"
    assert ch.send_mail(mail(body="Organization: acme\nOur key is CANARY, please check.")) == "rejected_redaction"
    # Slack: the same engine, the same outcome types
    clean = ch.slack_request("The checkout takes 9 s per order.")
    assert clean.token is not None and clean.rejected_types is None
    assert ch.slack_request("Login with CANARY fails.").rejected_types == {"TEST_SECRET": 1}
    # follow-ups: onto the email ticket, clean into its thread, the canary rejected with a thread note
    assert ch.send_mail(mail(subject="Re: Checkout fails", body="It works again.",
                             in_reply_to="<root-1@acme.example>")) == "follow_up"
    assert ch.send_mail(mail(subject="Re: Checkout fails", body="Here is CANARY again.",
                             in_reply_to="<root-1@acme.example>")) == "rejected_redaction"

    canary_texts = [t for t, _ in redactor.seen if "CANARY" in t]
    assert len(canary_texts) == 3  # one per channel, each seen by the swapped-in engine
    with factory() as s:
        log = s.execute(select(RedactionLogEntry.channel, RedactionLogEntry.entity_types)
                        .order_by(RedactionLogEntry.id)).all()
        assert [(c, list(t)) for c, t in log] == [("email", ["TEST_SECRET"]), ("slack", ["TEST_SECRET"]),
                                                  ("email", ["TEST_SECRET"])]
        tickets = s.scalars(select(Ticket).order_by(Ticket.id)).all()
        assert [t.channel for t in tickets] == ["email", "slack"]  # nothing kept of the rejected ones
        assert all("CANARY" not in (t.body or "") + (t.subject or "") for t in tickets)
        notes = [o.payload.get("text", "") for o in s.scalars(select(OutboxItem).where(OutboxItem.kind == "slack"))]
        assert any("It works again." in n for n in notes)
        assert any("rejected by redaction (TEST_SECRET ×1)" in n for n in notes)
        assert not any("CANARY" in str(o.payload) for o in s.scalars(select(OutboxItem)))
        outcomes = s.scalars(select(InboundMessage.outcome).order_by(InboundMessage.uid)).all()
        assert outcomes == ["ticket", "rejected_redaction", "follow_up", "rejected_redaction"]


def test_a_cap_rule_swapped_in_caps_email_and_slack_requests_alike(factory: sessionmaker[Session]) -> None:
    def at_most_s3(registry, policy, organization, product, component) -> Severity:  # type: ignore[no-untyped-def]
        return Severity.S3

    ch = Channels(factory, _deps(CanaryRedactor(), Rules(severity_cap=at_most_s3)))
    assert ch.send_mail(mail(body="Organization: acme\nProject: shop-eu\nSeverity: S1\n\nAll orders fail.")) == "ticket"
    assert ch.slack_request("All orders fail.", severity=Severity.S1).token is not None
    # the modal is checked against the same rule before it may close
    request = views.Request(answers=views.RequestAnswers(org="acme", project="shop-eu"), severity=Severity.S1,
                            summary="x", description="y")
    assert actions.check_request(ch.bot, request) == {"severity": "At most S3 for this organization."}
    with factory() as s:
        rows = s.execute(select(Ticket.channel, Ticket.requested_severity, Ticket.effective_severity,
                                Ticket.max_severity).order_by(Ticket.id)).all()
    assert [tuple(r) for r in rows] == [("email", "S1", "S3", "S3"), ("slack", "S1", "S3", "S3")]


def test_a_follow_up_rule_swapped_in_shapes_the_thread_text(factory: sessionmaker[Session]) -> None:
    deps = _deps(CanaryRedactor())
    ch = Channels(factory, replace(deps, rules=Rules(thread_text_limit=12)))
    assert ch.send_mail(mail(message_id="<root-2@acme.example>")) == "ticket"
    assert ch.send_mail(mail(subject="Re: Checkout fails", body="The checkout works again since noon.",
                             in_reply_to="<root-2@acme.example>")) == "follow_up"
    with factory() as s:
        texts = [o.payload.get("text") for o in s.scalars(select(OutboxItem).where(OutboxItem.kind == "slack"))
                 if o.payload.get("kind") == "customer_follow_up"]
    # the rule limits the customer's words; the line saying who sent them stays whole
    assert texts == ["From alice@acme.example (verified: authenticated sender)\n\nThe checkout [...]"]
