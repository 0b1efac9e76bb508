"""The status page stand-in: the vendor's Statuspage (v2 public API) and website health endpoint.

One copy for the sandbox and the tests:

- :class:`StatusPage` holds the documents. With ``scenario=None`` it generates them (the sandbox's
  page: ``up`` toggles the Support Portal component, an incident appears while it is down); with a
  scenario it serves the recorded samples in ``statuspage_samples/<scenario>/api/v2/`` byte for byte
  (``SCENARIOS``: operational, degraded-minor, major-outage-critical, ...).
- :class:`StatuspageServer` serves a :class:`StatusPage` over real HTTP (a stdlib
  ``ThreadingHTTPServer`` on 127.0.0.1) at the real URL paths (``/api/v2/summary.json``, ...), plus
  ``/healthz`` for the website probe, and records ``(method, path)`` of every request. Its test
  options: ``set_error`` (``ERROR_MODES``: an HTML 503 from the CDN, truncated JSON, slow or dripping
  bodies, connection resets...), ``set_health``/``set_health_sequence``/``set_health_delay``.

The sandbox console serves the generated page itself (:func:`sandbox.demo.console_app` calls
:meth:`StatusPage.body`); ``tests/peers/statuspage.py`` wraps a :class:`StatuspageServer` in pytest
fixtures.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SAMPLES_DIR = Path(__file__).resolve().parent / "statuspage_samples"
ERRORS = SAMPLES_DIR / "errors"
SCENARIOS = sorted(p.name for p in SAMPLES_DIR.iterdir() if p.is_dir() and (p / "api").is_dir())
ERROR_MODES = ("html-503", "html-200", "truncated", "unknown-status", "http-500", "slow", "drip", "reset")


# -- the documents --------------------------------------------------------------------------------------------------

@dataclass
class StatusPage:
    """The vendor's status page in Statuspage v2 shapes: generated (``scenario=None``; ``up`` toggles the
    Support Portal component) or a recorded scenario from ``SAMPLES_DIR``."""

    up: bool = True
    changed_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    scenario: str | None = None

    def _iso(self, when: dt.datetime) -> str:
        return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def component(self) -> dict[str, Any]:
        return {"id": "k1portal0001", "name": "Support Portal", "status": "operational" if self.up else "major_outage",
                "created_at": "2024-03-01T00:00:00.000Z", "updated_at": self._iso(self.changed_at), "position": 1,
                "description": "support.vendor.example", "showcase": True, "start_date": None, "group_id": None,
                "page_id": "pt0sandbox01", "group": False, "only_show_if_degraded": False}

    def incidents(self) -> list[dict[str, Any]]:
        if self.up:
            return []
        at = self._iso(self.changed_at)
        return [{"id": "i0sandbox001", "name": "Support Portal unavailable", "status": "investigating",
                 "created_at": at, "updated_at": at, "monitoring_at": None, "resolved_at": None, "impact": "major",
                 "shortlink": "https://stspg.io/sandbox", "started_at": at, "page_id": "pt0sandbox01",
                 "incident_updates": [{"id": "u0sandbox001", "status": "investigating", "incident_id": "i0sandbox001",
                                       "body": "The support portal is down. Email support@vendor.example meanwhile.",
                                       "created_at": at, "updated_at": at, "display_at": at,
                                       "affected_components": [{"code": "k1portal0001", "name": "Support Portal",
                                                                "old_status": "operational",
                                                                "new_status": "major_outage"}]}],
                 "components": [self.component()]}]

    def page(self) -> dict[str, Any]:
        return {"id": "pt0sandbox01", "name": "Vendor (sandbox)", "url": "http://status.sandbox.local",
                "time_zone": "Etc/UTC", "updated_at": self._iso(self.changed_at)}

    def status(self) -> dict[str, str]:
        return ({"indicator": "none", "description": "All Systems Operational"} if self.up
                else {"indicator": "major", "description": "Partial System Outage"})

    def document(self, name: str) -> dict[str, Any] | None:
        """The generated document ``name`` (``summary.json``, ``components.json``, ...), or None."""
        if name == "summary.json":
            return {"page": self.page(), "components": [self.component()], "incidents": self.incidents(),
                    "scheduled_maintenances": [], "status": self.status()}
        if name == "components.json":
            return {"page": self.page(), "components": [self.component()]}
        if name in ("incidents/unresolved.json", "incidents.json"):
            return {"page": self.page(), "incidents": self.incidents()}
        if name == "status.json":
            return {"page": self.page(), "status": self.status()}
        return None

    def set_scenario(self, name: str | None) -> None:
        if name is not None and name not in SCENARIOS:
            raise ValueError(f"unknown scenario {name!r}; have {SCENARIOS}")
        self.scenario = name

    def body(self, name: str) -> bytes | None:
        """The body served at ``/api/v2/<name>``: the scenario's recorded file, else the generated
        document as JSON; None when there is no such document."""
        if ".." in name:
            return None
        if self.scenario is not None:
            file = SAMPLES_DIR / self.scenario / "api" / "v2" / name
            return file.read_bytes() if file.is_file() else None
        doc = self.document(name)
        return json.dumps(doc).encode() if doc is not None else None


# -- over HTTP, with the tests' failure modes ------------------------------------------------------------------------

class StatuspageServer:
    """A :class:`StatusPage` + health endpoint on a loopback port, with runtime controls (thread-safe).

    ``base_url`` is the page URL (``statuspage_url``), ``health_url`` the website probe URL,
    ``requests`` the recorded ``(method, path)``. :meth:`reset` goes back to the ``operational``
    scenario, no error, a healthy probe.
    """

    def __init__(self, page: StatusPage | None = None, *, scenario: str | None = "operational") -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._initial = scenario
        self.page = page or StatusPage()
        self.base_url = ""
        self.requests: list[tuple[str, str]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self, port: int = 0) -> StatuspageServer:
        self._server = _Server(("127.0.0.1", port), _make_handler(self))
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="statuspage", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- controls --------------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.page.set_scenario(self._initial)
            self.error: str | None = None
            self.delay = 3.0  # how long "slow"/"drip" take: longer than the tests' client timeouts
            self._health_codes: list[int] = [200]
            self.health_delay = 0.0
            self.requests = []

    @property
    def scenario(self) -> str | None:
        return self.page.scenario

    def set_scenario(self, name: str | None) -> None:
        with self._lock:
            self.page.set_scenario(name)
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

    def _record(self, method: str, path: str) -> tuple[str | None, float, bytes | None]:
        """Records the request; returns the error mode, the delay and the document's body."""
        with self._lock:
            self.requests.append((method, path))
            body = self.page.body(path.removeprefix("/api/v2/")) if path.startswith("/api/v2/") else None
            return self.error, self.delay, body

    def _sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)


def _make_handler(peer: StatuspageServer) -> type[BaseHTTPRequestHandler]:
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
            error, delay, body = peer._record("GET", path)
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
            if body is None:
                self._send(404, b'{"error":"not found"}', "application/json")
                return
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
