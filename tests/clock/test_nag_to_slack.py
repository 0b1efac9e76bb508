"""End to end: a ticket's Slack post, then the clock's reminders land in its thread through the outbox
and the real Slack transport, against the loopback fake of the Slack Web API; the digest goes to the
channel. Mentions keep their Slack markup (they are ours, not customer text)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from bot.notifier import SlackNotifier, make_client, on_slack_done
from intake import services
from intake.clock import ClockJobs
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.nagging import sweep_nags
from intake.outbox import Dispatcher
from intake.settings import CONFIG_DIR, load_settings
from tests.peers.slack import CHANNEL, TOKEN, FakeSlack

from .helpers import local, open_ticket, ticket

T0 = local("2026-11-30 10:00")
POLICY = Policy.loads((CONFIG_DIR / "policy.toml").read_text()
                      .replace('# oncall_group = "S0123ABCD"', 'oncall_group = "S0ONCALL"')
                      .replace('# lead = "U0123ABCD"', 'lead = "U0LEAD"'), source="policy.toml")


def test_reminders_reach_the_ticket_thread_with_escalating_mentions(factory: sessionmaker[Session],
                                                                    slack_api: FakeSlack) -> None:
    now = [T0]
    notifier = SlackNotifier(make_client(TOKEN, base_url=slack_api.base_url, timeout=5), factory=factory,
                             channel=CHANNEL, policy=POLICY, clock=lambda: now[0])
    dispatcher = Dispatcher(factory, {"slack": notifier}, worker_id="test", on_done={"slack": on_slack_done})

    def at(when: dt.datetime) -> None:
        now[0] = when
        sweep_nags(factory, policy=POLICY, now=when)
        # One item per ticket per dispatch round (per-ticket order): deliver until idle, as the worker does.
        while dispatcher.dispatch_once(now=when).sent:
            pass

    tid = open_ticket(factory, Severity.S1, now=T0)
    at(T0)
    ts = ticket(factory, tid).slack_ts
    assert ts is not None
    with factory() as session, session.begin():
        services.assign(session, tid, assignee="U0ALICE", now=T0 + dt.timedelta(minutes=1), actor="U0ALICE")
    for minutes in (30, 45, 54, 60, 75):
        at(T0 + dt.timedelta(minutes=minutes))
    thread = [c.params for c in slack_api.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]
    texts = [p["text"] for p in thread]
    assert len(texts) == 5
    assert "30 minutes left" in texts[0] and texts[0].endswith("<@U0ALICE>")  # unescaped: a real mention
    assert "6 minutes left" in texts[2]
    assert "missed less than a minute ago" in texts[3] and texts[3].endswith("<@U0ALICE> <!subteam^S0ONCALL>")
    assert texts[4].endswith("<@U0ALICE> <!subteam^S0ONCALL> <@U0LEAD>")
    assert all(p["channel"] == CHANNEL for p in thread)


def test_digest_reaches_the_channel(factory: sessionmaker[Session], slack_api: FakeSlack) -> None:
    morning = local("2026-12-01 09:00")
    notifier = SlackNotifier(make_client(TOKEN, base_url=slack_api.base_url, timeout=5), factory=factory,
                             channel=CHANNEL, policy=POLICY, clock=lambda: morning)
    dispatcher = Dispatcher(factory, {"slack": notifier}, worker_id="test", on_done={"slack": on_slack_done})
    open_ticket(factory, Severity.S2, now=T0)
    jobs = ClockJobs(factory=factory, policy=POLICY, settings=load_settings(), clock=lambda: morning)
    assert jobs.digest()
    dispatcher.dispatch_once(now=morning)
    [digest] = [c.params for c in slack_api.calls_to("chat.postMessage") if "Support digest" in c.params["text"]]
    assert "thread_ts" not in digest and "S2 1 (1 breached)" in digest["text"]
