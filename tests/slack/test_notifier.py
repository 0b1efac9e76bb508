"""The Slack outbox transport against the fake Web API: posts, in-place updates, threads, verdicts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.notifier import SlackNotifier, classify
from intake import services
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.outbox import DeliveryError, Dispatcher
from intake.store.models import OutboxItem, Ticket
from tests.peers.slack import CHANNEL, FakeSlack
from tests.slack.conftest import Clock, drain, new_ticket


def _blocks(call: Any) -> list[dict[str, Any]]:
    blocks = call.params["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def _states(factory: sessionmaker[Session]) -> list[tuple[str, str]]:
    with factory() as s:
        return [(i.payload["op"], i.state) for i in s.scalars(select(OutboxItem).where(OutboxItem.kind == "slack")
                                                              .order_by(OutboxItem.id))]


def test_new_ticket_is_posted_once_and_its_ts_stored(factory: sessionmaker[Session], policy: Policy, clock: Clock,
                                                      dispatcher: Dispatcher, slack_api: FakeSlack) -> None:
    tid = new_ticket(factory, policy, clock)
    drain(dispatcher, clock)
    posts = slack_api.calls_to("chat.postMessage")
    assert len(posts) == 1 and posts[0].params["channel"] == CHANNEL
    assert "SB-000" in posts[0].params["text"]
    with factory() as s:
        t = s.get(Ticket, tid)
        assert t is not None and t.slack_ts == posts[0].response["ts"] and t.slack_channel == CHANNEL


def test_changes_update_the_same_message_in_place(factory: sessionmaker[Session], policy: Policy, clock: Clock,
                                                  dispatcher: Dispatcher, slack_api: FakeSlack) -> None:
    tid = new_ticket(factory, policy, clock)
    drain(dispatcher, clock)
    clock.advance(minutes=5)
    with factory() as s, s.begin():
        services.set_severity(s, tid, Severity.S1, policy=policy, now=clock(), actor="U0AGENT001",
                              reason="shop takes no orders")
        services.assign(s, tid, assignee="U0AGENT001", now=clock(), actor="U0AGENT001")
    drain(dispatcher, clock)
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    updates = slack_api.calls_to("chat.update")
    assert len(updates) == 1  # two changes queued together: one update shows both
    ts = slack_api.calls_to("chat.postMessage")[0].response["ts"]
    assert all(u.params["ts"] == ts and u.params["channel"] == CHANNEL for u in updates)
    # Rendered from the current row at delivery time: it shows the latest state.
    last = str(_blocks(updates[-1]))
    assert "S1 Critical Incident" in last and "<@U0AGENT001>" in last and "due in 55 min" in last


def test_thread_messages_go_into_the_tickets_thread(factory: sessionmaker[Session], policy: Policy, clock: Clock,
                                                     dispatcher: Dispatcher, slack_api: FakeSlack) -> None:
    tid = new_ticket(factory, policy, clock)
    with factory() as s, s.begin():
        services.customer_follow_up(s, tid, now=clock(), message_id="<f1@acme.example>",
                                    text_for_thread="Customer: it also fails on mobile.")
    drain(dispatcher, clock)
    post, thread = slack_api.calls_to("chat.postMessage")[:2]
    assert "thread_ts" not in post.params
    assert thread.params["thread_ts"] == post.response["ts"]
    assert "also fails on mobile" in thread.params["text"]


def test_rejected_follow_up_shows_only_the_types_in_the_thread(factory: sessionmaker[Session], policy: Policy,
                                                               clock: Clock, dispatcher: Dispatcher,
                                                               slack_api: FakeSlack) -> None:
    tid = new_ticket(factory, policy, clock)
    with factory() as s, s.begin():
        services.customer_follow_up(s, tid, now=clock(), message_id="<f2@acme.example>",
                                    rejected_types={"CREDIT_CARD": 1, "PERSON": 2})
    drain(dispatcher, clock)
    thread = [c for c in slack_api.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    assert len(thread) == 1
    assert "CREDIT_CARD ×1" in thread[0].params["text"] and "rejected" in thread[0].params["text"]


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "invalid_blocks"])
def test_permanent_slack_errors_park_the_item_with_the_reason(error: str, factory: sessionmaker[Session],
                                                              policy: Policy, clock: Clock, dispatcher: Dispatcher,
                                                              slack_api: FakeSlack) -> None:
    new_ticket(factory, policy, clock)
    slack_api.fail("chat.postMessage", error, times=1)
    drain(dispatcher, clock)
    with factory() as s:
        item = s.scalars(select(OutboxItem).where(OutboxItem.kind == "slack")).one()
        assert item.state == "parked" and error in (item.last_error or "")
    assert len(slack_api.calls) == 1  # not retried


def test_server_errors_are_retried_with_backoff_until_delivered(factory: sessionmaker[Session], policy: Policy,
                                                                clock: Clock, dispatcher: Dispatcher,
                                                                slack_api: FakeSlack) -> None:
    new_ticket(factory, policy, clock)
    slack_api.fail("chat.postMessage", "internal_error", times=2, status=500)
    drain(dispatcher, clock, step=5)
    assert [c.status for c in slack_api.calls] == [500, 500, 200]
    assert _states(factory) == [("post_ticket", "done")]


def test_429_is_retried_after_slacks_retry_after(factory: sessionmaker[Session], policy: Policy, clock: Clock,
                                                 dispatcher: Dispatcher, slack_api: FakeSlack) -> None:
    new_ticket(factory, policy, clock)
    slack_api.rate_limit(times=1, retry_after=7)
    start = clock()
    dispatcher.dispatch_once(now=clock())
    with factory() as s:
        item = s.scalars(select(OutboxItem).where(OutboxItem.kind == "slack")).one()
        assert item.state == "pending" and item.next_attempt_at == start + dt.timedelta(seconds=7)
    dispatcher.dispatch_once(now=clock.advance(seconds=6))
    assert len(slack_api.calls) == 1  # honoured: not before Retry-After
    dispatcher.dispatch_once(now=clock.advance(seconds=1))
    assert [c.status for c in slack_api.calls] == [429, 200]


def test_an_update_whose_post_was_parked_posts_the_message(factory: sessionmaker[Session], policy: Policy,
                                                           clock: Clock, dispatcher: Dispatcher,
                                                           slack_api: FakeSlack) -> None:
    tid = new_ticket(factory, policy, clock)
    slack_api.fail("chat.postMessage", "not_in_channel")
    drain(dispatcher, clock)
    with factory() as s, s.begin():  # an operator invites the bot; the next change posts the message
        services.assign(s, tid, assignee="U0AGENT001", now=clock(), actor="U0AGENT001")
    drain(dispatcher, clock)
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    with factory() as s:
        assert s.get(Ticket, tid).slack_ts is not None  # type: ignore[union-attr]


def test_timeouts_and_unknown_codes_are_transient_and_auth_errors_permanent() -> None:
    assert classify(TimeoutError("read timed out")).transient
    assert classify(ConnectionRefusedError()).transient
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web import SlackResponse

    def err(code: str, status: int = 200) -> DeliveryError:
        resp = SlackResponse(client=None, http_verb="POST", api_url="x", req_args={}, data={"ok": False, "error": code},
                             headers={}, status_code=status)
        return classify(SlackApiError("x", resp))

    assert not err("invalid_auth").transient
    assert err("something_new").transient
    assert err("fatal_error").transient


def test_an_unknown_op_is_parked_not_retried(factory: sessionmaker[Session], notifier: SlackNotifier) -> None:
    item = OutboxItem(kind="slack", payload={"op": "dance", "ticket_id": 1}, dedupe_key="x")
    with pytest.raises(DeliveryError) as err:
        notifier.deliver(item)
    assert not err.value.transient


def test_customer_follow_up_text_cannot_ping_the_channel(factory: sessionmaker[Session], policy: Policy,
                                                         clock: Clock, dispatcher: Dispatcher,
                                                         slack_api: FakeSlack) -> None:
    tid = new_ticket(factory, policy, clock)
    with factory() as s, s.begin():
        services.customer_follow_up(s, tid, now=clock(), message_id="<f3@acme.example>",
                                    text_for_thread="<!channel> call me <https://evil.example|now>")
    drain(dispatcher, clock)
    thread = [c for c in slack_api.calls_to("chat.postMessage") if c.params.get("thread_ts")][0]
    assert "<!channel>" not in thread.params["text"] and "&lt;!channel&gt;" in thread.params["text"]
    assert "<!channel>" not in json.dumps(thread.params["blocks"])


def test_nags_go_to_the_thread_with_their_mentions_and_refresh_the_sla_line(
        factory: sessionmaker[Session], policy: Policy, clock: Clock, dispatcher: Dispatcher,
        slack_api: FakeSlack) -> None:
    from intake.nagging import sweep_nags

    tid = new_ticket(factory, policy, clock, requested_severity=Severity.S1)
    drain(dispatcher, clock)
    clock.advance(minutes=50)  # 10 minutes before an S1 target: the clock's sweep nags
    sweep_nags(factory, policy=policy, now=clock())
    drain(dispatcher, clock)
    with factory() as s:
        ts = s.get(Ticket, tid).slack_ts  # type: ignore[union-attr]
    nags = [c for c in slack_api.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]
    assert nags, "the sweep's nag reached the thread"
    assert "&lt;" not in nags[0].params["text"]  # our own text: mentions stay mentions
    assert "due in 10 min" in json.dumps(slack_api.calls_to("chat.update")[-1].params["blocks"])


def test_the_daily_digest_goes_to_the_triage_channel(factory: sessionmaker[Session], clock: Clock,
                                                     dispatcher: Dispatcher, slack_api: FakeSlack) -> None:
    from intake.outbox import enqueue

    with factory() as s, s.begin():
        enqueue(s, kind="slack", dedupe_key="digest:test", now=clock(),
                payload={"op": "channel_message", "kind": "digest", "text": "*Open tickets*: 3"})
    drain(dispatcher, clock)
    post = slack_api.calls_to("chat.postMessage")[0]
    assert post.params["channel"] == CHANNEL and "thread_ts" not in post.params
    assert post.params["text"] == "*Open tickets*: 3"


def test_after_a_429_no_other_call_is_made_until_retry_after_passes(
        factory: sessionmaker[Session], policy: Policy, clock: Clock, dispatcher: Dispatcher,
        slack_api: FakeSlack) -> None:
    new_ticket(factory, policy, clock, subject="one")
    new_ticket(factory, policy, clock, subject="two")
    slack_api.rate_limit(times=1, retry_after=5)
    dispatcher.dispatch_once(now=clock())
    assert [c.status for c in slack_api.calls] == [429]  # the second ticket waited without calling
    dispatcher.dispatch_once(now=clock.advance(seconds=3))
    assert len(slack_api.calls) == 1
    clock.advance(seconds=2)
    drain(dispatcher, clock)
    assert [c.status for c in slack_api.calls] == [429, 200, 200]


def test_a_long_rate_limited_burst_parks_nothing(factory: sessionmaker[Session], policy: Policy, clock: Clock,
                                                dispatcher: Dispatcher, slack_api: FakeSlack) -> None:
    for i in range(3):
        new_ticket(factory, policy, clock, subject=f"burst {i}")
    slack_api.rate_limit(times=dispatcher.retry.max_attempts * 3, retry_after=1)
    drain(dispatcher, clock, rounds=200, step=1.0)
    assert _states(factory) == [("post_ticket", "done")] * 3
    assert len(slack_api.calls_to("chat.postMessage")) == 3


def test_updates_queued_behind_a_later_update_are_skipped(factory: sessionmaker[Session], policy: Policy,
                                                         clock: Clock, dispatcher: Dispatcher,
                                                         slack_api: FakeSlack) -> None:
    tid = new_ticket(factory, policy, clock)
    drain(dispatcher, clock)
    with factory() as s, s.begin():
        for assignee in ("U0A", "U0B", "U0C"):
            services.assign(s, tid, assignee=assignee, now=clock(), actor=assignee)
    drain(dispatcher, clock)
    updates = slack_api.calls_to("chat.update")
    assert len(updates) == 1 and "<@U0C>" in json.dumps(updates[0].params["blocks"])
    assert _states(factory) == [("post_ticket", "done")] + [("update_ticket", "done")] * 3


def test_a_deleted_ticket_message_is_posted_again(factory: sessionmaker[Session], policy: Policy, clock: Clock,
                                                  dispatcher: Dispatcher, slack_api: FakeSlack) -> None:
    tid = new_ticket(factory, policy, clock)
    drain(dispatcher, clock)
    first_ts = slack_api.calls_to("chat.postMessage")[0].response["ts"]
    slack_api.messages.clear()  # someone deleted it in Slack
    with factory() as s, s.begin():
        services.assign(s, tid, assignee="U0A", now=clock(), actor="U0A")
    drain(dispatcher, clock)
    posts = slack_api.calls_to("chat.postMessage")
    assert len(posts) == 2
    with factory() as s:
        t = s.get(Ticket, tid)
        assert t is not None and t.slack_ts == posts[1].response["ts"] != first_ts
    assert _states(factory)[-1] == ("update_ticket", "done")


def test_the_workers_wiring_builds_the_notifier_from_settings(factory: sessionmaker[Session], policy: Policy,
                                                               clock: Clock, settings: Any,
                                                               slack_api: FakeSlack) -> None:
    from bot.notifier import build_notifier, on_slack_done
    from intake.settings import load_settings

    notifier = build_notifier(settings, factory=factory, policy=policy)
    dispatcher = Dispatcher(factory, {"slack": notifier}, worker_id="wiring", on_done={"slack": on_slack_done})
    new_ticket(factory, policy, clock)
    dispatcher.dispatch_once(now=clock())
    assert slack_api.calls_to("chat.postMessage")[0].params["channel"] == CHANNEL
    with pytest.raises(ValueError, match="SUPPORTBOT_SLACK_TRIAGE_CHANNEL"):
        build_notifier(load_settings(slack_bot_token="xoxb-1"), factory=factory, policy=policy)
