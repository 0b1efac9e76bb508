"""classify_inbound and may_auto_reply: a table of header sets -> verdicts."""

from __future__ import annotations

import pytest

from intake.mail.filters import (
    LOOP_HEADER,
    FilterVerdict,
    auto_reply_address,
    classify_inbound,
    may_auto_reply,
)
from intake.mail.parse import parse_message

OURS = {"support@vendor.example", "Noreply-Bot@Vendor.Example"}
OUR_DOMAIN = "mail.vendor.example"


def parsed(headers: str, body: str = "Hello, the portal is down.\n", *, sender: str | None = "alice@customer.example"):
    head = (f"From: Alice <{sender}>\n" if sender else "") + "To: support@vendor.example\nSubject: help\n"
    return parse_message((head + headers.strip("\n") + "\n\n" + body).encode())


def classify(headers: str = "", **kw) -> FilterVerdict:
    return classify_inbound(parsed(headers, **kw), our_addresses=OURS, our_message_id_domain=OUR_DOMAIN)


DSN = ('Content-Type: multipart/report; report-type=delivery-status; boundary="r"\n\n'
       "--r\nContent-Type: text/plain\n\nfailed\n--r--")
MDN = ('Content-Type: multipart/report; report-type=disposition-notification; boundary="r"\n\n'
       "--r\nContent-Type: text/plain\n\nread\n--r--")
ARF = ('Content-Type: multipart/report; report-type=feedback-report; boundary="r"\n\n'
       "--r\nContent-Type: text/plain\n\nabuse\n--r--")

TABLE = [
    # (headers, expected action, expected code)
    ("", "accept", "accepted"),
    ("Auto-Submitted: no", "accept", "accepted"),
    ("Auto-Submitted: No (a person wrote this)", "accept", "accepted"),
    ("Precedence: first-class", "accept", "accepted"),
    ("X-Auto-Response-Suppress: DR, RN, NRN", "accept", "accepted"),
    ("Return-Path: <alice@customer.example>", "accept", "accepted"),
    ("Auto-Submitted: auto-replied", "drop", "auto_submitted"),
    ("Auto-Submitted: auto-generated", "drop", "auto_submitted"),
    ("Auto-Submitted: auto-notified; owner-email=x@y.example", "drop", "auto_submitted"),
    ("AUTO-SUBMITTED: Auto-Replied (vacation)", "drop", "auto_submitted"),
    ("Auto-Submitted: ", "drop", "auto_submitted"),
    ("Precedence: bulk", "drop", "precedence"),
    ("Precedence: list", "drop", "precedence"),
    ("Precedence: JUNK", "drop", "precedence"),
    ("Precedence: auto_reply", "drop", "precedence"),
    ("X-Autoreply: yes", "drop", "autoreply_header"),
    ("X-Autorespond: Out of office", "drop", "autoreply_header"),
    ("X-Auto-Response-Suppress: All", "drop", "auto_response_suppress"),
    ("X-Auto-Response-Suppress: DR, OOF", "drop", "auto_response_suppress"),
    ("X-Auto-Response-Suppress: AutoReply", "drop", "auto_response_suppress"),
    ("List-Id: Customer users <users.lists.customer.example>", "drop", "mailing_list"),
    ("List-Unsubscribe: <mailto:leave@lists.example>", "drop", "mailing_list"),
    ("Mailing-List: contact users-help@lists.example", "drop", "mailing_list"),
    ("X-Loop: someone@lists.example", "drop", "x_loop"),
    ("X-Loop: support@vendor.example", "drop", "own_mail"),
    ("Return-Path: <>", "drop", "null_return_path"),
    ("Return-Path: < >", "drop", "null_return_path"),
    (DSN, "drop", "bounce"),
    (MDN, "drop", "bounce"),
    ("X-Failed-Recipients: bob@customer.example", "drop", "bounce"),
    (ARF, "quarantine", "feedback_report"),
    (f"{LOOP_HEADER}: t-42", "drop", "own_mail"),
    (f"Message-ID: <t-42.1@{OUR_DOMAIN}>", "drop", "own_mail"),
    (f"Message-ID: <t-42.1@{OUR_DOMAIN.upper()}>", "drop", "own_mail"),
    ("Message-ID: <t-42.1@evil-mail.vendor.example.attacker.example>", "accept", "accepted"),
    ("Message-ID: <t-42.1@xmail.vendor.example>", "accept", "accepted"),
]


@pytest.mark.parametrize(("headers", "action", "code"), TABLE, ids=[t[0].split("\n")[0][:60] for t in TABLE])
def test_header_sets_get_the_expected_verdict(headers, action, code):
    verdict = classify(headers)
    assert (verdict.action, verdict.code) == (action, code), verdict.reason
    assert verdict.reason


@pytest.mark.parametrize(
    ("sender", "action", "code"),
    [
        ("MAILER-DAEMON@mx.customer.example", "drop", "robot_sender"),
        ("postmaster@customer.example", "drop", "robot_sender"),
        ("noreply@customer.example", "drop", "robot_sender"),
        ("no-reply@customer.example", "drop", "robot_sender"),
        ("do-not-reply@customer.example", "drop", "robot_sender"),
        ("DoNotReply@customer.example", "drop", "robot_sender"),
        ("jira-noreply@customer.example", "drop", "robot_sender"),
        ("bounces+1234@mailer.example", "drop", "robot_sender"),
        ("support@vendor.example", "drop", "own_mail"),
        ("SUPPORT@VENDOR.EXAMPLE", "drop", "own_mail"),
        ("noreply-bot@vendor.example", "drop", "own_mail"),
        ("norene@customer.example", "accept", "accepted"),
        ("postmaster-jane@customer.example", "accept", "accepted"),
        ("replyto@customer.example", "accept", "accepted"),
        (None, "quarantine", "no_sender"),
        ("undisclosed-recipients", "quarantine", "no_sender"),
    ],
)
def test_senders_get_the_expected_verdict(sender, action, code):
    verdict = classify(sender=sender)
    assert (verdict.action, verdict.code) == (action, code), verdict.reason


def test_own_mail_wins_over_every_other_rule_so_loops_are_named_as_such():
    verdict = classify(f"Auto-Submitted: auto-replied\n{LOOP_HEADER}: t-1\nPrecedence: bulk")
    assert verdict.code == "own_mail"


def test_without_a_configured_message_id_domain_only_the_other_own_mail_rules_apply():
    p = parsed(f"Message-ID: <x@{OUR_DOMAIN}>")
    assert classify_inbound(p, our_addresses=OURS, our_message_id_domain=None).action == "accept"


@pytest.mark.parametrize(
    ("headers", "sender", "trusted", "allowed"),
    [
        ("", "alice@customer.example", True, True),  # authenticated From
        ("", "alice@customer.example", False, False),  # unauthenticated, no envelope sender
        ("Return-Path: <alice@customer.example>", "alice@customer.example", False, True),
        ("Reply-To: team@customer.example", "alice@customer.example", True, True),
        ("Return-Path: <support@vendor.example>", "alice@customer.example", False, False),  # would mail ourselves
        ("Return-Path: <nobody>", "alice@customer.example", False, False),  # no @ in the target
        ("", "alice@localhost", True, False),  # no dot in the domain
        ("Auto-Submitted: auto-replied", "alice@customer.example", True, False),  # filtered: never answered
        ("Precedence: bulk", "alice@customer.example", True, False),
        ("Return-Path: <>", "alice@customer.example", False, False),  # the null sender: a bounce
        ("Return-Path: <no-reply@customer.example>", "alice@customer.example", False, False),
    ],
)
def test_auto_replies_only_to_accepted_mail_from_a_real_outside_address(headers, sender, trusted, allowed):
    p = parsed(headers, sender=sender)
    verdict = classify_inbound(p, our_addresses=OURS, our_message_id_domain=OUR_DOMAIN)
    assert may_auto_reply(p, verdict, our_addresses=OURS, trusted=trusted) is allowed


def test_auto_replies_go_to_the_authenticated_from_or_the_envelope_sender_never_reply_to():
    # Backscatter: Reply-To (and an unauthenticated From) are whatever a forger wrote.
    forged = parsed("Reply-To: victim@elsewhere.example\nReturn-Path: <bounce@spammer.example>")
    assert auto_reply_address(forged, trusted=False) == "bounce@spammer.example"
    assert auto_reply_address(forged, trusted=True) == "alice@customer.example"
    assert auto_reply_address(parsed("Reply-To: victim@elsewhere.example"), trusted=False) is None
    assert auto_reply_address(parsed("Return-Path: <Alice@Customer.Example>"), trusted=False) == "alice@customer.example"


def test_a_quarantined_mail_is_never_auto_answered():
    p = parsed(ARF)
    verdict = classify_inbound(p, our_addresses=OURS, our_message_id_domain=OUR_DOMAIN)
    assert verdict.action == "quarantine"
    assert may_auto_reply(p, verdict, our_addresses=OURS) is False
