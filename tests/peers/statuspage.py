"""A real HTTP Statuspage (v2 public API) and website health endpoint on loopback, for tests.

pytest plugin. ``statuspage`` (function scope) hands out a :class:`StatuspagePeer` whose server
(a stdlib ``ThreadingHTTPServer`` on 127.0.0.1, port 0, one per test session) serves the samples in
``tests/fixtures/statuspage/<scenario>/`` at the real URL paths (``/api/v2/summary.json``, ...)
and a health endpoint ``/healthz`` for the website probe. Everything is switchable at runtime::

    statuspage.set_scenario("major-outage-critical")   # any folder of tests/fixtures/statuspage
    statuspage.set_error("html-503")                   # html-503 | html-200 | truncated | unknown-status
                                                       # | http-500 | slow | drip | reset | None
    statuspage.set_health(503)                         # status code of /healthz
    statuspage.set_health_sequence([200, 503, 503])    # one code per probe, the last one repeats
    statuspage.set_health_delay(2.0)                   # /healthz answers late (probe timeouts)

``statuspage.base_url`` is the page URL to configure as ``statuspage_url``;
``statuspage.health_url`` the website probe URL; ``statuspage.requests`` records ``(method, path)``.
Each test starts from the ``operational`` scenario, no error, a healthy probe.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "statuspage"
ERRORS = FIXTURES / "errors"
SCENARIOS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and (p / "api").is_dir())
ERROR_MODES = ("html-503", "html-200", "truncated", "unknown-status", "http-500", "slow", "drip", "reset")


class StatuspagePeer:
    """Runtime controls of the fake status page + health endpoint (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.base_url = ""
        self.requests: list[tuple[str, str]] = []
        self.reset()

    # -- controls --------------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.scenario = "operational"
            self.error: str | None = None
            self.delay = 3.0  # how long "slow"/"drip" take: longer than the tests' client timeouts
            self._health_codes: list[int] = [200]
            self.health_delay = 0.0
            self.requests = []

    def set_scenario(self, name: str) -> None:
        if name not in SCENARIOS:
            raise ValueError(f"unknown scenario {name!r}; have {SCENARIOS}")
        with self._lock:
            self.scenario = name
            self.error = None

    def set_error(self, mode: str | None, *, delay: float | None = None) -> None:
        if mode is not None and mode not in ERROR_MODES:
            raise ValueError(f"unknown error mode {mode!r}; have {ERROR_MODES}")
        with self._lock:
            self.error = mode
            if delay is not None:
                self.delay = delay

    def set_health(self, code: int) -> None:
        self.set_health_sequence([code])

    def set_health_sequence(self, codes: list[int]) -> None:
        if not codes:
            raise ValueError("need at least one status code")
        with self._lock:
            self._health_codes = list(codes)

    def set_health_delay(self, seconds: float) -> None:
        with self._lock:
            self.health_delay = seconds

    @property
    def health_url(self) -> str:
        return f"{self.base_url}/healthz"

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for _, p in self.requests if p == path)

    # -- used by the handler -----------------------------------------------------------------------
    def _next_health(self) -> tuple[int, float]:
        with self._lock:
            code = self._health_codes[0]
            if len(self._health_codes) > 1:
                self._health_codes.pop(0)
            return code, self.health_delay

    def _record(self, method: str, path: str) -> tuple[str, str | None, float]:
        with self._lock:
            self.requests.append((method, path))
            return self.scenario, self.error, self.delay

    def _sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)


def _make_handler(peer: StatuspagePeer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
            pass

        def _send(self, code: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            path = self.path.split("?", 1)[0]
            scenario, error, delay = peer._record("GET", path)
            if path == "/healthz":
                code, hdelay = peer._next_health()
                if hdelay:
                    peer._sleep(hdelay)
                extra = {"Location": "/login"} if 300 <= code < 400 else None
                self._send(code, f"health {code}\n".encode(), "text/plain", extra)
                return
            if not path.startswith("/api/v2/") or ".." in path:
                self._send(404, b'{"error":"not found"}', "application/json")
                return
            if error == "slow":
                peer._sleep(delay)
            elif error == "reset":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            elif error == "html-503":
                self._send(503, (ERRORS / "cdn_503.html").read_bytes(), "text/html; charset=utf-8")
                return
            elif error == "html-200":
                self._send(200, (ERRORS / "cdn_503.html").read_bytes(), "text/html; charset=utf-8")
                return
            elif error == "http-500":
                self._send(500, b'{"error":"internal server error"}', "application/json")
                return
            elif error == "truncated":
                self._send(200, (ERRORS / "truncated_status.json").read_bytes(), "application/json")
                return
            elif error == "unknown-status" and path.endswith(("components.json", "summary.json")):
                self._send(200, (ERRORS / "unknown_component_status_components.json").read_bytes(),
                           "application/json")
                return
            file = FIXTURES / scenario / path.lstrip("/")
            if not file.is_file():
                self._send(404, b'{"error":"not found"}', "application/json")
                return
            body = file.read_bytes()
            if error == "drip":  # headers at once, then the body a byte at a time, slowly
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                step = max(delay / 20, 0.01)
                for i in range(0, min(len(body), 40)):
                    try:
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                    except OSError:
                        return
                    peer._sleep(step)
                    if peer._stop.is_set():
                        return
                return
            self._send(200, body, "application/json")

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


@pytest.fixture(scope="session")
def statuspage_server() -> Iterator[StatuspagePeer]:
    """The session's status-page server (prefer the function-scoped ``statuspage``)."""
    peer = StatuspagePeer()
    server = _Server(("127.0.0.1", 0), _make_handler(peer))
    peer.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="statuspage-peer", daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        peer._stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def statuspage(statuspage_server: StatuspagePeer) -> Iterator[StatuspagePeer]:
    """The status page + health endpoint, reset to operational/healthy for this test."""
    statuspage_server.reset()
    yield statuspage_server
    statuspage_server.reset()
