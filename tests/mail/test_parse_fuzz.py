"""Property: whatever bytes arrive, parse_message returns a ParsedMail or raises MailParseError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.mail.filters import classify_inbound
from intake.mail.parse import MailParseError, parse_message
from tests.mail.test_corpus_sweep import MESSAGES

SEEDS = [raw for _, raw in MESSAGES if 0 < len(raw) < 20_000]

HEADER_NAMES = st.sampled_from([
    "From", "To", "Subject", "Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
    "Message-ID", "References", "Date", "Auto-Submitted", "Reply-To", "MIME-Version",
])
HEADER_VALUES = st.one_of(
    st.binary(max_size=80),
    st.sampled_from([
        b"multipart/mixed; boundary=", b'multipart/alternative; boundary="a"', b"text/plain; charset=x-unknown",
        b"text/html; charset=zlib", b"message/rfc822", b"base64", b"quoted-printable", b"=?utf-8?b?====?=",
        b"=?gb2312?q?=B1=A3?=", b"attachment; filename*=utf-8''%FF%FE.log", b"<>", b"",
    ]),
)


def check(raw: bytes) -> None:
    try:
        mail = parse_message(raw, time_budget=10.0)
    except MailParseError as exc:
        assert exc.reason
        return
    classify_inbound(mail, our_addresses=["support@vendor.example"], our_message_id_domain="vendor.example")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_never_crash_the_parser(raw):
    check(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=8), st.binary(max_size=500))
def test_random_header_sets_never_crash_the_parser(headers, body):
    head = b"".join(name.encode() + b": " + value.replace(b"\n", b" ") + b"\n" for name, value in headers)
    check(head + b"\n" + body + b"\n--a\nContent-Type: text/plain\n\nx\n--a--\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.integers(min_value=0), st.binary(min_size=1, max_size=40))
def test_corpus_mails_with_bytes_spliced_in_never_crash_the_parser(seed, at, junk):
    pos = at % len(seed)
    check(seed[:pos] + junk + seed[pos + len(junk):])
