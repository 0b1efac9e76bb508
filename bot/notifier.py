"""The outbox transport for kind ``slack``: ticket messages and thread messages.

Payloads name a ticket and an operation; the message is rendered from the *current* ticket row at
delivery time (so a late or retried update never shows stale fields, and two queued updates both
show the latest state). Errors carry a verdict (house style rule 8):

* HTTP 429 / ``ratelimited``: transient, retried after Slack's ``Retry-After``
  (https://api.slack.com/apis/rate-limits);
* 5xx, ``internal_error``/``fatal_error``/``service_unavailable``/``request_timeout``, timeouts and
  connection errors: transient, bounded exponential backoff by the dispatcher;
* everything that an operator must fix (``channel_not_found``, ``not_in_channel``, ``invalid_blocks``,
  ``invalid_auth``, ``missing_scope``, ``is_archived``, ...): permanent, parked with the reason.

Unknown error codes are treated as transient: the dispatcher's attempt limit bounds them and parks
them with the code, which is safer than dropping a ticket message on a code Slack adds tomorrow.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import threading
import urllib.error
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import Rendered, thread_text, ticket_message
from intake.domain.policy import Policy
from intake.outbox import INTERRUPTED, DeliveryError
from intake.store.models import OutboxItem, Ticket

log = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_blocks", "invalid_blocks_format",
    "msg_too_long", "no_text", "too_many_attachments", "invalid_auth", "not_authed", "account_inactive",
    "token_revoked", "token_expired", "no_permission", "missing_scope", "org_login_required",
    "ekm_access_denied", "restricted_action", "cant_update_message", "edit_window_closed",
    "message_not_found", "invalid_arguments", "invalid_arg_name", "invalid_charset", "invalid_form_data",
    "invalid_post_type", "missing_post_type", "team_added_to_org", "channel_is_archived",
    "as_user_not_supported", "invalid_metadata_format", "invalid_metadata_schema", "metadata_too_large",
})
TRANSIENT_ERRORS = frozenset({
    "ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable",
    "request_timeout", "team_is_restricted_temporarily",
})
DEFAULT_RETRY_AFTER = 30.0

OPS = ("post_ticket", "update_ticket", "thread_message", "channel_message")
UNTRUSTED_KINDS = frozenset({"customer_follow_up"})


METADATA_EVENT = "supportbot_ticket"  # message metadata event_type of a ticket's triage message
LOOKUP_PAGES = 3
LOOKUP_LIMIT = 200
LOOKUP_SLACK_SECONDS = 60.0  # clocks of the DB and Slack differ a little


def _maybe_landed(item: OutboxItem) -> bool:
    """Whether an earlier attempt of this item may have reached Slack: its dispatcher died mid-call
    (the outbox says so) or the call timed out / lost its connection."""
    last = item.last_error or ""
    return last.startswith(INTERRUPTED) or last.startswith("slack unreachable")


def classify(exc: Exception) -> DeliveryError:
    """Turn a Slack client failure into a DeliveryError with its verdict."""
    if isinstance(exc, SlackApiError):
        resp = exc.response
        status = getattr(resp, "status_code", None) or 0
        data = resp.data if isinstance(getattr(resp, "data", None), dict) else {}
        code = str(data.get("error") or f"http_{status}")
        detail = data.get("response_metadata", {}).get("messages") if isinstance(data.get("response_metadata"), dict) else None
        reason = f"slack {code}" + (f": {'; '.join(map(str, detail))[:500]}" if detail else "")
        if status == 429 or code in ("ratelimited", "rate_limited"):
            retry_after = _retry_after(getattr(resp, "headers", {}) or {})
            return DeliveryError(f"{reason} (retry after {retry_after:g} s)", transient=True, retry_after=retry_after)
        if status >= 500 or code in TRANSIENT_ERRORS:
            return DeliveryError(reason, transient=True)
        if code in PERMANENT_ERRORS:
            return DeliveryError(reason, transient=False)
        return DeliveryError(f"{reason} (unknown code; retried a bounded number of times)", transient=True)
    if isinstance(exc, TimeoutError | socket.timeout | ConnectionError | urllib.error.URLError):
        return DeliveryError(f"slack unreachable: {type(exc).__name__}: {exc}"[:500], transient=True)
    return DeliveryError(f"slack call failed: {type(exc).__name__}: {exc}"[:500], transient=True)


def _retry_after(headers: Any) -> float:
    value = None
    for key in ("Retry-After", "retry-after"):
        raw = headers.get(key) if hasattr(headers, "get") else None
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        if raw is not None:
            value = raw
            break
    try:
        return max(float(value), 1.0) if value is not None else DEFAULT_RETRY_AFTER
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


def make_client(token: str, *, base_url: str, timeout: float) -> WebClient:
    """A WebClient that never retries on its own: the outbox owns retries (and their log lines)."""
    return WebClient(token=token, base_url=base_url, timeout=max(int(timeout), 1), retry_handlers=[])


class SlackNotifier:
    """Outbox transport for ``kind == "slack"`` items."""

    def __init__(self, client: WebClient, *, factory: sessionmaker[Session], channel: str, policy: Policy,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        if not channel:
            raise ValueError("the Slack triage channel is not configured (SUPPORTBOT_SLACK_TRIAGE_CHANNEL)")
        self.client = client
        self.factory = factory
        self.channel = channel
        self.policy = policy
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._lock = threading.Lock()
        self._cooldown_until: dt.datetime | None = None

    def deliver(self, item: OutboxItem) -> dict[str, Any] | None:
        payload = item.payload or {}
        op = payload.get("op")
        if op not in OPS:
            raise DeliveryError(f"unknown slack op {op!r}", transient=False)
        self._respect_cooldown()
        try:
            return self._deliver(item, op, payload)
        except SlackApiError as exc:
            error = classify(exc)
        except (TimeoutError, OSError, urllib.error.URLError) as exc:
            error = classify(exc)
        if error.retry_after is not None:
            # Slack: after a 429 wait Retry-After before *any* further call of this method family,
            # not just this one; later items wait without calling (no 429 storm during an outage).
            with self._lock:
                until = self.clock() + dt.timedelta(seconds=error.retry_after)
                self._cooldown_until = max(self._cooldown_until or until, until)
        raise error

    def _respect_cooldown(self) -> None:
        with self._lock:
            until = self._cooldown_until
        if until is None:
            return
        left = (until - self.clock()).total_seconds()
        if left > 0:
            raise DeliveryError(f"slack rate limit: waiting {left:.0f} s more (Retry-After)", transient=True,
                                retry_after=left)
        with self._lock:
            self._cooldown_until = None

    def _deliver(self, item: OutboxItem, op: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        if op == "channel_message":  # not about one ticket (the clock's daily digest)
            return self._channel_message(payload)
        ticket_id = payload.get("ticket_id")
        with self.factory() as session:
            ticket = session.get(Ticket, ticket_id) if isinstance(ticket_id, int) else None
            if ticket is None:
                raise DeliveryError(f"no ticket {ticket_id!r}", transient=False)
            session.expunge(ticket)
            superseded = op == "update_ticket" and ticket.slack_ts and self._newer_update_pending(session, item)
        if op == "thread_message":
            return self._thread_message(ticket, payload)
        if superseded:
            # Messages render the current row: a later queued update will show the same state, so
            # this one is skipped (fewer calls while Slack rate-limits a burst of changes).
            return {"skipped": "superseded by a later update", "posted": False}
        rendered = ticket_message(ticket, policy=self.policy, now=self.clock())
        # A post whose ticket already has a message (the on_done hook ran, e.g. a requeued post)
        # updates it; an update whose post never happened posts: either way exactly one ticket
        # message, showing the current state.
        if not ticket.slack_ts:
            if op == "post_ticket" and _maybe_landed(item):
                found = self._already_posted(ticket, item)
                if found is not None:
                    log.warning("ticket %s: the interrupted post had landed (%s); updating it, not posting again",
                                ticket.token, found["ts"])
                    ticket.slack_channel, ticket.slack_ts = found["channel"], found["ts"]
                    self._update(ticket, rendered)
                    return {**found, "posted": True, "recovered": True}
            return self._post(rendered, ticket)
        try:
            return self._update(ticket, rendered)
        except SlackApiError as exc:
            if (exc.response.data or {}).get("error") != "message_not_found":
                raise
            # Someone deleted the ticket message: post it again (the old thread stays where it was).
            log.warning("ticket %s: Slack message %s is gone; posting it again", ticket.token, ticket.slack_ts)
            return {**self._post(rendered, ticket), "replaced": ticket.slack_ts}

    @staticmethod
    def _newer_update_pending(session: Session, item: OutboxItem) -> bool:
        if item.id is None or item.ticket_id is None:
            return False
        later = session.scalars(select(OutboxItem).where(
            OutboxItem.ticket_id == item.ticket_id, OutboxItem.kind == "slack", OutboxItem.id > item.id,
            OutboxItem.state == "pending")).all()
        return any((i.payload or {}).get("op") == "update_ticket" for i in later)

    def _post(self, rendered: Rendered, ticket: Ticket | None = None) -> dict[str, Any]:
        # The ticket token rides along as message metadata (no extra scope to write): after a crash
        # with this call in flight, the retry finds the message instead of posting a second one.
        metadata = ({"event_type": METADATA_EVENT, "event_payload": {"ticket": ticket.token}}
                    if ticket is not None and ticket.token else None)
        resp = self.client.chat_postMessage(channel=self.channel, text=rendered.text, blocks=rendered.blocks,
                                            unfurl_links=False, unfurl_media=False, metadata=metadata)
        return {"channel": resp["channel"], "ts": resp["ts"], "posted": True}

    def _already_posted(self, ticket: Ticket, item: OutboxItem) -> dict[str, Any] | None:
        """On recovery only (the previous attempt may have landed: its dispatcher died mid-call, or
        the call timed out): the ticket's message in the triage channel, found by its metadata.

        Narrow on purpose: ``conversations.history`` from just before the item was queued
        (``oldest``), at most ``LOOKUP_PAGES`` pages of ``LOOKUP_LIMIT``; any failure (e.g. the
        ``channels:history`` scope not granted) means "not found" and the post goes ahead
        (docs/slack.md: the trade-off)."""
        created = item.created_at or self.clock()
        if created.tzinfo is None:
            created = created.replace(tzinfo=dt.UTC)
        oldest = f"{created.timestamp() - LOOKUP_SLACK_SECONDS:.6f}"
        cursor: str | None = None
        try:
            for _ in range(LOOKUP_PAGES):
                resp = self.client.conversations_history(channel=self.channel, oldest=oldest, limit=LOOKUP_LIMIT,
                                                         include_all_metadata=True, cursor=cursor)
                for message in resp.get("messages") or []:
                    meta = message.get("metadata") or {}
                    if (meta.get("event_type") == METADATA_EVENT
                            and (meta.get("event_payload") or {}).get("ticket") == ticket.token):
                        return {"channel": self.channel, "ts": message["ts"]}
                cursor = ((resp.get("response_metadata") or {}).get("next_cursor")) or None
                if not resp.get("has_more") or not cursor:
                    return None
        except (SlackApiError, TimeoutError, OSError, urllib.error.URLError) as exc:
            log.warning("ticket %s: could not look for an earlier post (%s); posting", ticket.token,
                        classify(exc).reason)
            return None
        log.warning("ticket %s: no earlier post in the last %d messages; posting", ticket.token,
                    LOOKUP_PAGES * LOOKUP_LIMIT)
        return None

    def _update(self, ticket: Ticket, rendered: Rendered) -> dict[str, Any]:
        resp = self.client.chat_update(channel=ticket.slack_channel or self.channel, ts=str(ticket.slack_ts),
                                       text=rendered.text, blocks=rendered.blocks)
        return {"channel": resp.get("channel", ticket.slack_channel), "ts": resp.get("ts", ticket.slack_ts),
                "posted": False}

    def _thread_message(self, ticket: Ticket, payload: dict[str, Any]) -> dict[str, Any]:
        if not ticket.slack_ts:
            # The per-ticket ordering key normally delivers the post first; when it was parked, wait.
            raise DeliveryError(f"ticket {ticket.token} has no Slack message yet", transient=True)
        # Customer follow-ups carry the customer's words: escaped. Notes written by the services (and
        # the clock's nags) are ours and may mention people on purpose.
        rendered = thread_text(str(payload.get("text") or ""),
                               untrusted=payload.get("kind") in UNTRUSTED_KINDS)
        blocks = payload.get("blocks") or rendered.blocks
        resp = self.client.chat_postMessage(channel=ticket.slack_channel or self.channel,
                                            thread_ts=ticket.slack_ts, text=rendered.text, blocks=blocks,
                                            unfurl_links=False, unfurl_media=False)
        if payload.get("kind") == "nag":
            self._refresh(ticket)
        return {"channel": resp["channel"], "ts": resp["ts"], "thread_ts": ticket.slack_ts, "posted": False}

    def _refresh(self, ticket: Ticket) -> None:
        """Best effort: a nag also refreshes the ticket message's "due in ..." line. Not retried on its
        own (a retry would repeat the nag already posted); the next change updates it anyway."""
        try:
            self._update(ticket, ticket_message(ticket, policy=self.policy, now=self.clock()))
        except (SlackApiError, OSError, urllib.error.URLError) as exc:
            log.info("ticket %s: message not refreshed after a nag: %s", ticket.token, classify(exc).reason)

    def _channel_message(self, payload: dict[str, Any]) -> dict[str, Any]:
        text = str(payload.get("text") or "")
        if not text:
            raise DeliveryError("channel_message without text", transient=False)
        rendered = thread_text(text, untrusted=payload.get("kind") in UNTRUSTED_KINDS)
        resp = self.client.chat_postMessage(channel=str(payload.get("channel") or self.channel), text=rendered.text,
                                            blocks=payload.get("blocks") or rendered.blocks,
                                            unfurl_links=False, unfurl_media=False)
        return {"channel": resp["channel"], "ts": resp["ts"], "posted": False}


def on_slack_done(session: Session, item: OutboxItem, result: dict[str, Any] | None) -> None:
    """Dispatcher hook (same transaction as marking the item done): remember where the ticket lives."""
    if not result or not result.get("posted"):
        return
    ticket = session.get(Ticket, item.ticket_id or (item.payload or {}).get("ticket_id"))
    if ticket is not None and (not ticket.slack_ts or ticket.slack_ts == result.get("replaced")):
        ticket.slack_channel = result["channel"]
        ticket.slack_ts = result["ts"]


def build_notifier(settings: Any, *, factory: sessionmaker[Session], policy: Policy,
                   client: WebClient | None = None) -> SlackNotifier:
    """Wiring: the transport from settings (called by the worker when Slack is configured)."""
    if client is None:
        if settings.slack_bot_token is None:
            raise ValueError("SLACK_BOT_TOKEN is not set")
        client = make_client(settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url,
                             timeout=settings.http_timeout)
    return SlackNotifier(client, factory=factory, channel=settings.slack_triage_channel or "", policy=policy)
