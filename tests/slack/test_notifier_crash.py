"""One triage post per ticket across crashes: a worker killed (SIGKILL) while ``chat.postMessage``
is in flight leaves the item ``sending``; the next worker finds the landed message by its metadata
(``conversations.history``, bounded, on recovery only) and updates it instead of posting again."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.notifier import METADATA_EVENT
from intake.domain.policy import Policy
from intake.outbox import Dispatcher
from intake.store.models import OutboxItem, Ticket
from tests.peers.slack import CHANNEL, TOKEN, FakeSlack
from tests.slack.conftest import Clock, drain, new_ticket
from tests.store.test_process_locks import eventually, kill9, spawn  # noqa: F401 - the spawn fixture

CHILD_POSTER = f"""
import datetime as dt, sys
from bot.notifier import SlackNotifier, make_client, on_slack_done
from intake.domain.policy import Policy
from intake.outbox import Dispatcher
from intake.settings import ROOT
from intake.store.db import make_engine, session_factory
factory = session_factory(make_engine(sys.argv[1]))
notifier = SlackNotifier(make_client({TOKEN!r}, base_url=sys.argv[2], timeout=60), factory=factory,
                         channel={CHANNEL!r}, policy=Policy.load(ROOT / "config" / "policy.toml"))
d = Dispatcher(factory, {{"slack": notifier}}, worker_id="child-worker", on_done={{"slack": on_slack_done}})
print("ready", flush=True)
d.dispatch_once(now=dt.datetime.now(dt.UTC))
"""


def _post_item(factory: sessionmaker[Session]) -> OutboxItem:
    with factory() as s:
        return s.scalars(select(OutboxItem).where(OutboxItem.kind == "slack")).one()


def test_a_post_in_flight_at_kill_9_is_found_and_updated_not_posted_twice(
        factory: sessionmaker[Session], policy: Policy, clock: Clock, dispatcher: Dispatcher,
        slack_api: FakeSlack, spawn) -> None:  # noqa: F811
    tid = new_ticket(factory, policy, clock)
    slack_api.delay = 1.5  # Slack takes its time: the worker dies with the call in flight
    child = spawn(CHILD_POSTER, slack_api.base_url, wait_for="ready")
    assert eventually(lambda: "chat.postMessage" in slack_api.arrived)
    kill9(child)
    [landed] = slack_api.wait_for("chat.postMessage")  # Slack still posts it; nobody hears the answer
    slack_api.delay = 0.0
    assert _post_item(factory).state == "sending"

    drain(dispatcher, clock)  # the next worker: the dead one's lock is free, its claim recovered at once

    assert len(slack_api.calls_to("chat.postMessage")) == 1
    [history] = slack_api.calls_to("conversations.history")
    assert history.params["channel"] == CHANNEL and history.params.get("oldest")
    assert history.params.get("include_all_metadata") in ("1", "true", True)
    [update] = slack_api.calls_to("chat.update")
    assert update.params["ts"] == landed.response["ts"]
    with factory() as s:
        ticket = s.get(Ticket, tid)
        assert ticket is not None and ticket.slack_ts == landed.response["ts"]
    assert _post_item(factory).state == "done"


def test_the_post_carries_the_ticket_token_as_metadata_and_a_plain_post_looks_nothing_up(
        factory: sessionmaker[Session], policy: Policy, clock: Clock, dispatcher: Dispatcher,
        slack_api: FakeSlack) -> None:
    tid = new_ticket(factory, policy, clock)
    drain(dispatcher, clock)
    [post] = slack_api.calls_to("chat.postMessage")
    metadata: Any = post.params["metadata"]
    metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
    with factory() as s:
        token = s.get(Ticket, tid).token  # type: ignore[union-attr]
    assert metadata == {"event_type": METADATA_EVENT, "event_payload": {"ticket": token}}
    assert slack_api.calls_to("conversations.history") == []  # the look-up is for recovery only


def test_without_the_history_scope_the_recovery_posts_again(
        factory: sessionmaker[Session], policy: Policy, clock: Clock, dispatcher: Dispatcher,
        slack_api: FakeSlack) -> None:
    new_ticket(factory, policy, clock)
    with factory() as s, s.begin():  # an item recovered from a dead dispatcher
        item = s.scalars(select(OutboxItem).where(OutboxItem.kind == "slack")).one()
        item.last_error = "interrupted while sending (dispatcher gone stopped); sent again"
    slack_api.fail("conversations.history", "missing_scope")
    drain(dispatcher, clock)
    assert len(slack_api.calls_to("chat.postMessage")) == 1  # posted (at least once), documented trade-off
    assert _post_item(factory).state == "done"
