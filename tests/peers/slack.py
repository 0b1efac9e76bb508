"""A real HTTP fake of the Slack Web API on loopback, for tests (pytest plugin).

A stdlib ``ThreadingHTTPServer`` on 127.0.0.1 (port 0, one per session) answers ``POST /api/<method>``
in the official shapes (``tests/fixtures/slack/web-api``, the OpenAPI examples), records every call,
and checks it: the bearer token, the method's required parameters from the OpenAPI spec
(``tests/fixtures/slack/web-api-methods.json``) and every ``blocks``/``view`` through
``slack_sdk.models`` (``Block.parse_all`` + ``to_dict``, ``View(**d)``). A failed check is answered as
Slack would (``invalid_arguments``/``invalid_blocks``) and recorded in ``problems``; the ``slack_api``
fixture fails the test at teardown when there are any, so every test checks every payload.

Controls (thread-safe)::

    slack_api.rate_limit(times=3, retry_after=1)          # next 3 calls: HTTP 429 + Retry-After
    slack_api.fail("chat.postMessage", "channel_not_found", times=1)   # answer an error (HTTP 200)
    slack_api.fail("chat.update", "internal_error", status=500)
    slack_api.wait_for("chat.postMessage", count=2)        # poll: listeners run after the ack
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"
TOKEN = "xoxb-supportbot-test"
APP_TOKEN = "xapp-1-supportbot-test"  # Socket Mode (app-level token, connections:write)
CHANNEL = "C0SUPPORT1"
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"


def _spec_required() -> dict[str, list[str]]:
    spec = json.loads((FIXTURES / "web-api-methods.json").read_text())
    out: dict[str, list[str]] = {}
    for path, ops in spec["paths"].items():
        params: list[str] = []
        for op in ops.values():
            params += [p["name"] for p in op.get("parameters", []) if p.get("required") and p["name"] != "token"]
        out[path.lstrip("/")] = sorted(set(params))
    return out


REQUIRED = _spec_required()
# Newer than the 2020 spec: Socket Mode's connection URL (https://api.slack.com/methods/apps.connections.open).
REQUIRED["apps.connections.open"] = []
APP_LEVEL_METHODS = frozenset({"apps.connections.open"})


def _sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "web-api" / name).read_text())
    return data


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    status: int
    response: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


def validate_blocks(blocks: Any) -> list[str]:
    """Problems with a ``blocks`` value per slack_sdk.models (empty when fine)."""
    from slack_sdk.models.blocks import Block

    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return ["blocks is not JSON"]
    if not isinstance(blocks, list):
        return ["blocks is not a list"]
    if len(blocks) > 50:
        return [f"{len(blocks)} blocks (max 50 per message)"]
    problems = []
    try:
        parsed = Block.parse_all(blocks)
        for i, (raw, block) in enumerate(zip(blocks, parsed, strict=True)):
            if block is None:
                problems.append(f"block {i} of unknown type {raw.get('type')!r}")
                continue
            block.to_dict()  # runs validate_json
    except Exception as exc:  # SlackObjectFormationError, KeyError on malformed input...
        problems.append(f"{type(exc).__name__}: {exc}")
    return problems


def validate_view(view: Any) -> list[str]:
    from slack_sdk.models.views import View

    if isinstance(view, str):
        try:
            view = json.loads(view)
        except ValueError:
            return ["view is not JSON"]
    if not isinstance(view, dict):
        return ["view is not an object"]
    try:
        View(**view).to_dict()
    except Exception as exc:
        return [f"view: {type(exc).__name__}: {exc}"]
    return validate_blocks(view.get("blocks", []))


class FakeSlack:
    """Runtime controls and records of the fake Web API."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.base_url = ""
        self._ts = itertools.count(1)
        self.reset()

    # -- controls ------------------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.calls: list[Call] = []
            self.problems: list[str] = []
            self.messages: dict[tuple[str, str], dict[str, Any]] = {}
            self._rate_limited = 0
            self._retry_after = 1
            self._rate_method: str | None = None
            self._failures: list[tuple[str, str, int, int]] = []  # (method, error, status, remaining)
            self.delay = 0.0
            self.arrived: list[str] = []  # methods whose request arrived (before any delay, before recording)
            self.socket_url: str | None = None

    def rate_limit(self, times: int, *, retry_after: int = 1, method: str | None = None) -> None:
        with self._lock:
            self._rate_limited, self._retry_after, self._rate_method = times, retry_after, method

    def fail(self, method: str, error: str, *, times: int = 1, status: int = 200) -> None:
        with self._lock:
            self._failures.append((method, error, status, times))

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and (not ok_only or c.response.get("ok"))]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} successful {method} call(s) within {timeout}s; "
                             f"got {[(c.method, c.status, c.response.get('error')) for c in self.calls]}")

    # -- the API ------------------------------------------------------------------------------------------
    def handle(self, method: str, params: dict[str, Any], token: str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            status, body, headers = self._answer(method, params, token)
            self.calls.append(Call(method, params, token, status, body))
            return status, body, headers

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        if self._rate_limited > 0 and self._rate_method in (None, method):
            self._rate_limited -= 1
            return 429, _sample("ratelimited_429.json"), {"Retry-After": str(self._retry_after)}
        for i, (m, error, status, remaining) in enumerate(self._failures):
            if m == method and remaining > 0:
                self._failures[i] = (m, error, status, remaining - 1)
                name = f"chat.postMessage_{error}.json"
                body = _sample(name) if (FIXTURES / "web-api" / name).exists() else {"ok": False, "error": error}
                return status, body, {}
        if token != (APP_TOKEN if method in APP_LEVEL_METHODS else TOKEN):
            self.problems.append(f"{method}: bad token {token!r}")
            return 200, _sample("invalid_auth.json"), {}
        if method not in REQUIRED:
            self.problems.append(f"{method}: not a method the fake knows (add it to web-api-methods.json)")
            return 200, {"ok": False, "error": "unknown_method"}, {}
        missing = [p for p in REQUIRED[method] if params.get(p) in (None, "")]
        if method == "views.update" and not (params.get("view_id") or params.get("external_id")):
            missing.append("view_id|external_id")
        if method.startswith("chat.post") and not (params.get("text") or params.get("blocks")):
            self.problems.append(f"{method}: neither text nor blocks")
            return 200, {"ok": False, "error": "no_text"}, {}
        if missing:
            self.problems.append(f"{method}: missing required {missing}")
            return 200, {"ok": False, "error": "invalid_arguments"}, {}
        if "blocks" in params and params["blocks"] is not None:
            bad = validate_blocks(params["blocks"])
            if bad:
                self.problems.append(f"{method}: {bad}")
                return 200, _sample("chat.postMessage_invalid_blocks.json"), {}
        if "view" in params:
            bad = validate_view(params["view"])
            if bad:
                self.problems.append(f"{method}: {bad}")
                return 200, {"ok": False, "error": "invalid_arguments",
                             "response_metadata": {"messages": bad}}, {}
        return 200, self._ok(method, params), {}

    def _next_ts(self) -> str:
        # Slack's ts is the post's epoch time (unique per channel): conversations.history's
        # oldest/latest bounds compare against it.
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _ok(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if method == "auth.test":
            return _sample("auth.test_ok.json")
        if method == "apps.connections.open":
            if not self.socket_url:
                return {"ok": False, "error": "not_allowed_token_type"}
            return {"ok": True, "url": self.socket_url}
        if method == "chat.postMessage":
            body = _sample("chat.postMessage_ok.json")
            ts = self._next_ts()
            channel = params["channel"]
            body["channel"], body["ts"] = channel, ts
            body["message"].update({"text": params.get("text", ""), "ts": ts, "blocks": blocks or []})
            if params.get("thread_ts"):
                body["message"]["thread_ts"] = params["thread_ts"]
            metadata = params.get("metadata")
            if isinstance(metadata, str) and metadata:
                metadata = json.loads(metadata)
            if metadata:
                # https://api.slack.com/metadata/using: {"event_type", "event_payload"} on the message
                if not isinstance(metadata, dict) or not isinstance(metadata.get("event_type"), str) \
                        or not isinstance(metadata.get("event_payload"), dict):
                    self.problems.append(f"chat.postMessage: metadata {metadata!r} is not event_type + event_payload")
                    return {"ok": False, "error": "invalid_metadata_format"}
                body["message"]["metadata"] = metadata
            else:
                body["message"].pop("metadata", None)
            self.messages[(channel, ts)] = body["message"]
            return body
        if method == "chat.update":
            key = (params["channel"], params["ts"])
            if key not in self.messages:
                return {"ok": False, "error": "message_not_found"}
            self.messages[key].update({"text": params.get("text", ""), "blocks": blocks or []})
            return {"ok": True, "channel": params["channel"], "ts": params["ts"], "text": params.get("text", ""),
                    "message": {"text": params.get("text", ""), "user": "U0BOTINTK1"}}
        if method == "conversations.history":
            return self._history(params)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method in ("views.open", "views.push", "views.update"):
            view = params["view"]
            if isinstance(view, str):
                view = json.loads(view)
            view_id = params.get("view_id") or f"V{next(self._ts):08d}"
            return {"ok": True, "view": {**view, "id": view_id, "team_id": "T0SUPPORT1", "app_id": "A0INTAKE01",
                                         "bot_id": "B0BOTINTK1", "hash": f"{time.time():.6f}.abc",
                                         "root_view_id": view_id, "state": {"values": {}}}}
        return {"ok": True}


    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        """``conversations.history``: the channel's top-level messages, newest first, after ``oldest``
        (exclusive unless ``inclusive``), ``limit`` per page (Slack's default 100, max 999) with a
        ``next_cursor``; message metadata only with ``include_all_metadata`` (official shape:
        ok, messages, has_more, pin_count, channel_actions_ts, channel_actions_count, response_metadata)."""
        channel = params["channel"]
        truthy = ("1", "true", True, 1)
        oldest = float(params.get("oldest") or 0)
        inclusive = params.get("inclusive") in truthy
        limit = min(int(params.get("limit") or 100), 999)
        start = int(params.get("cursor") or 0)
        found = sorted(
            (m for (ch, ts), m in self.messages.items()
             if ch == channel and (m.get("thread_ts") in (None, ts))
             and (float(ts) > oldest or (inclusive and float(ts) == oldest))),
            key=lambda m: float(m["ts"]), reverse=True)
        page = found[start:start + limit]
        with_meta = params.get("include_all_metadata") in truthy
        messages = [{k: v for k, v in m.items() if with_meta or k != "metadata"} for m in page]
        more = start + limit < len(found)
        return {"ok": True, "messages": messages, "has_more": more, "pin_count": 0, "channel_actions_ts": None,
                "channel_actions_count": 0, "response_metadata": {"next_cursor": str(start + limit) if more else ""}}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        fake = self.server.fake
        method = self.path.split("?", 1)[0].rsplit("/", 1)[-1]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        params: dict[str, Any]
        if ctype == "application/json":
            params = json.loads(raw or b"{}")
        else:
            params = {k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode(), keep_blank_values=True).items()}
        auth = self.headers.get("Authorization") or ""
        token = auth[7:] if auth.startswith("Bearer ") else params.get("token")
        with fake._lock:
            fake.arrived.append(method)
        if fake.delay:
            time.sleep(fake.delay)
        status, body, headers = fake.handle(method, params, token)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


@pytest.fixture(scope="session")
def _slack_server() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    server = _Server(fake)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    thread = threading.Thread(target=server.serve_forever, name="fake-slack", daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def slack_api(_slack_server: FakeSlack) -> Iterator[FakeSlack]:
    """The fake Slack Web API, reset for this test; fails the test if any call broke the API's rules."""
    _slack_server.reset()
    yield _slack_server
    problems = list(_slack_server.problems)
    _slack_server.reset()
    if problems:
        pytest.fail("Slack Web API calls broke the method shapes or Block Kit rules:\n" + "\n".join(problems))
