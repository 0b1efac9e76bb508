"""The SMTP transport against a real aiosmtpd server: threading headers, loop marker, verdicts."""

from __future__ import annotations

import socket

import pytest

from intake.mail.smtp import SmtpConfig, SmtpTransport, build_message
from intake.outbox import DeliveryError


def _payload(**over):
    payload = {
        "to": ["alice@acme.example"], "from": "support@vendor.example", "subject": "[SB-000007] Request received",
        "text": "Grüße aus dem Support — ünïcödé\n", "message_id": "<sb.ack.1@vendor.example>",
        "in_reply_to": "<cust-1@acme.example>", "references": ["<root@acme.example>"],
        "headers": {"Auto-Submitted": "auto-replied", "X-Supportbot-Ticket": "SB-000007"}, "envelope_from": "",
    }
    payload.update(over)
    return payload


def _transport(sink, **over):
    return SmtpTransport(SmtpConfig(host=sink.host, port=sink.port, starttls=False, timeout=5.0, **over))


def test_delivered_mail_is_threaded_marked_automatic_and_utf8(smtp_sink):
    result = _transport(smtp_sink).deliver(_payload())
    [got] = smtp_sink.wait_for(1)
    assert result["message_id"] == "<sb.ack.1@vendor.example>"
    assert got.rcpt_tos == ["alice@acme.example"] and got.mail_from in ("", "<>")
    assert got.header("Message-ID") == "<sb.ack.1@vendor.example>"
    assert got.header("In-Reply-To") == "<cust-1@acme.example>"
    assert got.header("References") == "<root@acme.example> <cust-1@acme.example>"  # RFC 5322 §3.6.4
    assert got.header("Auto-Submitted") == "auto-replied"
    assert got.header("X-Supportbot-Loop") == "supportbot"
    assert got.header("Date")
    assert "ünïcödé" in got.text


def test_a_4xx_answer_is_transient_and_a_5xx_permanent(smtp_sink):
    smtp_sink.reply = "451 4.3.0 mailbox busy"
    with pytest.raises(DeliveryError) as busy:
        _transport(smtp_sink).deliver(_payload())
    assert busy.value.transient and "451" in busy.value.reason
    smtp_sink.reply = "550 5.1.1 user unknown"
    with pytest.raises(DeliveryError) as unknown:
        _transport(smtp_sink).deliver(_payload())
    assert not unknown.value.transient and "550" in unknown.value.reason


def test_an_unreachable_server_is_transient():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(DeliveryError) as exc:
        SmtpTransport(SmtpConfig(host="127.0.0.1", port=port, starttls=False, timeout=2)).deliver(_payload())
    assert exc.value.transient


def test_starttls_required_but_not_offered_is_a_permanent_configuration_error(smtp_sink):
    with pytest.raises(DeliveryError) as exc:
        SmtpTransport(SmtpConfig(host=smtp_sink.host, port=smtp_sink.port, starttls=True, timeout=5)).deliver(_payload())
    assert not exc.value.transient and "STARTTLS" in exc.value.reason


@pytest.mark.parametrize("bad", [
    {"subject": "hi\r\nBcc: victim@example.com"},
    {"to": ["a@b.example\r\nBcc: x@y.example"]},
    {"to": []},
    {"to": ["not-an-address"]},
    {"message_id": "no-brackets"},
    {"headers": {"Bcc": "x@y.example"}},
])
def test_malformed_payloads_are_refused_permanently_before_any_connection(bad):
    with pytest.raises(DeliveryError) as exc:
        build_message(_payload(**bad), loop_marker="supportbot")
    assert not exc.value.transient


def test_the_lead_s_reply_payload_shape_is_accepted(smtp_sink):
    payload = _payload(headers={"X-Supportbot-Loop": "1", "X-Supportbot-Ticket": "SB-000007", "Auto-Submitted": "no"},
                       kind="reply", date="2026-01-01T00:00:00+00:00")
    payload.pop("envelope_from")
    _transport(smtp_sink).deliver(payload)
    [got] = smtp_sink.wait_for(1)
    assert got.mail_from == "support@vendor.example"  # a human reply has a real return path
    assert got.message.get_all("X-Supportbot-Loop") == ["1"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only
def test_smtp_auth_is_used_when_configured_and_a_rejected_login_is_permanent(smtp_server):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from sandbox.smtp import SmtpSink, _free_port

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"bot" and auth_data.password == b"s3cret"
        # handled=False on failure, or aiosmtpd sends no 535 and the client waits for its timeout
        return AuthResult(success=ok, handled=False)

    sink = SmtpSink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        good = SmtpTransport(SmtpConfig(host="127.0.0.1", port=port, starttls=False, user="bot", password="s3cret",
                                        timeout=5))
        good.deliver(_payload())
        assert len(sink.wait_for(1)) == 1
        bad = SmtpTransport(SmtpConfig(host="127.0.0.1", port=port, starttls=False, user="bot", password="nope",
                                       timeout=5))
        with pytest.raises(DeliveryError) as exc:
            bad.deliver(_payload())
        assert not exc.value.transient and "535" in exc.value.reason
    finally:
        controller.stop()
