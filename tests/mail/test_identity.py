"""Sender identity: RFC 8601 ``Authentication-Results`` parsing, DMARC / aligned-DKIM trust, registry."""

from __future__ import annotations

import email
import email.policy
import socket
from pathlib import Path

import pytest

from intake.mail.identity import (
    AuthResultsSyntaxError,
    ReasonCode,
    authenticate,
    authserv_id_of,
    identify_message,
    identify_parsed,
    identify_sender,
    organizational_domain,
    parse_authentication_results,
)
from intake.registry import Registry, load_registry

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "email-corpus"
OURS = ["mx.vendor.example"]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "config" / "customers.example.toml")


# -- parsing --------------------------------------------------------------------------------------

def test_a_gmail_style_header_parses_into_methods_results_and_properties() -> None:
    value = (
        "mx.google.com;\r\n       dkim=pass header.i=@acme.example header.s=20230601 header.b=Ab+Cd/e=;\r\n"
        "       spf=pass (google.com: domain of x@acme.example designates 192.0.2.1 as permitted sender)"
        " smtp.mailfrom=x@acme.example;\r\n"
        "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=acme.example"
    )
    parsed = parse_authentication_results(value)
    assert parsed.authserv_id == "mx.google.com"
    assert [(r.method, r.result) for r in parsed.results] == [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
    assert parsed.results[0].prop("header.i") == "@acme.example"
    assert parsed.results[0].prop("header.b") == "Ab+Cd/e="  # values may hold "="
    assert parsed.results[1].prop("smtp.mailfrom") == "x@acme.example"
    assert parsed.results[2].prop("header.from") == "acme.example"


@pytest.mark.parametrize(
    ("value", "authserv_id", "results"),
    [
        ("mx.vendor.example; none", "mx.vendor.example", []),
        ("mx.vendor.example 1; none", "mx.vendor.example", []),
        ('"mx.vendor.example"; dkim=pass header.d="acme.example"', "mx.vendor.example", [("dkim", "pass")]),
        ("MX.Vendor.Example; DKIM=Pass header.d=acme.example", "mx.vendor.example", [("dkim", "pass")]),
        ("mx.vendor.example; dkim = pass header.d = acme.example", "mx.vendor.example", [("dkim", "pass")]),
        ("mx.vendor.example; dkim/1=pass header.d=acme.example", "mx.vendor.example", [("dkim", "pass")]),
        ("mx.vendor.example (a comment (nested) here); dmarc=fail (p=reject) header.from=acme.example",
         "mx.vendor.example", [("dmarc", "fail")]),
        ('mx.vendor.example; dkim=pass reason="good; signature" header.d=acme.example',
         "mx.vendor.example", [("dkim", "pass")]),
        ("mx.vendor.example; spf=pass smtp.mailfrom=acme.example;", "mx.vendor.example", [("spf", "pass")]),
        # Microsoft Exchange Online style (properties without a ptype)
        ("mx.vendor.example; spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=acme.example; dkim=pass "
         "(signature was verified) header.d=acme.example;dmarc=pass action=none header.from=acme.example;"
         "compauth=pass reason=100",
         "mx.vendor.example", [("spf", "pass"), ("dkim", "pass"), ("dmarc", "pass"), ("compauth", "pass")]),
    ],
)
def test_header_variants_parse(value: str, authserv_id: str, results: list[tuple[str, str]]) -> None:
    parsed = parse_authentication_results(value)
    assert parsed.authserv_id == authserv_id
    assert [(r.method, r.result) for r in parsed.results] == results


@pytest.mark.parametrize(
    "value",
    [
        "",
        "; dkim=pass",
        "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=acme.example",  # no authserv-id (Exchange)
        "mx.vendor.example; dkim=pass (unterminated comment",
        'mx.vendor.example; dkim=pass header.d="unterminated',
        "mx.vendor.example; dkim",
        "mx.vendor.example 2; dkim=pass header.d=acme.example",  # unknown version: not interpretable
        "mx.vendor.example junk; dkim=pass",
    ],
)
def test_malformed_headers_are_rejected(value: str) -> None:
    with pytest.raises(AuthResultsSyntaxError):
        parse_authentication_results(value)


@pytest.mark.parametrize(
    ("value", "ident"),
    [("mx.vendor.example; none", "mx.vendor.example"), ("  MX.VENDOR.EXAMPLE (c) ; x=y", "mx.vendor.example"),
     ("", None), ("(only a comment", None)],
)
def test_authserv_id_of(value: str, ident: str | None) -> None:
    assert authserv_id_of(value) == ident


def _corpus_headers() -> list[tuple[str, str]]:
    found = []
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file() or path.suffix in {".md", ".txt", ".json", ".py"}:
            continue
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)
        for value in msg.get_all("Authentication-Results") or []:
            found.append((str(path.relative_to(CORPUS)), str(value)))
    return found


def test_every_authentication_results_header_of_the_corpus_parses_or_is_rejected_cleanly() -> None:
    headers = _corpus_headers()
    assert len(headers) >= 15  # the corpus holds Gmail, Yahoo, Exchange, Postfix variants
    parsed = 0
    for where, value in headers:
        try:
            result = parse_authentication_results(value)
        except AuthResultsSyntaxError:
            continue
        parsed += 1
        assert result.authserv_id, where
        # and the decision never trusts a header from a server that is not ours
        assert authenticate("example.com", [value], authserv_ids=OURS)[0] is False, where
    assert parsed >= len(headers) // 2


# -- alignment ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("domain", "org_domain"),
    [
        ("acme.example", "acme.example"),
        ("mail.eu.acme.example", "acme.example"),  # unlisted TLD: the list's default rule "*"
        ("ACME.co.uk", "acme.co.uk"),
        ("mail.acme.co.uk", "acme.co.uk"),
        ("news.bbc.co.uk.", "bbc.co.uk"),
        ("a.b.example.com", "example.com"),
        ("mail.acme.de", "acme.de"),
        ("x.y.example.org", "example.org"),
        ("bücher.example", "xn--bcher-kva.example"),
    ],
)
def test_organizational_domain_uses_the_public_suffix_list(domain: str, org_domain: str) -> None:
    assert organizational_domain(domain) == org_domain


def test_organizational_domain_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import intake.registry.model as registry_module

    monkeypatch.setattr(registry_module, "_TLD_EXTRACT", None)  # a fresh extractor, as at start-up

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    assert organizational_domain("mail.acme.co.uk") == "acme.co.uk"


# -- the trust decision ----------------------------------------------------------------------------

AR = "Authentication-Results: "


@pytest.mark.parametrize(
    ("from_domain", "headers", "trusted", "reason"),
    [
        # DMARC pass for the From domain
        ("acme.example", ["mx.vendor.example; dmarc=pass (p=reject) header.from=acme.example"], True,
         "dmarc=pass header.from=acme.example"),
        ("acme.example", ["mx.vendor.example; spf=pass smtp.mailfrom=bounce.acme.example; "
                          "dkim=pass header.d=acme.example; dmarc=pass header.from=ACME.example"], True, "dmarc=pass"),
        # aligned DKIM, relaxed: same organizational domain
        ("acme.example", ["mx.vendor.example; dkim=pass header.d=acme.example header.s=s1"], True, "dkim=pass"),
        ("acme.example", ["mx.vendor.example; dkim=pass header.d=mail.acme.example"], True, "aligned"),
        ("eu.acme.example", ["mx.vendor.example; dkim=pass header.d=acme.example"], True, "aligned"),
        ("acme.co.uk", ["mx.vendor.example; dkim=pass header.i=@news.acme.co.uk"], True, "aligned"),
        ("acme.example", ["mx.vendor.example; dkim=pass header.i=alice@acme.example"], True, "aligned"),
        # configured id in any case
        ("acme.example", ["MX.VENDOR.EXAMPLE; dkim=pass header.d=acme.example"], True, "dkim=pass"),
        # forged: a header from another authserv-id proves nothing
        ("acme.example", ["mx.attacker.example; dmarc=pass header.from=acme.example"], False,
         "no Authentication-Results from mx.vendor.example (1 from other servers ignored)"),
        ("acme.example", ["mx.vendor.example.attacker.example; dmarc=pass header.from=acme.example"], False,
         "no Authentication-Results"),
        ("acme.example", ["mx.attacker.example; dmarc=pass header.from=acme.example",
                          "mx.vendor.example; dmarc=fail header.from=acme.example"], False, "dmarc=fail"),
        # our server says fail: vetoes, even next to an aligned DKIM pass or a second header saying pass
        ("acme.example", ["mx.vendor.example; dkim=pass header.d=acme.example; dmarc=fail header.from=acme.example"],
         False, "dmarc=fail"),
        ("acme.example", ["mx.vendor.example; dmarc=pass header.from=acme.example",
                          "mx.vendor.example; dmarc=fail header.from=acme.example"], False, "dmarc=fail"),
        # DKIM pass for someone else's domain (a mailing service signing with its own d=)
        ("acme.example", ["mx.vendor.example; dkim=pass header.d=mailgun.example"], False, "not aligned"),
        ("acme.example", ["mx.vendor.example; dkim=pass header.d=acme.example.evil.example"], False, "not aligned"),
        ("acme.co.uk", ["mx.vendor.example; dkim=pass header.d=evil.co.uk"], False, "not aligned"),
        # DMARC pass for another From domain
        ("acme.example", ["mx.vendor.example; dmarc=pass header.from=globex.example"], False,
         "dmarc=pass only for globex.example"),
        # SPF alone is not enough: it authenticates the envelope, not the From
        ("acme.example", ["mx.vendor.example; spf=pass smtp.mailfrom=acme.example"], False,
         "no dmarc or dkim pass (spf=pass)"),
        ("acme.example", ["mx.vendor.example; dkim=fail header.d=acme.example; dmarc=none header.from=acme.example"],
         False, "no dmarc or dkim pass"),
        ("acme.example", ["mx.vendor.example; dkim=neutral (body hash did not verify) header.d=acme.example"], False,
         "no dmarc or dkim pass"),
        ("acme.example", ["mx.vendor.example; none"], False, "no dmarc or dkim pass"),
        ("acme.example", ["mx.vendor.example; dmarc=pass"], False, "dmarc=pass only for (none)"),
        ("acme.example", [], False, "no Authentication-Results"),
        ("acme.example", ["mx.vendor.example; dkim=pass (broken"], False, "1 malformed"),
    ],
)
def test_trust_decision_table(from_domain: str, headers: list[str], trusted: bool, reason: str) -> None:
    got_trusted, got_reason = authenticate(from_domain, headers, authserv_ids=OURS)
    assert got_trusted is trusted, got_reason
    assert reason in got_reason


def test_several_headers_by_our_server_count_when_configured() -> None:
    # e.g. OpenDKIM and OpenDMARC each add one: authserv_headers = 2
    headers = ["mx.vendor.example; spf=pass smtp.mailfrom=acme.example",
               "mx.vendor.example; dkim=pass header.d=acme.example"]
    assert authenticate("acme.example", headers, authserv_ids=OURS, own_headers=2)[0] is True
    assert authenticate("acme.example", headers, authserv_ids=OURS, own_headers=1)[0] is False


@pytest.mark.parametrize(
    ("headers", "own_headers"),
    [
        # the real header (topmost) says nothing passed; a forged one with our id sits below it
        (["mx.vendor.example; spf=none smtp.mailfrom=acme.example; dkim=none; dmarc=none header.from=acme.example",
          "mx.vendor.example; dmarc=pass header.from=acme.example"], 1),
        (["mx.vendor.example; spf=softfail smtp.mailfrom=acme.example",
          "mx.vendor.example; dkim=pass header.d=acme.example"], 1),
        # two headers of ours configured; the third with our id is the sender's
        (["mx.vendor.example; spf=none smtp.mailfrom=acme.example",
          "mx.vendor.example; dkim=none",
          "mx.vendor.example; dkim=pass header.d=acme.example; dmarc=pass header.from=acme.example"], 2),
        # a foreign header between ours and the forged one: the forged one is below the boundary
        (["mx.vendor.example; dkim=none",
          "relay.attacker.example; spf=pass",
          "mx.vendor.example; dmarc=pass header.from=acme.example"], 2),
    ],
)
def test_a_forged_header_with_our_authserv_id_below_the_real_one_is_not_trusted(
    headers: list[str], own_headers: int
) -> None:
    trusted, reason = authenticate("acme.example", headers, authserv_ids=OURS, own_headers=own_headers)
    assert trusted is False, reason
    assert "lower header(s) claiming our authserv-id ignored" in reason


def test_headers_added_after_ours_by_an_internal_hop_do_not_hide_ours() -> None:
    headers = ["filter.internal.example; spam=pass", "mx.vendor.example; dmarc=pass header.from=acme.example"]
    assert authenticate("acme.example", headers, authserv_ids=OURS)[0] is True


def test_several_authserv_ids_can_be_configured() -> None:
    header = ["backup-mx.vendor.example; dkim=pass header.d=acme.example"]
    assert authenticate("acme.example", header, authserv_ids=OURS)[0] is False
    assert authenticate("acme.example", header, authserv_ids=[*OURS, "backup-mx.vendor.example"])[0] is True


# -- the sender ------------------------------------------------------------------------------------

PASS = "mx.vendor.example; dmarc=pass header.from={domain}"


@pytest.mark.parametrize(
    ("from_header", "auth_domain", "expected"),
    [
        ("Alice Anders <alice@acme.example>", "acme.example",
         dict(address="alice@acme.example", name="Alice Anders", org_id="acme", trusted=True, registered_user=True,
              priority_eligible=True, reason_code=ReasonCode.PRIORITY)),
        ('"Anders, Alice" <ALICE@Acme.Example>', "acme.example",
         dict(address="alice@acme.example", name="Anders, Alice", priority_eligible=True)),
        ("=?utf-8?q?Al=C3=AFce?= <alice@acme.example>", "acme.example",
         dict(name="Alïce", priority_eligible=True)),
        # known organization by domain, but not registered beforehand: no priority (support terms)
        ("New Person <new.person@acme.example>", "acme.example",
         dict(org_id="acme", trusted=True, registered_user=False, priority_eligible=False,
              reason_code=ReasonCode.UNREGISTERED)),
        # registered, but the mail is not authenticated: anyone can write this From
        ("Alice <alice@acme.example>", None,
         dict(org_id="acme", trusted=False, registered_user=True, priority_eligible=False,
              reason_code=ReasonCode.UNAUTHENTICATED)),
        # registered contractor on a shared provider, authenticated by the provider's DMARC pass
        ("Carol <carol.contractor@gmail.com>", "gmail.com",
         dict(org_id="acme", trusted=True, registered_user=True, priority_eligible=True)),
        ("Stranger <someone@gmail.com>", "gmail.com",
         dict(org_id=None, trusted=True, registered_user=False, priority_eligible=False,
              reason_code=ReasonCode.UNREGISTERED)),
        ("Unknown <x@unknown.example>", None,
         dict(org_id=None, trusted=False, priority_eligible=False, reason_code=ReasonCode.UNAUTHENTICATED)),
        # unusable From headers
        ("", None, dict(address=None, priority_eligible=False, reason_code=ReasonCode.INVALID_FROM)),
        ("alice@acme.example, hank@globex.example", "acme.example",
         dict(address=None, reason_code=ReasonCode.INVALID_FROM)),
        ("undisclosed-recipients:;", None, dict(address=None, reason_code=ReasonCode.INVALID_FROM)),
        ("Alice <alice@>", None, dict(address=None, reason_code=ReasonCode.INVALID_FROM)),
    ],
)
def test_sender_identity_table(
    registry: Registry, from_header: str, auth_domain: str | None, expected: dict[str, object]
) -> None:
    headers = [PASS.format(domain=auth_domain)] if auth_domain else []
    sender = identify_sender(from_header, headers, registry=registry, authserv_ids=OURS)
    for key, value in expected.items():
        assert getattr(sender, key) == value, (key, sender)
    assert sender.priority_eligible == (sender.reason_code is ReasonCode.PRIORITY)


def test_a_forged_header_from_another_server_gives_no_priority(registry: Registry) -> None:
    raw = (
        b"Authentication-Results: mx.vendor.example; spf=fail smtp.mailfrom=acme.example;"
        b" dmarc=fail (p=none) header.from=acme.example\r\n"
        b"Received: from attacker (192.0.2.66) by mx.vendor.example\r\n"
        b"Authentication-Results: mx.attacker.example; dkim=pass header.d=acme.example;"
        b" dmarc=pass header.from=acme.example\r\n"
        b"From: Alice Anders <alice@acme.example>\r\n"
        b"Subject: S1 shop down\r\n\r\nbody\r\n"
    )
    for policy in (email.policy.compat32, email.policy.default):
        msg = email.message_from_bytes(raw, policy=policy)
        sender = identify_message(msg, registry=registry, authserv_ids=OURS)
        assert sender.trusted is False
        assert sender.priority_eligible is False
        assert sender.reason_code is ReasonCode.UNAUTHENTICATED
        assert sender.auth_reason == "dmarc=fail for acme.example"


def test_a_message_signed_by_the_senders_domain_is_trusted(registry: Registry) -> None:
    raw = (
        b"Authentication-Results: mx.vendor.example;\r\n"
        b"\tdkim=pass (2048-bit key; unprotected) header.d=acme.example header.i=@acme.example\r\n"
        b"\theader.a=rsa-sha256 header.s=sel1 header.b=ZmFrZQ==;\r\n"
        b"\tdmarc=pass (p=quarantine dis=none) header.from=acme.example\r\n"
        b"From: =?iso-8859-1?q?B=F6b?= <bob@acme.example>\r\n\r\nhello\r\n"
    )
    sender = identify_message(email.message_from_bytes(raw), registry=registry, authserv_ids=OURS)
    assert (sender.address, sender.name, sender.org_id) == ("bob@acme.example", "Böb", "acme")
    assert sender.priority_eligible is True


def test_two_from_headers_make_the_sender_invalid(registry: Registry) -> None:
    raw = (b"Authentication-Results: mx.vendor.example; dmarc=pass header.from=acme.example\r\n"
           b"From: alice@acme.example\r\nFrom: mallory@evil.example\r\n\r\nx\r\n")
    sender = identify_message(email.message_from_bytes(raw), registry=registry, authserv_ids=OURS)
    assert sender.reason_code is ReasonCode.INVALID_FROM


@pytest.mark.parametrize(
    ("corpus_file", "server", "trusted", "reason"),
    [
        ("mail-parser/tests/mails/mail_test_6", "mxs.test.it", True, "dkim=pass header.d=ggg.com aligned"),
        ("flanker/tests/fixtures/messages/russian-attachment-yahoo.eml", "mx.google.com", True,
         "header.d=yahoo.com aligned"),  # header.i=@yahoo.com only
        ("flanker/tests/fixtures/messages/multi-received-headers.eml", "mr.google.com", True,
         "header.d=example.com aligned"),  # header.i=hello@example.com
        ("flanker/tests/fixtures/messages/iphone.eml", "mx.google.com", False,
         "dkim=pass only for gmail.com, not aligned with somewhere.com"),
        ("ruby-mail/spec/fixtures/emails/plain_emails/basic_email.eml", "mx.google.com", False,
         "no dmarc or dkim pass (spf=neutral)"),
    ],
)
def test_real_corpus_mails_are_judged_as_their_receiving_server_reported(
    registry: Registry, corpus_file: str, server: str, trusted: bool, reason: str
) -> None:
    msg = email.message_from_bytes((CORPUS / corpus_file).read_bytes())
    sender = identify_message(msg, registry=registry, authserv_ids=[server])
    assert sender.trusted is trusted
    assert reason in sender.auth_reason
    assert sender.priority_eligible is False  # none of them is a registered user
    # and with our own server configured, their headers count for nothing
    assert identify_message(msg, registry=registry, authserv_ids=OURS).trusted is False


# -- robustness: arbitrary header text never crashes the decision -----------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_AR_ALPHABET = st.sampled_from(list('mx.vendor.example;=()"\\ \t\r\n@dkimarcpsfheader.dpasfil1/-'))


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.text(_AR_ALPHABET, max_size=80).map(lambda t: "mx.vendor.example; " + t), max_size=3))
def test_arbitrary_headers_give_a_decision_or_a_syntax_error_never_a_crash(values: list[str]) -> None:
    for value in values:
        try:
            parse_authentication_results(value)
        except AuthResultsSyntaxError:
            pass
    trusted, reason = authenticate("acme.example", values, authserv_ids=OURS)
    assert isinstance(trusted, bool) and reason
    if trusted:  # trust is only ever granted for our domain
        assert "acme.example" in reason


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(max_size=120))
def test_arbitrary_from_headers_never_crash(registry: Registry, from_header: str) -> None:
    sender = identify_sender(from_header, ["mx.vendor.example; dmarc=pass header.from=acme.example"],
                             registry=registry, authserv_ids=OURS)
    assert sender.priority_eligible is (sender.reason_code is ReasonCode.PRIORITY)


def test_a_parsed_mail_from_the_parser_is_identified_like_the_raw_message(registry: Registry) -> None:
    from intake.mail.parse import parse_message

    raw = (
        b"Authentication-Results: mx.vendor.example; dkim=pass header.d=acme.example\r\n"
        b"Authentication-Results: mx.attacker.example; dmarc=pass header.from=globex.example\r\n"
        b"From: =?utf-8?q?Anders=2C_Alice?= <Alice@ACME.example>\r\n"
        b"To: support@vendor.example\r\nSubject: [S2] slow\r\nMessage-ID: <1@acme.example>\r\n\r\nhi\r\n"
    )
    parsed = identify_parsed(parse_message(raw), registry=registry, authserv_ids=OURS)
    direct = identify_message(email.message_from_bytes(raw, policy=email.policy.default),
                              registry=registry, authserv_ids=OURS)
    assert parsed == direct
    assert (parsed.address, parsed.name, parsed.priority_eligible) == ("alice@acme.example", "Anders, Alice", True)


def test_a_parsed_mail_without_from_is_an_invalid_sender(registry: Registry) -> None:
    from intake.mail.parse import parse_message

    raw = b"To: support@vendor.example\r\nSubject: x\r\nMessage-ID: <2@x.example>\r\n\r\nhi\r\n"
    sender = identify_parsed(parse_message(raw), registry=registry, authserv_ids=OURS)
    assert sender.reason_code is ReasonCode.INVALID_FROM
