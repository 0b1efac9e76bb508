"""The sandbox's IMAP stand-in (demo only, used when Dovecot is absent) speaks what imapclient and the
bot's poller send. This tests the demo's own code; no test of the bot uses the stand-in as its peer."""

from __future__ import annotations

import threading
import time

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from sandbox.imap import ImapStandIn

RAW = b"From: a@acme.example\r\nSubject: hi\r\nMessage-ID: <x1@acme.example>\r\n\r\nbody\r\n"


@pytest.fixture
def server():
    srv = ImapStandIn(("127.0.0.1", 0), user="support", password="pw")
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _client(server) -> IMAPClient:  # type: ignore[no-untyped-def]
    c = IMAPClient("127.0.0.1", port=server.server_address[1], ssl=False, timeout=5)
    c.login("support", "pw")
    return c


def test_the_stand_in_refuses_a_wrong_password(server):
    c = IMAPClient("127.0.0.1", port=server.server_address[1], ssl=False, timeout=5)
    with pytest.raises(LoginError):
        c.login("support", "nope")


def test_append_search_fetch_flag_and_expunge_like_the_poller(server):
    c = _client(server)
    c.append("INBOX", RAW)
    info = c.select_folder("INBOX")
    assert info[b"EXISTS"] == 1 and info[b"UIDNEXT"] == 2
    assert c.search(["NOT", "KEYWORD", "$SupportbotDone"]) == [1]
    assert c.search(["HEADER", "Message-ID", "<x1@acme.example>"]) == [1]
    assert c.fetch([1], ["RFC822.SIZE"])[1][b"RFC822.SIZE"] == len(RAW)
    assert c.fetch([1], ["BODY.PEEK[]", "INTERNALDATE"])[1][b"BODY[]"] == RAW
    c.add_flags([1], ["$SupportbotDone"], silent=True)
    assert c.search(["NOT", "KEYWORD", "$SupportbotDone"]) == []
    c.delete_messages([1], silent=True)
    c.uid_expunge([1])
    assert c.search(["ALL"]) == []
    c.logout()


def test_idle_reports_a_new_message_from_another_connection(server):
    c = _client(server)
    c.select_folder("INBOX")
    c.idle()

    def deliver() -> None:
        time.sleep(0.3)
        other = _client(server)
        other.append("INBOX", RAW)
        other.logout()
    threading.Thread(target=deliver).start()
    responses = c.idle_check(timeout=5)
    c.idle_done()
    assert (1, b"EXISTS") in responses
    c.logout()
