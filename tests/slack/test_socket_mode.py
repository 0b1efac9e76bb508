"""Socket Mode (``supportbot slack socket``): the app connects to the URL from apps.connections.open,
receives envelopes over a real WebSocket on loopback, and acks each by its envelope id.

The WebSocket peer below is the smallest RFC 6455 server that Slack's builtin Socket Mode client
needs (handshake, unmasked text frames out, masked frames in, ping/pong, close); slack_sdk's client
uses plain TCP for a non-443 port ("for library testing")."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import blocks
from bot.cli import run_socket_mode
from intake.domain.policy import Policy
from intake.outbox import Dispatcher
from intake.settings import load_settings
from intake.store.models import Ticket
from tests.peers.slack import APP_TOKEN, FakeSlack
from tests.slack.conftest import AGENT, Clock, block_action, drain, new_ticket, wait_until

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WebSocketPeer:
    """One-client WebSocket server that plays Slack's Socket Mode endpoint."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.url = f"ws://127.0.0.1:{self.sock.getsockname()[1]}/link/?ticket=test"
        self.received: list[dict[str, Any]] = []
        self.conn: socket.socket | None = None
        self.connected = threading.Event()
        self._lock = threading.Lock()
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _client(self, conn: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return
            request += chunk
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in request.decode().split("\r\n")[1:] if line)}
        accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] + GUID).encode()).digest()).decode()
        conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
        with self._lock:
            self.conn = conn
        self.send({"type": "hello", "num_connections": 1, "debug_info": {"host": "test"},
                   "connection_info": {"app_id": "A0INTAKE01"}})
        self.connected.set()
        try:
            while True:
                opcode, payload = self._read_frame(conn)
                if opcode == 0x8:  # close
                    conn.sendall(b"\x88\x00")
                    return
                if opcode == 0x9:  # ping -> pong
                    self._write(conn, 0xA, payload)
                elif opcode == 0x1:
                    self.received.append(json.loads(payload))
        except (OSError, ConnectionError):
            return

    @staticmethod
    def _read_exact(conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def _read_frame(self, conn: socket.socket) -> tuple[int, bytes]:
        b0, b1 = self._read_exact(conn, 2)
        length = b1 & 0x7F
        if length == 126:
            length = struct.unpack(">H", self._read_exact(conn, 2))[0]
        elif length == 127:
            length = struct.unpack(">Q", self._read_exact(conn, 8))[0]
        mask = self._read_exact(conn, 4) if b1 & 0x80 else b"\0\0\0\0"
        data = self._read_exact(conn, length)
        return b0 & 0x0F, bytes(c ^ mask[i % 4] for i, c in enumerate(data))

    def _write(self, conn: socket.socket, opcode: int, payload: bytes) -> None:
        n = len(payload)
        header = bytes([0x80 | opcode]) + (bytes([n]) if n < 126 else
                                           b"\x7e" + struct.pack(">H", n) if n < 65536 else
                                           b"\x7f" + struct.pack(">Q", n))
        with self._lock:
            conn.sendall(header + payload)

    def send(self, message: dict[str, Any]) -> None:
        assert self.conn is not None
        self._write(self.conn, 0x1, json.dumps(message).encode())

    def close(self) -> None:
        self._stop = True
        self.sock.close()
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass


@pytest.fixture
def ws_peer(slack_api: FakeSlack) -> Iterator[WebSocketPeer]:
    peer = WebSocketPeer()
    slack_api.socket_url = peer.url
    yield peer
    peer.close()


def test_socket_mode_receives_an_envelope_acks_it_and_acts(
        ws_peer: WebSocketPeer, settings: Any, slack_api: FakeSlack, factory: sessionmaker[Session],
        policy: Policy, clock: Clock, dispatcher: Dispatcher) -> None:
    tid = new_ticket(factory, policy, clock)
    drain(dispatcher, clock)
    socket_settings = load_settings(**{**settings.model_dump(), "slack_app_token": APP_TOKEN})
    stop = threading.Event()
    runner = threading.Thread(target=run_socket_mode, args=(socket_settings,),
                              kwargs={"stop": stop, "factory": factory}, daemon=True)
    runner.start()
    try:
        assert ws_peer.connected.wait(10), "the app did not open the WebSocket"
        assert slack_api.calls_to("apps.connections.open")
        ws_peer.send({"envelope_id": "env-1", "type": "interactive", "accepts_response_payload": False,
                      "payload": block_action(blocks.A_CLAIM, value=str(tid))})
        wait_until(lambda: any(m.get("envelope_id") == "env-1" for m in ws_peer.received))
        wait_until(lambda: _assignee(factory, tid) == AGENT)
    finally:
        stop.set()
        runner.join(timeout=15)
    assert not runner.is_alive()


def _assignee(factory: sessionmaker[Session], tid: int) -> str | None:
    with factory() as s:
        t = s.get(Ticket, tid)
        return t.assignee if t else None


def test_socket_mode_needs_an_app_token(settings: Any) -> None:
    from bot.cli import SocketModeError

    with pytest.raises(SocketModeError, match="SLACK_APP_TOKEN"):
        run_socket_mode(settings, stop=threading.Event())

