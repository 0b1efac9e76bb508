"""Requests from another workspace or enterprise are refused (Slack Connect).

In a channel shared with another organization (Slack Connect), people of that organization see the
ticket messages and can press their buttons, run shortcuts on them, or mention the bot; their
requests reach us signed with our signing secret like any other. Triage is for our own people only:
every team and enterprise id that names the *actor* of a request (``team``, ``team_id``,
``user.team_id``, ``enterprise``, ``enterprise_id``, and an event's ``user_team``/``source_team``)
must be the configured one (``SUPPORTBOT_SLACK_TEAM_ID`` / ``SUPPORTBOT_SLACK_ENTERPRISE_ID``, else
what ``auth.test`` said about our installation). Empty ids (Slack sends ``""`` for "none") are ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse

log = logging.getLogger(__name__)


def actor_ids(body: dict[str, Any]) -> tuple[set[str], set[str]]:
    """``(team ids, enterprise ids)`` that name who sent this request."""
    teams: set[str] = set()
    enterprises: set[str] = set()

    def add(target: set[str], value: Any) -> None:
        if isinstance(value, str) and value.strip():
            target.add(value.strip())

    team = body.get("team")
    if isinstance(team, dict):
        add(teams, team.get("id"))
        add(enterprises, team.get("enterprise_id"))
    else:
        add(teams, team)
    add(teams, body.get("team_id"))
    add(teams, body.get("user_team_id"))
    user = body.get("user")
    if isinstance(user, dict):
        add(teams, user.get("team_id"))
        add(enterprises, user.get("enterprise_id"))
    enterprise = body.get("enterprise")
    if isinstance(enterprise, dict):
        add(enterprises, enterprise.get("id"))
    else:
        add(enterprises, enterprise)
    add(enterprises, body.get("enterprise_id"))
    event = body.get("event")
    if isinstance(event, dict):
        add(teams, event.get("user_team"))
        add(teams, event.get("source_team"))
        add(teams, event.get("team"))
        add(enterprises, event.get("user_enterprise") if isinstance(event.get("user_enterprise"), str) else None)
    return teams, enterprises


def workspace_guard(*, team_id: str | None, enterprise_id: str | None) -> Callable[..., Any]:
    """A Bolt global middleware: ``app.middleware(workspace_guard(...))``."""

    def guard(body: dict[str, Any], context: Any, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name
        result = getattr(context, "authorize_result", None)
        our_team = team_id or getattr(result, "team_id", None)
        our_enterprise = enterprise_id or getattr(result, "enterprise_id", None)
        teams, enterprises = actor_ids(body)
        foreign_team = bool(our_team) and any(t != our_team for t in teams)
        foreign_enterprise = any(e != our_enterprise for e in enterprises)
        if foreign_team or foreign_enterprise:
            log.warning("Slack request from another workspace refused (type %s, teams %s, enterprises %s)",
                        body.get("type") or body.get("command"), sorted(teams), sorted(enterprises))
            if body.get("type") == "event_callback":
                return BoltResponse(status=200, body="")  # acknowledged and ignored: no retries
            return BoltResponse(status=403, body="This app only serves its own workspace.")
        return next()

    return guard
