"""The reminder's Slack text: time left or late in words, in the support calendar's zone, and the
mentions of the escalation chain (Slack's ``<@U123>`` / ``<!subteam^S123>`` markup)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from intake.domain.calendar import aware_utc
from intake.domain.durations import duration_words
from intake.domain.nag_policy import GROUP_ID, USER_ID, Role, Stage
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.domain.sla import support_time_between

# -- mentions and the message --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Mention:
    role: Role
    slack_id: str

    @property
    def markup(self) -> str:
        """Slack's mention syntax: ``<@U123>`` for a user, ``<!subteam^S123>`` for a user group."""
        if GROUP_ID.match(self.slack_id):
            return f"<!subteam^{self.slack_id}>"
        return f"<@{self.slack_id}>"


def mentions_for(stage: Stage, *, assignee: str | None, policy: Policy) -> list[Mention]:
    """Who is named at this stage of the escalation chain (assignee -> on-call group -> lead).

    While nobody claimed the ticket, the on-call group stands in for the assignee: a reminder that
    names nobody is one nobody reads.
    """
    np_ = policy.nag
    out: list[Mention] = []
    for role in np_.escalation[stage]:
        if role == "assignee":
            if assignee and USER_ID.match(assignee):
                out.append(Mention("assignee", assignee))
            elif np_.oncall_group:
                out.append(Mention("oncall", np_.oncall_group))
        elif role == "oncall" and np_.oncall_group:
            out.append(Mention("oncall", np_.oncall_group))
        elif role == "lead" and np_.lead:
            out.append(Mention("lead", np_.lead))
    seen: set[str] = set()
    unique = []
    for m in out:
        if m.slack_id not in seen:
            seen.add(m.slack_id)
            unique.append(m)
    return unique


def slack_time(instant: dt.datetime) -> str:
    """An instant for Slack: ``<!date^…>`` shows it in each reader's own time zone (Slack's date
    formatting); clients that cannot render it show the fallback, in UTC with the zone named. One
    format for the ticket card, the nags and the notes."""
    utc = aware_utc(instant, "instant")
    fallback = utc.strftime("%a %d %b %Y, %H:%M UTC")
    return f"<!date^{int(utc.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def local_words(instant: dt.datetime, policy: Policy) -> str:
    """``Mon 30 Nov 2026, 14:00 CET``: an instant in the support calendar's time zone."""
    return policy.calendar.local(instant).strftime("%a %d %b %Y, %H:%M %Z")


def nag_message(*, token: str, severity: Severity, due: dt.datetime, now: dt.datetime, policy: Policy,
                stage: Stage, mentions: Sequence[Mention] = (), assignee: str | None = None) -> str:
    """The reminder's Slack text: how much time is left (or how late it is), in words, in the
    support calendar's time zone, then the mentions. No customer content: tokens and times only."""
    due, now = aware_utc(due, "due"), aware_utc(now, "now")
    rule = policy.rules[severity]
    head = f"*{token}* ({severity.name} {rule.name})"
    if stage == "reminder":
        left = support_time_between(severity, now, due, policy)
        # Support hours are the calendar's: its zone is named once, where the count depends on it.
        counted = (f" of support time left (support days in {policy.calendar.timezone})"
                   if rule.hours == "24/5" else " left")
        text = (f":alarm_clock: {head}: no initial response yet. {duration_words(left)}{counted}; "
                f"due {slack_time(due)}.")
    else:
        late = now - due
        label = ":rotating_light:" if stage == "breach" else ":bangbang:"
        text = (f"{label} {head}: initial-response target missed {duration_words(late)} ago "
                f"(due {slack_time(due)}). Please respond to the customer now.")
    if not assignee:
        text += " Nobody has claimed it yet."
    if mentions:
        text += " " + " ".join(m.markup for m in mentions)
    return text
