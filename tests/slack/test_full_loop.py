"""The whole path in one test, and delivery under Slack rate limiting.

ticket created (services.open_ticket) -> posted (dispatcher + notifier -> fake Slack over HTTP) ->
severity set in a modal (signed requests) -> reply sent by the explicit "Reply to customer" message
shortcut with a preview -> the customer's email received by a real SMTP server (aiosmtpd) with the
threading headers -> the SLA clock stopped and the thread told so.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import blocks, views
from bot.app import SHORTCUT_REPLY
from intake import services
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.outbox import Dispatcher
from intake.store.models import OutboxItem, Ticket
from tests.peers.slack import CHANNEL, FakeSlack
from tests.slack.conftest import (
    AGENT,
    Clock,
    SlackSender,
    block_action,
    drain,
    new_ticket,
    opened_view,
    response_json,
    sample,
    select_value,
    text_value,
    view_submission,
    wait_until,
)


def _severity(factory: sessionmaker[Session], tid: int) -> str | None:
    with factory() as s:
        t = s.get(Ticket, tid)
        return t.effective_severity if t else None


def _message_shortcut(*, channel: str, message: dict[str, Any], user: str = AGENT) -> dict[str, Any]:
    """A message_action payload: the field set of java-slack-sdk's sample, with our values."""
    shape = sample("interactivity/java-MessageShortcutPayload.json")
    payload = {key: shape[key] for key in ("type", "callback_id", "trigger_id", "message_ts", "response_url",
                                           "message", "team", "channel", "user", "token", "action_ts")}
    payload.update({
        "callback_id": SHORTCUT_REPLY, "trigger_id": "1767226100.2222.reply", "message_ts": message["ts"],
        "response_url": "https://hooks.slack.com/app/T0SUPPORT1/2222/xyz", "message": message,
        "team": {"id": "T0SUPPORT1", "domain": "example-support"}, "channel": {"id": channel, "name": "support"},
        "user": {"id": user, "name": user.lower(), "team_id": "T0SUPPORT1"}, "token": "deprecated",
        "action_ts": "1767226100.000100"})
    return payload


def test_ticket_to_initial_response_in_one_loop(slack: SlackSender, slack_api: FakeSlack,
                                                factory: sessionmaker[Session], policy: Policy, clock: Clock,
                                                dispatcher: Dispatcher, smtp_sink: Any) -> None:
    # 1. created (an email ticket, S2 requested) and 2. posted.
    tid = new_ticket(factory, policy, clock, root_message_id="<root-7@acme.example>")
    drain(dispatcher, clock)
    post = slack_api.calls_to("chat.postMessage")[0]
    ts = post.response["ts"]
    with factory() as s:
        assert s.get(Ticket, tid).slack_ts == ts  # type: ignore[union-attr]

    # 3. severity set in a modal: S1, the shop takes no orders.
    clock.advance(minutes=10)
    slack.interaction(block_action(blocks.A_SEVERITY, value=str(tid), message_ts=ts))
    severity_view = opened_view(slack_api)
    resp = slack.interaction(view_submission(severity_view, {
        "severity": {"value": select_value("S1")}, "reason": {"value": text_value("checkout down for all")}}))
    assert resp.status_code == 200 and response_json(resp) == {}
    wait_until(lambda: _severity(factory, tid) == "S1")
    drain(dispatcher, clock)
    assert "due in 50 min" in json.dumps(slack_api.calls_to("chat.update")[-1].params["blocks"])

    # An engineer writes in the thread: internal, nothing goes to the customer.
    clock.advance(minutes=5)
    thread_message = {"type": "message", "user": AGENT, "ts": "1767226090.000200", "thread_ts": ts,
                      "text": "We are rolling back the 07:30 deploy; checkout works again in about 15 minutes."}
    assert smtp_sink.messages == []

    # 4. the explicit action: "Reply to customer" on that thread message -> compose -> preview -> send.
    slack.interaction(_message_shortcut(channel=CHANNEL, message=thread_message))
    compose = slack_api.wait_for("views.open", 2)[-1].params["view"]
    compose = json.loads(compose) if isinstance(compose, str) else compose
    assert compose["callback_id"] == views.V_REPLY
    initial = next(b for b in compose["blocks"] if b.get("block_id") == "text")["element"]["initial_value"]
    assert initial == thread_message["text"]
    preview = response_json(slack.interaction(view_submission(
        compose, {"text": {"value": text_value(initial)}}, view_id="V0LOOP0001")))
    assert preview["response_action"] == "update" and "initial response" in json.dumps(preview["view"])
    with factory() as s:
        assert s.get(Ticket, tid).initial_response_at is None  # type: ignore[union-attr]
    sent = slack.interaction(view_submission(preview["view"], {}, view_id="V0LOOP0001"))
    assert response_json(sent) == {"response_action": "clear"}

    # 5. the email, threaded under the customer's message.
    drain(dispatcher, clock)
    mails = smtp_sink.wait_for(1)
    assert len(mails) == 1
    mail = mails[0]
    assert mail.rcpt_tos == ["alice@acme.example"]
    assert mail.header("In-Reply-To") == "<root-7@acme.example>"
    assert "<root-7@acme.example>" in (mail.header("References") or "")
    token = services.token_for(tid)
    assert f"[{token}]" in (mail.header("Subject") or "")
    assert mail.header("Auto-Submitted") in (None, "no")  # a human reply, not an auto-reply
    assert "rolling back" in mail.text

    # 6. the clock stopped; the thread says so; the ticket message shows it.
    with factory() as s:
        t = s.get(Ticket, tid)
        assert t is not None
        assert t.initial_response_at == clock() and t.next_nag_at is None
        assert t.effective_severity == "S1"
    notes = [c.params["text"] for c in slack_api.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]
    assert any("Initial response sent" in n and f"<@{AGENT}>" in n for n in notes)
    assert "clock stopped: initial response" in json.dumps(slack_api.calls_to("chat.update")[-1].params["blocks"])


def test_rate_limited_slack_loses_nothing_duplicates_nothing_and_keeps_order(
        slack_api: FakeSlack, factory: sessionmaker[Session], policy: Policy, clock: Clock,
        dispatcher: Dispatcher) -> None:
    tickets = [new_ticket(factory, policy, clock, subject=f"problem {i}", root_message_id=f"<r{i}@acme.example>")
               for i in range(3)]
    with factory() as s, s.begin():
        for n, tid in enumerate(tickets):
            services.set_severity(s, tid, Severity.S1, policy=policy, now=clock(), actor=AGENT, reason="down")
            services.customer_follow_up(s, tid, now=clock(), message_id=f"<f{n}@acme.example>",
                                        text_for_thread=f"follow-up {n}")
            services.assign(s, tid, assignee=AGENT, now=clock(), actor=AGENT)
    slack_api.rate_limit(times=7, retry_after=2)  # Slack answers 429 for a while
    drain(dispatcher, clock, rounds=60, step=1.0)

    with factory() as s:
        items = s.scalars(select(OutboxItem).where(OutboxItem.kind == "slack").order_by(OutboxItem.id)).all()
        assert items and all(i.state == "done" for i in items), [(i.id, i.state, i.last_error) for i in items]
        ts_of = {t.id: t.slack_ts for t in s.scalars(select(Ticket))}
        skipped = [i for i in items if (i.result or {}).get("skipped")]
    assert len([c for c in slack_api.calls if c.status == 429]) == 7
    ok = [c for c in slack_api.calls if c.response.get("ok")]
    assert len(ok) == len(items) - len(skipped)  # every item delivered once (or superseded), none twice
    # Exactly one ticket message per ticket; per ticket: post first, then the rest in enqueue order.
    # Updates render the current row, so the ones queued behind a later update are skipped: the
    # last call per ticket is an update showing the final state.
    per_ticket: dict[str, list[Any]] = defaultdict(list)
    for c in ok:
        ts = c.params.get("thread_ts") or c.params.get("ts") or c.response.get("ts")
        per_ticket[ts].append(c)
    assert set(per_ticket) == set(ts_of.values())
    for calls in per_ticket.values():
        kinds = ["thread" if c.params.get("thread_ts") else c.method for c in calls]
        assert kinds == ["chat.postMessage", "thread", "chat.update"]
        final = json.dumps(calls[-1].params["blocks"])
        assert "S1 Critical Incident" in final and f"<@{AGENT}>" in final
    assert len(skipped) == 2 * len(tickets)
    follow_ups = [c.params["text"] for c in ok if c.params.get("thread_ts")]
    assert sorted(follow_ups) == ["follow-up 0", "follow-up 1", "follow-up 2"]
