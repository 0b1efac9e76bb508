"""parse_message: raw bytes in, ParsedMail (or MailParseError with a reason) out."""

from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest

from intake.mail.parse import MailError, MailParseError, decode_header_text, parse_message

SIMPLE = (
    b"Return-Path: <alice@customer.example>\r\n"
    b"Authentication-Results: mx.vendor.example; dmarc=pass header.from=customer.example\r\n"
    b"Authentication-Results: other.example; spf=fail\r\n"
    b"From: Alice Example <Alice@Customer.Example>\r\n"
    b"Reply-To: helpdesk@customer.example\r\n"
    b"To: Support <support@vendor.example>, bob@customer.example\r\n"
    b"Cc: carol@customer.example\r\n"
    b"Subject: Portal down: cannot log in\r\n"
    b"Date: Thu, 15 Jan 2026 09:12:00 +0100\r\n"
    b"Message-ID: <abc.123@mail.customer.example>\r\n"
    b"In-Reply-To: <t-1@vendor.example>\r\n"
    b"References: <t-0@vendor.example>\r\n <t-1@vendor.example>\r\n"
    b"\r\n"
    b"Hello,\r\nthe portal shows a 502.\r\n"
)


def mail(headers: str, body: bytes | str = "Hello\n", *, extra: bytes = b"") -> bytes:
    head = "From: a@customer.example\nTo: support@vendor.example\n" + headers.strip("\n") + "\n"
    payload = body.encode() if isinstance(body, str) else body
    return head.encode("utf-8") + extra + b"\n" + payload


def test_simple_mail_gives_every_field():
    m = parse_message(SIMPLE)
    assert m.message_id == "<abc.123@mail.customer.example>"
    assert m.in_reply_to == "<t-1@vendor.example>"
    assert m.references == ("<t-0@vendor.example>", "<t-1@vendor.example>")
    assert m.subject == "Portal down: cannot log in"
    assert (m.from_name, m.from_addr) == ("Alice Example", "alice@customer.example")
    assert m.reply_to == ("helpdesk@customer.example",)
    assert m.to == ("support@vendor.example", "bob@customer.example")
    assert m.cc == ("carol@customer.example",)
    assert m.date == datetime(2026, 1, 15, 8, 12, tzinfo=UTC)
    assert m.date.utcoffset() == timedelta(hours=1)
    assert m.authentication_results == (
        "mx.vendor.example; dmarc=pass header.from=customer.example",
        "other.example; spf=fail",
    )
    assert m.header("Return-Path") == "<alice@customer.example>"
    assert m.body == "Hello,\nthe portal shows a 502."
    assert (m.body_source, m.content_type, m.attachments, m.defects) == ("plain", "text/plain", (), ())
    assert m.size == len(SIMPLE) and len(m.sha256) == 64


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?utf-8?q?Caf=C3=A9_cr=C3=A8me?=", "Café crème"),
        ("=?ISO-8859-1?B?SGFsbG8g3GJlcg==?=", "Hallo Über"),
        ("Re: =?iso-8859-1?q?h=E9?= =?iso-8859-1?q?llo?= world", "Re: héllo world"),
        # one UTF-8 character split across two encoded words
        ("=?utf-8?b?4oI=?= =?utf-8?b?rA==?=", "€"),
        ("=?utf-8?q?a?=  =?utf-8?q?b?=", "ab"),  # white space between encoded words is dropped
        ("=?x-unknown?q?caf=E9?= ok", "café ok"),  # unknown charset: falls back, no crash
        ("=?koi8-r?b?8NLJ18XU?=", "Привет"),
        ("=?utf-8?b?!!!not-base64?= tail", "=?utf-8?b?!!!not-base64?= tail"),
        ("=?utf-8*en?q?lang_suffix?=", "lang suffix"),  # RFC 2231 language tag
        ("plain ascii", "plain ascii"),
    ],
)
def test_encoded_headers_decode_in_any_charset(raw, expected):
    assert decode_header_text(raw) == expected


def test_raw_8bit_subjects_in_utf8_and_latin1_decode():
    utf8 = parse_message(b"From: a@b.example\nSubject: Gr\xc3\xbc\xc3\x9fe\n\nx")
    latin = parse_message(b"From: a@b.example\nSubject: Gr\xfc\xdfe\n\nx")
    assert utf8.subject == latin.subject == "Grüße"


def test_an_encoded_newline_cannot_inject_a_header_line_via_the_subject():
    m = parse_message(mail("Subject: =?utf-8?q?Hi=0D=0ABcc:_victim@evil.example?="))
    assert "\n" not in m.subject and "\r" not in m.subject
    assert m.subject == "Hi Bcc: victim@evil.example"


def test_folded_and_encoded_display_names_decode():
    m = parse_message(b'From: =?utf-8?q?M=C3=BCller=2C_J=C3=BCrgen?=\n <J.Mueller@Example.DE>\nSubject: x\n\nbody')
    assert m.from_name == "Müller, Jürgen"
    assert m.from_addr == "j.mueller@example.de"


def test_html_only_mail_becomes_text_without_scripts_or_styles():
    html = ("<html><head><style>p{color:red}</style><title>T</title></head><body>"
            "<script>var token='s3cr3t';</script><p>Portal is <b>down</b> since 9:00</p>"
            "<p><a href='https://help.example/x'>status</a></p></body></html>")
    m = parse_message(mail('Content-Type: text/html; charset="utf-8"\nSubject: h', html))
    assert m.body_source == "html"
    assert "Portal is down since 9:00" in m.body
    assert "https://help.example/x" in m.body
    assert "s3cr3t" not in m.body and "color" not in m.body and "<" not in m.body


def test_multipart_alternative_prefers_the_plain_text():
    raw = mail(
        'Subject: alt\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="b"',
        "--b\nContent-Type: text/plain; charset=utf-8\n\nplain version\n"
        "--b\nContent-Type: text/html; charset=utf-8\n\n<p>html version</p>\n--b--\n",
    )
    m = parse_message(raw)
    assert m.body == "plain version"
    assert m.body_source == "plain"
    assert m.part_types == ("multipart/alternative", "text/plain", "text/html")


def test_alternative_with_an_empty_plain_part_falls_back_to_html():
    raw = mail(
        'Subject: alt\nContent-Type: multipart/alternative; boundary="b"',
        "--b\nContent-Type: text/plain\n\n\n--b\nContent-Type: text/html\n\n<p>only here</p>\n--b--\n",
    )
    assert parse_message(raw).body == "only here"


def test_unknown_body_charset_is_decoded_with_a_fallback_and_a_defect():
    raw = mail("Subject: x\nContent-Type: text/plain; charset=x-unknown", "caf\xe9 ok".encode("latin-1"))
    m = parse_message(raw)
    assert m.body == "café ok"
    assert any("unknown charset" in d for d in m.defects)


def test_bytes_invalid_in_the_declared_charset_are_replaced_not_fatal():
    raw = mail("Subject: x\nContent-Type: text/plain; charset=utf-8", b"na\xefve \xff caf\xc3\xa9")
    m = parse_message(raw)
    assert m.body.startswith("na") and "\ufffd" in m.body
    assert any("not valid utf-8" in d for d in m.defects)


@pytest.mark.parametrize("charset", ["zlib", "base64", "rot13", "unicode_escape", "hex"])
def test_codec_names_that_are_not_text_charsets_are_refused(charset):
    payload = b"x\\u0041\\x41"
    m = parse_message(mail(f"Subject: x\nContent-Type: text/plain; charset={charset}", payload))
    assert m.body == "x\\u0041\\x41"


def test_quoted_printable_and_base64_bodies_decode():
    qp = parse_message(mail("Content-Transfer-Encoding: quoted-printable\nContent-Type: text/plain; charset=utf-8",
                            "Gr=C3=BC=C3=9Fe=\n aus M=C3=BCnchen"))
    b64 = parse_message(mail("Content-Transfer-Encoding: base64\nContent-Type: text/plain; charset=utf-8",
                             base64.encodebytes("Grüße".encode()).decode()))
    assert qp.body == "Grüße aus München"
    assert b64.body == "Grüße"


def _multipart(*parts: str, ctype: str = "multipart/mixed") -> bytes:
    body = "".join(f"--XX\n{p}\n" for p in parts) + "--XX--\n"
    return mail(f'Subject: with files\nMIME-Version: 1.0\nContent-Type: {ctype}; boundary="XX"', body)


def test_text_like_attachments_are_decoded_for_redaction_and_binary_ones_only_listed():
    pdf = base64.encodebytes(b"%PDF-1.4 BINARY-SECRET-MARKER \x00\x01\x02" * 10).decode()
    raw = _multipart(
        "Content-Type: text/plain; charset=utf-8\n\nSee attached.",
        'Content-Type: text/plain; name="app.log"\nContent-Disposition: attachment; filename="app.log"\n\n'
        "ERROR user=jane@third.example failed",
        'Content-Type: application/octet-stream\nContent-Disposition: attachment; filename="prod.env"\n\n'
        "DB_PASSWORD=hunter2",
        'Content-Type: application/json; name="dump.json"\n\n{"k": 1}',
        'Content-Type: application/pdf\nContent-Disposition: attachment; filename="report.pdf"\n'
        "Content-Transfer-Encoding: base64\n\n" + pdf,
    )
    m = parse_message(raw)
    assert m.body == "See attached."
    got = {a.filename: (a.content_type, a.text is not None) for a in m.attachments}
    assert got == {
        "app.log": ("text/plain", True),
        "prod.env": ("application/octet-stream", True),
        "dump.json": ("application/json", True),
        "report.pdf": ("application/pdf", False),
    }
    by_name = {a.filename: a for a in m.attachments}
    assert "jane@third.example" in by_name["app.log"].text
    assert by_name["prod.env"].text == "DB_PASSWORD=hunter2"
    assert by_name["report.pdf"].size == len(b"%PDF-1.4 BINARY-SECRET-MARKER \x00\x01\x02" * 10)
    assert "BINARY-SECRET-MARKER" not in repr(m)  # the bytes of other attachments are never kept
    labels = [label for label, _ in m.scannable_texts]
    assert labels == ["subject", "body", "attachment:app.log", "attachment:prod.env", "attachment:dump.json"]


def test_a_text_attachment_too_big_to_scan_is_listed_with_the_reason():
    raw = _multipart("Content-Type: text/plain\n\nhi",
                     'Content-Type: text/plain\nContent-Disposition: attachment; filename="big.log"\n\n' + "x" * 5000)
    m = parse_message(raw, max_text_attachment_bytes=1000)
    (att,) = m.attachments
    assert att.text is None and "too large to scan" in att.skipped_reason


def test_binary_bytes_in_a_txt_attachment_are_not_passed_off_as_text():
    raw = _multipart("Content-Type: text/plain\n\nhi",
                     'Content-Type: application/octet-stream\nContent-Disposition: attachment; filename="x.txt"\n'
                     "Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(b"MZ\x00\x00\x90" * 50).decode())
    (att,) = parse_message(raw).attachments
    assert att.text is None and "binary" in att.skipped_reason


def test_attachment_names_are_decoded_and_stripped_of_paths():
    raw = _multipart("Content-Type: text/plain\n\nhi",
                     "Content-Type: text/plain\nContent-Disposition: attachment;"
                     " filename*=UTF-8''..%2F..%2Fetc%2Fr%C3%A9sum%C3%A9.txt\n\ncv")
    (att,) = parse_message(raw).attachments
    assert att.filename == "résumé.txt"


def test_a_forwarded_message_is_scanned_as_text_with_its_headers():
    inner = "From: Third Party <tp@other.example>\nSubject: Original\n\nCall me at +49 89 1234567\n"
    raw = _multipart("Content-Type: text/plain\n\nFYI below", "Content-Type: message/rfc822\n\n" + inner)
    m = parse_message(raw)
    (att,) = m.attachments
    assert att.filename == "Original.eml" and att.content_type == "message/rfc822"
    assert "From: Third Party <tp@other.example>" in att.text
    assert "+49 89 1234567" in att.text
    assert m.body == "FYI below"


def test_deep_nesting_beyond_the_cap_is_ignored_with_a_defect():
    inner = "Content-Type: text/plain\n\ndeepest"
    for i in range(30):
        inner = f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n{inner}\n--b{i}--'
    raw = mail("Subject: nest\nMIME-Version: 1.0\n" + inner.split("\n\n", 1)[0], inner.split("\n\n", 1)[1])
    m = parse_message(raw, max_depth=10)
    assert "deepest" not in m.body
    assert any("deeper than 10" in d for d in m.defects)
    assert parse_message(raw, max_depth=40).body == "deepest"


def test_too_many_parts_is_a_permanent_parse_error():
    raw = _multipart(*["Content-Type: text/plain\n\npart"] * 30)
    with pytest.raises(MailParseError) as exc:
        parse_message(raw, max_parts=20)
    assert (exc.value.reason, exc.value.permanent) == ("too_many_parts", True)


def test_a_mail_over_the_size_limit_is_refused_before_parsing():
    with pytest.raises(MailParseError) as exc:
        parse_message(mail("Subject: big", "x" * 2000), max_bytes=1000)
    assert exc.value.reason == "too_large" and exc.value.permanent
    assert isinstance(exc.value, MailError)


def test_running_out_of_time_is_a_transient_error():
    ticks = itertools.count(0.0, 1.0)  # a clock that advances one second per look
    with pytest.raises(MailParseError) as exc:
        parse_message(SIMPLE, time_budget=2.5, clock=lambda: next(ticks))
    assert exc.value.reason == "too_slow"
    assert exc.value.permanent is False


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"\r\n \r\n", "empty"),
        (b"just some text without any header at all\nsecond line\n", "not_a_message"),
        (b"X-Only: header\n\nbody", "not_a_message"),
    ],
)
def test_things_that_are_not_mails_raise_with_a_reason(raw, reason):
    with pytest.raises(MailParseError) as exc:
        parse_message(raw)
    assert exc.value.reason == reason


def test_non_bytes_input_is_a_programming_error():
    with pytest.raises(TypeError):
        parse_message("From: a@b\n\nx")  # type: ignore[arg-type]


def test_delivery_status_report_exposes_its_report_type():
    raw = mail(
        'From: MAILER-DAEMON@mx.example\nSubject: Undelivered\n'
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"',
        "--r\nContent-Type: text/plain\n\nDelivery failed.\n"
        "--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
        "Final-Recipient: rfc822; x@y.example\nAction: failed\nStatus: 5.1.1\n--r--\n",
    )
    m = parse_message(raw)
    assert (m.content_type, m.report_type) == ("multipart/report", "delivery-status")
    assert any(a.content_type == "message/delivery-status" and "5.1.1" in a.text for a in m.attachments)


def test_filter_headers_are_kept_decoded_and_case_insensitive():
    m = parse_message(mail("Auto-Submitted: auto-replied\nPRECEDENCE: bulk\nList-Id: <l.example>"))
    assert m.header("auto-submitted") == "auto-replied"
    assert m.header("Precedence") == "bulk"
    assert m.header("list-id") == "<l.example>"
    assert m.header("x-autoreply") is None


def test_mbox_envelope_line_and_obsolete_header_spacing_are_tolerated():
    raw = b"From alice@customer.example Thu Jan 15 09:00:00 2026\nFrom  : alice@customer.example\nSubject   : hi\n\nbody"
    m = parse_message(raw)
    assert (m.from_addr, m.subject, m.body) == ("alice@customer.example", "hi", "body")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Thu, 15 Jan 2026 09:12:00 -0000", datetime(2026, 1, 15, 9, 12, tzinfo=UTC)),
        ("Thu, 15 Jan 2026 09:12:00 +0530", datetime(2026, 1, 15, 9, 12, tzinfo=timezone(timedelta(hours=5, minutes=30)))),
        ("27:39:33 nonsense", None),
        ("", None),
    ],
)
def test_dates_parse_or_become_none(value, expected):
    m = parse_message(mail(f"Date: {value}\nSubject: d"))
    assert m.date == expected


def test_nul_bytes_and_cr_line_ends_are_normalised_in_the_body():
    m = parse_message(mail("Subject: n", b"a\x00b\r\nc\rd"))
    assert m.body == "ab\nc\nd"


def test_message_id_without_brackets_is_kept_as_is():
    m = parse_message(mail("Message-ID: bare-id@host.example\nSubject: x"))
    assert m.message_id == "bare-id@host.example"


@pytest.mark.parametrize(
    ("charset", "payload", "expected"),
    [
        ("iso-8859-1", "\u201cquoted\u201d \u2013 caf\xe9".encode("cp1252"), "\u201cquoted\u201d \u2013 café"),
        ("gb2312", "是什么屄".encode("gbk"), "是什么屄"),  # the last character is GBK-only
        ("shift_jis", "①番".encode("cp932"), "①番"),  # NEC circled digit: cp932-only
        ("us-ascii", "Grüße".encode(), "Grüße"),  # mislabelled UTF-8 stays UTF-8
    ],
)
def test_mislabelled_charsets_decode_with_the_vendor_superset(charset, payload, expected):
    m = parse_message(mail(f"Subject: x\nContent-Type: text/plain; charset={charset}", payload))
    assert m.body == expected
    assert "\ufffd" not in m.body
