"""The sandbox's local Slack stand-in: a Web API the bot's ``WebClient`` talks to, and a web page that
shows the triage channel and threads, with buttons and modals that send **signed** requests to the
bot's ``/slack/events`` exactly like Slack does (``v0`` HMAC-SHA256 over ``v0:timestamp:body``).

For the demo only (``supportbot demo``): it is not a complete Slack. It implements the Web API methods
the bot calls (``chat.postMessage``, ``chat.update``, ``chat.postEphemeral``, ``views.open``,
``views.update``, ``views.push``, ``auth.test``, ``api.test``, ``chat.getPermalink``, ``users.info``,
``conversations.info``) and renders the Block Kit elements the bot uses (section, fields, context,
header, divider, actions with buttons and overflow menus; modal inputs: plain text, static select,
radio buttons, users select, checkboxes).
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import re
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.signature import SignatureVerifier

DEMO_TEAM = {"id": "T0SANDBOX", "domain": "sandbox"}
USERS = {
    "U0DANA": {"name": "dana", "real_name": "Dana Duty (support engineer)"},
    "U0ELI": {"name": "eli", "real_name": "Eli Engineer"},
    "U0BOT": {"name": "supportbot", "real_name": "supportbot"},
}
ME = "U0DANA"


@dataclass
class Message:
    ts: str
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    user: str
    thread_ts: str | None = None
    edited: bool = False


@dataclass
class Ephemeral:
    ts: str
    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]]


@dataclass
class SlackState:
    """Everything the stand-in knows; guarded by ``lock``; ``version`` bumps on every change."""

    channel: str
    channel_name: str = "support-triage"
    messages: dict[str, Message] = field(default_factory=dict)
    ephemerals: list[Ephemeral] = field(default_factory=list)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    view_by_trigger: dict[str, str] = field(default_factory=dict)
    open_view: str | None = None  # the modal on screen (the stack's top)
    stack: list[str] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    version: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)
    changed: threading.Condition = field(init=False)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    def next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def bump(self) -> None:
        self.version += 1
        self.changed.notify_all()

    def roots(self) -> list[Message]:
        return sorted((m for m in self.messages.values() if m.thread_ts is None), key=lambda m: m.ts)

    def replies(self, ts: str) -> list[Message]:
        return sorted((m for m in self.messages.values() if m.thread_ts == ts), key=lambda m: m.ts)

    def wait_for_view(self, trigger_id: str, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        with self.lock:
            while trigger_id not in self.view_by_trigger:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.changed.wait(left)
            return self.view_by_trigger[trigger_id]


# -- the Web API ---------------------------------------------------------------------------------------------

class SlackApi:
    """Answers ``POST /api/<method>`` like the Slack Web API (the subset the bot uses)."""

    def __init__(self, state: SlackState, *, token: str) -> None:
        self.state = state
        self.token = token

    def call(self, method: str, args: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        if method == "api.test":
            return {"ok": True, "args": {}}
        if authorization != f"Bearer {self.token}" and args.get("token") != self.token:
            return {"ok": False, "error": "invalid_auth"}
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        with self.state.lock:
            self.state.calls.append((method, args))
            result: dict[str, Any] = handler(_decode(args))
            self.state.bump()
        return result

    def m_auth_test(self, a: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "http://sandbox.slack.local/", "team": "Sandbox", "user": "supportbot",
                "team_id": DEMO_TEAM["id"], "user_id": "U0BOT", "bot_id": "B0BOT"}

    def _channel(self, a: dict[str, Any]) -> str | None:
        channel = a.get("channel")
        return channel if channel in (self.state.channel, self.state.channel_name, f"#{self.state.channel_name}") \
            else None

    def m_chat_postMessage(self, a: dict[str, Any]) -> dict[str, Any]:  # noqa: N802 - Slack's method name
        channel = self._channel(a)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not a.get("text") and not a.get("blocks"):
            return {"ok": False, "error": "no_text"}
        thread = a.get("thread_ts")
        if thread and thread not in self.state.messages:
            return {"ok": False, "error": "thread_not_found"}
        ts = self.state.next_ts()
        msg = Message(ts, self.state.channel, str(a.get("text") or ""), list(a.get("blocks") or []), "U0BOT", thread)
        self.state.messages[ts] = msg
        return {"ok": True, "channel": self.state.channel, "ts": ts, "message": _message_json(msg)}

    def m_chat_update(self, a: dict[str, Any]) -> dict[str, Any]:
        msg = self.state.messages.get(str(a.get("ts")))
        if msg is None or self._channel(a) is None:
            return {"ok": False, "error": "message_not_found"}
        if "text" in a:
            msg.text = str(a.get("text") or "")
        if "blocks" in a:
            msg.blocks = list(a.get("blocks") or [])
        msg.edited = True
        return {"ok": True, "channel": msg.channel, "ts": msg.ts, "text": msg.text}

    def m_chat_postEphemeral(self, a: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        ts = self.state.next_ts()
        self.state.ephemerals.append(Ephemeral(ts, str(a.get("channel")), str(a.get("user")),
                                               str(a.get("text") or ""), list(a.get("blocks") or [])))
        return {"ok": True, "message_ts": ts}

    def m_chat_getPermalink(self, a: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"ok": True, "channel": a.get("channel"), "permalink": f"/slack#m{a.get('message_ts')}"}

    def m_users_info(self, a: dict[str, Any]) -> dict[str, Any]:
        uid = str(a.get("user"))
        user = USERS.get(uid)
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": uid, **user, "profile": {"real_name": user["real_name"],
                                                                    "display_name": user["name"]}}}

    def m_conversations_info(self, a: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": self.state.channel, "name": self.state.channel_name}}

    def _new_view(self, view: dict[str, Any], *, previous: str | None = None) -> dict[str, Any]:
        vid = previous or f"V{next(self.state._ids):08d}"
        stored = {**view, "id": vid, "team_id": DEMO_TEAM["id"], "app_id": "A0SANDBOX", "bot_id": "B0BOT",
                  "root_view_id": vid, "hash": f"{time.time():.6f}", "state": {"values": {}}}
        self.state.views[vid] = stored
        return stored

    def m_views_open(self, a: dict[str, Any]) -> dict[str, Any]:
        trigger = str(a.get("trigger_id") or "")
        view = a.get("view")
        if not trigger or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        stored = self._new_view(view)
        self.state.view_by_trigger[trigger] = stored["id"]
        self.state.stack = [stored["id"]]
        self.state.open_view = stored["id"]
        return {"ok": True, "view": stored}

    def m_views_update(self, a: dict[str, Any]) -> dict[str, Any]:
        vid = str(a.get("view_id") or "")
        if vid not in self.state.views or not isinstance(a.get("view"), dict):
            return {"ok": False, "error": "not_found"}
        old = self.state.views[vid]
        if a.get("hash") and a.get("hash") != old.get("hash"):
            return {"ok": False, "error": "hash_conflict"}
        kept = _kept_values(old, a["view"])
        stored = self._new_view(a["view"], previous=vid)
        stored["state"] = {"values": kept}
        self.state.bump()
        return {"ok": True, "view": stored}

    def m_views_push(self, a: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(a.get("view"), dict):
            return {"ok": False, "error": "invalid_arguments"}
        stored = self._new_view(a["view"])
        self.state.stack.append(stored["id"])
        self.state.open_view = stored["id"]
        return {"ok": True, "view": stored}


def _kept_values(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What Slack keeps across ``views.update``: entered values of inputs whose block id and action id
    are unchanged (a block with a new id, such as the suggested severity, starts from its initial value)."""
    ids = {(b.get("block_id"), (b.get("element") or {}).get("action_id"))
           for b in new.get("blocks", []) if b.get("type") == "input"}
    values = (old.get("state") or {}).get("values") or {}
    return {bid: {aid: v for aid, v in actions.items() if (bid, aid) in ids}
            for bid, actions in values.items() if any((bid, aid) in ids for aid in actions)}


def _decode(args: dict[str, Any]) -> dict[str, Any]:
    """Form-encoded calls carry ``blocks``/``view`` as JSON strings; JSON calls carry them as values."""
    out = dict(args)
    for key in ("blocks", "view", "attachments"):
        if isinstance(out.get(key), str):
            try:
                out[key] = json.loads(out[key])
            except ValueError:
                pass
    return out


def _message_json(m: Message) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "message", "ts": m.ts, "text": m.text, "blocks": m.blocks, "user": m.user}
    if m.user == "U0BOT":
        data["bot_id"] = "B0BOT"
    if m.thread_ts:
        data["thread_ts"] = m.thread_ts
    return data


# -- signed requests to the bot ----------------------------------------------------------------------------------

class BotLink:
    """Sends what a Slack user does to the bot, signed with the app's signing secret."""

    def __init__(self, state: SlackState, *, events_url: str, signing_secret: str, timeout: float = 10.0) -> None:
        self.state = state
        self.events_url = events_url
        # slack_sdk's own signer: the same one the tests sign their requests with
        self.signer = SignatureVerifier(signing_secret)
        self.timeout = timeout

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        return {"X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": self.signer.generate_signature(timestamp=ts, body=body.decode("utf-8"))}

    def post(self, body: bytes, content_type: str) -> tuple[int, bytes]:
        headers = {"Content-Type": content_type, **self.sign(body)}
        req = urllib.request.Request(self.events_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - loopback
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def interactive(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        status, raw = self.post(body, "application/x-www-form-urlencoded")
        try:
            answer = json.loads(raw) if raw.strip() else None
        except ValueError:
            answer = None
        return status, answer

    @staticmethod
    def trigger() -> str:
        return f"{int(time.time())}.{int(time.monotonic_ns() % 10**9)}.sandbox"

    def _base(self, kind: str) -> dict[str, Any]:
        return {"type": kind, "team": DEMO_TEAM, "api_app_id": "A0SANDBOX", "token": "sandbox-verification",
                "user": {"id": ME, "username": USERS[ME]["name"], "name": USERS[ME]["name"],
                         "team_id": DEMO_TEAM["id"]},
                "trigger_id": self.trigger(), "is_enterprise_install": False}

    def block_action(self, *, ts: str, action: dict[str, Any]) -> tuple[str, int]:
        with self.state.lock:
            msg = self.state.messages.get(ts)
            message = _message_json(msg) if msg else {}
        payload = self._base("block_actions") | {
            "container": {"type": "message", "message_ts": ts, "channel_id": self.state.channel,
                          "is_ephemeral": False},
            "channel": {"id": self.state.channel, "name": self.state.channel_name},
            "message": message, "response_url": "http://sandbox.invalid/response", "actions": [action]}
        status, _ = self.interactive(payload)
        return payload["trigger_id"], status

    def view_action(self, view_id: str, values: dict[str, dict[str, Any]], *, block_id: str,
                    action_id: str) -> int:
        """An input with ``dispatch_action`` changed inside an open modal: Slack sends ``block_actions``
        with the view (its current state) as the container."""
        with self.state.lock:
            view = dict(self.state.views[view_id])
            view["state"] = {"values": values}
            self.state.views[view_id] = {**self.state.views[view_id], "state": {"values": values}}
        element = dict((values.get(block_id) or {}).get(action_id) or {})
        action = {"action_id": action_id, "block_id": block_id, "action_ts": f"{time.time():.6f}", **element}
        payload = self._base("block_actions") | {
            "container": {"type": "view", "view_id": view_id}, "view": view, "actions": [action]}
        status, _ = self.interactive(payload)
        return status

    def message_shortcut(self, *, callback_id: str, ts: str) -> tuple[str, int]:
        with self.state.lock:
            msg = self.state.messages[ts]
            message = _message_json(msg)
        payload = self._base("message_action") | {
            "callback_id": callback_id, "message_ts": ts, "message": message,
            "channel": {"id": self.state.channel, "name": self.state.channel_name},
            "response_url": "http://sandbox.invalid/response"}
        status, _ = self.interactive(payload)
        return payload["trigger_id"], status

    def slash_command(self, command: str, text: str = "") -> tuple[str, int]:
        trigger = self.trigger()
        body = urllib.parse.urlencode({
            "token": "sandbox-verification", "team_id": DEMO_TEAM["id"], "team_domain": DEMO_TEAM["domain"],
            "channel_id": self.state.channel, "channel_name": self.state.channel_name, "user_id": ME,
            "user_name": USERS[ME]["name"], "command": command, "text": text, "api_app_id": "A0SANDBOX",
            "response_url": "http://sandbox.invalid/response", "trigger_id": trigger}).encode()
        status, _ = self.post(body, "application/x-www-form-urlencoded")
        return trigger, status

    def view_submission(self, view_id: str, values: dict[str, dict[str, Any]]) -> tuple[int, dict[str, Any] | None]:
        with self.state.lock:
            view = dict(self.state.views[view_id])
        view["state"] = {"values": values}
        payload = self._base("view_submission") | {"view": view, "response_urls": []}
        return self.interactive(payload)

    def view_closed(self, view_id: str) -> None:
        with self.state.lock:
            view = dict(self.state.views.get(view_id) or {})
        if view.get("notify_on_close"):
            self.interactive(self._base("view_closed") | {"view": view, "is_cleared": False})


def apply_view_answer(state: SlackState, view_id: str, answer: dict[str, Any] | None) -> dict[str, str]:
    """What Slack does with a view submission's ack body; returns field errors to show (if any)."""
    answer = answer or {}
    with state.lock:
        action = answer.get("response_action")
        if action == "errors":
            return {str(k): str(v) for k, v in answer.get("errors", {}).items()}
        if action == "update" and isinstance(answer.get("view"), dict):
            old = state.views[view_id]
            state.views[view_id] = {**answer["view"], "id": view_id, "root_view_id": old.get("root_view_id"),
                                    "hash": f"{time.time():.6f}", "state": {"values": {}}}
        elif action == "push" and isinstance(answer.get("view"), dict):
            vid = f"V{next(state._ids):08d}"
            state.views[vid] = {**answer["view"], "id": vid, "root_view_id": view_id, "state": {"values": {}}}
            state.stack.append(vid)
            state.open_view = vid
        elif action == "clear":
            state.stack, state.open_view = [], None
        else:  # plain ack: this view closes, the one below (if any) shows again
            if state.stack and state.stack[-1] == view_id:
                state.stack.pop()
            state.open_view = state.stack[-1] if state.stack else None
        state.bump()
    return {}


def values_from_form(view: dict[str, Any], form: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Slack's ``view.state.values`` from the modal's HTML form fields (named ``block_id::action_id``)."""
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        el = block.get("element") or {}
        bid, aid, kind = str(block.get("block_id")), str(el.get("action_id")), el.get("type")
        key = f"{bid}::{aid}"
        got = form.get(key, [])
        if kind == "plain_text_input":
            values.setdefault(bid, {})[aid] = {"type": kind, "value": (got[0] if got and got[0] != "" else None)}
        elif kind in ("static_select", "radio_buttons"):
            option = _find_option(el, got[0]) if got and got[0] else None
            values.setdefault(bid, {})[aid] = {"type": kind, "selected_option": option}
        elif kind == "checkboxes":
            values.setdefault(bid, {})[aid] = {"type": kind,
                                               "selected_options": [o for v in got if (o := _find_option(el, v))]}
        elif kind == "users_select":
            values.setdefault(bid, {})[aid] = {"type": kind, "selected_user": got[0] if got and got[0] else None}
        else:
            values.setdefault(bid, {})[aid] = {"type": kind, "value": got[0] if got else None}
    return values


def _options(el: dict[str, Any]) -> list[dict[str, Any]]:
    opts = list(el.get("options") or [])
    for group in el.get("option_groups") or []:
        opts += group.get("options") or []
    return opts


def _find_option(el: dict[str, Any], value: str) -> dict[str, Any] | None:
    return next((o for o in _options(el) if o.get("value") == value), None)


# -- Block Kit to HTML (escaped) -----------------------------------------------------------------------------------

_TOKEN = re.compile(r"<([^<>]+)>")


def mrkdwn(text: str) -> str:
    """Slack mrkdwn to safe HTML: links, mentions, *bold*, _italic_, `code`, ~strike~, > quotes."""
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        out.append(_inline(text[pos:m.start()]))
        out.append(_token(m.group(1)))
        pos = m.end()
    out.append(_inline(text[pos:]))
    lines = "".join(out).split("\n")
    return "<br>".join(f'<span class="quote">{line[4:].lstrip()}</span>' if line.startswith("&gt;") else line
                       for line in lines)


def _unslack(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _inline(text: str) -> str:
    s = html.escape(_unslack(text), quote=False)
    s = re.sub(r"```(.+?)```", r"<pre>\1</pre>", s, flags=re.S)
    s = re.sub(r"`([^`\n]+)`", r"<code>\1</code>", s)
    s = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<b>\1</b>", s)
    s = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"<i>\1</i>", s)
    s = re.sub(r"(?<![\w~])~([^~\n]+)~(?![\w~])", r"<s>\1</s>", s)
    return s


def _token(inner: str) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        uid = target[1:]
        name = USERS.get(uid, {}).get("name", label or uid)
        return f'<span class="mention">@{html.escape(name)}</span>'
    if target.startswith("!date^"):  # <!date^epoch^format|fallback>: the reader's zone (the page localizes it)
        try:
            epoch = int(target.split("^")[1])
        except (IndexError, ValueError):
            return html.escape(_unslack(label or inner))
        iso = dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat()
        return f'<time class="slack-date" datetime="{iso}" title="{html.escape(label)}">{html.escape(label)}</time>'
    if target.startswith("!subteam^"):
        return f'<span class="mention">@{html.escape(label.lstrip("@") or target[9:])}</span>'
    if target.startswith("!"):
        return f'<span class="mention">@{html.escape(target[1:].split("^")[0])}</span>'
    if target.startswith("#"):
        return f'<span class="mention">#{html.escape(label or target[1:])}</span>'
    if target.startswith(("http://", "https://", "mailto:")):
        return (f'<a href="{html.escape(target)}" target="_blank" rel="noopener">'
                f'{html.escape(_unslack(label or target))}</a>')
    return html.escape(_unslack(inner))


def text_of(obj: dict[str, Any] | None) -> str:
    if not obj:
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn(str(obj.get("text", "")))
    return html.escape(str(obj.get("text", "")))


def render_blocks(blocks: list[dict[str, Any]], *, ts: str, actions: bool = True) -> str:
    """Message blocks to HTML; buttons and overflow menus become forms posting to ``/slack/ui/action``."""
    parts: list[str] = []
    for b in blocks:
        kind = b.get("type")
        if kind == "header":
            parts.append(f'<div class="b-header">{text_of(b.get("text"))}</div>')
        elif kind == "section":
            inner = f'<div class="b-text">{text_of(b.get("text"))}</div>' if b.get("text") else ""
            if b.get("fields"):
                inner += '<div class="b-fields">' + "".join(f"<div>{text_of(f)}</div>" for f in b["fields"]) + "</div>"
            if actions and isinstance(b.get("accessory"), dict):
                inner += _element(b["accessory"], ts=ts, block_id=b.get("block_id", ""))
            parts.append(f'<div class="b-section">{inner}</div>')
        elif kind == "context":
            parts.append('<div class="b-context">' + " ".join(
                text_of(e) if e.get("type") in ("mrkdwn", "plain_text") else "" for e in b.get("elements", []))
                + "</div>")
        elif kind == "divider":
            parts.append("<hr>")
        elif kind == "actions" and actions:
            parts.append('<div class="b-actions">' + "".join(
                _element(e, ts=ts, block_id=b.get("block_id", "")) for e in b.get("elements", [])) + "</div>")
        elif kind == "rich_text":
            parts.append(f'<div class="b-text">{html.escape(json.dumps(b)[:200])}</div>')
    return "".join(parts)


def _element(e: dict[str, Any], *, ts: str, block_id: str) -> str:
    common = (f'<input type="hidden" name="ts" value="{html.escape(ts)}">'
              f'<input type="hidden" name="block_id" value="{html.escape(block_id)}">'
              f'<input type="hidden" name="action_id" value="{html.escape(str(e.get("action_id", "")))}">')
    if e.get("type") == "button":
        style = html.escape(str(e.get("style", "")))
        return (f'<form method="post" action="/slack/ui/action" class="inline">{common}'
                f'<input type="hidden" name="kind" value="button">'
                f'<input type="hidden" name="value" value="{html.escape(str(e.get("value", "")))}">'
                f'<button type="submit" class="sbtn {style}">{html.escape(str((e.get("text") or {}).get("text", "")))}'
                f"</button></form>")
    if e.get("type") in ("overflow", "static_select"):
        options = "".join(f'<option value="{html.escape(str(o.get("value")))}">'
                          f'{html.escape(str((o.get("text") or {}).get("text", "")))}</option>' for o in _options(e))
        label = "More…" if e.get("type") == "overflow" else "Choose…"
        return (f'<form method="post" action="/slack/ui/action" class="inline">{common}'
                f'<input type="hidden" name="kind" value="{html.escape(str(e.get("type")))}">'
                f'<select name="value" aria-label="{label}"><option value="">{label}</option>{options}</select>'
                f'<button type="submit" class="sbtn">Go</button></form>')
    return ""


def _entered(view: dict[str, Any], bid: str, aid: str) -> dict[str, Any] | None:
    return (((view.get("state") or {}).get("values") or {}).get(bid) or {}).get(aid)


def render_modal(view: dict[str, Any], errors: dict[str, str]) -> str:
    """A modal view as an HTML form; field names are ``block_id::action_id``. Inputs with
    ``dispatch_action`` submit the form as a block action when they change (the bot may then
    ``views.update`` the modal); values entered so far are shown again."""
    rows: list[str] = []
    for b in view.get("blocks", []):
        if b.get("type") != "input":
            rows.append(render_blocks([b], ts="", actions=False))
            continue
        el = b.get("element") or {}
        bid, aid, kind = b.get("block_id", ""), el.get("action_id", ""), el.get("type")
        name = html.escape(f"{bid}::{aid}")
        label = html.escape(str((b.get("label") or {}).get("text", "")))
        optional = b.get("optional", False)
        req = "" if optional else " required"
        entered = _entered(view, bid, aid)
        if entered is not None:  # what the user entered before a views.update wins over the initial value
            el = {**el, "initial_value": entered.get("value"), "initial_option": entered.get("selected_option"),
                  "initial_options": entered.get("selected_options")}
        dispatch = (f' data-dispatch="{name}"' if b.get("dispatch_action")
                    and kind in ("static_select", "radio_buttons", "checkboxes") else "")
        if kind == "plain_text_input":
            initial = html.escape(str(el.get("initial_value") or ""))
            if el.get("multiline"):
                field_html = f'<textarea name="{name}" rows="6"{req}>{initial}</textarea>'
            else:
                field_html = f'<input name="{name}" value="{initial}"{req}>'
        elif kind == "static_select":
            init = (el.get("initial_option") or {}).get("value")
            opts = "".join(f'<option value="{html.escape(str(o.get("value")))}"'
                           f'{" selected" if o.get("value") == init else ""}>'
                           f'{html.escape(str((o.get("text") or {}).get("text", "")))}</option>' for o in _options(el))
            field_html = f'<select name="{name}"{req}><option value="">—</option>{opts}</select>'
        elif kind in ("radio_buttons", "checkboxes"):
            typ = "radio" if kind == "radio_buttons" else "checkbox"
            init = {(el.get("initial_option") or {}).get("value")} | {
                o.get("value") for o in el.get("initial_options") or []}
            field_html = "".join(
                f'<label class="opt"><input type="{typ}" name="{name}" value="{html.escape(str(o.get("value")))}"'
                f'{" checked" if o.get("value") in init else ""}> {text_of(o.get("text"))}'
                + (f'<small>{text_of(o.get("description"))}</small>' if o.get("description") else "")
                + "</label>" for o in _options(el))
        elif kind == "users_select":
            opts = "".join(f'<option value="{uid}">{html.escape(u["real_name"])}</option>'
                           for uid, u in USERS.items() if uid != "U0BOT")
            field_html = f'<select name="{name}"{req}><option value="">—</option>{opts}</select>'
        else:
            field_html = f'<input name="{name}" placeholder="{html.escape(str(kind))}">'
        hint = f'<small class="hint">{text_of(b.get("hint"))}</small>' if b.get("hint") else ""
        err = f'<div class="err" role="alert">{html.escape(errors[bid])}</div>' if bid in errors else ""
        rows.append(f'<div class="field"{dispatch}><label>{label}{" (optional)" if optional else ""}</label>'
                    f"{field_html}{hint}{err}</div>")
    title = html.escape(str((view.get("title") or {}).get("text", "")))
    submit = html.escape(str((view.get("submit") or {}).get("text", ""))) if view.get("submit") else ""
    close = html.escape(str((view.get("close") or {}).get("text", "Cancel")))
    vid = html.escape(str(view.get("id")))
    buttons = (f'<button type="submit" class="sbtn primary" name="op" value="submit">{submit}</button>' if submit else "")
    return (f'<div class="modal-back"><form class="modal" method="post" action="/slack/ui/view" data-testid="modal">'
            f'<input type="hidden" name="view_id" value="{vid}"><input type="hidden" name="dispatch" value="">'
            f'<h3>{title}</h3>{"".join(rows)}'
            f'<div class="modal-buttons"><button type="submit" class="sbtn" name="op" value="close" formnovalidate>'
            f"{close}</button>{buttons}</div></form></div>{_DISPATCH_SCRIPT}")


# A changed dispatching input posts the form as a block action (no validation: the modal is not submitted).
_DISPATCH_SCRIPT = """<script>
document.querySelectorAll("[data-dispatch]").forEach(function (field) {
  field.addEventListener("change", function () {
    var form = field.closest("form");
    form.querySelector("input[name=dispatch]").value = field.getAttribute("data-dispatch");
    form.submit();
  });
});
</script>"""
